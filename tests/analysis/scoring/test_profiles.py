"""Tests of lospw.analysis.scoring.profiles: files per group, identical bytes on a rerun."""

from __future__ import annotations

import pandas as pd

from lospw.analysis.scoring.profiles import safe_name, write_profile_charts


def _profiles():
    rows = []
    for g in ("wp A", "wp/A", "B"):
        for s, m in (("L", 3.2), ("G", 4.1)):
            rows.append({"group": g, "scale": s, "n": 5, "mean": m, "ci_lo": m - 0.4,
                         "ci_hi": m + 0.4, "aggregate_ok": s == "L"})
    rows.append({"group": "B", "scale": "X", "n": 1, "mean": 2.0, "ci_lo": float("nan"),
                 "ci_hi": float("nan"), "aggregate_ok": False})
    return pd.DataFrame(rows)


def test_charts_are_written_once_per_group_and_reproducible(tmp_path):
    kw = {"low": 1, "high": 5, "scales": ["L", "G", "X"], "overall": {"L": 3.0, "G": 4.0},
          "by": "workplace", "note": "SYNTHETIC"}
    a = write_profile_charts(_profiles(), tmp_path / "a", **kw)
    b = write_profile_charts(_profiles(), tmp_path / "b", **kw)
    names = [p.name for p in a]
    assert names == ["profile_B.png", "profile_B.svg", "profile_wp_A.png", "profile_wp_A.svg",
                     "profile_wp_A_2.png", "profile_wp_A_2.svg"]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()
    svg = a[1].read_text()
    assert "<dc:date>" not in svg and str(tmp_path) not in svg


def test_safe_name_never_empty():
    assert safe_name("///") == "group"


def test_dollar_signs_in_names_are_drawn_as_text(tmp_path):
    """Group and scale names with '$' (invalid mathtext such as 'a$^$b') are drawn as typed;
    they crashed `lospw score --by` with a mathtext ParseSyntaxException (issue 17)."""
    p = _profiles()
    p["group"] = p["group"].map({"wp A": "a$^$b", "wp/A": "$x", "B": "<b>B</b>"})
    p["scale"] = p["scale"].map({"L": "$L", "G": "G$^$", "X": "X"})
    written = write_profile_charts(p, tmp_path, low=1, high=5, scales=["$L", "G$^$", "X"],
                                   overall={"$L": 3.0}, by="w$p", note="$^$")
    assert len(written) == 6 and all(f.stat().st_size > 0 for f in written)
