"""Train, score and analyse the rows of a suite, and keep what they give in the results file."""
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

from mmseg_ccl.analysis import logged_scalars, newest_metrics
from mmseg_ccl.apis import load_config
from mmseg_ccl.engine import atomic_write
from mmseg_ccl.structures import OUTPUTS

from .suites import ROOT, Suite

HEARTBEAT_SECONDS = 30


def run(args: List[str], log: str, seconds_file: Optional[str] = None) -> float:
    """Run ``python ARGS`` (``bash ARGS`` for a ``.sh`` script) from the repository root, output to
    ``log``; return the seconds taken.

    With ``seconds_file``, the seconds spent so far (this call's and earlier calls')
    are written there every ``HEARTBEAT_SECONDS``, so a run cut off keeps its time.
    """
    before = read_json(seconds_file, 0.0) if seconds_file else 0.0
    start = time.perf_counter()
    with open(log, 'a') as f:
        program = ['bash'] if args[0].endswith('.sh') else [sys.executable]
        env = dict(os.environ, PYTHON=sys.executable)  # dist_train.sh's interpreter: this one
        process = subprocess.Popen([*program, *args], cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
        while True:
            try:
                process.wait(timeout=HEARTBEAT_SECONDS)
                break
            except subprocess.TimeoutExpired:
                if seconds_file:
                    write_json(seconds_file, before + time.perf_counter() - start)
    total = before + time.perf_counter() - start
    if seconds_file:
        write_json(seconds_file, total)
    if process.returncode != 0:
        sys.exit(f'run_comparison: {" ".join(args[:2])} failed (exit {process.returncode}); see {log}')
    return total


def read_json(path: str, default=None):
    if not osp.isfile(path):
        return default
    with open(path) as f:
        return json.load(f)


def write_json(path: str, value) -> None:
    atomic_write(json.dumps(value, indent=1).encode(), path)


def validation_curve(work_dir: str, outputs: tuple) -> List[dict]:
    """Every validation a run logged, over all its sittings: ``[{iter, top, ...}, ...]``
    (single models log plain ``mIoU``, which goes under their one output)."""
    by_iter = {}
    for scores in logged_scalars(work_dir):
        if 'mIoU' not in scores:
            continue
        if 'mIoU_mean' in scores:
            by_iter[scores['step']] = {o: scores[f'mIoU_{o}'] for o in outputs}
        else:
            by_iter[scores['step']] = {outputs[0]: scores['mIoU']}
    return [dict(iter=step, **by_iter[step]) for step in sorted(by_iter)]


def run_options(suite: Suite, data_root: Optional[str], iters: Optional[int], seed: int,
                quick: bool, setting: Sequence[str] = ()) -> List[str]:
    """``--cfg-options`` every run of the table shares: data, seed, schedule length and the
    table's own ``setting`` (``run_comparison.py --cfg-options``)."""
    options = [f'randomness.seed={seed}']
    if data_root:
        options += [f'{dataset}.data_root={data_root}' for dataset in suite.datasets]
    if iters:
        options += [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
                    f'default_hooks.checkpoint.interval={iters}', f'param_scheduler.0.end={iters}']
    if quick:
        options += ['train_dataloader.batch_size=2', 'val_dataloader.dataset.indices=2',
                    'test_dataloader.dataset.indices=2']
    return [*options, *setting]


# Score "test" runs (post-hoc ensemble, analysis) on the validation split, as training does.
VAL_AS_TEST = ['test_dataloader.dataset.data_prefix.img_path={img}',
               'test_dataloader.dataset.data_prefix.seg_map_path={seg}']


def val_as_test_options(config: str) -> List[str]:
    from mmengine.config import Config
    prefix = Config.fromfile(osp.join(ROOT, config)).val_dataloader.dataset.data_prefix
    return [option.format(img=prefix['img_path'], seg=prefix['seg_map_path']) for option in VAL_AS_TEST]


def cooperation(config: str, checkpoint: str, out: str, options: List[str]) -> dict:
    """Per-class IoU of top, bottom, mean and oracle on the validation split."""
    os.makedirs(out, exist_ok=True)
    run(['tools/analysis_tools/analyze_cooperation.py', config, checkpoint, '--out', out, '--device', 'cpu',
         '--cfg-options', *options, *val_as_test_options(config)], osp.join(out, 'analyze.log'))
    result = read_json(osp.join(out, 'cooperation.json'))
    return dict(classes=result['classes'], iou=result['iou'], pixel_shares=result['pixel_shares'])


def train_and_score(suite: Suite, name: str, seed: int, run_dir: str, options: List[str], gpus: int = 1) -> dict:
    """One (row, seed): train (or merge and test), score, analyse. With ``gpus`` > 1 training is
    data-parallel, ``tools/dist_train.sh CONFIG GPUS`` (each GPU takes the config's batch)."""
    row = suite.rows[name]
    os.makedirs(run_dir, exist_ok=True)
    if row.config is None:  # post-hoc ensemble: needs the singles of the same seed
        singles = [last_checkpoint(osp.join(osp.dirname(run_dir), s)) for s in ('single_top', 'single_bottom')]
        merged = osp.join(run_dir, 'merged.pth')
        run(['tools/model_converters/merge_singles.py', *singles, merged], osp.join(run_dir, 'merge.log'))
        val = val_as_test_options(suite.ensemble_config)
        run(['tools/test.py', suite.ensemble_config, merged, '--work-dir', run_dir, '--cfg-options', *options, *val],
            osp.join(run_dir, 'test.log'))
        metrics = newest_metrics(run_dir)[1]
        result = dict(scores={o: metrics[f'mIoU_{o}'] for o in OUTPUTS}, seconds=None)
        result['cooperation'] = cooperation(suite.ensemble_config, merged, osp.join(run_dir, 'cooperation'), options)
        return result
    resumed = osp.isfile(osp.join(run_dir, 'last_checkpoint'))
    seconds_file = osp.join(run_dir, 'train_seconds.json')
    if not resumed and osp.isfile(seconds_file):
        os.remove(seconds_file)  # cut off before its first checkpoint: training starts again, so does its time
    train = ['tools/train.py', row.config] if gpus == 1 else ['tools/dist_train.sh', row.config, str(gpus)]
    seconds = run([*train, '--work-dir', run_dir, *(['--resume'] if resumed else []),
                   '--cfg-options', *options, *row.overrides],
                  osp.join(run_dir, 'train.log'), seconds_file=seconds_file)
    curve = validation_curve(run_dir, row.outputs)
    result = dict(scores={o: curve[-1][o] for o in row.outputs}, seconds=seconds, curve=curve,
                  resumed=resumed or None)
    if len(row.outputs) == len(OUTPUTS):
        result['cooperation'] = cooperation(row.config, last_checkpoint(run_dir), osp.join(run_dir, 'cooperation'),
                                            [*options, *row.overrides])
    return result


def record(path: str, results: dict, rows: Dict[str, dict], run: Optional[tuple] = None,
           top_level: Optional[dict] = None) -> dict:
    """Merge ``rows`` (row -> fields), ``run`` ((row, seed, entry)) and ``top_level`` (key -> value) into
    the results file as it is on disk now, write it and return it: several runners may share one results file."""
    results = read_json(path) or results
    results.update(top_level or {})
    for name, fields in rows.items():
        results['rows'].setdefault(name, dict(runs={})).update(fields)
    if run:
        name, seed, entry = run
        results['rows'][name]['runs'][seed] = entry
    write_json(path, results)
    return results


def adopt(suite: Suite, results: dict, path: str) -> Dict[str, Tuple[dict, Dict[str, dict]]]:
    """The runs of the results file ``path`` that ``results`` lacks, as ``{row: (fields, {seed: entry})}``
    (``fields``: the row's label, parameters and FLOPs), each entry marked ``adopted`` (the file and its
    ``--cfg-options``). Allowed only where those options change no row's config as it is now (on top of
    ``results``' own options), e.g. a setting a study chose and the configs then took: those runs are
    runs of the configs as they are."""
    other = read_json(path)
    if other is None:
        sys.exit(f'run_comparison: no results file {path} to adopt runs from')
    if other.get('setting') or (other['suite'], other['iters']) != (results['suite'], results['iters']):
        sys.exit(f'run_comparison: {path} holds runs of another setting, suite or schedule '
                 f'({other.get("setting") or (other["suite"], other["iters"])}); nothing adopted')
    own, options = results.get('cfg_options', []), other.get('cfg_options', [])
    adopted = {}
    for name, row in other['rows'].items():
        new = {seed: dict(entry, adopted=dict(file=osp.relpath(path, ROOT), cfg_options=options))
               for seed, entry in row['runs'].items() if seed not in results['rows'].get(name, {}).get('runs', {})}
        if not new:
            continue
        config, overrides = suite.rows[name].config or suite.ensemble_config, suite.rows[name].overrides
        as_run, as_now = ('#'.join([config, *own, *extra, *overrides]) for extra in (options, []))
        if load_config(as_run, {}).to_dict() != load_config(as_now, {}).to_dict():
            sys.exit(f'run_comparison: the --cfg-options of {path} ({" ".join(options)}) change the config of '
                     f'row {name}: its runs are not runs of the configs as they are; nothing adopted')
        adopted[name] = ({k: row[k] for k in ('label', 'params', 'flops') if k in row}, new)
    return adopted


def last_checkpoint(run_dir: str) -> str:
    """The checkpoint ``run_dir/last_checkpoint`` names, or the one of that name in ``run_dir`` when the
    run folder has moved since (mmengine writes an absolute path)."""
    with open(osp.join(run_dir, 'last_checkpoint')) as f:
        named = f.read().strip()
    here = osp.join(run_dir, osp.basename(named))
    return here if not osp.isfile(named) and osp.isfile(here) else named


def measure_cost(suite: Suite, names: List[str], work_dir: str, rounds: int = 0,
                 options: Sequence[str] = ()) -> Tuple[Dict[str, dict], str]:
    """Parameters and FLOPs of each row's model at the suite's crop, in one benchmark run, and the
    benchmark's setting. With ``rounds``, also a training step (the first row's config's batch) and
    batch-1 inference timed side by side, as ratios to the first row, and training memory. ``options``
    (``KEY=VALUE``) change every row alike."""
    specs = {name: '#'.join([suite.rows[name].config or suite.ensemble_config, *suite.rows[name].overrides])
             for name in names}
    out = osp.join(work_dir, f'cost-{os.getpid()}.json')  # one per runner: several may share the work dir
    timing = []
    if rounds:
        from mmengine.config import Config
        reference = suite.rows[names[0]].config or suite.ensemble_config
        batch = Config.fromfile(osp.join(ROOT, reference)).train_dataloader.batch_size
        timing = ['--batch', str(batch), '--reference', specs[names[0]]]
    run(['tools/analysis_tools/benchmark.py', *dict.fromkeys(specs.values()), '--rounds', str(rounds), *timing,
         '--shape', *map(str, suite.crop), '--out', out,
         *(['--cfg-options', *options] if options else [])], osp.join(work_dir, f'cost-{os.getpid()}.log'))
    benchmark = read_json(out)
    cost = {}
    for name, spec in specs.items():
        measured = benchmark['results'][spec]
        cost[name] = dict(params=measured['params'], flops=measured['flops'])
        if rounds:
            ratio, iqr, ci95 = measured['ratio'], measured['ratio_iqr'], measured['ratio_ci95']
            cost[name]['timing'] = dict(step=ratio['step'], step_iqr=iqr['step'], step_ci95=ci95['step'],
                                        latency=ratio['latency'], latency_iqr=iqr['latency'],
                                        latency_ci95=ci95['latency'], memory_mib=measured['memory_mib'])
    return cost, benchmark['setting']


def order_rows(rows: List[str]) -> List[str]:
    """The singles before the post-hoc ensemble, which merges them."""
    if 'posthoc' not in rows:
        return rows
    rest = [r for r in rows if r not in ('single_top', 'single_bottom', 'posthoc')]
    return ['single_top', 'single_bottom', 'posthoc'] + rest
