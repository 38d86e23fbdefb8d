"""FLOPs as mmseg's ``get_flops.py`` counts them (mmengine's ``FlopAnalyzer``: multiply-adds), with
the products this package's fusions use counted too."""
from typing import Any, List

import torch.nn as nn
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import bmm_flop_jit


def baddbmm_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """``baddbmm(self, a, b)`` costs what ``bmm(a, b)`` does (the addition is not counted, as
    mmengine does not count ``addmm``'s)."""
    return bmm_flop_jit(inputs[1:3], outputs)


def count_flops(model: nn.Module, inputs: Any) -> int:
    """Multiply-adds of ``model(inputs)``. ``ReducedFusion`` adds its expanded message into the
    receiver's feature inside ``torch.baddbmm``, which mmengine's table of counted operations lacks;
    the handle is set here, where the package counts, not in mmengine's table."""
    return FlopAnalyzer(model, inputs).set_op_handle('aten::baddbmm', baddbmm_flop_jit).total()
