"""Names that collide in a derived table are refused in one line, or handled (issue 17.12).

``lospw score`` with scales ``S`` and ``S_n`` crashed (exit 1): the scores table names the
answered-items column of ``S`` ``S_n``. Its siblings: ``S`` and ``S_reason`` silently
overwrote the reason column with the scores of the other scale (exit 0, wrong file); a
scale named like the id or the ``--by`` column crashed; a scale named like one of its
items made the CFA read it as a second-order factor; a scale named ``scale`` crashed the
validity stage's ``htmt.csv``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from lospw.analysis.pipeline.runner import AnalysisOptions, run_analysis
from tests.robustness.test_corpus import run_cli


def _data(tmp: Path, *, with_id: bool = True, n: int = 200) -> Path:
    rng = np.random.default_rng(1)
    f = rng.normal(size=(n, 2))
    cols = {f"i{j}": np.clip(np.round(3 + 1.2 * (0.8 * f[:, (j - 1) // 3]
                                                 + rng.normal(0, .6, n))), 1, 5).astype(int)
            for j in range(1, 7)}
    frame = pd.DataFrame(cols)
    if with_id:
        frame.insert(0, "id", range(n))
    frame["wp"] = rng.choice(["a", "b", "c"], n)
    path = tmp / ("data.csv" if with_id else "data_no_id.csv")
    frame.to_csv(path, index=False)
    return path


def _key(tmp: Path, first: str, second: str) -> Path:
    path = tmp / "key.yaml"
    path.write_text(yaml.safe_dump({
        "instrument": "t", "response_scale": {"min": 1, "max": 5},
        "scales": {first: ["i1", "i2", "i3"], second: ["i4", "i5", "i6"]}}), encoding="utf-8")
    return path


@pytest.mark.parametrize(("first", "second", "with_id", "fragment"), [
    ("S", "S_n", True, "two columns named 'S_n': the answered-items column of scale 'S'"),
    ("S", "S_reason", True, "two columns named 'S_reason': the reason column of scale 'S'"),
    ("id", "B", True, "two columns named 'id': the respondent id column 'id' and scale 'id'"),
    ("wp", "B", True, "two columns named 'wp': the column 'wp' of the data and scale 'wp'"),
    ("row", "B", False, "two columns named 'row': the input-row column 'row'"),
])
def test_score_refuses_colliding_column_names(tmp_path, first, second, with_id, fragment):
    data, key = _data(tmp_path, with_id=with_id), _key(tmp_path, first, second)
    code, _, err = run_cli("score", data, "--key", key, "--by", "wp", "-o", tmp_path / "s.csv")
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lospw: error: ") and fragment in lines[0]
    assert not (tmp_path / "s.csv").exists()


def test_scale_names_that_do_not_collide_are_scored(tmp_path):
    """``S`` and ``S_1``, a scale named like an item, ``row`` beside an id: all fine."""
    data = _data(tmp_path)
    for first, second in (("S", "S_1"), ("i1", "B"), ("row", "B")):
        key = _key(tmp_path, first, second)
        code, _, err = run_cli("score", data, "--key", key, "--by", "wp", "--baseline", data,
                               "-o", tmp_path / "s.csv")
        assert code == 0, err
        table = pd.read_csv(tmp_path / "s.csv")
        assert len(table) == 200 and table.columns.is_unique
        assert {first, f"{first}_n", f"{first}_reason", second} <= set(table.columns)


def test_a_scale_named_like_an_item_is_refused_by_the_cfa(tmp_path):
    """Scale ``i1`` beside item ``i1`` of another scale: lavaan syntax would make the item
    a second-order factor (the comparison then failed on df); refused in one line."""
    data, key = _data(tmp_path), _key(tmp_path, "A", "i1")
    code, _, err = run_cli("cfa", data, "--key", key, "--estimator", "ml")
    assert code == 2 and "'i1' in the key is both a scale (or group) and an item" in err, err
    assert len(err.strip().splitlines()) == 1


def test_analyze_with_scales_named_like_table_columns(tmp_path):
    """Scales named ``scale``, ``group`` and ``score`` (the fixed columns of the artifacts
    and the report's tables) run through every model stage; S/S_n only fails scoring."""
    data = _data(tmp_path)
    key = tmp_path / "names.yaml"
    key.write_text(yaml.safe_dump({
        "instrument": "t", "response_scale": {"min": 1, "max": 5},
        "scales": {"scale": ["i1", "i2", "i3"], "group": ["i4", "i5", "i6"]}}),
        encoding="utf-8")
    out = tmp_path / "out"
    run_analysis(AnalysisOptions(str(data), str(key), cluster="wp", estimator="ML"), out)
    stages = {s["name"]: s for s in
              json.loads((out / "manifest.json").read_text(encoding="utf-8"))["stages"]}
    assert all(s["status"] != "failed" for s in stages.values()), {
        n: s["reason"] for n, s in stages.items() if s["status"] == "failed"}
    htmt = pd.read_csv(out / "validity" / "htmt.csv")
    assert htmt.columns[0] == "scale_1" and set(htmt.columns[1:]) == {"scale", "group"}
    assert list(htmt["scale_1"]) == list(htmt.columns[1:])
    out2 = tmp_path / "out2"
    run_analysis(AnalysisOptions(str(data), str(_key(tmp_path, "S", "S_n")), estimator="ML"),
                 out2)
    stages = {s["name"]: s for s in
              json.loads((out2 / "manifest.json").read_text(encoding="utf-8"))["stages"]}
    assert stages["scoring"]["status"] == "failed"
    assert "two columns named 'S_n'" in stages["scoring"]["reason"]
    assert stages["cfa"]["status"] == "ok"


def test_scores_csv_of_analyze_reserves_its_front_columns():
    """analyze's scores.csv starts with respondent, row, --group and --cluster: a scale with
    one of those names fails the scoring stage in one line (it would duplicate a header)."""
    from types import SimpleNamespace

    from lospw.analysis.core.errors import InputError
    from lospw.analysis.pipeline.stages import _scores_front
    from lospw.analysis.scoring.scores import check_score_columns

    front = _scores_front(SimpleNamespace(group="role", cluster="wp"))
    assert list(front) == ["respondent", "row", "role", "wp"]
    check_score_columns(["A", "B"], reserved=front)
    for scale, what in (("respondent", "pseudonym"), ("row", "input-row"),
                        ("role", "--group"), ("wp", "--cluster")):
        with pytest.raises(InputError, match=f"two columns named '{scale}': the {what}"):
            check_score_columns([scale, "B"], reserved=front)


def test_scheme_refuses_scales_no_scores_table_could_hold(tmp_path):
    data, key = _data(tmp_path), _key(tmp_path, "S", "S_n")
    code, _, err = run_cli("scheme", data, "--key", key, "-o", tmp_path / "scheme.json")
    assert code == 2 and "two columns named 'S_n'" in err, err
    assert not (tmp_path / "scheme.json").exists()
