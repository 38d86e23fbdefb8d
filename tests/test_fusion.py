import pytest
import torch

from mmseg.registry import MODELS

NORM = dict(type='BN', requires_grad=True)


@pytest.mark.parametrize('fusion', ['ConcatFusion', 'AddFusion', 'ReducedFusion'])
@pytest.mark.parametrize('other_shape', [(2, 12, 8, 8), (2, 6, 4, 4)])
def test_output_is_shaped_like_own(fusion, other_shape):
    module = MODELS.build(dict(type=fusion, own_channels=12, other_channels=other_shape[1], norm_cfg=NORM))
    own = torch.randn(2, 12, 8, 8)
    assert module(own, torch.randn(*other_shape)).shape == own.shape


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
    module.expand.register_forward_pre_hook(lambda m, args: seen.update(message=args[0]))
    module(torch.randn(1, 64, 16, 16), torch.randn(1, 96, 4, 4))
    assert seen['message'].shape == (1, 4, 16, 16)
    params = sum(p.numel() for p in module.parameters())
    concat = sum(p.numel() for p in MODELS.build(dict(type='ConcatFusion', own_channels=64, other_channels=96,
                                                      norm_cfg=NORM)).parameters())
    assert params * 10 < concat


def test_no_resize_when_sizes_match(monkeypatch):
    import mmseg_ccl.models.utils.fusion as fusion_module
    calls = []
    monkeypatch.setattr(fusion_module, 'resize', lambda *a, **k: calls.append(1))
    module = MODELS.build(dict(type='ConcatFusion', own_channels=4, other_channels=4, norm_cfg=NORM))
    module(torch.randn(2, 4, 5, 5), torch.randn(2, 4, 5, 5))
    assert not calls
