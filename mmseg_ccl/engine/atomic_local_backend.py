"""A local file backend whose writes are atomic: a reader, or a run resumed
after a kill, sees the old file or the new one, never half of one."""
import os
import os.path as osp
from pathlib import Path
from typing import Union

import mmengine
from mmengine.fileio import LocalBackend, register_backend


def temporary_path(filepath: str, pid: Union[int, str]) -> str:
    """The hidden file :func:`atomic_write` writes ``filepath`` through (``pid='*'``: a glob of them)."""
    return osp.join(osp.dirname(filepath), f'.{osp.basename(filepath)}.tmp-{pid}')


def atomic_write(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to a hidden temporary file beside ``filepath``, flush it
    to disk, then rename it over ``filepath`` (``os.replace`` is atomic)."""
    filepath = osp.abspath(str(filepath))
    mmengine.mkdir_or_exist(osp.dirname(filepath))
    tmp = temporary_path(filepath, os.getpid())
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """:class:`mmengine.fileio.LocalBackend` with atomic ``put`` / ``put_text``.

    Select it with ``backend_args=dict(backend='atomic_local')``, e.g. in
    ``CheckpointHook``; :class:`ResumableCheckpointHook` does so by default.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write(obj.encode(encoding), filepath)
