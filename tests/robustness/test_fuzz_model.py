"""Property tests: damaged or odd lavaan model syntax (``lospw cfa --model``) is fitted or
refused in one line; nothing else escapes the CFA engine.

The syntax reader and the engine live in analysis/cfa/ (owned by the CFA stage); this file
only throws inputs at them through the command line's own path."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.cfa.modindices import modindices
from lospw.analysis.core.errors import InputError
from tests.conftest import reference_data
from tests.robustness._fuzz import SETTINGS, expect_one_line, scaled, text_edits

HS = pd.read_csv(reference_data("holzinger_swineford_1939.csv"))
GOOD = """visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
"""
OV = [f"x{i}" for i in range(1, 10)]
LV = ["visual", "textual", "speed", "g"]
MOD = st.sampled_from(["", "", "", "1*", "NA*", "0*", "a*", "b*", "start(0.5)*", "c(1)*",
                       "c(a, b)*", "-1*", "1e3*", "NA*NA*", "abs*", "2.5*"])
NAME = st.sampled_from(OV + LV + ["y1", "1x", "x1.", "ägg", ""])
OP = st.sampled_from(["=~", "=~", "=~", "~~", "~", "~ 1", "|", "==", ":=", "<", "%"])


@st.composite
def statement(draw) -> str:
    lhs = draw(st.sampled_from(LV + OV))
    op = draw(OP)
    if op == "~ 1":
        return f"{lhs} ~ 1"
    terms = draw(st.lists(st.tuples(MOD, NAME), min_size=1, max_size=4))
    sep = draw(st.sampled_from([" + ", " + ", "+", " - ", " ", " ++ "]))
    return f"{lhs} {op} " + sep.join(m + n for m, n in terms)


@settings(SETTINGS, max_examples=scaled(120))
@given(stmts=st.lists(statement(), min_size=1, max_size=5),
       joiner=st.sampled_from(["\n", "; ", "\n# note\n", "\n\n"]))
def test_generated_models(stmts, joiner):
    expect_one_line("model", fit_cfa, HS, joiner.join(stmts), estimator="ML")


@settings(SETTINGS, max_examples=scaled(80))
@given(data=st.data())
def test_damaged_model_text(data):
    expect_one_line("model", fit_cfa, HS, data.draw(text_edits(GOOD)), estimator="ML")


@st.composite
def plausible_model(draw) -> str:
    """Well-formed models that may be odd: one-item or two-item factors, cross-loadings,
    fixed values, correlated residuals, a second-order factor, too few degrees of freedom."""
    k = draw(st.integers(1, 3))
    lines = []
    for j in range(k):
        items = draw(st.lists(st.sampled_from(OV), min_size=1, max_size=5, unique=True))
        mods = [draw(st.sampled_from(["", "", "", "1*", "NA*", "0.5*"])) for _ in items]
        lines.append(f"f{j} =~ " + " + ".join(m + i for m, i in zip(mods, items, strict=True)))
    for _ in range(draw(st.integers(0, 3))):
        a, b = draw(st.sampled_from(OV)), draw(st.sampled_from(OV))
        lines.append(f"{a} ~~ {draw(st.sampled_from(['', '0*', '1*']))}{b}")
    if k > 1 and draw(st.booleans()):
        lines.append(f"f0 ~~ {draw(st.sampled_from(['0*', '1*', '']))}f1")
    if k == 3 and draw(st.booleans()):
        lines.append("g =~ f0 + f1 + f2")
    return "\n".join(lines)


@settings(SETTINGS, max_examples=scaled(80))
@given(model=plausible_model(), std_lv=st.booleans(),
       missing=st.sampled_from(["listwise", "fiml"]))
def test_plausible_but_odd_models(model, std_lv, missing):
    res = expect_one_line("model", fit_cfa, HS, model, estimator="ML", std_lv=std_lv,
                          missing=missing)
    if res is None:
        return
    res.to_dict()
    if res.converged and not _UNIDENTIFIED & {w.code for w in res.warnings}:
        modindices(res)
        res.top_residuals(5)


# The command line skips modification indices for these (lospw/cli/cfa.py): the engine's
# modindices() cannot invert a singular information matrix (reported to the CFA owner).
_UNIDENTIFIED = {"not_identified", "se_failed"}


@pytest.mark.parametrize(("model", "kw", "fragment"), [
    ("x3 =~ x3", {}, "cannot measure itself"),
    ("x3 =~ 0*x3", {}, "cannot measure itself"),
    ("f0 =~ 1*x1", {"std_lv": True}, "no free parameters"),
])
def test_cases_hypothesis_found(model, kw, fragment):
    with pytest.raises(InputError, match=fragment):
        fit_cfa(HS, model, estimator="ML", **kw)
