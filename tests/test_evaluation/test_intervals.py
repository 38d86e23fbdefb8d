"""Intervals of mIoU differences: paired over seeds, Welch, Holm levels."""
import pytest
from scipy import stats

from mmseg_ccl.evaluation.intervals import holm_levels, paired_interval, welch_interval

# CCL reduced and the joint ensemble on CamVid, mean output, seeds 0-2 (docs/results/camvid_aspp_1-6-12-18.json).
CCL, ENSEMBLE = [58.20, 57.23, 57.14], [58.10, 57.35, 56.98]


def test_paired_interval_by_hand():
    interval = paired_interval(CCL, ENSEMBLE)
    # differences +0.10, -0.12, +0.16: mean 0.0467, sd 0.1474, t(2, 0.975) = 4.3027
    assert interval.difference == pytest.approx(0.0467, abs=1e-4)
    assert (interval.low, interval.high) == pytest.approx((-0.3195, 0.4128), abs=1e-3)
    assert interval.n == (3, ) and not interval.excludes_zero()
    assert interval.p == pytest.approx(stats.ttest_rel(CCL, ENSEMBLE).pvalue)


def test_welch_interval_matches_scipy():
    a, b = [57.5, 58.2, 56.9, 57.8], [52.5, 54.0, 51.8]
    interval = welch_interval(a, b)
    assert interval.p == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert interval.low < interval.difference < interval.high and interval.excludes_zero()
    assert welch_interval(a, b, level=0.99).low < interval.low  # wider at a higher level


def test_holm_levels_step_down():
    assert holm_levels([0.01, 0.04, 0.03]) == pytest.approx([1 - 0.05 / 3, 1 - 0.05, 1 - 0.05 / 2])


@pytest.mark.parametrize('function, a, b', [(paired_interval, [1.0], [2.0]), (paired_interval, [1.0, 2.0], [1.0]),
                                            (welch_interval, [1.0, 2.0], [3.0])])
def test_too_few_values_are_named(function, a, b):
    with pytest.raises(ValueError, match='two or more'):
        function(a, b)
