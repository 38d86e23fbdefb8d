"""mmengine Runner checkpoints load under torch's weights_only default."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner
from PIL import Image

from mmseg_ccl.engine import register_safe_globals
from mmseg_ccl.engine.safe_checkpoint import history_buffer_getattr

from helpers import NUM_CLASSES, segmentor_cfg


def write_dataset(root, n=4, size=32):
    rng = np.random.default_rng(0)
    for sub in ('img_dir', 'ann_dir'):
        os.makedirs(root / sub, exist_ok=True)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(root / 'img_dir' / f'{i}.png')
        Image.fromarray(rng.integers(0, NUM_CLASSES, (size, size), dtype=np.uint8)).save(root / 'ann_dir' / f'{i}.png')


def runner_cfg(tmp_path, max_iters, **kwargs):
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='PackSegInputs')]
    dataset = dict(type='BaseSegDataset', data_root=str(tmp_path / 'data'),
                   data_prefix=dict(img_path='img_dir', seg_map_path='ann_dir'),
                   metainfo=dict(classes=tuple('abcd'), palette=[[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]]),
                   img_suffix='.png', seg_map_suffix='.png', pipeline=pipeline)
    cfg = dict(
        default_scope='mmseg',
        model=segmentor_cfg(),
        work_dir=str(tmp_path / 'work'),
        train_dataloader=dict(batch_size=2, num_workers=0, sampler=dict(type='InfiniteSampler', shuffle=False),
                              dataset=dataset),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters),
        val_dataloader=dict(batch_size=1, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                            dataset=dataset),
        val_cfg=dict(type='ValLoop'),
        val_evaluator=dict(type='CooperativeIoUMetric'),
        optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        param_scheduler=[dict(type='PolyLR', power=0.9, eta_min=1e-4, begin=0, end=max_iters, by_epoch=False)],
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2),
                           logger=dict(type='LoggerHook', interval=1)),
        log_level='WARNING',
        randomness=dict(seed=0),
    )
    cfg.update(kwargs)
    return Config(cfg)


@pytest.fixture
def checkpoint(tmp_path):
    write_dataset(tmp_path / 'data')
    runner = Runner.from_cfg(runner_cfg(tmp_path, max_iters=2))
    runner.train()
    return tmp_path / 'work' / 'iter_2.pth'


def test_runner_checkpoint_loads_with_weights_only(checkpoint):
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)
    assert state['meta']['iter'] == 2
    assert 'log_scalars' in state['message_hub']  # the HistoryBuffers
    assert any(k.startswith('decode_head.fusions.top.') for k in state['state_dict'])


def test_resume_and_load_from(checkpoint, tmp_path):
    resumed = Runner.from_cfg(runner_cfg(tmp_path, max_iters=4, load_from=str(checkpoint), resume=True))
    resumed.load_or_resume()
    # Resumed where the checkpoint left off: its iteration, weights and optimiser state.
    assert resumed.iter == 2
    saved = torch.load(checkpoint, map_location='cpu', weights_only=True)
    for key, value in resumed.model.state_dict().items():
        torch.testing.assert_close(value, saved['state_dict'][key], msg=key)
    assert resumed.optim_wrapper.optimizer.state_dict()['state']  # momentum buffers, not a fresh optimiser
    resumed.train()
    assert resumed.iter == 4
    loaded = Runner.from_cfg(runner_cfg(tmp_path, max_iters=4, load_from=str(checkpoint),
                                        work_dir=str(tmp_path / 'other')))
    loaded.load_or_resume()
    expected = torch.load(checkpoint, map_location='cpu', weights_only=True)['state_dict']
    for key, value in loaded.model.state_dict().items():
        torch.testing.assert_close(value, expected[key], msg=key)


class _RunsCode:
    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null', ))


def test_checkpoint_that_runs_code_is_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': _RunsCode()}, path)
    with pytest.raises(pickle.UnpicklingError, match='system'):
        torch.load(path, map_location='cpu')


class _ReachesFurther:
    """A pickle that uses getattr to walk from an allowed object elsewhere."""

    def __reduce__(self):
        return (getattr, (np.ndarray, '__class__'))


def test_getattr_is_limited_to_history_buffer_methods(tmp_path):
    path = tmp_path / 'walk.pth'
    torch.save({'x': _ReachesFurther()}, path)
    with pytest.raises(pickle.UnpicklingError, match="getattr.*'__class__'"):
        torch.load(path, map_location='cpu')


@pytest.mark.slow
def test_tools_test_refuses_a_checkpoint_that_runs_code(demo_data, tmp_path):
    """End to end: tools/test.py stops with torch's message; the payload never runs."""
    import subprocess

    from helpers import PY, ROOT, data_options
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': _Touches(str(marker))}, path)
    result = subprocess.run([PY, 'tools/test.py', 'configs/ccl/demo_ccl.py', str(path), '--work-dir', str(tmp_path),
                             *data_options(demo_data, 2)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert 'Weights only load failed' in result.stderr and 'posix.system' in result.stderr
    assert not marker.exists()


class _Touches:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f'touch {self.path}', ))


@pytest.mark.compat
def test_allow_list_registered_as_far_as_torch_has_one(monkeypatch):
    """torch 2.4-2.5 take plain entries only, 2.6+ also (obj, 'module.name'), older torch has no allow-list."""
    added = []
    monkeypatch.setattr(torch.serialization, 'add_safe_globals', added.extend, raising=False)
    monkeypatch.setattr(torch, '__version__', '2.5.1')
    assert register_safe_globals() and HistoryBuffer in added
    assert not any(isinstance(entry, tuple) for entry in added)
    added.clear()
    monkeypatch.setattr(torch, '__version__', '2.6.0')
    assert register_safe_globals() and (history_buffer_getattr, 'builtins.getattr') in added
    monkeypatch.delattr(torch.serialization, 'add_safe_globals')
    assert register_safe_globals() is False
