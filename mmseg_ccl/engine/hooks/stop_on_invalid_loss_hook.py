"""Stop training at the first NaN or infinite loss, before it is checkpointed."""
import math
from typing import Optional

import torch
from mmengine.hooks import Hook

from mmseg.registry import HOOKS


@HOOKS.register_module()
class StopOnInvalidLossHook(Hook):
    """Raise :class:`FloatingPointError` naming the iteration and each
    non-finite loss (``decode.loss_ce_top`` / ``decode.loss_ce_bottom`` tell
    which network) as soon as one appears.

    It runs before :class:`CheckpointHook` in the same iteration (priority
    ``NORMAL`` vs ``VERY_LOW``), so the weights the bad step produced are never
    written; the checkpoints already on disk stay the last good ones. The check
    costs one host-device sync per iteration, which mmengine's logging makes
    anyway.
    """

    priority = 'NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs: Optional[dict] = None) -> None:
        losses = {key: value for key, value in (outputs or {}).items() if 'loss' in key}
        if not losses:
            return
        device = next((v.device for v in losses.values() if isinstance(v, torch.Tensor)), None)
        values = torch.stack([torch.as_tensor(v, dtype=torch.float32, device=device).detach().reshape(())
                              for v in losses.values()])
        if bool(torch.isfinite(values).all()):
            return
        bad = ', '.join(f'{key}={float(value)}' for key, value in zip(losses, values.tolist())
                        if not math.isfinite(value))
        last = runner.message_hub.get_info('last_ckpt')
        raise FloatingPointError(
            f'iteration {runner.iter + 1}: non-finite loss {bad}; training stopped before anything of this '
            f'iteration was saved (last checkpoint: {last or "none"}). Lower the learning rate, enable '
            'gradient clipping (optim_wrapper.clip_grad) or check the data.')
