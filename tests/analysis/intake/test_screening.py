"""Tests for lospw.analysis.intake.screening: indices against base-R references, flags, exclusion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict, load_key
from lospw.analysis.intake.responses import read_responses, responses_from_frame
from lospw.analysis.intake.screening import (
    Cutoffs,
    irv,
    longstring,
    mahalanobis,
    mahalanobis_reduced,
    person_total,
    screen,
    screen_intake,
)
from tests.conftest import REFERENCE, reference

REF = REFERENCE / "screening.csv"


@pytest.fixture(scope="module")
def bfi200(bfi_path):
    x = pd.read_csv(bfi_path).iloc[:200, 1:26].to_numpy(float)
    return x, pd.read_csv(REF, skipinitialspace=True)


@pytest.fixture(scope="module")
def bfi_path():
    from tests.conftest import reference_data
    return reference_data("bfi.csv")


def test_longstring_irv_against_r(bfi200):
    x, ref = bfi200
    np.testing.assert_array_equal(longstring(x), ref["longstring"])
    np.testing.assert_allclose(irv(x), ref["irv"], rtol=1e-12)


def test_mahalanobis_against_r(bfi200):
    x, ref = bfi200
    d2, df, p, pinv = mahalanobis(x)
    assert not pinv
    np.testing.assert_array_equal(df, ref["mahalanobis_df"])
    np.testing.assert_allclose(d2, ref["mahalanobis_d2"], rtol=1e-10)
    np.testing.assert_allclose(p, ref["mahalanobis_p"], rtol=1e-8)
    complete = ~np.isnan(x).any(axis=1)
    d2c, *_ = mahalanobis(x[complete])  # complete rows only: psych::outlier
    np.testing.assert_allclose(d2c, ref["psych_outlier_complete"][complete], rtol=1e-10)


@pytest.mark.parametrize("case", ["first20", "first12"])
def test_mahalanobis_reduced_against_r(bfi_path, case):
    """Items >= respondents: D2 on the first floor(n/5) principal components
    (tests/reference/screening_reduced.R: prcomp + mahalanobis on the scores)."""
    ref = reference("screening_reduced")[case]
    x = pd.read_csv(bfi_path).iloc[np.array(ref["rows"]) - 1, 1:26].to_numpy(float)
    assert int(np.isnan(x).sum()) == ref["n_missing"]
    d2, df, p, q = mahalanobis_reduced(x)
    assert q == ref["q"] and df.tolist() == [q] * len(x)
    np.testing.assert_allclose(d2, ref["d2"], rtol=1e-10)
    np.testing.assert_allclose(p, ref["p"], rtol=1e-8)


def test_screen_of_a_wide_file_uses_the_reduced_distance():
    """More items than respondents (issue 21): the stated code, D2 on q components, and
    random responders among consistent ones stand out; nothing of k x k size is built."""
    rng = np.random.default_rng(3)
    n, k = 60, 400
    f = rng.standard_normal((n, 4))
    z = 0.7 * f[:, np.repeat(np.arange(4), k // 4)] + 0.7 * rng.standard_normal((n, k))
    x = np.clip(np.round(z + 3), 1, 5)
    x[:3] = rng.integers(1, 6, (3, k))  # random responding
    x[rng.random((n, k)) < 0.02] = np.nan
    items = pd.DataFrame(x, columns=[f"v{j}" for j in range(k)])
    res = screen(items)
    note = next(w for w in res.warnings if w.code == "mahalanobis_reduced")
    assert "60 respondents for 400 items" in note.message
    assert "first 12 principal components" in note.message
    assert dict(note.context) == {"respondents": "60", "items": "400", "components": "12"}
    assert (res.indices["mahalanobis_df"] == 12).all()
    assert res.flags["mahalanobis"].iloc[:3].all() and not res.flags["mahalanobis"].iloc[3:].any()
    few = screen(items.iloc[:4])  # fewer than 5 respondents: no components, no D2
    assert few.indices["mahalanobis_d2"].isna().all()
    assert any("too few for Mahalanobis" in w.message for w in few.warnings)


def test_person_total_against_r(bfi200):
    x, ref = bfi200
    np.testing.assert_allclose(person_total(x), ref["person_total_r"], rtol=1e-10)


def test_degenerate_inputs():
    x = np.array([[3.0, 3, 3], [3, 3, 3], [np.nan, np.nan, np.nan]])
    d2, df, _p, pinv = mahalanobis(x)  # zero covariance: pseudo-inverse, D2 = 0
    assert pinv and d2[0] == 0 and np.isnan(d2[2]) and df.tolist() == [3, 3, 0]
    assert np.isnan(person_total(x)).all()
    assert longstring(x).tolist() == [3, 3, 1]
    assert irv(np.array([[1.0, np.nan]])).tolist() == [0.0] or np.isnan(
        irv(np.array([[1.0, np.nan]]))[0])
    assert longstring(np.zeros((2, 0))).tolist() == [0, 0]


KEY = key_from_dict({"response_scale": {"min": 1, "max": 5},
                     "scales": {"S": [f"i{k}" for k in range(1, 11)]}})


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    y = 0.7 * f + 0.7 * rng.normal(size=(n, 10)) + np.linspace(-1, 1, 10)
    cats = np.digitize(y, [-1.5, -0.5, 0.5, 1.5]) + 1.0
    df = pd.DataFrame(cats, columns=[f"i{k}" for k in range(1, 11)])
    df.insert(0, "interviewtime", rng.uniform(60, 300, n).round(1))
    df.loc[0, "i1":"i10"] = 3  # straight-liner
    df.loc[1, "i1":"i10"] = rng.integers(1, 6, 10)  # random
    df.loc[1, ["i1", "i3", "i5", "i7", "i9"]] = [5, 1, 5, 1, 5]
    df.loc[1, ["i2", "i4", "i6", "i8", "i10"]] = [1, 5, 1, 5, 1]
    df.loc[2, "interviewtime"] = 12.0  # 1.2 s per item
    df.loc[3, "i1":"i7"] = np.nan
    df.loc[4, "i1":"i10"] = [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]  # against the item-mean profile
    return df


def test_flags_and_exclusion():
    res = responses_from_frame(_data(), KEY)
    kept, scr = screen_intake(res)
    assert kept is res and scr.time_column == "interviewtime"
    assert scr.longstring_min == 7
    f = scr.flags
    assert f.loc[1, "longstring"] and f.loc[1, "irv"]
    assert f.loc[2, "mahalanobis"]
    assert f.loc[3, "response_time"] and f.loc[4, "missing"]
    assert f.loc[5, "person_total"] and scr.indices.loc[5, "person_total_r"] < -0.9
    frame = scr.to_frame()
    assert frame.loc[1, "n_flags"] >= 2 and "flag_irv" in frame.columns
    d = scr.to_dict()
    assert d["n_screened"] == 300 and d["cutoffs"]["mahalanobis_alpha"] == 0.001
    assert d["item_missing"]["i1"] == pytest.approx(1 / 300)
    out, _ = screen_intake(res, exclude=True)
    assert out.n_read == out.n_analysed + out.n_excluded == 300
    ex = out.exclusions.set_index("row")
    assert ex.loc[1, "reason"] == "careless_longstring"
    assert "longstring 10 >= 7" in ex.loc[1, "detail"] and "IRV 0 < 0.25" in ex.loc[1, "detail"]
    assert "1.2 s per item < 2" in ex.loc[3, "detail"]
    out2, _ = screen_intake(res, exclude=True, min_flags=2)
    assert out2.n_excluded < out.n_excluded and 1 in out2.exclusions["row"].tolist()
    # the false-positive rate on the clean simulated respondents stays small
    clean = scr.flags.iloc[5:]
    assert clean.any(axis=1).mean() < 0.06


def test_order_and_options_errors():
    res = responses_from_frame(_data(50), KEY)
    with pytest.raises(InputError, match="no time column 'zz'"):
        screen_intake(res, time_column="zz")
    with pytest.raises(InputError, match="'min_flags' option must be a whole number"):
        screen_intake(res, min_flags=0)
    with pytest.raises(InputError, match="'mahalanobis_alpha' must be a number from 0 to 1"):
        Cutoffs(mahalanobis_alpha=2)
    with pytest.raises(InputError, match="'irv_min' must be a number >= 0"):
        Cutoffs(irv_min=-1)
    with pytest.raises(InputError, match="must list every item once"):
        screen(res.items, order=["i1"])
    res2 = responses_from_frame(_data(50).assign(interviewtime="snel"), KEY)
    with pytest.raises(InputError, match="is not numeric"):  # named: must be numeric
        screen_intake(res2, time_column="interviewtime")
    # found by its name only (e.g. '509,46' in a file read with decimal '.'): the time
    # check is left out, with a note, and every respondent is still screened
    _, scr2 = screen_intake(res2)
    assert scr2.time_column is None and not scr2.flags["response_time"].any()
    assert [w.code for w in scr2.warnings] == ["time_column_not_numeric"]
    assert scr2.warnings[0].to_dict()["context"] == {"column": "interviewtime"}
    rev = list(reversed(res.items.columns))
    a = screen(res.items, order=rev).indices["longstring"]
    b = screen(res.items).indices["longstring"]
    pd.testing.assert_series_equal(a, b)  # reversing the order keeps runs


def test_bfi_screening(bfi_path):
    key = load_key(Path(__file__).parents[2] / "fixtures" / "keys" / "bfi.yaml")
    res = read_responses(bfi_path, key, id_column="id")
    _, scr = screen_intake(res)
    assert scr.time_column is None and not scr.flags["response_time"].any()
    assert scr.to_dict()["n_flagged_by"]["longstring"] >= 1
