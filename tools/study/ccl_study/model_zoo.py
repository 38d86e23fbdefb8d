"""Write a method README's generated blocks and its metafile's results from a results file."""
import os.path as osp
import re
import statistics
import sys
from typing import List

from mmseg_ccl.engine import atomic_write
from mmseg_ccl.structures import OUTPUTS

from .report import (
    agreement_table,
    described_table,
    differences_table,
    main_output,
    of_shipped_configs,
    ordered_rows,
    per_class_table,
    setting_note,
    summarise,
    timing_ratio,
)
from .suites import ROOT, Suite


def zoo_table(results: dict, names: List[str], suite: Suite, readme_dir: str) -> str:
    """The model-zoo table of a method README: one line per row with at least one finished seed."""
    lines = ['| Method | Backbone (top / bottom) | Crop Size | Lr schd | Seeds | Params (M) | GFLOPs | '
             'Train step (×) | Latency (×) | mIoU top | mIoU bottom | mIoU mean | config |', '|---' * 13 + '|']
    for name in names:
        row, spec = results['rows'][name], suite.rows.get(name)
        runs = list(row['runs'].values())
        if not runs or spec is None:
            continue
        config = spec.config or suite.ensemble_config
        schedule, crop = re.search(r'-(\d+k)_.*-(\d+x\d+)\.py$', config).groups()
        backbone = {('top', ): suite.backbones[0], ('bottom', ): suite.backbones[1]}.get(
            spec.outputs, ' / '.join(suite.backbones))
        link = f'[config]({osp.relpath(osp.join(ROOT, config), readme_dir)})'
        link += ' + merge' if spec.config is None else ' + overrides' if spec.overrides else ''
        scores = [summarise([r['scores'][o] for r in runs if o in r['scores']]) for o in OUTPUTS]
        lines.append(f'| {row["label"]} | {backbone} | {crop} | {schedule} | {len(runs)} | '
                     f'{row["params"] / 1e6:.2f} | {row["flops"] / 1e9:.2f} | {timing_ratio(row, "step")} | '
                     f'{timing_ratio(row, "latency")} | ' + ' | '.join(scores) + f' | {link} |')
    setting = setting_note(results)
    return '\n'.join(lines) + '\n' + (f'\n{setting}' if setting else '')


def update_readme(path: str, results: dict, names: List[str], suite: Suite) -> None:
    """Replace the text between ``<!-- SUITE table -->`` and ``<!-- /SUITE table -->`` (and the
    same for ``per-class``, with the suite's per-class rows, and, where the README has them, for
    ``differences`` and ``agreement``, with every row; ``agreement`` also holds the other comparisons
    the documents describe) with the tables made from ``results``."""
    with open(path) as f:
        text = f.read()
    blocks = {'table': zoo_table(results, names, suite, osp.dirname(osp.abspath(path))),
              'per-class': per_class_table(results, [n for n in names if n in suite.per_class_rows]),
              'differences': differences_table(results, suite),
              'agreement': agreement_table(results, names) + described_table(results, suite)}
    for block, content in blocks.items():
        begin, end = f'<!-- {results["suite"]} {block} -->\n', f'<!-- /{results["suite"]} {block} -->'
        if begin not in text or end not in text:
            if block in ('differences', 'agreement'):  # optional
                continue
            sys.exit(f'run_comparison: {path} has no {begin.strip()} ... {end} block to fill')
        head, rest = text.split(begin, 1)
        text = head + begin + content + end + rest.split(end, 1)[1]
    atomic_write(text.encode(), path)


def update_metafile(path: str, results: dict, suite: Suite) -> None:
    """Set the ``Results`` of every model in a model-zoo ``metafile.yaml`` whose config is a row run
    as shipped (no overrides): mIoU of its main output, and of top and bottom for two networks,
    mean over seeds. Results run with ``--cfg-options`` or of another ``setting`` are not the shipped
    configs': those models' ``Results`` are removed."""
    import yaml
    with open(path) as f:
        metafile = yaml.safe_load(f)
    by_config = {row.config: name for name, row in suite.rows.items() if row.config and not row.overrides}
    for model in metafile['Models']:
        row = results['rows'].get(by_config.get(model['Config']), {})
        runs = list(row.get('runs', {}).values())
        if not runs:
            continue
        if not of_shipped_configs(results):
            model.pop('Results', None)
            continue
        mean = {o: round(statistics.mean(r['scores'][o] for r in runs), 2) for o in runs[0]['scores']}
        metrics = dict(mIoU=mean[main_output(row)])
        if 'mean' in mean:
            metrics.update({f'mIoU({o})': mean[o] for o in ('top', 'bottom')})
        model['Results'] = [{'Task': 'Semantic Segmentation', 'Dataset': suite.dataset, 'Metrics': metrics}]
    atomic_write(yaml.safe_dump(metafile, sort_keys=False, allow_unicode=True, width=120).encode(), path)


def update_model_zoo(results: dict, suite: Suite, readme: str) -> None:
    """Fill ``readme``'s generated blocks (:func:`update_readme`) and the results of the
    ``metafile.yaml`` beside it (:func:`update_metafile`) from ``results``."""
    update_readme(readme, results, ordered_rows(results, suite), suite)
    metafile = osp.join(osp.dirname(readme), 'metafile.yaml')
    if osp.isfile(metafile):
        update_metafile(metafile, results, suite)
