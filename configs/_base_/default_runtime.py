# mmseg's runtime, with mmseg-ccl's modules registered.
_base_ = 'mmseg::_base_/default_runtime.py'
custom_imports = dict(imports=['mmseg_ccl'], allow_failed_imports=False)
# A NaN / Inf loss stops the run, naming the iteration and the loss, before it is checkpointed.
# With `compile` (mmengine's option: True or torch.compile's options), the backbones and the head are
# compiled for training, not the whole train_step (CompileNetworkHook).
custom_hooks = [dict(type='StopOnInvalidLossHook'), dict(type='CompileNetworkHook')]
# Draws ground truth | top | bottom | mean for two-network models (tools/test.py --show-dir).
visualizer = dict(type='CooperativeSegLocalVisualizer')
