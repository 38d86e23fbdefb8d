"""A missing or empty dataset folder fails at build time with the folder, suffix and
data_root named, never deep inside the Runner and never with a hang."""
import glob
import os
import shutil
import subprocess

import pytest

from mmseg.registry import DATASETS

from helpers import PY, ROOT, data_options, make_camvid_fixture, make_cityscapes_fixture, make_voc_fixture

pytestmark = [pytest.mark.compat, pytest.mark.timeout(120)]
# Each dataset this package registers, with the split folders of its configs.
DATASETS_UNDER_TEST = {
    'CamVidDataset': dict(img_path='train', seg_map_path='trainannot'),
    'CCLDemoDataset': dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
}


def build(name, data_root, **kwargs):
    return DATASETS.build(dict(type=name, data_root=str(data_root), data_prefix=DATASETS_UNDER_TEST[name],
                               pipeline=[], **kwargs))


def assert_names_what_to_fix(message, data_root, folder):
    assert str(data_root) in message and folder in message
    assert 'data_root=PATH' in message  # how to set it


@pytest.mark.parametrize('name', DATASETS_UNDER_TEST)
def test_missing_data_root_names_it(name, tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        build(name, tmp_path / 'nowhere')
    assert_names_what_to_fix(str(error.value), tmp_path / 'nowhere', DATASETS_UNDER_TEST[name]['img_path'])


@pytest.mark.parametrize('name', DATASETS_UNDER_TEST)
@pytest.mark.parametrize('serialize_data', [True, False])
def test_empty_split_names_the_folder_and_suffix(name, serialize_data, tmp_path):
    for folder in DATASETS_UNDER_TEST[name].values():
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / DATASETS_UNDER_TEST[name]['img_path'] / 'notes.txt').write_text('not an image')
    with pytest.raises(FileNotFoundError) as error:
        build(name, tmp_path, serialize_data=serialize_data)
    assert_names_what_to_fix(str(error.value), tmp_path, DATASETS_UNDER_TEST[name]['img_path'])
    assert "'.png'" in str(error.value)


def test_missing_label_folder_is_named(tmp_path):
    make_camvid_fixture(tmp_path, train=1, val=1)
    (tmp_path / 'trainannot' / '0000.png').unlink()
    (tmp_path / 'trainannot').rmdir()
    with pytest.raises(FileNotFoundError, match='label map folder .*trainannot does not exist'):
        build('CamVidDataset', tmp_path)


def test_a_complete_folder_still_loads(tmp_path):
    make_camvid_fixture(tmp_path, train=3, val=1)
    assert len(build('CamVidDataset', tmp_path)) == 3


@pytest.mark.slow
def test_train_tool_stops_with_the_message(tmp_path):
    """tools/train.py on the demo config with a data_root that does not exist: a clear
    error, in time, and nothing written but the work dir's log."""
    missing = tmp_path / 'no_data'
    result = subprocess.run([PY, 'tools/train.py', 'configs/ccl/demo_ccl.py', '--work-dir', str(tmp_path / 'work'),
                             *data_options(missing, 2)], cwd=ROOT, capture_output=True, text=True, timeout=100)
    assert result.returncode != 0
    assert f'the image folder {missing}/img_dir/train does not exist' in result.stderr
    assert not list((tmp_path / 'work').glob('*.pth'))


# A step of the data preparation left out (docs/usage.md, "Prepare the data"): the error names
# what is missing and the step that makes it.
VOC_AUG_STEP = 'python tools/dataset_converters/voc_aug.py data/VOCdevkit data/VOCdevkit/VOCaug'
CITYSCAPES_STEP = 'python tools/dataset_converters/cityscapes.py data/cityscapes'


def voc_aug(voc, **kwargs):
    return DATASETS.build(dict(type='CheckedPascalVOCDataset', data_root=str(voc),
                               ann_file='ImageSets/Segmentation/aug.txt', pipeline=[],
                               data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug'), **kwargs))


@pytest.mark.parametrize('lazy_init', [False, True])
def test_voc_without_the_aug_labels_names_the_converter(tmp_path, lazy_init):
    voc = make_voc_fixture(tmp_path)
    shutil.rmtree(os.path.join(voc, 'SegmentationClassAug'))
    with pytest.raises(FileNotFoundError) as error:
        voc_aug(voc, lazy_init=lazy_init).full_init()
    assert f'label map folder {voc}/SegmentationClassAug does not exist' in str(error.value)
    assert VOC_AUG_STEP in str(error.value)


def test_voc_without_the_aug_list_names_the_converter(tmp_path):
    voc = make_voc_fixture(tmp_path)
    os.remove(os.path.join(voc, 'ImageSets', 'Segmentation', 'aug.txt'))
    with pytest.raises(FileNotFoundError) as error:
        voc_aug(voc)
    assert f'list file {voc}/ImageSets/Segmentation/aug.txt does not exist' in str(error.value)
    assert VOC_AUG_STEP in str(error.value)


def test_voc_without_the_voc_images_names_the_archive(tmp_path):
    voc = make_voc_fixture(tmp_path)
    shutil.rmtree(os.path.join(voc, 'JPEGImages'))
    with pytest.raises(FileNotFoundError, match='image folder .*JPEGImages does not exist; it is made by extracting '
                                                'VOCtrainval_11-May-2012.tar'):
        voc_aug(voc)


def test_cityscapes_without_train_ids_names_the_converter(tmp_path):
    cityscapes = make_cityscapes_fixture(tmp_path, train=2, val=0)
    for path in glob.glob(os.path.join(cityscapes, 'gtFine', '*', '*', '*_labelTrainIds.png')):
        os.remove(path)
    with pytest.raises(FileNotFoundError) as error:
        DATASETS.build(dict(type='CheckedCityscapesDataset', data_root=cityscapes, pipeline=[],
                            data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train')))
    message = str(error.value)
    assert 'aachen_000000_000019_gtFine_labelTrainIds.png does not exist' in message
    assert '2 of the split\'s 2 label maps are missing' in message and CITYSCAPES_STEP in message


def train_voc_paper_config(folder):
    """tools/train.py on the paper's VOC config started in ``folder`` (no ImageNet weights), which
    must fail; returns the finished process."""
    command = [PY, os.path.join(ROOT, 'tools/train.py'), os.path.join(ROOT, 'configs/ccl/voc_xcep_r101.py'),
               '--cfg-options', 'model.backbone.top.init_cfg=None', 'model.backbone.bottom.init_cfg=None']
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=100)
    assert result.returncode != 0
    return result


@pytest.mark.slow
def test_train_tool_stops_on_voc_without_aug_labels(tmp_path):
    """The paper's config, run as a user runs it, with the SBD conversion left out: it stops as the
    dataset is built, before any training, naming the folder and the step."""
    voc = make_voc_fixture(tmp_path / 'data')
    shutil.rmtree(os.path.join(voc, 'SegmentationClassAug'))
    result = train_voc_paper_config(tmp_path)
    assert 'label map folder data/VOCdevkit/VOC2012/SegmentationClassAug does not exist' in result.stderr
    assert VOC_AUG_STEP in result.stderr
    assert not list(tmp_path.rglob('*.pth'))


# Every listed image is checked as the dataset is built, in each dataset's layout: a missing one is
# named with its folder and the step that makes it, before any training.
VOC_ARCHIVE_STEP = 'extracting VOCtrainval_11-May-2012.tar into data/'


@pytest.mark.parametrize('kind, folder, suffix', [('label map', 'SegmentationClassAug', '.png'),
                                                   ('image', 'JPEGImages', '.jpg')])
def test_voc_aug_list_naming_a_missing_file(kind, folder, suffix, tmp_path):
    voc = make_voc_fixture(tmp_path, aug=((20, 20), (20, 20)))
    os.remove(os.path.join(voc, folder, '2009_000001' + suffix))
    with pytest.raises(FileNotFoundError) as error:
        voc_aug(voc)
    message = str(error.value)
    assert f'the {kind} {voc}/{folder}/2009_000001{suffix} does not exist' in message
    assert f"1 of the split's 2 {kind}s are missing; each is looked for as {voc}/{folder}/NAME{suffix}" in message
    assert f'NAME as listed in {voc}/ImageSets/Segmentation/aug.txt' in message
    assert (VOC_AUG_STEP if kind == 'label map' else VOC_ARCHIVE_STEP) in message


def test_voc_with_an_empty_image_folder(tmp_path):
    voc = make_voc_fixture(tmp_path, aug=((20, 20), (20, 20)))
    for path in glob.glob(os.path.join(voc, 'JPEGImages', '*.jpg')):
        os.remove(path)
    with pytest.raises(FileNotFoundError) as error:
        voc_aug(voc)
    assert "2 of the split's 2 images are missing" in str(error.value) and VOC_ARCHIVE_STEP in str(error.value)


def test_cityscapes_missing_image_names_the_archive(tmp_path):
    cityscapes = make_cityscapes_fixture(tmp_path, train=0, val=2)
    os.remove(glob.glob(os.path.join(cityscapes, 'leftImg8bit', 'val', '*', '*000001_000019_leftImg8bit.png'))[0])
    with pytest.raises(FileNotFoundError) as error:
        DATASETS.build(dict(type='CheckedCityscapesDataset', data_root=cityscapes, pipeline=[],
                            data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val')))
    message = str(error.value)
    assert 'frankfurt_000001_000019_leftImg8bit.png does not exist' in message
    assert "1 of the 2 label maps in" in message and 'leftImg8bit_trainvaltest.zip' in message


def test_camvid_missing_image_names_data_root(tmp_path):
    make_camvid_fixture(tmp_path, train=2, val=1)
    (tmp_path / 'train' / '0001.png').unlink()
    with pytest.raises(FileNotFoundError) as error:
        build('CamVidDataset', tmp_path)
    message = str(error.value)
    assert f'the image {tmp_path}/train/0001.png does not exist' in message
    assert_names_what_to_fix(message, tmp_path, 'train')


# The override each error suggests works for the configs that use the dataset (VOC's training set
# is a ConcatDataset of two lists, which takes no data_root).
HINTED_CONFIGS = {
    'configs/ccl/voc_xcep_r101.py': lambda root: make_voc_fixture(root),
    'configs/ccl/cityscapes_xcep_r101.py': lambda root: make_cityscapes_fixture(root, train=1, val=1),
    'configs/ccl/ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py':
    lambda root: make_camvid_fixture(root / 'camvid', train=1, val=1, test=1),
    'configs/ccl/demo_ccl.py': None,
}


@pytest.mark.parametrize('config', HINTED_CONFIGS)
def test_the_suggested_override_points_the_config_at_the_data(config, tmp_path, monkeypatch):
    import re

    from mmengine.config import Config, DictAction
    monkeypatch.chdir(tmp_path)  # no data/ here: the config's own data_root is missing
    cfg = Config.fromfile(os.path.join(ROOT, config))
    with pytest.raises(FileNotFoundError) as error:
        DATASETS.build(cfg.train_dataloader.dataset)
    keys = re.search(r'--cfg-options ((?:\S+=PATH ?)+)', str(error.value)).group(1).split()
    if HINTED_CONFIGS[config] is None:
        subprocess.run([PY, os.path.join(ROOT, 'tools/dataset_converters/make_demo_data.py'), '--out',
                        str(tmp_path / 'elsewhere'), '--train', '2', '--val', '1'], check=True, capture_output=True)
        data_root = tmp_path / 'elsewhere'
    else:
        data_root = HINTED_CONFIGS[config](tmp_path / 'elsewhere')
    cfg.merge_from_dict({key.split('=')[0]: DictAction._parse_iterable(str(data_root)) for key in keys})
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert len(DATASETS.build(cfg[loader].dataset)) > 0, loader


@pytest.mark.slow
def test_train_tool_stops_on_a_listed_image_that_is_missing(tmp_path):
    """The paper's config, run as a user runs it, with one image of VOC's train list missing: it
    stops as the dataset is built, before the first iteration, naming the image and the step."""
    voc = make_voc_fixture(tmp_path / 'data', train=((150, 200), (150, 200)))
    os.remove(os.path.join(voc, 'JPEGImages', '2007_000001.jpg'))
    result = train_voc_paper_config(tmp_path)
    assert 'the image data/VOCdevkit/VOC2012/JPEGImages/2007_000001.jpg does not exist' in result.stderr
    assert VOC_ARCHIVE_STEP in result.stderr
    assert not list(tmp_path.rglob('*.pth')) and 'Iter(train)' not in result.stdout + result.stderr
