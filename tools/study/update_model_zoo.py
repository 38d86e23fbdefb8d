"""Write a method README's generated blocks and its metafile's results from a comparison's results.

    python tools/study/update_model_zoo.py RESULTS --readme configs/ccl/README.md

RESULTS is the results file of ``tools/study/run_comparison.py`` (its suite is
read from it). The README's ``<!-- SUITE table -->`` (model-zoo table) and
``<!-- SUITE per-class -->`` blocks, and ``<!-- SUITE differences -->`` and
``<!-- SUITE agreement -->`` where it has them, are rewritten; so are the ``Results`` of
the models in the ``metafile.yaml`` beside it whose configs were run as shipped. The rest of both files stays as it is.
"""
import argparse
import sys

from ccl_study.model_zoo import update_model_zoo
from ccl_study.runner import read_json
from ccl_study.suites import SUITES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('results', help='results JSON of run_comparison.py')
    parser.add_argument('--readme', required=True, help='the method README, e.g. configs/ccl/README.md')
    args = parser.parse_args()
    results = read_json(args.results)
    if results is None:
        sys.exit(f'update_model_zoo: no results file {args.results}')
    if results.get('suite') not in SUITES:
        sys.exit(f'update_model_zoo: {args.results} names no known suite ({results.get("suite")!r}; '
                 f'known: {list(SUITES)})')
    update_model_zoo(results, SUITES[results['suite']], args.readme)
    print(f'wrote the {results["suite"]} tables into {args.readme}')


if __name__ == '__main__':
    main()
