import pytest
import timm
import torch

from mmseg.registry import MODELS
from mmseg_ccl.models import Xception65, convert_timm_xception65

# (output_stride) -> expected strides of the five feature points.
STRIDES = {8: (2, 4, 8, 8, 8), 16: (2, 4, 8, 16, 16), 32: (2, 4, 8, 16, 32)}
CHANNELS = (128, 256, 728, 1024, 2048)


@pytest.mark.parametrize('output_stride', [8, 16, 32])
def test_feature_shapes(output_stride):
    model = MODELS.build(dict(type='Xception65', output_stride=output_stride, out_indices=(0, 1, 2, 3, 4))).eval()
    size = 64
    with torch.no_grad():
        feats = model(torch.randn(1, 3, size, size))
    assert [f.shape[1] for f in feats] == list(CHANNELS) == list(model.out_channels)
    assert [size // f.shape[2] for f in feats] == list(STRIDES[output_stride])
    assert [info['stride'] for info in model.feature_info] == list(STRIDES[output_stride])


@pytest.mark.parametrize('output_stride', [8, 16])
def test_matches_timm_xception65(output_stride):
    """Same features as timm's reference, with timm's (random) weights converted."""
    torch.manual_seed(0)
    reference = timm.create_model('xception65', pretrained=False, features_only=True,
                                  output_stride=output_stride).eval()
    # Non-trivial BN statistics so that eval-mode normalisation is checked too.
    for module in reference.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.5, 0.5)
    ours = Xception65(output_stride=output_stride, out_indices=(0, 1, 2, 3, 4)).eval()
    missing, unexpected = ours.load_state_dict(convert_timm_xception65(reference.state_dict()), strict=True)
    assert not missing and not unexpected
    x = torch.randn(2, 3, 97, 97)
    with torch.no_grad():
        expected, got = reference(x), ours(x)
    assert len(expected) == len(got) == 5
    for i, (e, g) in enumerate(zip(expected, got)):
        assert e.shape == g.shape, i
        torch.testing.assert_close(g, e, atol=1e-5, rtol=1e-5, msg=f'feature {i}')


def test_pretrained_init_cfg_accepts_timm_checkpoint(tmp_path):
    reference = timm.create_model('xception65', pretrained=False)
    generator = torch.Generator().manual_seed(0)
    for bn in (reference.stem[0].bn, reference.blocks[5].stack.conv2.bn_pw):  # built as 0 / 1: make them tell
        bn.running_mean.copy_(torch.randn(bn.running_mean.shape, generator=generator))
        bn.running_var.copy_(torch.rand(bn.running_var.shape, generator=generator) + 0.5)
    path = tmp_path / 'xception65_timm.pth'
    torch.save(reference.state_dict(), path)
    ours = Xception65(init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    ours.init_weights()
    torch.testing.assert_close(ours.blocks[5].convs[1].pointwise_conv.conv.weight,
                               reference.blocks[5].stack.conv2.conv_pw.weight)
    torch.testing.assert_close(ours.stem[0].bn.running_var, reference.stem[0].bn.running_var)
    torch.testing.assert_close(ours.blocks[5].convs[1].pointwise_conv.bn.running_mean,
                               reference.blocks[5].stack.conv2.bn_pw.running_mean)


def test_converter_names_unknown_key():
    with pytest.raises(KeyError, match='blocks.0.mystery.weight'):
        convert_timm_xception65({'blocks.0.mystery.weight': torch.zeros(1)})


@pytest.mark.parametrize('frozen_stages, frozen_blocks', [(-1, 0), (0, 0), (1, 3), (2, 19), (3, 21)])
def test_frozen_stages(frozen_stages, frozen_blocks):
    model = Xception65(frozen_stages=frozen_stages).train()
    assert all(p.requires_grad == (frozen_stages < 0) for p in model.stem.parameters())
    for i, block in enumerate(model.blocks):
        frozen = i < frozen_blocks
        assert all(p.requires_grad != frozen for p in block.parameters()), i
        assert all(m.training != frozen for m in block.modules()), i


def test_norm_eval_keeps_bn_in_eval_mode():
    model = Xception65(norm_eval=True).train()
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(bn.training for bn in bns)
    assert model.training


@pytest.mark.parametrize('kwargs, match', [(dict(output_stride=4), 'output_stride'),
                                           (dict(out_indices=(1, 5)), r'out_indices.*\[5\]')])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Xception65(**kwargs)
