"""mmseg-ccl: Cross Cooperative Learning for MMSegmentation 1.x."""
from setuptools import find_packages, setup

# Versions known to work together; see README "Install".
INSTALL_REQUIRES = [
    'torch==2.13.0',
    'torchvision==0.28.0',
    'mmcv==2.1.0',
    'mmengine==0.10.7',
    'mmsegmentation==1.2.2',
    'mmpretrain==1.2.0',
    # mmpretrain's TIMMBackbone builds timm models (the CamVid configs' EfficientNet-Lite0).
    'timm==1.0.31',
    # mmseg 1.2.2 imports these without declaring them.
    'ftfy',
    'regex',
    'numpy>=2,<3',
]

setup(
    name='mmseg_ccl',
    version='0.1.0',
    description='Cross Cooperative Learning (two DeepLabV3+ networks that '
    'exchange features) as an MMSegmentation 1.x plugin',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmseg_ccl', 'mmseg_ccl.*']),
    python_requires='>=3.10',
    install_requires=INSTALL_REQUIRES,
    extras_require={
        # efficientnet-lite-pytorch: the source model the EfficientNet-Lite0 weight
        # conversion is tested against; ruff: `make lint`.
        'tests': ['pytest', 'efficientnet-lite-pytorch==0.1.0', 'ruff'],
        # tools/deployment/pytorch2onnx.py: torch's exporter writes with onnxscript,
        # ONNX Runtime runs and checks the file.
        'deploy': ['onnx==1.23.2', 'onnxruntime==1.32.0', 'onnxscript==0.7.2'],
    },
    license='Apache-2.0',
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
