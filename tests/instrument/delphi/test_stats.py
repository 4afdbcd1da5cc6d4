"""lospw.instrument.delphi.stats against published worked values and base-R reference values
(tests/reference/delphi.R wrote delphi.json; R is not needed here)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lospw.instrument.delphi import stats
from tests.conftest import reference

REF = reference("delphi")


# --- published worked values (the acceptance values) ------------------------------
def test_modified_kappa_published_n10_a8():
    # Polit, Beck & Owen (2007): 8 of 10 experts -> I-CVI .80, kappa* .79
    assert stats.i_cvi([4] * 5 + [3] * 3 + [2, 1], 3) == 0.8
    assert round(stats.modified_kappa(0.8, 10), 2) == 0.79


@pytest.mark.parametrize(("n", "crit"), [(10, 0.80), (20, 0.50), (40, 0.30)])
def test_cvr_critical_published(n, crit):
    # Ayre & Scally (2014), exact one-tailed binomial, alpha .05
    assert stats.cvr_critical(n) == pytest.approx(crit, abs=1e-12)


def test_ipras_published_example():
    # BMJ Open 2012;2:e001431, Table 1: IPR 1.0, AI 2.5 -> IPRAS 6.1, no disagreement
    r = stats.rand_ucla([4, 5, 6] + [7] * 5 + [8] * 5 + [9] * 2)
    assert (r.ipr, r.ai) == (1.0, 2.5)
    assert r.ipras == pytest.approx(6.1, abs=1e-12)
    assert r.disagreement is False


def test_ipras_disagreement_when_ratings_split():
    # a panel split between 1-3 and 7-9 around the centre: IPR wide, AI small
    r = stats.rand_ucla([1, 2, 2, 3, 8, 8, 9, 9, 9])
    assert r.ipr > r.ipras and r.disagreement is True


# --- against base R ------------------------------------------------------------------------
@pytest.mark.parametrize("case", REF["kappa"], ids=lambda c: f"N{c['n']}A{c['a']}")
def test_kappa_matches_r(case):
    assert stats.chance_agreement(case["n"], case["a"]) == pytest.approx(case["pc"], rel=1e-12)
    got = stats.modified_kappa(case["a"] / case["n"], case["n"])
    assert got == pytest.approx(case["kappa"], rel=1e-12, abs=1e-14)


def test_cvr_critical_matches_r_for_n_1_to_60():
    for case in REF["cvr_critical"]:
        assert stats.cvr_critical_n(case["n"]) == case["ne"], case["n"]
        if case["cvr"] is None:
            assert math.isnan(stats.cvr_critical(case["n"]))
        else:
            assert stats.cvr_critical(case["n"]) == pytest.approx(case["cvr"], abs=1e-12)


@pytest.mark.parametrize("case", REF["quantiles"], ids=lambda c: f"n{np.size(c['x'])}")
def test_quantiles_type7_match_r(case):
    got = [stats.quantile7(case["x"], p) for p in case["p"]]  # a scalar x is a length-1 vector
    np.testing.assert_allclose(got, case["q"], rtol=0, atol=1e-12)
    med, q1, q3, iqr = stats.median_iqr(case["x"])
    assert (q1, med, q3) == pytest.approx((case["q"][0], case["q"][2], case["q"][4]))
    assert iqr == pytest.approx(case["iqr"], abs=1e-12)


@pytest.mark.parametrize("case", REF["wilcoxon"], ids=lambda c: f"n{len(c['x'])}")
def test_wilcoxon_matches_r(case):
    w = stats.wilcoxon_paired(case["x"], case["y"])
    assert w.v == pytest.approx(case["v"], abs=1e-12)
    assert w.p_value == pytest.approx(case["p_value"], rel=1e-10)


def test_wilcoxon_all_zero_differences_is_nan_like_r():
    w = stats.wilcoxon_paired([3, 4, 2], [3, 4, 2])
    assert w.n_pairs == 3 and w.n_nonzero == 0 and math.isnan(w.p_value)


def test_wilcoxon_leaves_out_incomplete_pairs():
    w = stats.wilcoxon_paired([3, np.nan, 2, 4], [2, 4, np.nan, 4])
    assert w.n_pairs == 2 and w.n_nonzero == 1


@pytest.mark.parametrize("case", REF["kendall"], ids=lambda c: f"{len(c['matrix'])}items")
def test_kendall_w_matches_r(case):
    k = stats.kendall_w(case["matrix"])
    assert k.w == pytest.approx(case["w"], rel=1e-12)
    assert k.w == pytest.approx(case["w_friedman"], rel=1e-12)
    assert k.chisq == pytest.approx(case["chisq"], rel=1e-12)
    assert k.df == case["df"]
    assert k.p_value == pytest.approx(case["p_value"], rel=1e-9)


# --- invariants -----------------------------------------------------------------------------
def test_kendall_w_perfect_and_degenerate():
    assert stats.kendall_w([[1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]]).w == pytest.approx(1.0)
    assert math.isnan(stats.kendall_w([[2, 2], [2, 2]]).w)  # nothing to rank
    assert math.isnan(stats.kendall_w([[1, 2, 3]]).w)  # one item
    with pytest.raises(ValueError):
        stats.kendall_w([[1, np.nan], [2, 3]])


def test_kappa_never_exceeds_icvi_and_is_one_at_full_agreement():
    for n in range(1, 40):
        for a in range(n + 1):
            k = stats.modified_kappa(a / n, n)
            assert k <= a / n + 1e-12
        assert stats.modified_kappa(1.0, n) == pytest.approx(1.0)


def test_empty_ratings_give_nan():
    assert math.isnan(stats.i_cvi([], 3))
    assert math.isnan(stats.i_cvi([np.nan], 3))
    assert math.isnan(stats.modified_kappa(math.nan, 0))
    assert math.isnan(stats.cvr(0, 0))
    assert all(math.isnan(v) for v in stats.median_iqr([]))
    assert math.isnan(stats.agreement([], [(1, 2), (3, 4)]))
    assert stats.rand_ucla([]).disagreement is None
    assert math.isnan(stats.s_cvi_ave([])) and math.isnan(stats.s_cvi_ua([np.nan]))


def test_agreement_counts_agreement_either_way():
    assert stats.agreement([1, 1, 2, 2, 4], [(1, 2), (3, 4)]) == 0.8
    assert stats.agreement([1, 5, 9], [(1, 3), (4, 6), (7, 9)]) == pytest.approx(1 / 3)


def test_chance_agreement_rejects_impossible_counts():
    with pytest.raises(ValueError):
        stats.chance_agreement(3, 4)
