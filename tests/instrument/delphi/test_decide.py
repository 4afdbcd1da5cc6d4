"""lospw.instrument.delphi.decide and .tables: decisions, verdicts, missing ratings, attrition."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lospw.instrument.delphi.decide import decide_item, round_verdict, run_delphi
from lospw.instrument.delphi.ratings import read_ratings
from lospw.instrument.delphi.rules import RAND_UCLA_RULES, load_rules, rules_from_dict
from lospw.instrument.delphi.tables import item_statistics
from tests.instrument.delphi.conftest import HEADER, write

RULES = load_rules()


def stats_of(ratings, rules=RULES, clarity=None):
    return item_statistics(ratings, rules, clarity)


def decide(ratings, rules=RULES, clarity=None):
    return decide_item(stats_of(ratings, rules, clarity), rules)


def panel(n_relevant, n):
    return [4] * n_relevant + [2] * (n - n_relevant)


@pytest.mark.parametrize(("a", "n", "expected"), [
    (8, 10, "keep"),      # I-CVI .80, kappa* .79 (the published example)
    (7, 9, "keep"),       # I-CVI .78 as Lynn states it (7/9 = .7778), kappa* .76
    (7, 10, "revise"),    # I-CVI .70, kappa* .66
    (3, 5, "revise"),     # I-CVI .60, kappa* .42 ('fair')
    (5, 10, "drop"),      # I-CVI .50
    (2, 3, "revise"),     # I-CVI .67, kappa* .47
    (3, 3, "keep"),
])
def test_cvi_decisions(a, n, expected):
    decision, reason = decide(panel(a, n))
    assert decision == expected, reason


def test_compare_decimals_null_compares_exact_values():
    rules = rules_from_dict({"compare_decimals": None})
    assert decide(panel(7, 9), rules)[0] == "revise"


def test_clarity_forces_revise_of_a_kept_item_only():
    decision, reason = decide(panel(10, 10), clarity=[4] * 7 + [2] * 3)
    assert decision == "revise" and "clarity index 0.70 < 0.78" in reason
    assert decide(panel(2, 10), clarity=[1] * 10)[0] == "drop"
    assert decide(panel(10, 10), clarity=[4] * 8 + [2] * 2)[0] == "keep"


def test_too_few_ratings_are_rated_again():
    decision, reason = decide([4, 4])
    assert decision == "revise" and "n = 2 < min_raters 3" in reason


def test_cvr_critical_option():
    rules = rules_from_dict({"keep": {"cvr_critical": True}})
    decision, reason = decide(panel(8, 10), rules)  # CVR .60 < critical .80 (N = 10)
    assert decision == "revise" and "CVR 0.60 < critical 0.80" in reason
    assert decide(panel(9, 10), rules)[0] == "keep"


def test_rand_ucla_decisions():
    rules = load_rules(RAND_UCLA_RULES)
    example = [4, 5, 6] + [7] * 5 + [8] * 5 + [9] * 2  # BMJ Open 2012 Table 1
    assert decide(example, rules) == (
        "keep", "appropriate: median 7 >= 7 without disagreement")
    assert decide([5] * 9, rules)[0] == "revise"
    assert decide([2, 2, 3, 1, 2, 2, 3, 2, 1], rules)[0] == "drop"
    decision, reason = decide([1, 1, 2, 2, 8, 8, 9, 9, 9], rules)
    assert decision == "revise" and reason.startswith("disagreement: IPR")
    s = stats_of(example, rules)
    assert s["ipr"] == 1.0 and s["ai"] == 2.5 and s["ipras"] == pytest.approx(6.1)
    assert s["agreement"] == pytest.approx(12 / 15)  # 7-9 region


def test_statistics_on_the_four_point_scale_leave_rand_columns_empty():
    s = stats_of([4, 3, np.nan, 2])
    assert s["n"] == 3 and s["n_missing"] == 1 and s["disagreement"] is None
    assert math.isnan(s["ipras"])


def test_verdicts():
    st = pd.DataFrame({"stable": [True, True]})
    unstable = pd.DataFrame({"stable": [True, False]})
    rev = pd.Series(["keep", "revise"])
    assert round_verdict(3, rev, unstable, RULES, False)[0] == "stop"  # max_rounds
    assert round_verdict(1, pd.Series(["keep", "drop"]), None, RULES, True)[1].startswith(
        "stop: consensus")
    assert round_verdict(2, rev, st, RULES, False)[1].startswith("stop: stability")
    assert round_verdict(2, rev, unstable, RULES, False)[0] == "go_on"
    off = rules_from_dict({"stop": {"stability": False, "consensus": False}})
    assert round_verdict(2, pd.Series(["keep"]), st, off, False)[0] == "go_on"


# --- the acceptance checks on whole panels ---------------------------------------------------
def full_panel(n_panelists=8, items=("A", "B", "C"), rounds=(1,), seed=1):
    rng = np.random.default_rng(seed)
    lines = [HEADER]
    for r in rounds:
        for p in range(n_panelists):
            for i in items:
                g = "g1" if p % 2 else "g2"
                lines.append(f"{r},p{p},{i},{rng.integers(1, 5)},{g},,\n")
    return "".join(lines)


def run(path, rules=RULES):
    return run_delphi(read_ratings(path, rules.scale, rules.clarity), rules)


def test_a_missing_rating_changes_only_that_items_n(tmp_path):
    text = full_panel()
    full = run(write(tmp_path, text, "full.csv")).items.set_index("item")
    lines = text.splitlines(keepends=True)
    gone = [line for line in lines if not line.startswith("1,p3,B,")]  # row absent
    blank = [line if not line.startswith("1,p3,B,") else "1,p3,B,,g1,,\n" for line in lines]
    for name, variant in (("gone.csv", gone), ("blank.csv", blank)):
        got = run(write(tmp_path, "".join(variant), name)).items.set_index("item")
        assert got.loc["B", "n"] == full.loc["B", "n"] - 1
        assert got.loc["B", "n_missing"] == (1 if name == "blank.csv" else 0)
        cols = ["n", "i_cvi", "kappa", "median", "iqr", "mean", "agreement", "decision"]
        pd.testing.assert_frame_equal(got.loc[["A", "C"], cols], full.loc[["A", "C"], cols])


def test_a_panelist_who_leaves_after_round_1_shows_in_attrition(tmp_path):
    text = full_panel(rounds=(1, 2))
    text = "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith("2,p5,"))
    res = run(write(tmp_path, text))
    att = res.attrition.set_index("group")
    assert att.loc["(all)", "n_left"] == 1 and att.loc["(all)", "left"] == "P06"  # p5 -> P06
    assert att.loc["g1", "n_left"] == 1 and att.loc["g2", "n_left"] == 0
    assert att.loc["(all)", "attrition"] == pytest.approx(1 / 8)
    assert res.rounds.set_index("round").loc[2, "n_left"] == 1
    assert list(res.rounds["n_panelists"]) == [8, 7]
    # stability uses only panelists present in both rounds
    assert set(res.stability["n_pairs"]) == {7}


def test_a_panelist_with_no_item_rated_again_was_not_asked(tmp_path):
    # subsets: p0-p3 rated A, p4-p7 rated B; only A is rated again in round 2, by p0-p2
    lines = [HEADER]
    for p in range(8):
        lines.append(f"1,p{p},{'A' if p < 4 else 'B'},{2 + p % 3},{'g1' if p % 2 else 'g2'},,\n")
    for p in range(3):
        lines.append(f"2,p{p},A,4,{'g1' if p % 2 else 'g2'},,\n")
    res = run(write(tmp_path, "".join(lines)))
    att = res.attrition.set_index("group").loc["(all)"]
    assert (att["n_from"], att["n_not_asked"], att["n_left"], att["n_to"]) == (8, 4, 1, 3)
    assert att["left"] == "P04" and att["attrition"] == pytest.approx(1 / 4)  # p3 -> P04
    assert res.rounds.set_index("round").loc[2, "n_left"] == 1


def test_small_panel_end_to_end(small_csv):
    res = run(small_csv)
    it = res.items.set_index(["round", "item"])
    assert it.loc[(1, "C"), "n"] == 3 and it.loc[(1, "C"), "n_missing"] == 1
    assert it.loc[(1, "A"), "decision"] == "keep" and it.loc[(1, "B"), "decision"] == "drop"
    assert it.loc[(2, "B"), "decision"] == "revise"
    assert res.statuses == {"A": "retained", "B": "revised", "C": "retained"}
    rounds = res.rounds.set_index("round")
    assert rounds.loc[1, "s_cvi_ave"] == pytest.approx(0.75)
    assert rounds.loc[1, "s_cvi_ua"] == pytest.approx(2 / 3)
    # Kendall's W on the items every present panelist rated (bob skipped C in round 1)
    assert rounds.loc[1, "kendall_n_items"] == 2 and rounds.loc[1, "kendall_n_raters"] == 4
    assert set(res.items_by_group["group"]) == {"professional", "student"}
    assert set(res.rounds_by_group["group"]) == {"professional", "student"}
    assert len(res.stability_by_group) == 4
    summary = res.summary()
    assert set(summary["items"][0]) == {"round", "item", "n", "i_cvi", "kappa", "cvr",
                                        "median", "iqr", "agreement", "decision"}
    assert set(summary["rounds"][0]) >= {"round", "n_panelists", "s_cvi_ave", "s_cvi_ua",
                                         "kendall_w"}


def test_revised_then_kept_ends_retained(tmp_path):
    lines = [HEADER]
    for p in range(10):
        lines.append(f"1,p{p},A,{4 if p < 7 else 2},g,,\n")   # I-CVI .70 -> revise
        lines.append(f"2,p{p},A,{4 if p < 9 else 2},g,,\n")   # I-CVI .90 -> keep
    res = run(write(tmp_path, "".join(lines)))
    assert list(res.items["decision"]) == ["revise", "keep"]
    assert res.statuses == {"A": "retained"}
    assert res.final.loc[0, "last_round"] == 2


def test_stability_needs_pairs(tmp_path):
    lines = [HEADER]
    for p in range(4):
        lines.append(f"1,p{p},A,4,g,,\n")
        lines.append(f"2,q{p},A,4,g,,\n")  # a new panel in round 2: no pairs
    res = run(write(tmp_path, "".join(lines)))
    st = res.stability.iloc[0]
    assert st["n_pairs"] == 0 and not st["stable"]
    # unchanged ratings (all differences zero) are stable: R's p is NA
    lines = [HEADER] + [f"{r},p{p},A,{3 + p % 2},g,,\n" for r in (1, 2) for p in range(4)]
    st = run(write(tmp_path, "".join(lines), "same.csv")).stability.iloc[0]
    assert st["n_pairs"] == 4 and st["n_changed"] == 0 and st["stable"]
