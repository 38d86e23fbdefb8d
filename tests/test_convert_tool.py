import subprocess
import sys
from pathlib import Path

import timm
import torch
from safetensors.torch import save_file

from mmseg_ccl.models import Xception65

TOOL = Path(__file__).resolve().parents[1] / 'tools' / 'convert_xception65.py'


def test_converts_timm_safetensors(tmp_path):
    reference = timm.create_model('xception65', pretrained=False)
    src = tmp_path / 'model.safetensors'
    save_file({k: v.contiguous() for k, v in reference.state_dict().items()}, str(src))
    dst = tmp_path / 'out' / 'xception65.pth'
    subprocess.run([sys.executable, str(TOOL), str(src), str(dst)], check=True, capture_output=True)
    ours = Xception65(init_cfg=dict(type='Pretrained', checkpoint=str(dst)))
    ours.init_weights()
    torch.testing.assert_close(ours.blocks[20].convs[2].depthwise_conv.bn.weight,
                               reference.blocks[20].stack.conv3.bn_dw.weight)


def test_names_the_file_with_foreign_keys(tmp_path):
    src = tmp_path / 'resnet.pth'
    torch.save({'conv1.weight': torch.zeros(1)}, src)
    result = subprocess.run([sys.executable, str(TOOL), str(src), str(tmp_path / 'x.pth')], capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert 'resnet.pth' in result.stderr and 'conv1.weight' in result.stderr
    assert not (tmp_path / 'x.pth').exists()
