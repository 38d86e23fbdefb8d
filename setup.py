"""mmseg-ccl: Cross Cooperative Learning for MMSegmentation 1.x."""
import os
import os.path as osp
import shutil
import sys
from typing import List, Optional

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))
# What `mim train / test / search / run mmseg_ccl ...` reads from the installed package.
MIM_FILES = ('configs', 'tools', 'model-index.yml')
# Left out of a wheel: the study (tools/study), which works from a checkout of the repository.
NOT_SHIPPED = ('__pycache__', 'study')


def parse_requirements(name: str) -> List[str]:
    """The requirement lines of ``requirements/<name>.txt`` (ranges, as written)."""
    with open(osp.join(ROOT, 'requirements', f'{name}.txt')) as f:
        lines = (line.split('#', 1)[0].strip() for line in f)
        return [line for line in lines if line]


def add_mim_extension(mode: Optional[str] = None) -> None:
    """Put ``configs``, ``tools`` (less the study) and ``model-index.yml`` under
    ``mmseg_ccl/.mim``, as OpenMMLab packages do: links (``mode='symlink'``) for an editable
    install, copies (``'copy'``) for a wheel or sdist (``MANIFEST.in`` says which of their
    files a wheel carries); by default the mode of the setup command being run, if any."""
    if mode is None and ('develop' in sys.argv or 'editable_wheel' in sys.argv):
        mode = 'symlink'
    elif mode is None and {'sdist', 'bdist_wheel'} & set(sys.argv):
        mode = 'copy'
    elif mode is None:
        return
    mim_path = osp.join(ROOT, 'mmseg_ccl', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(ROOT, name), osp.join(mim_path, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(*NOT_SHIPPED))
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmseg_ccl',
        version='0.1.0',
        description='Cross Cooperative Learning (two DeepLabV3+ networks that '
        'exchange features) as an MMSegmentation 1.x plugin',
        long_description=open(osp.join(ROOT, 'README.md'), encoding='utf-8').read(),
        long_description_content_type='text/markdown',
        packages=find_packages(include=['mmseg_ccl', 'mmseg_ccl.*']),
        include_package_data=True,
        python_requires='>=3.8',
        # torch / torchvision are not declared, as in mmseg: a user's own build for
        # their CUDA stays (mmseg_ccl needs torch >= 2.1 and says so on import).
        install_requires=parse_requirements('runtime'),
        extras_require={
            'tests': parse_requirements('tests'),
            'tools': parse_requirements('tools'),
            'deploy': parse_requirements('deploy'),
        },
        license='Apache-2.0',
        classifiers=[
            'Programming Language :: Python :: 3',
            'Programming Language :: Python :: 3.8',
            'Programming Language :: Python :: 3.11',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        zip_safe=False,
    )
