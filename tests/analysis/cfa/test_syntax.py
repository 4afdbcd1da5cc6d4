"""The lavaan syntax subset and the parameter table (lavaan's cfa() defaults)."""

from __future__ import annotations

import pytest

from lospw.analysis.cfa.partable import build_partable
from lospw.analysis.cfa.syntax import parse_model
from lospw.analysis.core.errors import InputError


def test_parse_modifiers_comments_and_continuations():
    st = parse_model("""
    # a comment
    f1 =~ x1 + start(0.8)*x2 +
          c(a, b)*x3   ! another comment
    f1 ~~ NA*f1; x1 ~~ 0.5*x1
    f2 =~ y1 + y2 + "lab"*y3
    f2 ~ f1
    x1 ~ 1
    lab == a
    """)
    got = [(s.lhs, s.op, s.rhs) for s in st]
    assert got == [("f1", "=~", "x1"), ("f1", "=~", "x2"), ("f1", "=~", "x3"),
                   ("f1", "~~", "f1"), ("x1", "~~", "x1"), ("f2", "=~", "y1"),
                   ("f2", "=~", "y2"), ("f2", "=~", "y3"), ("f2", "~", "f1"), ("x1", "~1", ""),
                   ("lab", "==", "a")]
    assert st[1].start == (0.8,)
    assert st[2].label == ("a", "b")
    assert st[3].fixed == (None,)
    assert st[4].fixed == (0.5,)
    assert st[7].label == ("lab",)


@pytest.mark.parametrize("text, fragment", [
    ("", "empty"),
    ("f := a*b", "not supported"),
    ("f =~ ", "both sides"),
    ("f =~ x1 + 2bad", "not a valid variable name"),
    ("f =~ x1 + x2 + x3\ny ~ f", "observed variable 'y'"),
    ("f =~ x1 + x2\nz ~~ z", "neither a latent variable"),
    ("f =~ x1 + x2\nf =~ x1", "given twice"),
    ("x ~~ y", "no latent variable"),
    ("f =~ x1 + 1.2*0.5*x2", "two fixed"),
    ("f =~ x1 + c(a,1)*x2", "mixes labels"),
    ("f =~ x1 + x2 + x3\nx1 | s1", "thresholds are named"),
    ("f =~ x1 + x2 + x3\na == b", "unknown label"),
    # issue 17: a value that overflows to infinity (was a LinAlgError in the engine)
    ("f =~ 1e400*x1 + x2 + x3", "'1e400' is too large to be a value"),
    ("f =~ x1 + -1e400*x2 + x3", "'-1e400' is too large"),
    ("f =~ start(1e309)*x1 + x2 + x3", "'1e309' is too large"),
    ("f =~ c(1, 1e400)*x1 + x2 + x3", "'1e400' is too large"),
    ("f =~ x1 + x2 + x3\nx1 ~*~ x2", "the same item on both sides"),
    ("f =~ x1 + x2 + x3\nx1 ~*~ x1", "not an ordered item"),
    ("f =~ x1 + x2 + c(a, b)*x2 + d*x2", "two label modifiers on 'x2'"),
])
def test_bad_syntax(text, fragment):
    with pytest.raises(InputError, match=fragment):
        build_partable(parse_model(text))


def test_defaults_like_lavaan_cfa():
    pt = build_partable(parse_model("f1 =~ a + b + c\nf2 =~ d + e + f"))
    t = pt.table
    assert list(t["op"]) == ["=~"] * 6 + ["~~"] * 9
    assert list(t.loc[t["op"] == "=~", "free"]) == [0, 1, 2, 0, 3, 4]
    assert t.iloc[-1][["lhs", "rhs"]].tolist() == ["f1", "f2"]
    assert pt.npar == 13 and pt.ov_names == tuple("abcdef")


def test_std_lv_and_meanstructure_and_orthogonal():
    t = build_partable(parse_model("f1 =~ a + b + c\nf2 =~ d + e + f"), std_lv=True,
                       meanstructure=True, orthogonal=True).table
    assert (t.loc[t["op"] == "=~", "free"] > 0).all()
    lvvar = t[(t["op"] == "~~") & (t["lhs"] == t["rhs"]) & t["lhs"].isin(["f1", "f2"])]
    assert (lvvar["free"] == 0).all() and (lvvar["ustart"] == 1).all()
    cov = t[(t["lhs"] == "f1") & (t["rhs"] == "f2")]
    assert cov["free"].item() == 0 and cov["ustart"].item() == 0
    ints = t[t["op"] == "~1"]
    assert list(ints.loc[ints["lhs"].isin(list("abcdef")), "free"] > 0) == [True] * 6
    assert (ints.loc[ints["lhs"].isin(["f1", "f2"]), "free"] == 0).all()


def test_group_vectors_and_equal_labels():
    st = parse_model("f =~ a + c(l1, l2)*b + c(1, NA)*c")
    t = build_partable(st, ngroups=2, meanstructure=True).table
    b = t[(t["rhs"] == "b") & (t["op"] == "=~")]
    assert list(b["label"]) == ["l1", "l2"]
    c = t[(t["rhs"] == "c") & (t["op"] == "=~")]
    assert list(c["free"] > 0) == [False, True]
    with pytest.raises(InputError, match="has 3 values but there are 2 groups"):
        build_partable(parse_model("f =~ a + c(1, 2, 3)*b + c"), ngroups=2)


def test_second_order_defaults():
    t = build_partable(parse_model("f1 =~ a + b + c\nf2 =~ d + e + f\ng =~ f1 + f2")).table
    lvcov = t[(t["op"] == "~~") & (t["lhs"] != t["rhs"])]
    assert lvcov.empty   # first-order factors are endogenous: no default covariances


def test_scaling_factors_and_repeated_terms_as_measeq_syntax_writes_them():
    # semTools::measEq.syntax gives a value and a label as two terms of one statement
    st = parse_model("f =~ c(NA, NA)*a + c(l1, l2)*a + b + c\n"
                     "a | c(NA, NA)*t1 + c(a.t1, a.t1)*t1\n"
                     "a ~ c(0, NA)*1 + c(nu.g1, nu.g2)*1\n"
                     "a ~*~ c(1, NA)*a")
    assert [(s.lhs, s.op, s.rhs) for s in st] == [
        ("f", "=~", "a"), ("f", "=~", "b"), ("f", "=~", "c"), ("a", "|", "t1"),
        ("a", "~1", ""), ("a", "~*~", "a")]
    assert st[0].fixed == (None, None) and st[0].label == ("l1", "l2")
    assert st[4].fixed == (0.0, None) and st[5].fixed == (1.0, None)
    pt = build_partable(st, ngroups=2, ordered={"a": 1, "b": 1, "c": 1})
    t = pt.table.set_index(["lhs", "op", "rhs", "group"])
    assert t.loc[("a", "~*~", "a", 1), "free"] == 0 and t.loc[("a", "~*~", "a", 2), "free"] > 0
    assert t.loc[("a", "|", "t1", 1), "x"] == t.loc[("a", "|", "t1", 2), "x"]   # a.t1 shared
    assert t.loc[("f", "=~", "a", 1), "free"] > 0       # NA frees the marker loading
    with pytest.raises(InputError, match="theta parameterization computes"):
        build_partable(st, ngroups=2, ordered={"a": 1, "b": 1, "c": 1},
                       parameterization="theta")
    with pytest.raises(InputError, match="'delta' or 'theta'"):
        build_partable(st, ngroups=2, parameterization="gamma")


def test_theta_parameterization_frees_residual_variances_of_later_groups():
    pt = build_partable(parse_model("f =~ a + b + c"), ngroups=2, ordered=dict.fromkeys("abc", 2),
                        group_equal=("thresholds",), parameterization="theta")
    t = pt.table
    res = t[(t["op"] == "~~") & (t["lhs"] == "a") & (t["rhs"] == "a")]
    assert res["free"].tolist()[0] == 0 and res["free"].tolist()[1] > 0
    assert (t.loc[t["op"] == "~*~", "free"] == 0).all()
