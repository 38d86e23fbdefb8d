"""tools/study/probe_backbones.py: a linear probe of frozen ImageNet features."""
import json
import subprocess

import pytest
import torch

from helpers import PY, ROOT, load_tool, make_camvid_fixture, run

SINGLE = 'configs/ccl/deeplabv3plus_{}-os16_1xb8-1k_camvid-180x240.py'


@pytest.mark.parametrize('informative, expected', [(True, (90, 100)), (False, (0, 40))])
def test_probe_scores_what_the_features_carry(informative, expected):
    """Features that spell out each pixel's class (one channel per class, at a quarter of the label's size)
    are read almost perfectly; features of noise are not."""
    generator = torch.Generator().manual_seed(0)
    coarse = torch.randint(0, 4, (24, 6, 8), generator=generator)
    labels = coarse.repeat_interleave(4, 1).repeat_interleave(4, 2).to(torch.uint8)
    labels[:, :2] = 255  # unlabelled rows are ignored
    if informative:
        feats = torch.nn.functional.one_hot(coarse, 5).permute(0, 3, 1, 2).float()
    else:
        feats = torch.randn(24, 5, 6, 8, generator=generator)
    probe = load_tool('tools/study/probe_backbones.py').probe
    miou = probe((feats[:16], labels[:16]), (feats[16:], labels[16:]), 4, 255, steps=200, seed=0)
    assert expected[0] <= miou <= expected[1]


@pytest.mark.slow
def test_probe_of_the_camvid_singles(tmp_path):
    """Each config's backbone as configured: the head's input at output stride 16, and an override applied to
    its spec only (Lite0 at output stride 32); the JSON holds one result per spec."""
    data = make_camvid_fixture(tmp_path / 'camvid')
    specs = [SINGLE.format('mobilenetv2'), SINGLE.format('effnetlite0') + '#model.backbone.output_stride=32']
    run('tools/study/probe_backbones.py', *specs, '--data', str(data), '--steps', '2', '--out',
        str(tmp_path / 'probe.json'))
    result = json.loads((tmp_path / 'probe.json').read_text())
    assert [r['config'] for r in result['results']] == specs
    assert [r['feature'] for r in result['results']] == [[320, 12, 15], [320, 6, 8]]
    assert all(0 <= r['miou'] <= 100 for r in result['results'])
    assert (result['setting']['train'], result['setting']['val']) == (4, 2)
    table = (tmp_path / 'probe.md').read_text().splitlines()
    assert table[2] == f'| `{specs[0]}` | (320, 12, 15) | {result["results"][0]["miou"]:.2f} |'


@pytest.mark.slow
def test_a_two_network_config_is_refused_before_any_probe(tmp_path):
    out = tmp_path / 'probe.json'
    refused = subprocess.run([PY, 'tools/study/probe_backbones.py', SINGLE.format('mobilenetv2'),
                              'configs/ccl/ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py', '--data',
                              str(tmp_path), '--out', str(out)], cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode != 0
    assert 'ccl_mobilenetv2-effnetlite0_1xb8-1k_camvid-180x240.py is not a single-network' in refused.stderr
    assert not out.exists() and 'probe mIoU' not in refused.stdout
