"""Tests of lospw.analysis.scoring.scheme / scheme_io: derive, round trip, bad files, scoring new data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.intake.responses import read_responses
from lospw.analysis.scoring.derive import derive_scheme
from lospw.analysis.scoring.norms import Bands, NormTable
from lospw.analysis.scoring.scheme import Provenance, ScoringScheme
from lospw.analysis.scoring.scheme_io import (
    load_scheme,
    save_scheme,
    scheme_from_dict,
    scheme_to_dict,
)
from lospw.analysis.scoring.scores import MissingRule

FIX = Path(__file__).parents[2] / "fixtures" / "scoring"


@pytest.fixture
def wp_key():
    return load_key(FIX / "workplaces.yaml")


@pytest.fixture
def wp_scheme(wp_key):
    data = read_responses(FIX / "workplaces.csv", wp_key, id_column="id")
    return derive_scheme(data, wp_key, group="group", min_group_n=5, seeds={"fixture": 1},
                         synthetic=True, label="TEST scheme from synthetic data")


@pytest.fixture
def bfi_scheme(bfi_path, bfi_key_path):
    key = load_key(bfi_key_path)
    return derive_scheme(read_responses(bfi_path, key, id_column="id"), key,
                         group="gender", estimator="ML")


def test_bfi_scheme_numbers(bfi_scheme):
    # alpha of bfi's scales (psych::alpha raw_alpha, pairwise): A .70, C .73, E .76, N .81,
    # O .60; the SEM is SD * sqrt(1 - alpha) on the mean-score metric.
    rel = bfi_scheme.reliability
    assert [round(rel[s], 2) for s in "ACENO"] == [0.70, 0.73, 0.76, 0.81, 0.60]
    for s in "ACENO":
        assert bfi_scheme.sem[s] == pytest.approx(
            bfi_scheme.norms[s].sd * np.sqrt(1 - rel[s]))
    assert set(bfi_scheme.group_norms) == {"1", "2"}
    assert bfi_scheme.provenance.file == "bfi.csv"
    assert bfi_scheme.provenance.synthetic is False
    assert len(bfi_scheme.provenance.sha256) == 64


def test_round_trip_and_deterministic_bytes(bfi_scheme, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    save_scheme(bfi_scheme, a)
    back = load_scheme(a)
    assert back == bfi_scheme
    save_scheme(back, b)
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text()
    assert str(tmp_path) not in text and '"schema_version": "1.0.0"' in text
    d = json.loads(text)
    assert d["instrument"]["key_sha256"] == bfi_scheme.key.sha256()
    assert d["scales"]["A"]["min_answered"] == 4


def test_scoring_with_scheme_keeps_every_row_in_order(wp_scheme, wp_key):
    raw = pd.read_csv(FIX / "workplaces.csv")
    raw.loc[3, ["L1", "L2", "L3", "G1", "G2", "G3"]] = np.nan   # an empty row
    out = wp_scheme.score(raw, id_column="id", norm_group="group")
    assert out["id"].tolist() == raw["id"].tolist()
    assert out.loc[4, "L_reason"] == "excluded: empty_row (no item answered)"
    assert np.isnan(out.loc[4, "L"])
    # r110 answered one G item of three: no G score, a reason, an L score
    r = out.index[out["id"] == "r110"][0]
    assert np.isnan(out.loc[r, "G"]) and out.loc[r, "G_reason"].startswith("too_few_items")
    assert not np.isnan(out.loc[r, "L"])
    ok = out["L"].notna()
    assert (out.loc[ok, "L_lo"] <= out.loc[ok, "L"]).all()
    assert (out.loc[ok, "L_pct"].between(0, 100)).all()
    assert set(out.loc[ok, "L_band"]) <= {"low", "average", "high"}
    assert out.loc[ok, "L_se"].nunique() == 1


def test_group_norms_are_used_and_unknown_groups_fall_back(wp_scheme, wp_key):
    raw = pd.read_csv(FIX / "workplaces.csv")
    overall = wp_scheme.score(raw, id_column="id")
    raw2 = raw.assign(group=["nobody", *list(raw["group"][1:])])
    grouped = wp_scheme.score(raw2, id_column="id", norm_group="group")
    assert not np.allclose(overall["L_pct"][1:], grouped["L_pct"][1:], equal_nan=True)
    assert grouped["L_pct"].iloc[0] == overall["L_pct"].iloc[0]
    res = wp_scheme.score_items(read_responses(FIX / "workplaces.csv", wp_key).items,
                                pd.Series("nobody", index=range(1, 31)))
    assert any("No norms for group(s) nobody" in n for n in res.notes)


def test_rows_without_a_group_keep_the_overall_norms(bfi_scheme, bfi_path, bfi_key_path):
    data = read_responses(bfi_path, load_key(bfi_key_path), id_column="id")
    g = data.meta["gender"].astype(object)
    g.iloc[:3] = None          # a group column with blanks (it crashed: NA in a row mask)
    res = bfi_scheme.score_items(data.items, g).to_frame()
    overall = bfi_scheme.score_items(data.items).to_frame()
    assert np.allclose(res.iloc[:3]["A_pct"], overall.iloc[:3]["A_pct"], equal_nan=True)
    assert not np.allclose(res.iloc[3:]["A_pct"], overall.iloc[3:]["A_pct"], equal_nan=True)


def test_mismatched_items_give_one_clear_error(wp_scheme):
    raw = pd.read_csv(FIX / "workplaces.csv").drop(columns=["G3", "L1"])
    with pytest.raises(InputError, match=r"scheme's items do not match the data: 2 of its "
                                         r"6 items .*L1, G3"):
        wp_scheme.score(raw)
    with pytest.raises(InputError, match="lack 2 item column"):
        wp_scheme.score_items(raw)


def test_unknown_norm_group_column(wp_scheme):
    with pytest.raises(InputError, match="No norm-group column 'team'"):
        wp_scheme.score(pd.read_csv(FIX / "workplaces.csv"), norm_group="team")


def _dump(tmp_path, d, name="s.json"):
    p = tmp_path / name
    p.write_text(json.dumps(d) if not isinstance(d, str) else d)
    return p


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.pop("norms"), "field 'norms' is missing"),
    (lambda d: d["scales"]["L"].update(reliability="high"),
     "field 'scales.L.reliability' must be a number"),
    (lambda d: d["scales"]["L"].update(reliability=1.5), "reliability of scale L must be"),
    (lambda d: d["norms"]["overall"]["L"].update(counts=[1]), "norms.overall.L' must hold"),
    (lambda d: d["norms"]["overall"].pop("G"), "norms.overall.G' must be an object"),
    (lambda d: d["key"]["scales"]["L"].append("L4"), "key_sha256' does not match the key"),
    (lambda d: d["key"].pop("response_scale"), "response_scale: missing"),
    (lambda d: d.update(schema_version="one"), "must be a version like '1.0.0'"),
    (lambda d: d.update(schema_version="2.0.0"), "format version 2.0.0, newer than this"),
    (lambda d: d.update(schema_version="0.9.0"), "older than this lospw reads"),
    (lambda d: d.update(kind="something"), "not a lospw scoring scheme"),
    (lambda d: d["provenance"].update(synthetic="yes"), "'provenance.synthetic' must be true"),
    (lambda d: d["seeds"].update(x=1.5), "'seeds.x' must be a whole number"),
    (lambda d: d["bands"].update(cuts=[75, 25]), "increasing cuts"),
    (lambda d: d["bands"].update(cuts=["a"]), "'bands.cuts' must hold numbers"),
    (lambda d: d["missing_rule"].update(min_fraction=2), "min_fraction must be a number"),
    (lambda d: d.update(score_metric="sum"), "'score_metric' must be \"mean\""),
    (lambda d: d["norms"]["groups"].update(x=[]), "norms.groups.x' must be an object"),
])
def test_corrupt_schemes_give_specific_errors(wp_scheme, tmp_path, mutate, message):
    d = json.loads(json.dumps(scheme_to_dict(wp_scheme)))
    mutate(d)
    p = _dump(tmp_path, d)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")) as e:
        load_scheme(p)
    assert "\n" not in str(e.value) and str(p) in str(e.value)


def test_newer_minor_version_is_read(wp_scheme, tmp_path):
    d = json.loads(json.dumps(scheme_to_dict(wp_scheme)))
    d["schema_version"] = "1.7.0"
    d["a_field_from_the_future"] = {"x": 1}
    assert load_scheme(_dump(tmp_path, d)) == wp_scheme


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "invalid JSON at line 1"),
    ("[1, 2]", "not a lospw scoring scheme"),
    ("", "invalid JSON"),
])
def test_files_that_are_not_schemes(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        load_scheme(_dump(tmp_path, text))


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(InputError, match="no such scoring scheme file"):
        load_scheme(tmp_path / "nope.json")
    p = tmp_path / "bin.json"
    p.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="cannot read the scoring scheme"):
        load_scheme(p)


def test_constructor_checks(wp_key):
    t = NormTable((1.0, 2.0), (3, 4))
    prov = Provenance(None, None, 7, 7, True)
    norms = {"L": t, "G": t}
    with pytest.raises(InputError, match="reliability must give every scale"):
        ScoringScheme(wp_key, {"L": 0.8}, norms, prov)
    with pytest.raises(InputError, match="group norms of 'x' must give every scale"):
        ScoringScheme(wp_key, {"L": 0.8, "G": 0.7}, norms, prov, group_column="g",
                      group_norms={"x": {"L": t}})
    with pytest.raises(InputError, match="need the name of their group column"):
        ScoringScheme(wp_key, {"L": 0.8, "G": 0.7}, norms, prov, group_norms={"x": norms})
    with pytest.raises(InputError, match="increasing cuts"):
        Bands(cuts=(50,), labels=("a",))
    with pytest.raises(InputError, match="method must be"):
        Bands(method="anchors")
    s = ScoringScheme(wp_key, {"L": 0.8, "G": 0.75}, norms, prov, rule=MissingRule(1.0))
    assert s.required == {"L": 3, "G": 3}
    assert scheme_from_dict(scheme_to_dict(s)) == s


def test_derive_checks_group_column(wp_key):
    data = read_responses(FIX / "workplaces.csv", wp_key)
    with pytest.raises(InputError, match="No group column 'team'"):
        derive_scheme(data, wp_key, group="team")
    s = derive_scheme(data, wp_key, group="group")  # groups of 15 < 30: no group norms
    assert s.group_norms == {} and s.group_column is None


@pytest.mark.filterwarnings("ignore::lospw.analysis.core.errors.LospwWarning")
def test_reliability_choices(wp_key):
    data = read_responses(FIX / "workplaces.csv", wp_key)
    with pytest.raises(InputError, match="coefficient must be one of alpha, omega"):
        derive_scheme(data, wp_key, reliability_coefficient="kr20")
    given = derive_scheme(data, wp_key, reliability={"L": 0.9, "G": 0.6},
                          reliability_coefficient="omega (from the CFA)")
    assert given.reliability == {"L": 0.9, "G": 0.6}
    assert given.sem["G"] == pytest.approx(given.norms["G"].sd * np.sqrt(0.4))
    omega = derive_scheme(data, wp_key, reliability_coefficient="omega")
    alpha = derive_scheme(data, wp_key)
    assert omega.reliability_coefficient == "omega"
    assert omega.reliability != alpha.reliability
    with pytest.raises(InputError, match="reliability of scale L must be a number from 0"):
        derive_scheme(data, wp_key, reliability={"L": -0.2, "G": 0.6})


def test_score_result_summary(wp_scheme, wp_key):
    res = wp_scheme.score_items(read_responses(FIX / "workplaces.csv", wp_key).items)
    d = res.to_dict()
    assert d["n_rows_scored"] == 30 and d["scales"]["G"]["n_too_few_items"] == 1
    assert d["scales"]["G"]["required"] == 2


def test_score_accepts_an_intake_result(wp_scheme, wp_key):
    data = read_responses(FIX / "workplaces.csv", wp_key, id_column="id")
    out = wp_scheme.score(data)
    assert out["id"].tolist() == pd.read_csv(FIX / "workplaces.csv")["id"].tolist()
    assert "L_pct" in out.columns
