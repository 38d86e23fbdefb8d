"""A missing or empty dataset folder fails at build time with the folder, suffix and
data_root named, never deep inside the Runner and never with a hang."""
import subprocess

import pytest

from mmseg.registry import DATASETS

from helpers import PY, ROOT, data_options, make_camvid_fixture

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


def test_train_tool_stops_with_the_message(tmp_path):
    """tools/train.py on the demo config with a data_root that does not exist: a clear
    error, in time, and nothing written but the work dir's log."""
    missing = tmp_path / 'no_data'
    result = subprocess.run([PY, 'tools/train.py', 'configs/ccl/demo_ccl.py', '--work-dir', str(tmp_path / 'work'),
                             *data_options(missing, 2)], cwd=ROOT, capture_output=True, text=True, timeout=100)
    assert result.returncode != 0
    assert f'the image folder {missing}/img_dir/train does not exist' in result.stderr
    assert not list((tmp_path / 'work').glob('*.pth'))
