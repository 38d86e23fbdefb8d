"""Checkpoints a run resumes from exactly, and that a kill cannot break."""
import glob
import os
import os.path as osp
import re
import zipfile
from typing import Optional

import torch
from mmengine.dist import barrier, get_world_size, is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.runner.checkpoint import find_latest_checkpoint

from mmseg.registry import HOOKS

from ..atomic_local_backend import atomic_write, temporary_path


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` file: its zip archive ends in
    a central directory, which a write cut short never has."""
    return osp.isfile(path) and zipfile.is_zipfile(path)


@HOOKS.register_module()
class ResumableCheckpointHook(CheckpointHook):
    """mmengine's :class:`CheckpointHook`, made safe to kill and exact to resume.

    - Checkpoints are written atomically (``atomic_local`` file backend: a
      temporary file renamed into place), so a kill during a save leaves the
      previous checkpoints intact and no half-written ``.pth``.
    - With ``max_keep_ckpts``, outdated checkpoints are deleted after the new
      one is written, not before as mmengine does.
    - ``--resume`` without a path: if ``last_checkpoint`` is empty or names a
      missing or incomplete file, it is pointed at the newest complete
      checkpoint before mmengine reads it (with a warning).
    - torch's random state is saved with each checkpoint and restored at the
      first resumed iteration, so dropout draws the same masks as in an
      uninterrupted run. Data augmentation needs nothing: mmengine replays the
      dataloader up to the resumed iteration.

    Takes every argument of :class:`CheckpointHook`.
    """

    def __init__(self,
                 interval: int = -1,
                 by_epoch: bool = True,
                 *,
                 out_dir: Optional[str] = None,
                 backend_args: Optional[dict] = None,
                 file_client_args: Optional[dict] = None,
                 **kwargs) -> None:
        # Local directories get atomic writes; remote ones (``s3://...``) keep their backend.
        if backend_args is None and file_client_args is None and (out_dir is None or '://' not in str(out_dir)):
            backend_args = dict(backend='atomic_local')
        super().__init__(interval, by_epoch, out_dir=out_dir, backend_args=backend_args,
                         file_client_args=file_client_args, **kwargs)
        self._saved_rng_state: Optional[dict] = None
        self._resumed_iter: Optional[int] = None

    # Resuming from ``last_checkpoint``.
    def before_run(self, runner) -> None:
        super().before_run(runner)
        if is_main_process():
            # Temporary files of saves a kill interrupted (see ``atomic_write``).
            checkpoints = osp.join(runner.work_dir, self.filename_tmpl.format('*'))
            for stale in glob.glob(temporary_path(checkpoints, '*')):
                os.remove(stale)
            # mmengine auto-resumes from work_dir/last_checkpoint when --resume has no path.
            if runner._resume and runner._load_from is None:
                self._repair_last_checkpoint(runner)
        barrier()

    def _repair_last_checkpoint(self, runner) -> None:
        pointer = osp.join(runner.work_dir, 'last_checkpoint')
        if not osp.exists(pointer):
            return
        target = find_latest_checkpoint(runner.work_dir)
        if target and is_complete_checkpoint(target):
            return
        pattern = re.compile(re.escape(self.filename_tmpl).replace(r'\{\}', r'(\d+)') + '$')
        candidates = []
        for path in glob.glob(osp.join(runner.work_dir, self.filename_tmpl.format('*'))):
            match = pattern.search(osp.basename(path))
            if match and is_complete_checkpoint(path):
                candidates.append((int(match.group(1)), path))
        if not candidates:
            raise RuntimeError(f'{pointer} names {target!r}, which is missing or incomplete, and '
                               f'{runner.work_dir} holds no complete checkpoint to resume from; '
                               'delete last_checkpoint to start afresh')
        newest = max(candidates)[1]
        runner.logger.warning(f'{pointer} named {target!r}, which is missing or incomplete; '
                              f'resuming from {newest} instead')
        atomic_write(newest.encode(), pointer)

    # Saving: delete outdated checkpoints only after the new one is written.
    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        keep, outdated = self.max_keep_ckpts, None
        if keep > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == keep:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        self.max_keep_ckpts = -1  # the bookkeeping above replaces mmengine's delete-then-save
        try:
            super()._save_checkpoint_with_step(runner, step, meta)
        finally:
            self.max_keep_ckpts = keep
        if outdated is not None and is_main_process():
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)

    # Random state.
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        diff_rank_seed = runner.cfg.get('randomness', {}).get('diff_rank_seed', False)
        checkpoint['rng_state'] = dict(
            torch=torch.get_rng_state(),
            cuda=torch.cuda.get_rng_state() if torch.cuda.is_available() and torch.cuda.is_initialized() else None,
            # Only rank 0 saves: its state is every rank's when all share one seed.
            shared_by_all_ranks=get_world_size() == 1 or not diff_rank_seed)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._saved_rng_state = checkpoint.get('rng_state')
        self._resumed_iter = checkpoint.get('meta', {}).get('iter')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        state, self._saved_rng_state = self._saved_rng_state, None
        # Only on resume (``load_from`` starts at iteration 0), and only once.
        if state is None or runner.iter == 0 or runner.iter != self._resumed_iter:
            return
        if not state.get('shared_by_all_ranks', True):
            runner.logger.info('ResumableCheckpointHook: ranks had different seeds; their random states were '
                               'not saved, so the resumed run draws new dropout masks')
            return
        torch.set_rng_state(state['torch'])
        if state.get('cuda') is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state(state['cuda'])
