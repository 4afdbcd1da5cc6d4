"""Ordinal alpha under the two polychoric conventions (issue 18, point 5), against psych
2.2.9 and lavaan 0.6.14 (tests/reference/ordinal_alpha.R -> ordinal_alpha.json).

On items with mixed response ranges psych::polychoric switches to ``global = FALSE`` (per-pair
thresholds, .5 for empty cells) while lavaan's lavCor keeps each item's thresholds; lospw
computes either (``polychoric=`` / ``--polychoric``), lavaan's by default.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from lospw.analysis.classical.polychoric import polychoric
from lospw.analysis.classical.reliability import reliability
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict
from lospw.cli import main
from tests.conftest import reference, reference_data

REF = reference("ordinal_alpha")
KEY = key_from_dict({"response_scale": {"min": 1, "max": 6},
                     "scales": {"A": ["-A1", "A2", "A3", "A4", "A5"]}})
PSYCH_TOL = 1e-4  # psych's optimize() stops at ~1e-4 in rho (about 2e-5 here)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The first 400 bfi rows, A2's answers 6 recoded to 5 (as the R script)."""
    x = pd.read_csv(reference_data("bfi.csv")).iloc[:REF["rows"]][REF["items"]].astype(float)
    x.loc[x["A2"] == 6, "A2"] = 5
    return x


@pytest.fixture(scope="module")
def keyed(raw) -> pd.DataFrame:
    return KEY.reverse_score(raw)


@pytest.mark.filterwarnings("ignore::lospw.analysis.core.errors.LospwWarning")
@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_psych_convention_matches_psych_polychoric(keyed, missing):
    res = polychoric(keyed, missing=missing, convention="psych")
    assert not res.global_thresholds and res.correct == 0.5 and res.convention == "psych"
    np.testing.assert_allclose(res.corr.to_numpy(), REF["psych"][missing]["rho"],
                               atol=PSYCH_TOL)
    assert REF["psych"][missing]["cells_corrected"] > 0  # the correction did act in psych


def test_lavaan_convention_matches_lavcor(keyed):
    res = polychoric(keyed, missing="listwise")
    assert res.global_thresholds and res.convention == "lavaan" and res.correct == 0
    np.testing.assert_allclose(res.corr.to_numpy(), REF["lavaan"]["listwise"]["rho"],
                               atol=1e-7)
    # the two conventions really differ here
    psych = REF["psych"]["listwise"]["rho"]
    assert np.abs(res.corr.to_numpy() - np.array(psych)).max() > 10 * PSYCH_TOL


@pytest.mark.filterwarnings("ignore::lospw.analysis.core.errors.LospwWarning")
@pytest.mark.parametrize(("convention", "missing"), [("lavaan", "listwise"),
                                                     ("psych", "listwise"),
                                                     ("psych", "pairwise")])
def test_ordinal_alpha_follows_the_chosen_convention(raw, convention, missing):
    res = reliability(raw, KEY, missing=missing, omega=False, polychoric=convention)
    ref = REF[convention][missing]["alpha"]
    assert res["A"].alpha_ordinal == pytest.approx(ref, abs=5e-5 if convention == "psych"
                                                   else 1e-8)
    assert res.polychoric == convention and res.to_dict()["polychoric"] == convention
    other = REF["lavaan" if convention == "psych" else "psych"]["listwise"]["alpha"]
    if missing == "listwise":
        assert abs(res["A"].alpha_ordinal - other) > 5e-4


def test_equal_ranges_give_one_answer(raw):
    x = KEY.reverse_score(pd.read_csv(reference_data("bfi.csv")).iloc[:400][REF["items"]]
                          .astype(float))
    a = polychoric(x, convention="lavaan")
    b = polychoric(x, convention="psych")
    assert b.global_thresholds
    np.testing.assert_array_equal(a.corr.to_numpy(), b.corr.to_numpy())


def test_bad_convention_is_one_line(raw):
    with pytest.raises(InputError, match="The 'convention' option must be one of"):
        polychoric(raw, convention="mplus")
    with pytest.raises(InputError, match="The 'polychoric' option must be one of"):
        reliability(raw, KEY, polychoric="mplus")


def test_cli_polychoric_option(raw, tmp_path, capsys):
    data = tmp_path / "a.csv"
    raw.to_csv(data, index=False)
    key = tmp_path / "a.yaml"
    key.write_text("response_scale: {min: 1, max: 6}\nscales:\n  A: [-A1, A2, A3, A4, A5]\n")
    with pytest.raises(SystemExit) as exc:
        main(["reliability", str(data), "--key", str(key), "--polychoric", "psych",
              "--missing-data", "listwise", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert exc.value.code == 0 and out["polychoric"] == "psych"
    assert out["scales"]["A"]["alpha_ordinal"] == pytest.approx(
        REF["psych"]["listwise"]["alpha"], abs=5e-5)
