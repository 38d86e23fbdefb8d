"""mmengine's ``compile`` option through CompileNetworkHook: the network compiled once for training,
validation eager, and a training run that compiles nothing again and learns as the eager one does."""
import copy
import os
import subprocess
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from mmseg.registry import MODELS
from mmseg_ccl.analysis import logged_scalars
from mmseg_ccl.engine import CompileNetworkHook, compile_network

from helpers import PY, ROOT, data_options, segmentor_cfg


class CountingBackend:
    """A ``torch.compile`` backend that runs each captured graph as it is and counts the graphs."""

    def __init__(self):
        self.graphs = 0

    def __call__(self, graph_module, example_inputs):
        self.graphs += 1
        return graph_module.forward


def test_network_is_compiled_for_training_and_runs_eager_in_eval(seeded):
    model = MODELS.build(segmentor_cfg())
    eager = copy.deepcopy(model)
    images = torch.randn(2, 3, 32, 32, generator=seeded)
    backend = CountingBackend()
    torch._dynamo.reset()
    assert compile_network(model, training_only=True, backend=backend)
    for net in (model, eager):
        net.train()
        for _ in range(2):
            net._forward(images)  # BatchNorm's running statistics move alike in both
    assert backend.graphs == 2  # extract_feat and decode_head.forward, once each
    model.eval()
    eager.eval()
    with torch.no_grad():
        for shape in ((1, 3, 32, 32), (1, 3, 48, 40)):
            model._forward(torch.randn(shape, generator=seeded))
        outputs, reference = model._forward(images), eager._forward(images)
    assert backend.graphs == 2
    for output, expected in zip(outputs, reference):
        torch.testing.assert_close(output, expected)
    assert model.state_dict().keys() == eager.state_dict().keys()


def test_a_model_without_a_decode_head_is_left_as_it_is():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1))
    forward = model.forward
    assert not compile_network(model, backend=CountingBackend())
    assert model.forward == forward and 'extract_feat' not in model.__dict__


@pytest.mark.parametrize('compile_option', [None, False, dict(backend='aot_eager')])
def test_hook_replaces_mmengines_compiled_train_step_only_when_asked(compile_option):
    model = MODELS.build(segmentor_cfg())
    model.train_step = 'mmengine compiled train_step'  # what Runner._maybe_compile leaves
    runner = SimpleNamespace(cfg=Config(dict(compile=compile_option)), model=model,
                             logger=MMLogger.get_instance('test_compile_network'))
    CompileNetworkHook().before_train(runner)
    asked = bool(compile_option)
    assert ('train_step' in model.__dict__) is not asked
    assert ('extract_feat' in model.__dict__) is asked and ('forward' in model.decode_head.__dict__) is asked


@pytest.mark.slow
def test_training_with_the_compile_option_compiles_once_and_learns_as_eager(demo_data, tmp_path):
    """The demo CCL, 3 iterations from the same seed, eager and with ``compile.backend=aot_eager``
    (dynamo's capture and AOT autograd, without inductor's code generation). Dynamo's log of
    recompilations stays empty. The first loss, before any update, agrees to 1e-5; the later
    ones to 1e-3 (the compiled graphs sum in another order, and the updates compound it)."""
    options = [*data_options(demo_data, 3), 'log_processor.window_size=1', 'randomness.seed=0']
    losses, outputs = {}, {}
    for name, extra in (('eager', []), ('compiled', ['compile.backend=aot_eager'])):
        work_dir = str(tmp_path / name)
        result = subprocess.run([PY, 'tools/train.py', 'configs/ccl/demo_ccl.py', '--work-dir', work_dir,
                                 *options, *extra], cwd=ROOT, capture_output=True, text=True,
                                env=dict(os.environ, TORCH_LOGS='recompiles'))
        outputs[name] = result.stdout + result.stderr
        assert result.returncode == 0, outputs[name][-3000:]
        losses[name] = [entry['loss'] for entry in logged_scalars(work_dir) if 'loss' in entry]
    assert 'CompileNetworkHook: extract_feat and decode_head.forward compiled' in outputs['compiled']
    assert 'Recompiling function' not in outputs['compiled'], outputs['compiled'][-3000:]
    assert len(losses['compiled']) == len(losses['eager']) == 3
    assert losses['compiled'][0] == pytest.approx(losses['eager'][0], rel=1e-5)
    assert losses['compiled'] == pytest.approx(losses['eager'], rel=1e-3)
