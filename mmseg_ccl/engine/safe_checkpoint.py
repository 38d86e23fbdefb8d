"""Let ``torch.load(weights_only=True)`` read mmengine checkpoints.

Since torch 2.6, ``torch.load`` only unpickles tensors, containers and
primitives unless told otherwise; mmengine 0.10 calls it with that default,
and its Runner checkpoints also hold the message hub's ``HistoryBuffer`` with
numpy arrays and scalars, so ``resume`` / ``load_from`` fail. Instead of
switching the check off, we allow exactly these types; anything else in a
pickle (e.g. a crafted ``os.system`` call) is still refused.

Older torch: ``torch.serialization.add_safe_globals`` exists from torch 2.4
(entries under another module name, ``(obj, 'module.name')``, from 2.6), and
before 2.6 ``torch.load`` unpickles anything by default, so there checkpoints
must come from a trusted source; :func:`register_safe_globals` registers what
the installed torch accepts.

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
from mmengine.utils import digit_version

# numpy's array module, which numpy 2 moved from ``numpy.core`` to ``numpy._core``;
# checkpoints name whichever the numpy that wrote them had.
MULTIARRAY = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
MULTIARRAY_MODULES = ('numpy.core.multiarray', 'numpy._core.multiarray')
# The first torch whose add_safe_globals takes (obj, 'module.name') entries.
ALIASES_TORCH = (2, 6)


def history_buffer_getattr(obj: Any, name: str) -> Callable:
    """``getattr`` restricted to ``HistoryBuffer``'s registered statistics methods."""
    if obj is HistoryBuffer and name in HistoryBuffer._statistics_methods:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(f'checkpoint asks for getattr({obj!r}, {name!r}); only HistoryBuffer statistics '
                                 f'methods {sorted(HistoryBuffer._statistics_methods)} are allowed')


def _numpy_globals() -> List[Any]:
    """numpy's array / scalar reconstruction helpers and its dtype classes, also under
    the other numpy major version's module path."""
    dtype_classes = sorted({type(np.dtype(code)) for code in np.typecodes['All']}, key=lambda cls: cls.__name__)
    safe: List[Any] = [np.ndarray, np.dtype, MULTIARRAY._reconstruct, MULTIARRAY.scalar, *dtype_classes]
    for module in MULTIARRAY_MODULES:
        if module != MULTIARRAY.__name__:
            safe += [(MULTIARRAY._reconstruct, f'{module}._reconstruct'), (MULTIARRAY.scalar, f'{module}.scalar')]
    return safe


def safe_globals() -> List[Any]:
    """The types mmengine's checkpoints contain beyond torch's defaults."""
    HistoryBuffer()  # registers the default statistics methods
    methods = [getattr(HistoryBuffer, name) for name in HistoryBuffer._statistics_methods]
    return [HistoryBuffer, *methods, (history_buffer_getattr, 'builtins.getattr'), *_numpy_globals()]


def register_safe_globals() -> bool:
    """Add :func:`safe_globals` to torch's allow-list (idempotent), as far as the
    installed torch has one; returns whether it has."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:  # torch < 2.4
        return False
    entries = safe_globals()
    if digit_version(torch.__version__) < digit_version('.'.join(map(str, ALIASES_TORCH))):
        entries = [entry for entry in entries if not isinstance(entry, tuple)]
    add(entries)
    return True
