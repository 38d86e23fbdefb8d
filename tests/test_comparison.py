"""tools/run_comparison.py --quick end to end: every paper row trained (or merged) and scored."""
import json

from helpers import run

ROWS = ('single_top', 'single_bottom', 'posthoc', 'ensemble', 'fscn', 'ccl_noconn', 'ccl_conn1', 'ccl_conn2', 'ccl')


def test_quick_comparison_scores_every_row(demo_data, tmp_path):
    run('tools/run_comparison.py', '--quick', '--data', str(demo_data), '--work-dir', str(tmp_path))
    with open(tmp_path / 'comparison.json') as f:
        result = json.load(f)
    assert result['seeds'] == [0] and result['iters'] == 2
    assert tuple(result['rows']) == ROWS
    for name, row in result['rows'].items():
        scored = {output: values for output, values in row['scores'].items() if values}
        expected = {'single_top': {'top'}, 'single_bottom': {'bottom'}}.get(name, {'top', 'bottom', 'mean'})
        assert set(scored) == expected, name
        assert all(len(v) == 1 and 0 <= v[0] <= 100 for v in scored.values()), name
        assert len(row['seconds']) == (0 if name == 'posthoc' else 1), name
    # The post-hoc ensemble's top and bottom are the two singles, unchanged.
    rows = result['rows']
    assert rows['posthoc']['scores']['top'] == rows['single_top']['scores']['top']
    assert rows['posthoc']['scores']['bottom'] == rows['single_bottom']['scores']['bottom']
    table = (tmp_path / 'comparison.md').read_text()
    assert table.count('\n| ') == len(ROWS) and 'CCL, full' in table  # one line per row after the header
