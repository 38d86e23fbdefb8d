"""Let ``torch.load(weights_only=True)`` read mmengine checkpoints.

Since torch 2.6, ``torch.load`` only unpickles tensors, containers and
primitives unless told otherwise; mmengine 0.10.7 calls it with that default,
and its Runner checkpoints also hold the message hub's ``HistoryBuffer`` with
numpy arrays and scalars, so ``resume`` / ``load_from`` fail. Instead of
switching the check off, we allow exactly these types; anything else in a
pickle (e.g. a crafted ``os.system`` call) is still refused.

One wrinkle: a ``HistoryBuffer`` pickles its statistics methods
(``HistoryBuffer.min``, ...), which protocol 2 writes as
``getattr(HistoryBuffer, 'min')``. Allowing the real ``getattr`` would let a
pickle reach any attribute of any allowed object, so ``builtins.getattr`` is
bound to :func:`history_buffer_getattr` instead, which resolves those methods
and refuses everything else.
"""
import pickle
from typing import Any, Callable, List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer


def history_buffer_getattr(obj: Any, name: str) -> Callable:
    """``getattr`` restricted to ``HistoryBuffer``'s registered statistics methods."""
    if obj is HistoryBuffer and name in HistoryBuffer._statistics_methods:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(f'checkpoint asks for getattr({obj!r}, {name!r}); only HistoryBuffer statistics '
                                 f'methods {sorted(HistoryBuffer._statistics_methods)} are allowed')


def _numpy_globals() -> List[Any]:
    """numpy's array / scalar reconstruction helpers and its dtype classes, also
    under their numpy 1.x module path (``numpy.core``) that older checkpoints use."""
    multiarray = np._core.multiarray
    dtype_classes = sorted({type(np.dtype(code)) for code in np.typecodes['All']}, key=lambda cls: cls.__name__)
    safe: List[Any] = [np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar, *dtype_classes]
    safe += [(multiarray._reconstruct, 'numpy.core.multiarray._reconstruct'),
             (multiarray.scalar, 'numpy.core.multiarray.scalar')]
    return safe


def safe_globals() -> List[Any]:
    """The types mmengine's checkpoints contain beyond torch's defaults."""
    HistoryBuffer()  # registers the default statistics methods
    methods = [getattr(HistoryBuffer, name) for name in HistoryBuffer._statistics_methods]
    return [HistoryBuffer, *methods, (history_buffer_getattr, 'builtins.getattr'), *_numpy_globals()]


def register_safe_globals() -> None:
    """Add :func:`safe_globals` to torch's allow-list (idempotent)."""
    torch.serialization.add_safe_globals(safe_globals())
