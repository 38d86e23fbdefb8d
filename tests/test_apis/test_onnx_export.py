"""ONNX export (tools/deployment/pytorch2onnx.py): the exported graph computes what mmseg's
inference computes, for each output, at shapes other than the export shape."""
import os
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm

from mmseg.registry import MODELS
from mmseg_ccl.apis import SegmentorForExport, check_exporter, compare, export_onnx

from helpers import PY, ROOT, run

DEMO = os.path.join(ROOT, 'configs/ccl/demo_ccl.py')


def build(config, **head):
    cfg = Config.fromfile(config)
    cfg.model.decode_head.update(head)
    torch.manual_seed(0)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    model.init_weights()
    return model.eval()


@pytest.fixture(scope='module')
def demo_model():
    model = build(DEMO)
    # Non-trivial BN statistics, so that the exported normalisation is checked too.
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=generator) * 0.1)
            module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)
    return model


@pytest.mark.parametrize('output', ['top', 'bottom', 'mean'])
def test_export_module_is_mmseg_inference(demo_model, output):
    """The graph's PyTorch side: the chosen output's logits and labels as model.predict gives them."""
    image = torch.rand(2, 3, 72, 88, generator=torch.Generator().manual_seed(2)) * 255
    with torch.no_grad():
        logits, labels = SegmentorForExport(demo_model, output)(image)
        predicted = demo_model.predict(demo_model.data_preprocessor(dict(inputs=list(image)), False)['inputs'])
    for i, sample in enumerate(predicted):
        torch.testing.assert_close(logits[i], sample.get(f'seg_logits_{output}').data, atol=1e-5, rtol=1e-5)
        assert torch.equal(labels[i], sample.get(f'pred_sem_seg_{output}').data[0])
    assert logits.shape[1] == 5  # num_classes, not the 2 x 5 stacked channels


@pytest.mark.slow
def test_onnx_runtime_matches_pytorch_at_another_shape(demo_model, tmp_path):
    """The mean of the two networks; one network's output ('bottom') is exported and verified at
    another shape by the tool test below."""
    module = SegmentorForExport(demo_model, 'mean')
    path = str(tmp_path / 'demo.onnx')
    export_onnx(module, path, (64, 64), dynamic=True)
    for shape in ((64, 64), (80, 112)):
        image = torch.rand(2, 3, *shape, generator=torch.Generator().manual_seed(3)) * 255
        result = compare(module, path, image)
        assert result['relative_diff'] <= 1e-4 and result['label_mismatch'] == 0, (shape, result)


@pytest.mark.slow
def test_paper_model_shrunk_exports_and_matches(tmp_path):
    """The paper's config (Xception-65 top, ResNetV1c bottom, OS16, SyncBN, per-branch input
    norm), with the bottom at depth 18 and 64-channel heads to keep the test small."""
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/ccl/voc_xcep_r101.py'))
    cfg.model.backbone.bottom.depth = 18
    cfg.model.decode_head.update(in_channels=(2048, 512), c1_in_channels=(256, 64), channels=64)
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).eval()
    module = SegmentorForExport(model)  # test_cfg.output: mean
    assert module.output == 'mean'
    path = str(tmp_path / 'paper.onnx')
    export_onnx(module, path, (65, 65), dynamic=True)
    result = compare(module, path, torch.rand(1, 3, 81, 97, generator=torch.Generator().manual_seed(4)) * 255)
    assert result['relative_diff'] <= 1e-4 and result['label_mismatch'] == 0, result


def test_single_network_model_has_one_output():
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/ccl/demo_single_top.py'))
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).eval()
    with torch.no_grad():
        logits, labels = SegmentorForExport(model)(torch.rand(1, 3, 64, 64) * 255)
    assert logits.shape == (1, 5, 64, 64) and labels.shape == (1, 64, 64)
    with pytest.raises(ValueError, match="one output, not 'mean'"):
        SegmentorForExport(model, 'mean')


@pytest.mark.slow
def test_tool_exports_verifies_and_times(demo_model, tmp_path):
    checkpoint = tmp_path / 'demo.pth'
    torch.save({'state_dict': demo_model.state_dict()}, checkpoint)
    out = tmp_path / 'demo_bottom.onnx'
    result = run('tools/deployment/pytorch2onnx.py', DEMO, str(checkpoint), '--output-file', str(out), '--shape', '64',
                 '64', '--dynamic', '--output', 'bottom', '--verify', '--benchmark', '2')
    assert out.is_file()
    assert 'ONNX Runtime vs PyTorch at 80x80' in result.stdout and 'labels differing on 0.0000 %' in result.stdout
    assert 'ONNX Runtime' in result.stdout and 'ratio' in result.stdout


@pytest.mark.compat
def test_export_names_the_torch_it_needs(tmp_path, monkeypatch):
    monkeypatch.setattr(torch, '__version__', '2.1.2+cu121')
    with pytest.raises(RuntimeError, match=r'needs torch >= 2\.6\.0.*torch 2\.1\.2\+cu121 is installed'):
        export_onnx(torch.nn.Identity(), str(tmp_path / 'x.onnx'), (32, 32))
    assert not (tmp_path / 'x.onnx').exists()


@pytest.mark.compat
def test_export_names_the_missing_deploy_extras(tmp_path, monkeypatch):
    monkeypatch.setattr(torch, '__version__', '2.13.0')
    monkeypatch.setitem(sys.modules, 'onnxscript', None)  # import fails as if not installed
    with pytest.raises(RuntimeError, match=r'needs the deploy extras: pip install "mmseg_ccl\[deploy\]"'):
        export_onnx(torch.nn.Identity(), str(tmp_path / 'x.onnx'), (32, 32))


@pytest.mark.compat
def test_tool_says_what_it_needs_before_building(tmp_path):
    """On this torch the tool either exports or stops at once with what it needs."""
    result = subprocess.run([PY, 'tools/deployment/pytorch2onnx.py', DEMO, str(tmp_path / 'missing.pth'),
                             '--output-file', str(tmp_path / 'x.onnx')], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    try:
        check_exporter()
    except RuntimeError as error:  # the oldest tested set: torch 2.1, no deploy extras
        assert result.returncode != 0 and f'pytorch2onnx: {error}' in result.stderr
    else:  # a torch that exports: it gets as far as the missing checkpoint
        assert result.returncode != 0 and 'missing.pth' in result.stderr
