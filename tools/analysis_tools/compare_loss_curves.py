"""Whether a training setting's loss stays within the spread of another's over seeds.

    python tools/analysis_tools/compare_loss_curves.py --old WORK_DIR ... --new WORK_DIR ... \
        [--last 100] [--window 20] [--out results.json]

Each work dir is one ``tools/train.py`` run, the runs of a setting differing in their seed. The
losses are those mmengine logged (``*/vis_data/scalars.json``, every sitting of a resumed run, a later
one's entry replacing an earlier one's): each the mean over ``log_processor.window_size`` iterations,
so that ``default_hooks.logger.interval=1 log_processor.window_size=1`` logs each iteration's own.
All runs must have logged the same iterations.

The rule (docs/experiments.md, "Loss curves of a faster setting"): a run's summary is the mean of
its logged losses over the last ``--last`` iterations; a run whose loss there is not finite has an
infinite summary. The new setting **trains worse** when every one of its runs' summaries is above
every old run's. Where both settings train alike, the runs are exchangeable and this happens with
probability ``1 / C(n_old + n_new, n_new)`` (1/20 for three and three); otherwise its loss **stays
within the old setting's spread**. All of the new runs below all of the old ones is stated and
decides nothing. The mean, lowest and highest loss of each setting in windows of ``--window``
iterations describe the curves.
"""
import argparse
import json
import math
import os
import statistics
import sys
from typing import Dict, List, Sequence

from mmseg_ccl.analysis import logged_scalars
from mmseg_ccl.engine import atomic_write

Losses = Dict[int, float]


def training_losses(work_dir: str) -> Losses:
    """``{iteration: loss}`` as the run in ``work_dir`` logged it, over all its sittings.

    Raises:
        FileNotFoundError: naming ``work_dir`` when it holds no training log.
        ValueError: naming ``work_dir`` when no entry of its logs has a loss.
    """
    losses = {entry['step']: float(entry['loss']) for entry in logged_scalars(work_dir) if 'loss' in entry}
    if not losses:
        raise ValueError(f'{work_dir} logs no training loss')
    return dict(sorted(losses.items()))


def mean_over(losses: Losses, first: int, last: int) -> float:
    """Mean of the losses logged at iterations ``first``..``last``; infinite if one is not finite."""
    values = [loss for step, loss in losses.items() if first <= step <= last]
    return statistics.fmean(values) if all(map(math.isfinite, values)) else math.inf


def spread(values: Sequence[float]) -> dict:
    return dict(mean=statistics.fmean(values), min=min(values), max=max(values))


def compare(old: Dict[str, Losses], new: Dict[str, Losses], last: int = 100, window: int = 20) -> dict:
    """The rule of this module's docstring applied to runs ``{name: losses}`` of the two settings.

    Raises:
        ValueError: naming the run whose logged iterations differ from the first run's, or the
            option that the runs are too short for.
    """
    groups = dict(old=old, new=new)
    runs = {**old, **new}
    reference, steps = next(iter(runs.items()))
    for name, losses in runs.items():
        if losses.keys() != steps.keys():
            differ = sorted(losses.keys() ^ steps.keys())
            raise ValueError(f'{name} and {reference} logged different iterations (e.g. {differ[:5]}); '
                             'run both settings with the same schedule and logger interval')
    end = max(steps)
    if not 0 < last <= end:
        raise ValueError(f'--last {last}: the runs logged iterations up to {end}')
    first = end - last + 1
    summaries = {setting: {name: mean_over(losses, first, end) for name, losses in group.items()}
                 for setting, group in groups.items()}
    worse = min(summaries['new'].values()) > max(summaries['old'].values())
    lower = max(summaries['new'].values()) < min(summaries['old'].values())
    windows = [dict(first=start + 1, last=min(start + window, end),
                    **{setting: spread([mean_over(losses, start + 1, start + window) for losses in group.values()])
                       for setting, group in groups.items()})
               for start in range(0, end, window) if any(start < step <= start + window for step in steps)]
    return dict(iterations=end, summary_iterations=[first, end], summaries=summaries,
                decision='trains worse' if worse else 'stays within the old setting\'s spread',
                all_new_lower=lower, false_alarm=1 / math.comb(len(runs), len(new)), windows=windows)


def table(result: dict) -> str:
    first, end = result['summary_iterations']

    def cell(s: dict) -> str:
        return f'{s["mean"]:.4f} [{s["min"]:.4f}, {s["max"]:.4f}]'

    lines = ['| iterations | old: mean [min, max] | new: mean [min, max] |', '|---|---|---|']
    lines += [f'| {w["first"]}-{w["last"]} | {cell(w["old"])} | {cell(w["new"])} |' for w in result['windows']]
    summaries = result['summaries']
    lines += ['', f'Mean loss over iterations {first}-{end}, a run:']
    lines += [f'  {setting} {name}: {value:.4f}' for setting in ('old', 'new')
              for name, value in summaries[setting].items()]
    lines += ['', f'Decision: the new setting {result["decision"]}. It trains worse when every new run is above '
              f'every old one, which happens {result["false_alarm"]:.1%} of the time when both train alike.']
    if result['all_new_lower']:
        lines.append('Every new run ends below every old one (this decides nothing).')
    return '\n'.join(lines)


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--old', nargs='+', required=True, metavar='WORK_DIR', help="the old setting's runs")
    parser.add_argument('--new', nargs='+', required=True, metavar='WORK_DIR', help="the new setting's runs")
    parser.add_argument('--last', type=int, default=100, help='iterations at the end that make a run\'s summary')
    parser.add_argument('--window', type=int, default=20, help='iterations a row of the table describes')
    parser.add_argument('--out', help='write the result as JSON here too')
    args = parser.parse_args(argv)
    for option in ('old', 'new'):
        if len(getattr(args, option)) < 2:
            parser.error(f'--{option} needs the work dirs of at least two runs (seeds)')
    if args.window <= 0:
        parser.error(f'--window must be positive, got {args.window}')
    if len(set(map(os.path.realpath, args.old + args.new))) < len(args.old + args.new):
        parser.error('a work dir is named twice among --old and --new')
    return args


def main(argv: List[str] = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        result = compare({d: training_losses(d) for d in args.old}, {d: training_losses(d) for d in args.new},
                         args.last, args.window)
    except (OSError, ValueError) as error:
        sys.exit(f'compare_loss_curves: {error}')
    print(table(result))
    if args.out:
        atomic_write(json.dumps(dict(old=args.old, new=args.new, **result), indent=1).encode(), args.out)


if __name__ == '__main__':
    main()
