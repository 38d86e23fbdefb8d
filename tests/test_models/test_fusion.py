import pytest
import torch
import torch.nn.functional as F
from mmengine.analysis.complexity_analysis import _DEFAULT_SUPPORTED_FLOP_OPS

from mmseg.registry import MODELS
from mmseg_ccl.analysis.complexity import count_flops

NORM = dict(type='BN', requires_grad=True)


@pytest.mark.parametrize('fusion', ['ConcatFusion', 'AddFusion', 'ReducedFusion'])
@pytest.mark.parametrize('other_shape', [(2, 12, 8, 8), (2, 6, 4, 4)])
def test_output_is_shaped_like_own(fusion, other_shape):
    module = MODELS.build(dict(type=fusion, own_channels=12, other_channels=other_shape[1], norm_cfg=NORM))
    own = torch.randn(2, 12, 8, 8)
    assert module(own, torch.randn(*other_shape)).shape == own.shape


def randomise(module, seed=0):
    """Random weights and BN statistics (eval mode), so that a wrong formula shows."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in list(module.parameters()) + [b for b in module.buffers() if b.is_floating_point()]:
            tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
    return module.eval()


def conv_bn(x, module):
    """``BN(conv(x))`` of a ConvModule in eval mode, with torch.nn.functional."""
    conv, bn = module.conv, module.bn
    x = F.conv2d(x, conv.weight, conv.bias)
    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, eps=bn.eps)


# The formulas of docs/method.md, "How a received feature is fused", written out.
DEFINITIONS = {
    'ConcatFusion': lambda m, own, other: F.relu(conv_bn(torch.cat([own, other], 1), m.fuse)),
    'AddFusion': lambda m, own, other: own + conv_bn(other, m.proj),
}


@pytest.mark.parametrize('fusion', list(DEFINITIONS))
@pytest.mark.parametrize('other_size', [8, 4])
def test_fusion_values(fusion, other_size):
    """``concat``: ``ReLU(BN(conv1x1(cat(own, resize(other)))))``; ``add``: ``own + BN(conv1x1(resize(other)))``."""
    module = randomise(MODELS.build(dict(type=fusion, own_channels=6, other_channels=5, norm_cfg=NORM)))
    own, other = torch.randn(2, 6, 8, 8), torch.randn(2, 5, other_size, other_size)
    resized = F.interpolate(other, size=(8, 8), mode='bilinear', align_corners=False)
    with torch.no_grad():
        torch.testing.assert_close(module(own, other), DEFINITIONS[fusion](module, own, resized))


def test_add_without_projection_adds_the_other_as_is():
    module = MODELS.build(dict(type='AddFusion', own_channels=4, other_channels=4, project=False))
    own, other = torch.randn(1, 4, 3, 3), torch.randn(1, 4, 3, 3)
    torch.testing.assert_close(module(own, other), own + other)


def test_add_without_projection_needs_equal_channels():
    with pytest.raises(ValueError, match='own_channels=4 and other_channels=8'):
        MODELS.build(dict(type='AddFusion', own_channels=4, other_channels=8, project=False))


def test_reduced_fusion_sends_few_channels_and_resizes_the_message():
    module = MODELS.build(dict(type='ReducedFusion', own_channels=64, other_channels=96, message_channels=4,
                               norm_cfg=NORM)).eval()
    seen = {}
    module.register_forward_hook(lambda m, args, out: seen.update(message=m.message(args[1])))
    module(torch.randn(1, 64, 16, 16), torch.randn(1, 96, 4, 4))
    assert seen['message'].shape == (1, 4, 4, 4)  # sent at the sender's size, resized at 4 channels
    params = sum(p.numel() for p in module.parameters())
    concat = sum(p.numel() for p in MODELS.build(dict(type='ConcatFusion', own_channels=64, other_channels=96,
                                                      norm_cfg=NORM)).parameters())
    assert params * 10 < concat


@pytest.mark.parametrize('norm_cfg', [NORM, None])
@pytest.mark.parametrize('channels_last', [False, True])
@pytest.mark.parametrize('other_size', [8, 4])
def test_reduced_fusion_equals_its_definition_with_convolutions(norm_cfg, channels_last, other_size):
    """own + conv1x1(resize(act(norm(conv1x1(other))))), values and gradients, in either memory layout."""
    module = MODELS.build(dict(type='ReducedFusion', own_channels=6, other_channels=10, message_channels=3,
                               norm_cfg=norm_cfg))
    generator = torch.Generator().manual_seed(0)
    own = torch.randn(2, 6, 8, 8, generator=generator)
    other = torch.randn(2, 10, other_size, other_size, generator=generator)
    if channels_last:
        own, other = (t.contiguous(memory_format=torch.channels_last) for t in (own, other))
    own.requires_grad_(), other.requires_grad_()
    out = module(own, other)
    assert out.is_contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)

    reduce_weight = module.reduce_weight.detach().clone().requires_grad_()
    message = F.conv2d(other, reduce_weight[:, :, None, None], module.reduce_bias)
    if norm_cfg is not None:
        message = F.batch_norm(message, None, None, module.reduce_norm.weight, module.reduce_norm.bias, training=True)
    message = F.interpolate(F.relu(message), size=(8, 8), mode='bilinear', align_corners=False)
    expected = own + F.conv2d(message, module.expand_weight[:, :, None, None])
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)

    grad = torch.randn(out.shape, generator=generator)
    got = torch.autograd.grad(out, (own, other, module.reduce_weight), grad)
    want = torch.autograd.grad(expected, (own, other, reduce_weight), grad)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, atol=1e-4, rtol=1e-4)


def test_reduced_fusion_zero_init_starts_as_no_exchange():
    module = MODELS.build(dict(type='ReducedFusion', own_channels=6, other_channels=10, zero_init=True,
                               norm_cfg=NORM))
    own = torch.randn(2, 6, 8, 8)
    torch.testing.assert_close(module(own, torch.randn(2, 10, 4, 4)), own)
    default = MODELS.build(dict(type='ReducedFusion', own_channels=6, other_channels=10, norm_cfg=NORM))
    assert default.expand_weight.abs().sum() > 0


def test_gated_reduced_fusion_opens_from_zero():
    """Gate 0 at first: no exchange, yet the gate gets a gradient; opened, it scales the message per channel."""
    torch.manual_seed(0)
    module = MODELS.build(dict(type='ReducedFusion', own_channels=6, other_channels=10, gated=True, norm_cfg=NORM))
    own, other = torch.randn(2, 6, 8, 8), torch.randn(2, 10, 4, 4)
    out = module(own, other)
    torch.testing.assert_close(out, own)
    out.square().sum().backward()
    assert module.gate.grad.abs().min() > 0
    with torch.no_grad():
        module.gate.copy_(torch.arange(6.0))
        ungated = MODELS.build(dict(type='ReducedFusion', own_channels=6, other_channels=10, norm_cfg=NORM))
        ungated.load_state_dict({k: v for k, v in module.state_dict().items() if k != 'gate'})
        expected = own + (ungated(own, other) - own) * torch.arange(6.0).view(1, -1, 1, 1)
        torch.testing.assert_close(module(own, other), expected, atol=1e-5, rtol=1e-5)


def test_flop_counter_counts_the_fused_expanding_product():
    """mmengine's counter skips baddbmm unless given its handle; the expand must not be free, and
    importing the package leaves mmengine's own table as it is."""
    module = MODELS.build(dict(type='ReducedFusion', own_channels=64, other_channels=96, message_channels=4,
                               norm_cfg=None, act_cfg=None))

    class Pair(torch.nn.Module):

        def __init__(self) -> None:
            super().__init__()
            self.fusion = module

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fusion(x[:, :64], x)

    assert count_flops(Pair(), torch.randn(1, 96, 8, 8)) == 8 * 8 * 4 * (96 + 64)
    assert 'aten::baddbmm' not in _DEFAULT_SUPPORTED_FLOP_OPS


def test_no_resize_when_sizes_match(monkeypatch):
    import mmseg_ccl.models.utils.fusion as fusion_module
    calls = []
    monkeypatch.setattr(fusion_module, 'resize', lambda *a, **k: calls.append(1))
    module = MODELS.build(dict(type='ConcatFusion', own_channels=4, other_channels=4, norm_cfg=NORM))
    module(torch.randn(2, 4, 5, 5), torch.randn(2, 4, 5, 5))
    assert not calls
