"""mmengine's ``compile`` option applied to the network alone."""
from typing import Callable

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmseg.registry import HOOKS


def _while_training(model: nn.Module, compiled: Callable, eager: Callable) -> Callable:
    def call(*args, **kwargs):
        return (compiled if model.training else eager)(*args, **kwargs)

    return call


def compile_network(model: nn.Module, training_only: bool = False, **compile_cfg) -> bool:
    """``torch.compile`` a segmentor's ``extract_feat`` and ``decode_head.forward``, in place.

    Data handling, the loss, the optimiser step and postprocessing stay eager.
    The parameters and the state-dict keys are the model's own.

    Args:
        model: An mmseg encoder-decoder (it has ``extract_feat`` and a ``decode_head``).
        training_only: Run the compiled code while ``model`` is in training mode
            and the eager code while it is not, so that validation (other image
            sizes, BatchNorm's running statistics) compiles nothing.
        **compile_cfg: ``torch.compile``'s options (``backend``, ``mode``, ...).

    Returns:
        ``False``, with ``model`` unchanged, where it lacks these parts.
    """
    if not callable(getattr(model, 'extract_feat', None)) or not isinstance(getattr(model, 'decode_head', None),
                                                                              nn.Module):
        return False
    for owner, name in ((model, 'extract_feat'), (model.decode_head, 'forward')):
        eager = getattr(owner, name)
        compiled = torch.compile(eager, **compile_cfg)
        setattr(owner, name, _while_training(model, compiled, eager) if training_only else compiled)
    return True


@HOOKS.register_module()
class CompileNetworkHook(Hook):
    """Make mmengine's ``compile`` option compile the network, not the whole training step.

    With ``compile=True`` (or a dict of ``torch.compile``'s options) in a config,
    mmengine compiles ``model.train_step``. That step runs mmseg's data
    preprocessor, which deep-copies every sample's metainfo (its image path,
    its flip), and each new batch fails a guard on those objects: the step is
    compiled again at every iteration. Once training starts, after mmengine
    compiled, this hook puts the eager ``train_step`` back and compiles
    :func:`compile_network`'s parts with the same options, for training only.
    Without ``compile`` it does nothing. The base runtime
    (``configs/_base_/default_runtime.py``) has it.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        compile_cfg = runner.cfg.get('compile')
        if not compile_cfg:
            return
        compile_cfg = {} if compile_cfg is True else dict(compile_cfg)
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not compile_network(model, training_only=True, **compile_cfg):
            runner.logger.info(f'CompileNetworkHook: {type(model).__name__} has no extract_feat and decode_head; '
                               'mmengine\'s compiled train_step is kept')
            return
        runner.model.__dict__.pop('train_step', None)  # mmengine's compiled one; the class's is eager
        runner.logger.info(f'CompileNetworkHook: extract_feat and decode_head.forward compiled ({compile_cfg}) for '
                           'training; the data preprocessor, loss, optimiser step and validation run eager')
