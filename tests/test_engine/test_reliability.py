"""Nothing lost on interruption, clear errors on bad data, NaN stops, distributed runs."""
import glob
import json
import os
import signal
import subprocess
import textwrap
import time
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.runner import Runner
from PIL import Image

from mmseg.apis import init_model
from mmseg.registry import HOOKS, TRANSFORMS
from mmseg_ccl.engine import AtomicLocalBackend
from mmseg_ccl.engine.hooks.resumable_checkpoint_hook import is_complete_checkpoint

from helpers import PY, ROOT, data_options, run

TRAIN = ['tools/train.py', 'configs/ccl/demo_ccl.py']


def load_state(path):
    return torch.load(path, map_location='cpu')['state_dict']


def final_validation(work_dir):
    """The last validation scores a training run logged."""
    logs = sorted(glob.glob(os.path.join(work_dir, '*', 'vis_data', 'scalars.json')))
    with open(logs[-1]) as f:
        return [json.loads(line) for line in f if 'mIoU_mean' in line][-1]


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


# Interruption and resume.
@pytest.fixture(scope='module')
def uninterrupted(demo_data, tmp_path_factory):
    work = tmp_path_factory.mktemp('uninterrupted')
    run(*TRAIN, '--work-dir', str(work), *data_options(demo_data, 8, checkpoint_interval=4))
    return work


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted_run(demo_data, uninterrupted, tmp_path):
    work = tmp_path / 'killed'
    options = data_options(demo_data, 8, checkpoint_interval=4)
    process = subprocess.Popen([PY, *TRAIN, '--work-dir', str(work), *options],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pointer = work / 'last_checkpoint'
    deadline = time.time() + 300
    while not (pointer.exists() and pointer.read_text().strip().endswith('iter_4.pth')):
        assert process.poll() is None and time.time() < deadline, 'the run ended before its first checkpoint'
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)  # between the checkpoints at iterations 4 and 8
    process.wait()
    assert not (work / 'iter_8.pth').exists(), 'killed too late: the run had finished'

    run(*TRAIN, '--work-dir', str(work), '--resume', *data_options(demo_data, 8, checkpoint_interval=4))
    # Dropout draws the same masks (torch's random state comes back with the
    # checkpoint), flips the same images (mmengine replays the data).
    assert_same_weights(load_state(work / 'iter_8.pth'), load_state(uninterrupted / 'iter_8.pth'))
    resumed, straight = final_validation(work), final_validation(uninterrupted)
    assert resumed['mIoU_mean'] == straight['mIoU_mean'] and resumed['mIoU_top'] == straight['mIoU_top']


@pytest.mark.slow
def test_resume_skips_a_broken_last_checkpoint(demo_data, uninterrupted, tmp_path):
    work = tmp_path / 'broken'
    work.mkdir()
    for name in ('iter_4.pth', 'last_checkpoint'):
        (work / name).write_bytes((uninterrupted / name).read_bytes())
    (work / 'last_checkpoint').write_text(str(work / 'iter_8.pth'))
    whole = (uninterrupted / 'iter_8.pth').read_bytes()
    (work / 'iter_8.pth').write_bytes(whole[:len(whole) // 2])  # e.g. written by a tool without atomic saves
    stale = work / '.iter_12.pth.tmp-4242'  # what a kill during an atomic save leaves
    stale.write_bytes(b'partial')

    result = run(*TRAIN, '--work-dir', str(work), '--resume', *data_options(demo_data, 8, checkpoint_interval=4))
    assert 'missing or incomplete; resuming from' in result.stdout + result.stderr
    assert not stale.exists()
    assert_same_weights(load_state(work / 'iter_8.pth'), load_state(uninterrupted / 'iter_8.pth'))


# Atomic checkpoint writes.
# The writer dies (SIGKILL) halfway through writing the checkpoint's bytes.
DIES_WHILE_SAVING = textwrap.dedent('''
    import builtins, os, signal, sys, torch
    import mmseg_ccl
    from mmengine.runner.checkpoint import save_checkpoint

    real_open = builtins.open

    class DiesMidWrite:
        def __init__(self, file):
            self.file = file
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self.file.close()
        def write(self, data):
            self.file.write(data[:len(data) // 2])
            self.file.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        def __getattr__(self, name):
            return getattr(self.file, name)

    def open_dying(path, mode='r', *args, **kwargs):
        file = real_open(path, mode, *args, **kwargs)
        return DiesMidWrite(file) if 'w' in mode and '.pth' in str(path) else file

    builtins.open = open_dying
    save_checkpoint({'step': 2, 'weights': torch.ones(1000)}, sys.argv[1], backend_args=dict(backend=sys.argv[2]))
''')


@pytest.mark.slow
@pytest.mark.parametrize('backend, survives', [('atomic_local', True), ('local', False)])
def test_kill_during_save(tmp_path, backend, survives):
    """ResumableCheckpointHook's backend leaves the previous checkpoint whole;
    mmengine's plain local backend (the control) leaves half a file."""
    path = tmp_path / 'iter_2.pth'
    torch.save({'step': 1, 'weights': torch.zeros(1000)}, path)
    script = tmp_path / 'dies_while_saving.py'
    script.write_text(DIES_WHILE_SAVING)
    result = subprocess.run([PY, str(script), str(path), backend], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    assert is_complete_checkpoint(str(path)) == survives
    if survives:
        assert torch.load(path)['step'] == 1


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / 'iter_2.pth'
    path.write_bytes(b'old')

    def fail(*args):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', fail)
    with pytest.raises(OSError, match='disk full'):
        AtomicLocalBackend().put(b'new' * 1000, path)
    assert path.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['iter_2.pth']


def test_outdated_checkpoints_are_deleted_only_after_the_new_one_is_saved(tmp_path):
    hook = HOOKS.build(dict(type='ResumableCheckpointHook', interval=1, by_epoch=False, max_keep_ckpts=1))
    saved = []

    def save_checkpoint(out_dir, filename, *args, **kwargs):
        if filename == 'iter_2.pth':
            raise OSError('killed while saving')
        (tmp_path / filename).write_bytes(b'x')
        saved.append(filename)

    runner = SimpleNamespace(work_dir=str(tmp_path), save_checkpoint=save_checkpoint,
                             message_hub=MessageHub.get_instance('test_keep_ckpts'), logger=None)
    hook.out_dir = str(tmp_path)
    hook.file_backend = AtomicLocalBackend()
    from collections import deque
    hook.keep_ckpt_ids = deque([], 1)
    hook._save_checkpoint_with_step(runner, 1, dict(iter=1))
    with pytest.raises(OSError):
        hook._save_checkpoint_with_step(runner, 2, dict(iter=2))
    assert (tmp_path / 'iter_1.pth').exists(), 'the only good checkpoint was deleted before the new one existed'


def test_outdated_checkpoints_are_deleted_after_a_successful_save(demo_data, tmp_path):
    """Through a real Runner: with max_keep_ckpts=1 only the newest checkpoint stays."""
    cfg = demo_runner_cfg(demo_data, tmp_path, 3)
    cfg.default_hooks.checkpoint.max_keep_ckpts = 1
    Runner.from_cfg(cfg).train()
    assert sorted(p.name for p in tmp_path.glob('iter_*.pth')) == ['iter_3.pth']
    assert (tmp_path / 'last_checkpoint').read_text().endswith('iter_3.pth')


# NaN / Inf losses.
def demo_runner_cfg(demo_data, work_dir, iters):
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/ccl/demo_ccl.py'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = str(demo_data)
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.update(max_iters=iters, val_interval=iters)
    cfg.default_hooks.checkpoint.interval = 1
    cfg.work_dir = str(work_dir)
    return cfg


def test_nan_loss_stops_training_naming_iteration_and_branch(demo_data, tmp_path):
    runner = Runner.from_cfg(demo_runner_cfg(demo_data, tmp_path, 5))
    calls = []

    def poison_from_third_iteration(module, inputs, output):
        calls.append(1)
        return output * float('nan') if len(calls) >= 3 else output

    runner.model.decode_head.heads['bottom'].conv_seg.register_forward_hook(poison_from_third_iteration)
    with pytest.raises(FloatingPointError, match=r'iteration 3: non-finite loss .*decode\.loss_ce_bottom=nan') as error:
        runner.train()
    assert 'loss_ce_top' not in str(error.value)
    assert not (tmp_path / 'iter_3.pth').exists()
    assert (tmp_path / 'last_checkpoint').read_text().endswith('iter_2.pth')
    state = load_state(tmp_path / 'iter_2.pth')
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())


# Bad data.
@pytest.fixture
def sample(tmp_path):
    """An image and its label map on disk, as the demo dataset lists them."""
    image = np.random.default_rng(0).integers(0, 255, (16, 20, 3), dtype=np.uint8)
    Image.fromarray(image).save(tmp_path / 'a.png')
    Image.fromarray(np.full((16, 20), 2, np.uint8)).save(tmp_path / 'a_label.png')
    return dict(img_path=str(tmp_path / 'a.png'), seg_map_path=str(tmp_path / 'a_label.png'), reduce_zero_label=False,
                seg_fields=[])


def load(results):
    for transform in (dict(type='LoadImageFromFile'), dict(type='LoadCheckedAnnotations', num_classes=5)):
        results = TRANSFORMS.build(transform)(results)
    return results


def test_a_good_sample_loads(sample):
    assert load(sample)['gt_seg_map'].max() == 2


def test_ignore_index_is_not_an_error(sample):
    Image.fromarray(np.full((16, 20), 255, np.uint8)).save(sample['seg_map_path'])
    assert (load(sample)['gt_seg_map'] == 255).all()


@pytest.mark.parametrize('options, stored, loaded, error', [
    (dict(reduce_zero_label=True), [0, 3, 5], [255, 2, 4], None),  # 0 -> ignored, the rest one lower
    (dict(reduce_zero_label=True), [0, 6], None, r'label values \[5\] >= num_classes=5'),
    (dict(label_map={7: 1, 9: 255}), [2, 7, 9], [1, 2, 255], None),
    (dict(label_map={7: 6}), [2, 7], None, r'label values \[6\] >= num_classes=5'),
])
def test_labels_are_checked_after_reduce_zero_label_and_label_map(sample, options, stored, loaded, error):
    """The values checked are those the loss and the metric see."""
    labels = np.array(stored * (16 * 20 // len(stored) + 1), np.uint8)[:16 * 20].reshape(16, 20)
    Image.fromarray(labels).save(sample['seg_map_path'])
    sample.update(reduce_zero_label=options.get('reduce_zero_label', False), label_map=options.get('label_map'))
    if error:
        with pytest.raises(ValueError, match=error):
            load(sample)
    else:
        assert sorted(np.unique(load(sample)['gt_seg_map']).tolist()) == sorted(loaded)


@pytest.mark.parametrize('fault, error, message', [
    ('missing label', FileNotFoundError, r'label map .*a_label.png \(for image .*a.png\) does not exist'),
    ('missing image', FileNotFoundError, r'a.png'),
    ('undecodable label', ValueError, r'cannot decode label map .*a_label.png'),
    ('undecodable image', AssertionError, r'failed to load image: .*a.png'),
    ('label size', ValueError, r'label map .*a_label.png is 16x19 but its image .*a.png is 16x20'),
    ('label values', ValueError, r'label map .*a_label.png has label values \[5, 7\] >= num_classes=5 that are not '
                                 r'the ignore index 255'),
    ('colour label', ValueError, r'label map .*a_label.png has shape \(16, 20, 3\)'),
])
def test_bad_sample_names_the_file(sample, fault, error, message):
    label = sample['seg_map_path']
    if fault == 'missing label':
        os.remove(label)
    elif fault == 'missing image':
        os.remove(sample['img_path'])
    elif fault == 'undecodable label':
        open(label, 'wb').write(b'\x89PNG\r\n\x1a\n garbage')
    elif fault == 'undecodable image':
        open(sample['img_path'], 'wb').write(b'not an image')
    elif fault == 'label size':
        Image.fromarray(np.zeros((16, 19), np.uint8)).save(label)
    elif fault == 'label values':
        values = np.zeros((16, 20), np.uint8)
        values[0, :3] = (7, 5, 255)
        Image.fromarray(values).save(label)
    else:
        Image.fromarray(np.zeros((16, 20, 3), np.uint8)).save(label)
    with pytest.raises(error, match=message):
        load(sample)


@pytest.mark.slow
def test_training_stops_on_a_bad_label_and_names_it(demo_data, tmp_path):
    data = tmp_path / 'data'
    subprocess.run(['cp', '-r', str(demo_data), str(data)], check=True)
    bad = data / 'ann_dir' / 'train' / '0003.png'
    Image.fromarray(np.full((64, 64), 9, np.uint8)).save(bad)
    result = subprocess.run([PY, *TRAIN, '--work-dir', str(tmp_path / 'work'), *data_options(data, 4)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert f'label map {bad} has label values [9] >= num_classes=5' in result.stderr


# Distributed training and SyncBN.
RANK_DUMP = textwrap.dedent('''
    import os, torch
    from mmengine.dist import get_rank
    from mmengine.hooks import Hook
    from mmseg.registry import HOOKS

    @HOOKS.register_module()
    class DumpRankWeights(Hook):
        def after_train(self, runner):
            model = getattr(runner.model, 'module', runner.model)
            weights = {name: p.detach() for name, p in model.named_parameters()}
            torch.save(weights, os.path.join(runner.work_dir, f'rank{get_rank()}.pth'))
''')


@pytest.mark.slow
def test_dist_train_ranks_end_with_identical_weights(demo_data, tmp_path):
    (tmp_path / 'rank_dump.py').write_text(RANK_DUMP)
    (tmp_path / 'config.py').write_text(textwrap.dedent(f'''
        _base_ = '{ROOT}/configs/ccl/demo_ccl.py'
        custom_imports = dict(imports=['mmseg_ccl', 'rank_dump'], allow_failed_imports=False)
        custom_hooks = [dict(type='StopOnInvalidLossHook'), dict(type='DumpRankWeights')]
    '''))
    # CPU processes joined by gloo, also on a machine with GPUs (one GPU could not hold two ranks).
    env = dict(os.environ, PYTHON=PY, PORT='29518', PYTHONPATH=str(tmp_path), CUDA_VISIBLE_DEVICES='')
    result = subprocess.run(['bash', 'tools/dist_train.sh', str(tmp_path / 'config.py'), '2', '--work-dir',
                             str(tmp_path / 'work'), *data_options(demo_data, 3, checkpoint_interval=3)],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert 'Distributed training: True' in output and 'GPU number: 2' in output
    # Learnt weights agree across ranks (DDP averages gradients). BatchNorm's
    # running statistics are each rank's own with plain BN, as in mmseg; the
    # GPU configs use SyncBN, whose statistics are global.
    ranks = [torch.load(tmp_path / 'work' / f'rank{r}.pth') for r in (0, 1)]
    assert_same_weights(ranks[0], ranks[1])
    checkpoint = load_state(tmp_path / 'work' / 'iter_3.pth')
    assert_same_weights({name: checkpoint[name] for name in ranks[0]}, ranks[0])
    model = init_model(Config.fromfile(os.path.join(ROOT, 'configs/ccl/demo_ccl.py')), device='cpu')
    model.load_state_dict(checkpoint)  # strict: one process reads it as is


def paper_config_on_demo(demo_data, work_dir):
    """configs/ccl/voc_xcep_r101.py as shipped, for one iteration on the demo data (five classes, 64x64)."""
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/ccl/voc_xcep_r101.py'))
    cfg.model.decode_head.num_classes = 5
    cfg.model.data_preprocessor.size = (64, 64)
    demo = demo_runner_cfg(demo_data, work_dir, 1)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator', 'test_evaluator',
                'train_cfg', 'work_dir', 'default_hooks'):
        cfg[key] = demo[key]
    return cfg


def test_paper_config_trains_an_iteration_with_its_real_backbones(demo_data, tmp_path):
    """configs/ccl/voc_xcep_r101.py with its own Xception-65 (timm's) and ResNet-101, ImageNet weights
    left out, one iteration on demo data in one CPU process: every parameter of the Xception-65 and every
    conv of the ResNet-101 learns."""
    cfg = paper_config_on_demo(demo_data, tmp_path)
    assert cfg.model.backbone.top.type == 'Xception65'
    cfg.model.backbone.top.pretrained = False
    cfg.model.backbone.bottom.init_cfg = None
    cfg.train_dataloader.batch_size = 2
    runner = Runner.from_cfg(cfg)
    before = {name: p.detach().clone() for name, p in runner.model.backbone.named_parameters()}
    runner.train()
    after = dict(runner.model.backbone.named_parameters())
    assert len(before) == len(after) and any(name.startswith('top.timm_model.') for name in before)
    unchanged = [name for name, p in before.items() if torch.equal(p, after[name])]
    assert not [name for name in unchanged if name.startswith('top.') or name.endswith('conv1.weight')]
    assert is_complete_checkpoint(str(tmp_path / 'iter_1.pth'))


def test_syncbn_paper_config_trains_in_one_process(demo_data, tmp_path):
    """configs/ccl/voc_xcep_r101.py as is (SyncBN), backbones shrunk, on demo data, one CPU process."""
    from helpers import tiny_resnet
    cfg = paper_config_on_demo(demo_data, tmp_path)
    sync_bn = cfg.model.decode_head.norm_cfg
    assert sync_bn.type == 'SyncBN'
    small = dict(tiny_resnet(out_indices=(0, 1, 2, 3)), norm_cfg=sync_bn)  # 8..64 channels, SyncBN too
    cfg.model.backbone['top'], cfg.model.backbone['bottom'] = small, small
    cfg.model.decode_head.update(in_channels=(64, 64), c1_in_channels=(8, 8), in_index=(3, 3), channels=16,
                                 c1_channels=8)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert not any(isinstance(m, torch.nn.SyncBatchNorm) for m in runner.model.modules())
    assert is_complete_checkpoint(str(tmp_path / 'iter_1.pth'))
