import pytest
import torch

from mmseg.models.decode_heads import DepthwiseSeparableASPPHead
from mmseg.registry import MODELS
from mmseg_ccl.models import COOPERATION_POINTS

from helpers import NUM_CLASSES, data_samples, features, head_cfg

# Top: 8 ch at /4 (c1), 64 ch at /32; bottom: 12 ch at /4, 96 ch at /16 (other channels and stride).
TOP_SPECS, BOTTOM_SPECS = ((8, 16), (64, 2)), ((12, 16), (96, 4))


def build_head(**kwargs):
    return MODELS.build(head_cfg(**{'in_channels': (64, 96), 'c1_in_channels': (8, 12), **kwargs}))


def fusion_keys(head):
    return {k for k in head.state_dict() if k.startswith('fusions.')}


@pytest.mark.parametrize('direction', ['cross', 'top_to_bottom', 'none'])
@pytest.mark.parametrize('fusion', ['concat', 'add', 'reduced', dict(type='ReducedFusion', message_channels=4)])
def test_output_shapes(direction, fusion, seeded):
    head = build_head(direction=direction, fusion=fusion)
    top, bottom = head((features(2, TOP_SPECS, seeded), features(2, BOTTOM_SPECS, seeded)))
    assert top.shape == bottom.shape == (2, NUM_CLASSES, 16, 16)


@pytest.mark.parametrize('branch', ['top', 'bottom'])
def test_direction_none_is_mmseg_depthwise_separable_aspp_head(branch, seeded):
    """Without exchange each branch computes exactly mmseg's DeepLabV3+ head."""
    head = build_head(direction='none').eval()
    b = ('top', 'bottom').index(branch)
    reference = DepthwiseSeparableASPPHead(
        in_channels=(64, 96)[b], c1_in_channels=(8, 12)[b], in_index=1, channels=16, c1_channels=8,
        dilations=(1, 2, 3), num_classes=NUM_CLASSES, norm_cfg=dict(type='BN', requires_grad=True),
        dropout_ratio=0.0, align_corners=False).eval()
    reference.load_state_dict(head.heads[branch].state_dict(), strict=True)
    # Random BN statistics so that a mix-up of layers would show.
    for module in reference.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-1, 1)
            module.running_var.uniform_(0.5, 2)
    head.heads[branch].load_state_dict(reference.state_dict())
    inputs = (features(2, TOP_SPECS, seeded), features(2, BOTTOM_SPECS, seeded))
    with torch.no_grad():
        ours = head(inputs)[b]
        expected = reference(inputs[b])
    torch.testing.assert_close(ours, expected, atol=0, rtol=0)


def test_fusion_modules_per_direction():
    assert not fusion_keys(build_head(direction='none'))
    one_way = fusion_keys(build_head(direction='top_to_bottom'))
    assert one_way and all(k.startswith('fusions.bottom.') for k in one_way)
    cross = fusion_keys(build_head(direction='cross'))
    assert one_way < cross and any(k.startswith('fusions.top.') for k in cross)


@pytest.mark.parametrize('direction', ['cross', 'top_to_bottom'])
def test_every_fusion_is_applied_once_in_forward(direction, seeded):
    """Each fusion module built (every layer of every cooperation point, per receiver)
    takes part in the forward pass, once, receiving the sender's feature of its layer."""
    head = build_head(direction=direction).eval()
    calls = {}
    for receiver, points in head.fusions.items():
        for point, layers in points.items():
            for layer, module in enumerate(layers):
                module.register_forward_hook(
                    lambda m, args, out, key=(receiver, point, layer): calls.setdefault(key, []).append(
                        (args[0].shape, args[1].shape)))
    with torch.no_grad():
        head((features(2, TOP_SPECS, seeded), features(2, BOTTOM_SPECS, seeded)))
    built = {(receiver, point, layer) for receiver, points in head.fusions.items()
             for point, layers in points.items() for layer in range(len(layers))}
    # Per receiver: Connection 1, image pooling + 3 ASPP convs (dilations 1, 2, 3), Connection 2,
    # the low-level projection + 2 decoder convs.
    per_receiver = 1 + 4 + 1 + 3
    assert set(calls) == built and len(built) == per_receiver * (2 if direction == 'cross' else 1)
    assert all(len(c) == 1 for c in calls.values())
    # Connection 1 receives the other backbone's high-level feature (64 / 96 channels).
    own, other = calls[('bottom', 'backbone', 0)][0]
    assert own[1] == 96 and other[1] == 64


@pytest.mark.parametrize('point', COOPERATION_POINTS)
def test_switching_a_point_off_removes_exactly_its_fusions(point):
    full = fusion_keys(build_head())
    without = fusion_keys(build_head(cooperation_points=[p for p in COOPERATION_POINTS if p != point]))
    removed = full - without
    assert removed and without < full
    assert all(k.startswith((f'fusions.top.{point}.', f'fusions.bottom.{point}.')) for k in removed)
    # Layers per point: 1 backbone, image pool + 3 ASPP convs, 1 bottleneck, c1 + 2 separable convs.
    layers = {k.split('.')[3] for k in removed if k.startswith('fusions.top.')}
    assert len(layers) == dict(backbone=1, aspp=4, aspp_out=1, decoder=3)[point]


@pytest.mark.parametrize('exchange_before_classifier', [True, False])
def test_classifier_reads_only_its_own_features_without_the_last_exchange(exchange_before_classifier, seeded):
    """The last decoder layer of the bottom reaches the top's logits only through the exchange."""
    head = build_head(exchange_before_classifier=exchange_before_classifier).eval()
    inputs = (features(1, TOP_SPECS, seeded), features(1, BOTTOM_SPECS, seeded))
    with torch.no_grad():
        top, bottom = head(inputs)
        head.heads['bottom'].sep_bottleneck[-1].pointwise_conv.conv.weight.mul_(-2)  # another last layer for the bottom
        top_after, bottom_after = head(inputs)
    assert not torch.equal(bottom, bottom_after)
    assert torch.equal(top, top_after) != exchange_before_classifier
    decoder_layers = {k.split('.')[3] for k in fusion_keys(head) if k.startswith('fusions.top.decoder.')}
    assert len(decoder_layers) == (3 if exchange_before_classifier else 2)  # c1 projection + 2 / 1 separable convs


def test_switched_off_point_changes_nothing_in_its_layer(seeded):
    """With only Connection 2 on, the top's ASPP branches are those of a lone head."""
    head = build_head(cooperation_points=['aspp_out']).eval()
    x = features(1, ((64, 2), ), seeded)[0]
    captured = {}
    head.heads['top'].bottleneck.register_forward_pre_hook(lambda m, i: captured.update(input=i[0]))
    with torch.no_grad():
        head((features(1, ((8, 16), ), seeded) + (x, ), features(1, BOTTOM_SPECS, seeded)))
        lone = head.heads['top']
        expected = torch.cat([lone.image_pool(x).expand(-1, -1, 2, 2)] + [m(x) for m in lone.aspp_modules], 1)
    torch.testing.assert_close(captured['input'], expected)


def test_loss_names_and_weights(seeded):
    head = build_head(loss_weights=(1.0, 0.25))
    inputs = (features(2, TOP_SPECS, seeded), features(2, BOTTOM_SPECS, seeded))
    samples = data_samples(2, 64, seeded)
    losses = head.loss(inputs, samples, train_cfg={})
    assert set(losses) == {'loss_ce_top', 'loss_ce_bottom', 'acc_seg_top', 'acc_seg_bottom'}
    head.loss_weights = (1.0, 1.0)
    unweighted = head.loss(inputs, samples, train_cfg={})
    torch.testing.assert_close(losses['loss_ce_bottom'], 0.25 * unweighted['loss_ce_bottom'])
    torch.testing.assert_close(losses['loss_ce_top'], unweighted['loss_ce_top'])


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(direction='sideways'), ValueError, "direction 'sideways'"),
    (dict(fusion='multiply'), ValueError, "fusion 'multiply'"),
    (dict(cooperation_points=['aspp', 'neck']), ValueError, r"cooperation_points \['neck'\]"),
    (dict(in_channels=64), TypeError, 'in_channels must be a pair'),
    (dict(c1_in_index=(0, 0, 0)), TypeError, 'c1_in_index must be a pair'),
    (dict(input_transform='multiple_select'), ValueError, 'input_transform'),
])
def test_bad_config_fails_at_build(kwargs, error, match):
    with pytest.raises(error, match=match):
        build_head(**kwargs)


@pytest.mark.parametrize('top, bottom, error, match', [
    (((8, 16), (32, 2)), BOTTOM_SPECS, ValueError, r'in_channels\[top\]=64.*feature 1 has 32 channels'),
    (TOP_SPECS, ((16, 16), (96, 4)), ValueError, r'c1_in_channels\[bottom\]=12.*feature 0 has 16 channels'),
    (TOP_SPECS, ((12, 16), ), IndexError, r'in_index\[bottom\]=1.*returns 1 features'),
])
def test_bad_features_fail_at_first_forward(top, bottom, error, match, seeded):
    head = build_head()
    with pytest.raises(error, match=match):
        head((features(1, top, seeded), features(1, bottom, seeded)))


@pytest.mark.parametrize('ignored', [0, 37])
def test_losses_and_accuracy_match_mmseg_per_output(ignored, seeded):
    head = build_head(direction='none')
    inputs = (features(2, TOP_SPECS, seeded), features(2, BOTTOM_SPECS, seeded))
    samples = data_samples(2, 64, seeded)
    samples[0].gt_sem_seg.data.view(-1)[:ignored] = 255
    logits = head(inputs)
    ours = head.loss_by_feat(logits, samples)
    for b, name in enumerate(('top', 'bottom')):
        reference = head.heads[name].loss_by_feat(logits[b], samples)
        torch.testing.assert_close(ours[f'loss_ce_{name}'], reference['loss_ce'])
        torch.testing.assert_close(ours[f'acc_seg_{name}'], reference['acc_seg'].reshape(()))


@pytest.mark.parametrize('act_cfg, activated', [(dict(type='ReLU'), True), (None, False)])
def test_fusion_config_sets_its_own_activation(act_cfg, activated):
    """Every fusion is built with the same arguments from the head; its own options, its
    activation among them, come from its config."""
    head = build_head(fusion=dict(type='ConcatFusion', act_cfg=act_cfg))
    fusions = [module for points in head.fusions.values() for layers in points.values() for module in layers]
    assert fusions and all(module.fuse.with_activation == activated for module in fusions)
