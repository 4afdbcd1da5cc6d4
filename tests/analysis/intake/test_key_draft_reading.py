"""Issue 20: drafting a key from data (key_draft), the shared reader (reading), title rows
(readers), the estimator rule and the invariance groups. Data are SYNTHETIC, written here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict
from lospw.analysis.intake.key_draft import draft_key
from lospw.analysis.intake.reading import ReadOptions, missing_data_of, read_input
from lospw.analysis.validation.estimator_rule import estimator_for_key
from lospw.analysis.validation.invariance_groups import choose_groups


def _qualtrics_like(tmp_path, n=150, seed=3):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    cols = {"ResponseId": [f"R_{i}" for i in range(n)], "StartDate": ["2026-01-02 10:00"] * n,
            "Duration (in seconds)": rng.integers(60, 600, n), "age": rng.integers(18, 70, n),
            "dept": rng.choice(["HR", "IT", "Ops"], n)}
    for q in (1, 2):
        for k in range(1, 5):
            sign = -1 if (q, k) == (2, 3) else 1
            x = sign * f[:, q - 1] + rng.normal(0, .7, n)
            cols[f"Q{q}_{k}"] = np.clip(np.round(4 + 1.3 * x), 1, 7).astype(int)
    frame = pd.DataFrame(cols)
    frame.loc[::17, "Q1_2"] = 99          # rare code apart from the answers
    p = tmp_path / "export.csv"
    frame.to_csv(p, index=False)
    return p


def test_draft_groups_qualtrics_names_and_finds_the_reverse_item(tmp_path):
    d = draft_key(_qualtrics_like(tmp_path))
    assert d.scales == {"Q1": ["Q1_1", "Q1_2", "Q1_3", "Q1_4"],
                        "Q2": ["Q2_1", "Q2_2", "Q2_3", "Q2_4"]}
    assert list(d.reverse) == ["Q2_3"] and d.missing_codes == (99.0,)
    assert d.response_range == (1.0, 7.0)
    assert d.left_out["ResponseId"] == "respondent id"
    assert d.left_out["age"].startswith("number") or "group" in d.left_out["age"]
    assert "group-like" in d.left_out["dept"]
    key = key_from_dict(__import__("yaml").safe_load(d.text))
    assert key.reverse_items == ("Q2_3",) and key.missing_codes == (99.0,)


def test_draft_refuses_data_without_items(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("name,age\nA,30\nB,40\n")
    with pytest.raises(InputError, match="no columns look like items"):
        draft_key(p)


KEY = key_from_dict({"response_scale": {"min": 1, "max": 5},
                     "scales": {"S": ["a1", "a2", "a3"]}})


def test_title_row_detected_and_header_row_chosen(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("My survey 2026\n\nid,a1,a2,a3\n1,1,2,3\n2,2,3,4\n")
    res = read_input(p, KEY)
    assert res.n_read == 2 and any("read as a title" in n for n in res.notes)
    res = read_input(p, KEY, ReadOptions(header_row=3))
    assert res.n_read == 2
    with pytest.raises(InputError, match="--header-row 2: line 2 is blank"):
        read_input(p, KEY, ReadOptions(header_row=2))
    with pytest.raises(InputError, match="beyond the data"):
        read_input(p, KEY, ReadOptions(header_row=40))


def test_identical_copies_keep_one_and_id_is_detected(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("id,a1,a2,a3\n1,1,2,3\n2,2,3,4\n1,1,2,3\n3,1,1,1\n3,5,5,5\n")
    res = read_input(p, KEY)
    assert res.id_column == "id" and res.n_analysed == 2
    assert sorted(res.exclusions["reason"]) == ["duplicate_id"] * 3
    keep = read_input(p, KEY, ReadOptions(duplicates="keep_first"))
    assert keep.n_analysed == 3
    with pytest.raises(InputError, match="share a respondent id"):
        read_input(p, KEY, ReadOptions(duplicates="error"))


def test_missing_words_and_codes():
    assert missing_data_of(("listwise", "9")) == ("listwise", ("9",))
    assert missing_data_of((), "listwise") == ("listwise", ())
    with pytest.raises(InputError, match="names both"):
        missing_data_of(("listwise", "fiml"))


def test_estimator_rule_and_groups():
    four = key_from_dict({"response_scale": {"min": 1, "max": 4}, "scales": {"S": ["a"]}})
    cont = key_from_dict({"response_scale": {"min": 0, "max": 100, "continuous": True},
                          "scales": {"S": ["a"]}})
    assert (estimator_for_key(four), estimator_for_key(KEY), estimator_for_key(cont)) == (
        "WLSMV", "MLR", "MLR")
    g = pd.Series([1.0] * 60 + [2.0] * 55 + [np.nan] * 3)
    out, warn = choose_groups(g, min_group_size=50, n_items=5)
    assert out.value_counts().to_dict() == {"1": 60, "2": 55} and warn == []
    out, warn = choose_groups(pd.Series(["a"] * 60 + ["b"] * 10), min_group_size=50)
    assert warn == [] and out.value_counts().to_dict() == {"a": 60, "b": 10}  # < 2 groups left
