import pytest
import torch
from mmengine.optim import OptimWrapper

from mmseg.registry import MODELS

from helpers import NUM_CLASSES, clone, data_samples, head_cfg, segmentor_cfg, tiny_convnext, tiny_resnet


def build(cfg):
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(size=32, n=2, generator=None):
    return torch.randn(n, 3, size, size, generator=generator), data_samples(n, size, generator)


def branch_inputs(model, inputs):
    """What each backbone of ``model`` receives when the model extracts features of ``inputs``."""
    seen = {}
    for name in ('top', 'bottom'):
        getattr(model.backbone, name).register_forward_pre_hook(
            lambda m, args, name=name: seen.setdefault(name, args[0]))
    with torch.no_grad():
        model.extract_feat(inputs)
    return seen


def backbone_grad_norms(model, loss):
    """|grad| of the loss w.r.t. each backbone's parameters (0 when it does not reach it)."""
    norms = {}
    for name in ('top', 'bottom'):
        params = [p for p in getattr(model.backbone, name).parameters() if p.requires_grad]
        grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
        norms[name] = sum(float(g.abs().sum()) for g in grads if g is not None)
    return norms


def test_loss_keys_sum_both_outputs(seeded):
    model = build(segmentor_cfg())
    losses = model.loss(*batch(generator=seeded))
    assert {'decode.loss_ce_top', 'decode.loss_ce_bottom', 'decode.acc_seg_top', 'decode.acc_seg_bottom'} == set(losses)
    total, log_vars = model.parse_losses(losses)
    torch.testing.assert_close(total, losses['decode.loss_ce_top'] + losses['decode.loss_ce_bottom'])


def test_cross_each_loss_reaches_both_backbones(seeded):
    model = build(segmentor_cfg(head=head_cfg(direction='cross')))
    losses = model.loss(*batch(generator=seeded))
    for key in ('decode.loss_ce_top', 'decode.loss_ce_bottom'):
        norms = backbone_grad_norms(model, losses[key])
        assert norms['top'] > 0 and norms['bottom'] > 0, (key, norms)


def test_top_to_bottom_lets_the_bottom_loss_train_the_top_by_default(seeded):
    """FSCN's one-way exchange, nothing detached (docs/method.md): the top's loss reaches only
    the top, the bottom's loss both networks (through the features the top sends)."""
    model = build(segmentor_cfg(head=head_cfg(direction='top_to_bottom')))
    losses = model.loss(*batch(generator=seeded))
    from_top = backbone_grad_norms(model, losses['decode.loss_ce_top'])
    from_bottom = backbone_grad_norms(model, losses['decode.loss_ce_bottom'])
    assert from_top['top'] > 0 and from_top['bottom'] == 0
    assert from_bottom['bottom'] > 0 and from_bottom['top'] > 0


def test_top_to_bottom_with_detach_is_one_way_backwards_too(seeded):
    model = build(segmentor_cfg(head=head_cfg(direction='top_to_bottom', detach=True)))
    losses = model.loss(*batch(generator=seeded))
    assert backbone_grad_norms(model, losses['decode.loss_ce_bottom'])['top'] == 0


def test_detach_stops_cross_gradients(seeded):
    model = build(segmentor_cfg(head=head_cfg(direction='cross', detach=True)))
    losses = model.loss(*batch(generator=seeded))
    assert backbone_grad_norms(model, losses['decode.loss_ce_top'])['bottom'] == 0
    assert backbone_grad_norms(model, losses['decode.loss_ce_bottom'])['top'] == 0


@pytest.mark.parametrize('mode', ['whole', 'slide'])
def test_outputs_top_bottom_mean(mode, seeded):
    inputs, samples = batch(size=40, generator=seeded)
    preds = {}
    for output in ('top', 'bottom', 'mean'):
        torch.manual_seed(0)
        model = build(segmentor_cfg(output=output, mode=mode)).eval()
        with torch.no_grad():
            results = model.predict(inputs, clone(samples))
        preds[output] = results
    for output, results in preds.items():
        for sample in results:
            top, bottom = sample.seg_logits_top.data, sample.seg_logits_bottom.data
            assert top.shape == (NUM_CLASSES, 40, 40)
            torch.testing.assert_close(sample.seg_logits_mean.data, (top + bottom) / 2)
            for name in ('top', 'bottom', 'mean'):
                logits = sample.get(f'seg_logits_{name}').data
                assert torch.equal(sample.get(f'pred_sem_seg_{name}').data, logits.argmax(0, keepdim=True))
            assert torch.equal(sample.pred_sem_seg.data, sample.get(f'pred_sem_seg_{output}').data)
            assert torch.equal(sample.seg_logits.data, sample.get(f'seg_logits_{output}').data)
    # Same weights (same seed): the three models differ only in the chosen output.
    for a, b in zip(preds['top'], preds['mean']):
        assert torch.equal(a.seg_logits_top.data, b.seg_logits_top.data)
    assert not torch.equal(preds['top'][0].pred_sem_seg.data, preds['bottom'][0].pred_sem_seg.data)


def test_slide_inference_matches_whole_when_one_window_covers_the_image(seeded):
    inputs, samples = batch(size=32, generator=seeded)
    torch.manual_seed(0)
    whole = build(segmentor_cfg(mode='whole')).eval()
    slide = build(segmentor_cfg(mode='slide')).eval()
    slide.load_state_dict(whole.state_dict())
    with torch.no_grad():
        a, b = whole.predict(inputs, clone(samples)), slide.predict(inputs, clone(samples))
    torch.testing.assert_close(a[0].seg_logits_bottom.data, b[0].seg_logits_bottom.data)


def test_horizontal_flip_is_undone(seeded):
    model = build(segmentor_cfg()).eval()
    inputs, samples = batch(size=32, n=1, generator=seeded)
    flipped = clone(samples)
    flipped[0].set_metainfo(dict(flip=True, flip_direction='horizontal'))
    with torch.no_grad():
        plain = model.predict(inputs, samples)[0]
        undone = model.predict(inputs.flip(3), flipped)[0]
    # A conv net is not flip-equivariant, but un-flipping must align the maps: compare
    # with the prediction on the flipped image flipped back by hand.
    with torch.no_grad():
        by_hand = model.predict(inputs.flip(3), clone(samples))[0].seg_logits_top.data.flip(2)
    torch.testing.assert_close(undone.seg_logits_top.data, by_hand)
    assert plain.seg_logits_top.shape == undone.seg_logits_top.shape


def test_tta_model_merges_each_output(seeded):
    model = build(segmentor_cfg(output='bottom')).eval()
    tta = MODELS.build(dict(type='CooperativeSegTTAModel', module=model))
    inputs, samples = batch(size=32, n=1, generator=seeded)
    flipped = clone(samples)
    flipped[0].set_metainfo(dict(flip=True, flip_direction='horizontal'))
    with torch.no_grad():
        views = [model.predict(inputs, clone(samples))[0], model.predict(inputs.flip(3), flipped)[0]]
    merged = tta.merge_preds([views])[0]
    for name in ('top', 'bottom', 'mean'):
        probs = torch.stack([v.get(f'seg_logits_{name}').data.softmax(0) for v in views]).mean(0)
        assert torch.equal(merged.get(f'pred_sem_seg_{name}').data, probs.argmax(0, keepdim=True))
    assert torch.equal(merged.pred_sem_seg.data, merged.pred_sem_seg_bottom.data)
    assert torch.equal(merged.gt_sem_seg.data, samples[0].gt_sem_seg.data)


def test_mmseg_and_mmpretrain_backbones_with_different_channels_train(seeded):
    """ResNet (64 ch, /32) on top, mmpretrain ConvNeXt (96 ch, /32; 12-ch low level) below."""
    cfg = segmentor_cfg(top=tiny_resnet(), bottom=tiny_convnext(),
                        head=head_cfg(in_channels=(64, 96), c1_in_channels=(8, 12)))
    model = build(cfg)
    assert type(model.backbone.bottom).__module__.startswith('mmpretrain')
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9))
    inputs, samples = batch(size=32, n=4, generator=seeded)
    data = dict(inputs=list((inputs * 50 + 120).clamp(0, 255)), data_samples=samples)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    log = [model.train_step(data, optim) for _ in range(3)]
    assert all(torch.isfinite(entry['loss']) for entry in log)
    assert log[-1]['loss'].item() < log[0]['loss'].item()
    changed = {k for k, v in model.state_dict().items() if v.dtype.is_floating_point and not torch.equal(v, before[k])}
    assert any(k.startswith('backbone.top.') for k in changed)
    assert any(k.startswith('backbone.bottom.') for k in changed)


def test_per_branch_input_normalisation(seeded):
    """Each branch sees the image normalised with its own statistics."""
    xception_norm = dict(mean=[127.5] * 3, std=[127.5] * 3)
    model = build(segmentor_cfg(top_norm=xception_norm)).eval()
    image = torch.randint(0, 256, (3, 32, 32), generator=seeded).float()
    data = model.data_preprocessor(dict(inputs=[image], data_samples=data_samples(1, 32)), False)
    seen = branch_inputs(model, data['inputs'])
    rgb = image.flip(0)  # bgr_to_rgb
    mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
    torch.testing.assert_close(seen['top'][0], (rgb - 127.5) / 127.5, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(seen['bottom'][0], (rgb - mean) / std, atol=1e-5, rtol=1e-5)


def test_branches_disagreeing_on_batch_size_are_named(seeded):
    model = build(segmentor_cfg())
    original = model.backbone.bottom.forward
    model.backbone.bottom.forward = lambda x: tuple(f[:1] for f in original(x))
    with pytest.raises(ValueError, match=r'the bottom backbone \(ResNetV1c\).*expected batch size 2'):
        model.extract_feat(torch.randn(2, 3, 32, 32))


@pytest.mark.parametrize('kwargs, match', [
    (dict(output='average'), "test_cfg.output 'average'"),
])
def test_bad_output_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(segmentor_cfg(**kwargs))


def test_one_pretrained_checkpoint_for_two_backbones_is_refused():
    """mmseg's ``pretrained`` names one checkpoint; two backbones need one each, given by their init_cfg."""
    with pytest.raises(ValueError, match=r"pretrained='r50.pth' names one checkpoint for two backbones.*"
                                         r'backbone.top.init_cfg=.*backbone.bottom.init_cfg'):
        MODELS.build(dict(segmentor_cfg(), pretrained='r50.pth'))


def test_branch_norm_needs_preprocessor_statistics():
    cfg = segmentor_cfg(top_norm=dict(mean=[0] * 3, std=[1] * 3))
    cfg['data_preprocessor'].pop('mean')
    with pytest.raises(ValueError, match='need the data_preprocessor'):
        MODELS.build(cfg)


def test_channel_mismatch_with_a_declaring_backbone_fails_at_build():
    xception = dict(type='Xception65', out_indices=(1, 4))
    cfg = segmentor_cfg(top=xception, head=head_cfg(in_channels=(1024, 64), c1_in_channels=(256, 8)))
    with pytest.raises(ValueError, match=r'in_channels\[top\]=1024.*feature 1 has 2048 channels'):
        MODELS.build(cfg)
    cfg = segmentor_cfg(top=xception, head=head_cfg(in_channels=(2048, 64), c1_in_channels=(256, 8),
                                                    in_index=(2, 1)))
    with pytest.raises(IndexError, match=r'in_index\[top\]=2.*returns 2 features'):
        MODELS.build(cfg)
    MODELS.build(segmentor_cfg(top=xception, head=head_cfg(in_channels=(2048, 64), c1_in_channels=(256, 8))))


def test_binary_output_thresholds_each_network_and_the_mean(seeded):
    """``out_channels=1`` (mmseg's binary segmentation): each output is its sigmoid thresholded."""
    head = head_cfg(num_classes=2, out_channels=1, threshold=0.3,
                    loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0))
    model = build(segmentor_cfg(head=head)).eval()
    images, samples = batch(generator=seeded)
    with torch.no_grad():
        results = model.predict(images, clone(samples))
    for sample in results:
        for name in ('top', 'bottom', 'mean'):
            logits = sample.get(f'seg_logits_{name}').data
            assert logits.shape == (1, 32, 32)
            assert torch.equal(sample.get(f'pred_sem_seg_{name}').data, (logits.sigmoid() > 0.3).to(logits))
        torch.testing.assert_close(sample.seg_logits_mean.data,
                                   (sample.seg_logits_top.data + sample.seg_logits_bottom.data) / 2)
    losses = build(segmentor_cfg(head=head)).loss(images, data_samples(2, 32, seeded, num_classes=2))
    assert torch.isfinite(losses['decode.loss_ce_top']) and torch.isfinite(losses['decode.loss_ce_bottom'])


def test_bottom_norm_alone(seeded):
    """A branch norm on the bottom only: the top sees the preprocessor's output unchanged."""
    lite_norm = dict(mean=[127.0] * 3, std=[128.0] * 3)
    model = build(segmentor_cfg(bottom_norm=lite_norm)).eval()
    x = torch.randn(1, 3, 32, 32, generator=seeded)
    seen = branch_inputs(model, x)
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
    torch.testing.assert_close(seen['top'], x)
    torch.testing.assert_close(seen['bottom'], (x * std + mean - 127.0) / 128.0, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('backbone_kwargs, error, match', [
    (dict(top_norm=dict(mean=[0] * 3, std=[1] * 3)), ValueError, 'top_norm is set, so input_norm'),
    (dict(bottom_norm=dict(std=[1] * 3), input_norm=dict(mean=[0] * 3, std=[1] * 3)), KeyError,
     "bottom_norm has no 'mean'"),
    (dict(top_norm=dict(mean=[0] * 3, std=[1] * 3), input_norm=dict(mean=[0], std=[1])), ValueError,
     'top_norm and input_norm have different channel counts'),
])
def test_dual_backbone_names_bad_norms(backbone_kwargs, error, match):
    with pytest.raises(error, match=match):
        MODELS.build(dict(type='DualBackbone', top=tiny_resnet(), bottom=tiny_resnet(), **backbone_kwargs))
