"""The shipped configs through the clients mmseg users reach for, one config of each family (the
demo, VOC, Cityscapes, CamVid), run from a user's folder whose data/ holds each dataset in its
real layout (synthetic images): mmseg's inference APIs (``init_model`` and ``inference_model``,
``MMSegInferencer``, ``show_result_pyplot``) and the tools mmseg installs (``mmseg/.mim/tools``).
The paper's models have the shrunk backbones of the end-to-end tests (``helpers.SHRUNK``), given
the way a user gives a change: a config of their own made from the shipped one. mim on the
editable install: ``tests/test_packaging.py``."""
import glob
import importlib.util
import json
import os
import subprocess

import mmcv
import numpy as np
import pytest
from mmengine.config import Config, DictAction
from PIL import Image

from mmseg.apis import MMSegInferencer, inference_model, init_model, show_result_pyplot

from helpers import PY, ROOT, SHRUNK, make_camvid_fixture, make_cityscapes_fixture, make_voc_fixture, run

pytestmark = pytest.mark.slow

MMSEG_TOOLS = os.path.join(os.path.dirname(importlib.util.find_spec('mmseg').origin), '.mim', 'tools')
OUTPUTS = ('top', 'bottom', 'mean')
SCHEDULE = ['train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
            'default_hooks.logger.interval=1']
# Each family's config and what the user's own config changes in it.
FAMILIES = {
    'demo': ('configs/ccl/demo_ccl.py', ['train_dataloader.batch_size=4']),
    'voc': ('configs/ccl/voc_xcep_r101.py', SHRUNK),
    'cityscapes': ('configs/ccl/cityscapes_xcep_r101.py', SHRUNK),
    'camvid': ('configs/ccl/ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py', ['train_dataloader.batch_size=2']),
}
# An image of VOC's most common size, odd in the paper's 513x513 protocol; the APIs get it as a
# file (a validation image of each dataset) and as an array.
ODD = (375, 500)
# mmseg's benchmark.py times 200 images after 5 warm-up ones.
BENCHMARK_IMAGES = 205


def make_data(root, family, val):
    """``root``/data with ``family``'s dataset, ``val`` images in its validation split (the first of
    size ``ODD``); returns a validation image's path."""
    data = root / 'data'
    if family == 'demo':
        run('tools/dataset_converters/make_demo_data.py', '--out', str(data / 'ccl_demo'), '--train', '8', '--val',
            str(val))
        return data / 'ccl_demo' / 'img_dir' / 'val' / '0000.png'
    if family == 'voc':
        voc = make_voc_fixture(data, val=(ODD, ) + ((40, 60), ) * (val - 1))
        return os.path.join(voc, 'JPEGImages', '2008_000000.jpg')
    if family == 'cityscapes':
        cityscapes = make_cityscapes_fixture(data, val=val, size=(64, 128))
        make_cityscapes_fixture(data, train=0, val=1, size=ODD)  # the first validation image, at ODD
        return glob.glob(os.path.join(cityscapes, 'leftImg8bit', 'val', '*', '*000000_000019_leftImg8bit.png'))[0]
    # The configs test on SegNet's test split; CamVid's own size, or a small one for many images.
    camvid = make_camvid_fixture(data / 'camvid', train=2, val=val, test=val, size=(360, 480) if val < 10 else (60, 75))
    return os.path.join(camvid, 'val', '0000.png')


def user_config(folder, family, *more):
    """The family's shipped config with the user's changes (and ``more``), written into ``folder``."""
    config, options = FAMILIES[family]
    cfg = Config.fromfile(os.path.join(ROOT, config))
    cfg.merge_from_dict({key: DictAction._parse_iterable(value)
                         for key, value in (option.split('=', 1) for option in [*options, *SCHEDULE, *more])})
    path = folder / f'{family}{len(more)}.py'
    cfg.dump(str(path))
    return str(path)


def mmseg_tool(folder, relative_path, *args):
    """mmseg's installed ``tools/RELATIVE_PATH`` run in ``folder``; the test fails with its output
    if it fails."""
    return run(os.path.join(MMSEG_TOOLS, relative_path), *args, cwd=folder)


@pytest.fixture(scope='module', params=[pytest.param(f, marks=pytest.mark.xdist_group(f)) for f in FAMILIES])
def trained(request, tmp_path_factory):
    """The family's config trained for 2 iterations, validated and checkpointed by mmseg's own
    ``train.py`` in a user's folder."""
    family = request.param
    folder = tmp_path_factory.mktemp(family)
    image = make_data(folder, family, val=2)
    config = user_config(folder, family)
    mmseg_tool(folder, 'train.py', config, '--work-dir', 'work')
    return dict(family=family, folder=folder, config=config, image=str(image), work_dir=folder / 'work',
                checkpoint=str(folder / 'work' / 'iter_2.pth'))


def assert_cooperative_prediction(sample, shape, output='mean'):
    """``sample`` predicts ``shape``, holds every network's output, and ``pred_sem_seg`` is ``output``."""
    for name in ('pred_sem_seg', *(f'pred_sem_seg_{o}' for o in OUTPUTS)):
        assert tuple(sample.get(name).shape) == shape, name
    assert (sample.pred_sem_seg.data == sample.get(f'pred_sem_seg_{output}').data).all()


def test_inference_model_predicts_the_whole_image(trained, tmp_path):
    """``inference_model`` on a file and on an array of VOC's common odd size: every output at the
    image's own size; ``show_result_pyplot`` draws it on the whole image."""
    model = init_model(trained['config'], trained['checkpoint'], device='cpu')
    image = mmcv.imread(trained['image'])
    # mmseg's inference_model turns the pipeline's loader into the array loader for good: path first.
    for k, given in enumerate((trained['image'], mmcv.imresize(image, ODD[::-1]))):
        shape = image.shape[:2] if k == 0 else ODD
        result = inference_model(model, given)
        assert_cooperative_prediction(result, shape)
        drawn = show_result_pyplot(model, given, result, show=False, out_file=str(tmp_path / f'{k}.png'))
        assert drawn.shape == (*shape, 3) and np.array(Image.open(tmp_path / f'{k}.png')).shape == (*shape, 3)


def test_mmseg_inferencer_predicts_and_draws_the_whole_image(trained, tmp_path):
    """``MMSegInferencer``: predictions at the image's size; what ``return_vis`` returns is the
    drawing saved in ``out_dir`` (top | bottom | mean); data samples hold every output."""
    inferencer = MMSegInferencer(model=trained['config'], weights=trained['checkpoint'], device='cpu')
    image = mmcv.imread(trained['image'])
    outputs = inferencer([trained['image'], mmcv.imresize(image, ODD[::-1])], out_dir=str(tmp_path), return_vis=True)
    shapes = [image.shape[:2], ODD]
    assert [p.shape for p in outputs['predictions']] == shapes
    saved = sorted(glob.glob(str(tmp_path / 'vis' / '*')))  # the file's name, then 00000001_vis.jpg
    assert len(saved) == 2 and len(outputs['visualization']) == 2
    for drawing, path, shape in zip(outputs['visualization'], sorted(saved, key=lambda p: 'vis.' in p), shapes):
        assert drawing.shape == (shape[0], 3 * shape[1], 3)  # top | bottom | mean
        assert np.abs(np.array(Image.open(path).convert('RGB')).astype(int) - drawing).mean() < 10  # JPEG rounds
    samples = inferencer(trained['image'], return_datasamples=True)
    assert_cooperative_prediction(samples, image.shape[:2])


def test_mmseg_tools_on_the_trained_model(trained):
    """mmseg's test.py with --out, then confusion_matrix.py on its predictions; analyze_logs.py on
    the training log (every output's mIoU); browse_dataset.py; print_config.py."""
    folder, config, family = trained['folder'], trained['config'], trained['family']
    result = mmseg_tool(folder, 'test.py', config, trained['checkpoint'], '--work-dir', 'test', '--out', 'pred')
    for output in OUTPUTS:
        assert f'mIoU_{output}' in result.stdout + result.stderr
    predictions = sorted(glob.glob(str(folder / 'pred' / '*.png')))
    assert len(predictions) == 2
    with Image.open(predictions[0]) as first:  # the scored prediction (of the first val image): on VOC the crop
        assert first.size[::-1] == ((513, 513) if family == 'voc' else mmcv.imread(trained['image']).shape[:2])
    mmseg_tool(folder, 'analysis_tools/confusion_matrix.py', config, 'pred', 'matrix')
    assert (folder / 'matrix' / 'confusion_matrix.png').is_file()

    (log, ) = glob.glob(str(trained['work_dir'] / '*' / 'vis_data' / 'scalars.json'))
    mmseg_tool(folder, 'analysis_tools/analyze_logs.py', log, '--keys', *(f'mIoU_{o}' for o in OUTPUTS), '--out',
               'curves.png')
    assert (folder / 'curves.png').is_file()

    mmseg_tool(folder, 'analysis_tools/browse_dataset.py', config, '--output-dir', 'browse', '--not-show')
    assert len(os.listdir(folder / 'browse')) == (8 if family == 'demo' else 2)
    printed = mmseg_tool(folder, 'misc/print_config.py', os.path.join(ROOT, FAMILIES[family][0]))
    assert 'CooperativeEncoderDecoder' in printed.stdout


# benchmark.py times 200 images at the test size: for the paper's configs (Cityscapes at 2049x1025, slid
# over in 768x768 windows: about 8 s an image on a CPU core for the shrunk model; VOC's 513x513 crop about
# 0.8 s) the user benchmarks smaller test images, the test pipeline's steps otherwise as shipped. The
# benchmark preprocesses as in training, which pads to the data preprocessor's size (the crop size).
SMALLER_TEST = {'voc': ('test_dataloader.dataset.pipeline.2.scale=128',
                        'test_dataloader.dataset.pipeline.3.crop_size=(128,128)',
                        'model.data_preprocessor.size=(128,128)'),
                'cityscapes': ('test_dataloader.dataset.pipeline.1.scale=(256,128)',
                               'model.data_preprocessor.size=(128,256)')}


def test_mmseg_benchmark_on_the_trained_model(trained, tmp_path):
    """mmseg's benchmark.py (no --cfg-options: run where the config's data/ holds enough images)."""
    make_data(tmp_path, trained['family'], val=BENCHMARK_IMAGES)
    config = user_config(tmp_path, trained['family'], *SMALLER_TEST.get(trained['family'], ()))
    mmseg_tool(tmp_path, 'analysis_tools/benchmark.py', config, trained['checkpoint'], '--work-dir', 'fps')
    (result, ) = glob.glob(str(tmp_path / 'fps' / 'fps_*.json'))
    assert json.loads(open(result).read())['average_fps'] > 0


def test_mmseg_get_flops_fails_for_every_model_and_benchmark_counts_instead():
    """mmseg 1.2.2's get_flops.py passes input_shape and inputs to mmengine's
    get_model_complexity_info, which refuses both (docs/usage.md names the alternative)."""
    result = subprocess.run([PY, os.path.join(MMSEG_TOOLS, 'analysis_tools', 'get_flops.py'),
                             os.path.join(ROOT, FAMILIES['demo'][0]), '--shape', '64', '64'], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode != 0 and 'input_shape' in result.stderr
    result = run('tools/analysis_tools/benchmark.py', FAMILIES['demo'][0], '--rounds', '0', '--shape', '64', '64')
    assert 'FLOP' in result.stdout + result.stderr
