"""IoU of the top, bottom and mean outputs in one evaluation pass."""
from typing import Dict, Sequence

import numpy as np
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS

from ...structures import OUTPUTS


@METRICS.register_module()
class CooperativeIoUMetric(IoUMetric):
    """mmseg's :class:`IoUMetric` for every output of a
    :class:`CooperativeEncoderDecoder`.

    Reports, besides the usual ``aAcc`` / ``mIoU`` / ``mAcc`` of
    ``pred_sem_seg`` (the output ``test_cfg.output`` chose, so that
    ``save_best='mIoU'`` works as in mmseg), the same metrics for each output
    with a suffix: ``mIoU_top``, ``mIoU_bottom``, ``mIoU_mean``, ... and one
    per-class table with a column per output. Takes :class:`IoUMetric`'s
    arguments.
    """

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        start = len(self.results)
        # IoUMetric scores pred_sem_seg and writes output_dir / format_only files.
        super().process(data_batch, data_samples)
        if self.format_only:
            return
        num_classes = len(self.dataset_meta['classes'])
        chosen = self.results[start:]
        del self.results[start:]
        for sample, areas in zip(data_samples, chosen):
            entry = {'pred': areas}
            for name in OUTPUTS:
                key = f'pred_sem_seg_{name}'
                if key not in sample:
                    raise KeyError(f'CooperativeIoUMetric: prediction {sample.get("img_path", "")!r} has no {key!r}; '
                                   'the model must be a CooperativeEncoderDecoder (or its TTA model)')
                pred = sample[key]['data'].squeeze()
                label = sample['gt_sem_seg']['data'].squeeze().to(pred)
                entry[name] = self.intersect_and_union(pred, label, num_classes, self.ignore_index)
            self.results.append(entry)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if self.format_only:
            return super().compute_metrics(results)
        metrics: Dict[str, float] = {}
        table = PrettyTable()
        table.add_column('Class', list(self.dataset_meta['classes']))
        for name in ('pred', ) + OUTPUTS:
            totals = [sum(areas) for areas in zip(*(entry[name] for entry in results))]
            per_class = self.total_area_to_metrics(*totals, self.metrics, self.nan_to_num, self.beta)
            suffix = '' if name == 'pred' else f'_{name}'
            for key, values in per_class.items():
                metrics[(key if key == 'aAcc' else f'm{key}') + suffix] = np.round(np.nanmean(values) * 100, 2)
                if key != 'aAcc' and name != 'pred':
                    table.add_column(f'{key} {name}', np.round(values * 100, 2))
        print_log('per class results (top, bottom, mean):\n' + table.get_string(),
                  logger=MMLogger.get_current_instance())
        return metrics
