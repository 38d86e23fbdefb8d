"""Intervals of mIoU differences: paired over seeds, Welch; Holm's test, Bonferroni levels, power."""
import pytest
from scipy import stats

from ccl_study.intervals import (
    bonferroni_level,
    correlation,
    holm,
    paired_interval,
    pairs_needed,
    welch_interval,
)

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


@pytest.mark.parametrize('p_values, rejected', [
    ([0.02, 0.021, 0.5], [False, False, False]),  # 0.02 > 0.05 / 3: Holm stops at its first step
    ([0.01, 0.04, 0.03], [True, False, False]),  # 0.01 <= 0.05 / 3, then 0.03 > 0.05 / 2 stops it
    ([0.001, 0.04, 0.02], [True, True, True]),  # 0.001 <= 0.05 / 3, 0.02 <= 0.05 / 2, 0.04 <= 0.05
    ([0.04, 0.5], [False, False]),  # 0.04 alone would pass at 5 %, but not at 0.05 / 2
    ([0.04], [True]),
])
def test_holm_stops_at_the_first_kept_hypothesis(p_values, rejected):
    assert holm(p_values) == rejected


def test_bonferroni_level():
    assert [bonferroni_level(m) for m in (1, 2, 3)] == pytest.approx([0.95, 0.975, 1 - 0.05 / 3])


def test_correlation_sign_tells_whether_pairing_narrows():
    """Scores that move together: the paired interval is narrower than Welch's; apart: wider."""
    a, together, apart = [58.0, 57.0, 59.0, 56.5], [57.6, 56.7, 58.4, 56.2], [56.4, 57.4, 55.9, 58.1]
    assert correlation(a, together) > 0 > correlation(a, apart)
    width = lambda i: i.high - i.low  # noqa: E731
    assert width(paired_interval(a, together)) < width(welch_interval(a, together))
    assert width(paired_interval(a, apart)) > width(welch_interval(a, apart))


def test_pairs_needed_reaches_the_power_and_no_fewer_do():
    n = pairs_needed(2.0, 1.0)
    assert 30 <= n <= 36  # the normal approximation gives (1.96 + 0.84)^2 * 4 = 31.4

    def power(pairs):
        df, shift = pairs - 1, 1.0 / (2.0 / pairs ** 0.5)
        critical = stats.t.ppf(0.975, df)
        return stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift)

    assert power(n) >= 0.8 > power(n - 1)
    assert pairs_needed(2.0, 1.0, alpha=0.05 / 3) > n


@pytest.mark.parametrize('function, a, b', [(paired_interval, [1.0], [2.0]), (paired_interval, [1.0, 2.0], [1.0]),
                                            (welch_interval, [1.0, 2.0], [3.0])])
def test_too_few_values_are_named(function, a, b):
    with pytest.raises(ValueError, match='two or more'):
        function(a, b)
