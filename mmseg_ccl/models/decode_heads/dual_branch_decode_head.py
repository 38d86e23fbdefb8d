"""A decode head over the features of two backbones (:class:`DualBackbone`)."""
from typing import Sequence, Tuple

from torch import Tensor

from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from ...structures import BRANCHES

Pair = Tuple[Tensor, Tensor]


def check_pair(owner: str, key: str, value: Sequence, kind: type = int) -> tuple:
    """``value`` as a (top, bottom) tuple; a TypeError naming ``owner`` and ``key`` unless it is one
    ``kind`` per branch."""
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(isinstance(v, kind) for v in value):
        raise TypeError(f'{owner}: {key} must be a pair of {kind.__name__} (top, bottom), got {value!r}')
    return tuple(value)


class DualBranchDecodeHead(BaseDecodeHead):
    """:class:`BaseDecodeHead` over the (top, bottom) features of a :class:`DualBackbone`.

    Takes each branch's high-level feature (``in_index``) and low-level feature
    (``c1_in_index``, as DeepLabV3+'s decoder reads it) and checks their
    channels against the config: at build, when the segmentor passes what the
    backbone declares to :meth:`check_feature_channels`, and at every forward.

    Args:
        in_channels: High-level feature channels (top, bottom).
        c1_in_channels: Low-level feature channels (top, bottom).
        in_index: Index of the high-level feature in each backbone's outputs.
        c1_in_index: Index of the low-level feature in each backbone's outputs.
        **kwargs: :class:`BaseDecodeHead`'s other arguments.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 c1_in_channels: Sequence[int],
                 in_index: Sequence[int] = (-1, -1),
                 c1_in_index: Sequence[int] = (0, 0),
                 **kwargs) -> None:
        super().__init__(in_channels=in_channels, in_index=in_index, **kwargs)
        self.c1_in_channels = check_pair(type(self).__name__, 'c1_in_channels', c1_in_channels)
        self.c1_in_index = check_pair(type(self).__name__, 'c1_in_index', c1_in_index)
        if min(self.c1_in_channels) <= 0:
            raise ValueError(f'{type(self).__name__}: c1_in_channels must be positive (DeepLabV3+ decoder), '
                             f'got {self.c1_in_channels}')

    def _init_inputs(self, in_channels, in_index, input_transform) -> None:
        """Per-branch inputs instead of :class:`BaseDecodeHead`'s single one."""
        if input_transform is not None:
            raise ValueError(f'{type(self).__name__}: input_transform is not supported; '
                             'pick each branch\'s features with in_index / c1_in_index')
        self.input_transform = None
        self.in_channels = check_pair(type(self).__name__, 'in_channels', in_channels)
        self.in_index = check_pair(type(self).__name__, 'in_index', in_index)

    def check_feature_channels(self, branch: int, channels: Sequence[int]) -> None:
        """Check that ``in_index`` / ``c1_in_index`` of ``branch`` pick features with the
        expected channels, given the channels of each feature its backbone returns."""
        name = BRANCHES[branch]
        for index_key, channels_key in (('in_index', 'in_channels'), ('c1_in_index', 'c1_in_channels')):
            index, expected = getattr(self, index_key)[branch], getattr(self, channels_key)[branch]
            if not -len(channels) <= index < len(channels):
                raise IndexError(f'{type(self).__name__}: {index_key}[{name}]={index}, but the {name} backbone '
                                 f'returns {len(channels)} features')
            if channels[index] != expected:
                raise ValueError(f'{type(self).__name__}: {channels_key}[{name}]={expected}, but the {name} '
                                 f'backbone\'s feature {index} has {channels[index]} channels')

    def _transform_inputs(self, inputs: Tuple[Sequence[Tensor], Sequence[Tensor]]) -> Tuple[Pair, Pair]:
        """The checked (high-level, low-level) features, each a (top, bottom) pair."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise TypeError(f'{type(self).__name__} expects (top_features, bottom_features) from a '
                            f'DualBackbone, got {type(inputs).__name__} of length {len(inputs)}')
        for b, feats in enumerate(inputs):
            self.check_feature_channels(b, [f.shape[1] for f in feats])
        top, bottom = inputs
        return ((top[self.in_index[0]], bottom[self.in_index[1]]),
                (top[self.c1_in_index[0]], bottom[self.c1_in_index[1]]))
