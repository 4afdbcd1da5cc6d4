"""Tests of lospw.analysis.scoring.change: reliable change index, paired / independent group change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lospw.analysis.core.errors import InputError
from lospw.analysis.scoring.change import compare_waves, reliable_change_index, welch_ci


def _waves():
    base = pd.DataFrame({"id": ["a", "b", "c", "d", "e", "e"],
                         "wp": ["x", "x", "x", "y", "y", "y"],
                         "S": [3.0, 2.0, 4.0, 2.0, 3.0, 3.5]})
    follow = pd.DataFrame({"id": ["a", "b", "c", "f", "g"],
                           "wp": ["x", "x", "x", "y", "y"],
                           "S": [4.0, 2.5, 4.0, 3.0, np.nan]})
    return base, follow


def test_rci_formula():
    # Jacobson & Truax: S_diff = sqrt(2) * SEM
    assert reliable_change_index(2.0, 3.0, 0.5) == pytest.approx(1 / (np.sqrt(2) * 0.5))


def test_matched_respondents_get_rci_and_paired_group_change():
    base, follow = _waves()
    res = compare_waves(base, follow, ["S"], {"S": 0.3}, id_column="id", by="wp")
    r = res.respondents.set_index("id")
    assert list(r.index) == ["a", "b", "c"]
    assert r.loc["a", "rci"] == pytest.approx(1 / (np.sqrt(2) * 0.3))
    assert r.loc["a", "reliable"] == "increased" and r.loc["b", "reliable"] == "no"
    g = res.groups.set_index("group")
    d = np.array([1.0, 0.5, 0.0])
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    assert g.loc["x", "method"] == "paired" and g.loc["x", "n_pairs"] == 3
    assert g.loc["x", "change"] == pytest.approx(0.5)
    assert g.loc["x", "ci_lo"] == pytest.approx(0.5 - half)
    # y: nobody matched -> independent (Welch) from everyone scored
    assert g.loc["y", "method"] == "independent" and g.loc["y", "n_pairs"] == 0
    assert (g.loc["y", "n_baseline"], g.loc["y", "n_followup"]) == (3, 1)
    assert np.isnan(g.loc["y", "ci_lo"])  # one follow-up score: no interval


def test_unmatched_are_listed_with_reasons():
    base, follow = _waves()
    res = compare_waves(base, follow, ["S"], {"S": 0.3}, id_column="id", by="wp")
    um = {(r.id, r.wave): r.reason for r in res.unmatched.itertuples()}
    assert um == {("e", "baseline"): "duplicate id in this wave",
                  ("d", "baseline"): "not in the followup wave",
                  ("f", "followup"): "not in the baseline wave",
                  ("g", "followup"): "not in the baseline wave"}
    assert res.to_dict()["n_matched"] == 3 and res.to_dict()["n_unmatched"] == 5  # "e" twice


def test_without_ids_or_scheme():
    base, follow = _waves()
    res = compare_waves(base, follow, ["S"], None, id_column=None, by=None)
    assert len(res.respondents) == 0
    assert res.groups["method"].tolist() == ["independent"]
    assert any("cannot be matched" in n for n in res.notes)
    assert any("no reliable change index" in n for n in res.notes)
    res2 = compare_waves(base, follow, ["S"], None, id_column="id")
    assert (res2.respondents["reliable"] == "").all()


def test_welch_matches_scipy():
    a, b = np.array([1.0, 2, 3, 7]), np.array([2.0, 3, 4, 5, 9])
    diff, se, lo, hi = welch_ci(a, b)
    t = stats.ttest_ind(b, a, equal_var=False)
    assert diff / se == pytest.approx(t.statistic)
    ci = t.confidence_interval(0.95)
    assert (lo, hi) == pytest.approx((ci.low, ci.high))
    assert welch_ci(np.array([1.0, 1.0]), np.array([1.0, 1.0])) == (0.0, 0.0, 0.0, 0.0)


def test_group_changing_respondent_is_noted():
    base, follow = _waves()
    follow.loc[0, "wp"] = "y"
    res = compare_waves(base, follow, ["S"], {"S": 0.3}, id_column="id", by="wp")
    assert any("changed wp between waves" in n for n in res.notes)


def test_missing_columns_error():
    base, follow = _waves()
    with pytest.raises(InputError, match="follow-up wave lacks the column"):
        compare_waves(base, follow.drop(columns="wp"), ["S"], None, id_column="id", by="wp")
