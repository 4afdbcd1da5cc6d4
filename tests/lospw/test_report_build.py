"""``lospw report``: chapter plan, metadata from the key, input checks and the reader's config
(the full builds run in tests/acceptance/test_walkthrough.py, tests/robustness/
test_report_injection.py and tests/book/)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict
from lospw.cli import main
from lospw.report_build import BOOK, ReportInputs, build_report, plan, report_meta

KEY = {"instrument": "TQ", "version": "2", "response_scale": {"min": 1, "max": 5},
       "scales": {"A": ["a1", "-a2", "a3"], "B": ["b1", "b2", "b3"]}}


def files(options, given=()):
    return [c.file for c in plan(options, list(given))]


def test_plan_leaves_out_what_the_run_lacks():
    bare = files({"group": None, "cluster": None})
    assert "chapters/invariance" not in bare and "chapters/aggregation" not in bare
    assert not {"chapters/model", "chapters/bank", "chapters/delphi"} & set(bare)
    assert {"chapters/verdict", "chapters/cfa", "chapters/codebook", "chapters/lavaan",
            "chapters/provenance", "chapters/provenance_analysis"} <= set(bare)
    full = files({"group": "role", "cluster": "team"}, ["delphi", "bank", "model"])
    assert full[:4] == ["chapters/verdict", "chapters/model", "chapters/bank",
                        "chapters/delphi"]
    assert {"chapters/invariance", "chapters/aggregation"} <= set(full)


def test_every_planned_chapter_ships():
    for c in plan({"group": "g", "cluster": "c"}, ["model", "bank", "delphi"]):
        assert (BOOK / f"{c.file}.md").is_file(), c.file
    assert (BOOK / "intro.md").is_file() and (BOOK / "_config.yml").is_file()


def test_no_los_pw_text_in_the_generic_chapters():
    """The chapters of a report on any instrument name no LOS-PW concept (the model, bank and
    Delphi chapters are LOS-PW's, included only with their inputs)."""
    import re

    generic = [BOOK / "intro.md"] + [BOOK / f"{c.file}.md" for c in plan(
        {"group": "g", "cluster": "c"}, [])]
    for f in generic:
        text = f.read_text(encoding="utf-8")
        for term in (r"\bLOS\b", "LOS-PW", "six-factor", "role group", "stakeholder",
                     "workplace", "Workplace", "Delphi", "element", "make all",
                     "data/derived"):
            assert not re.search(term, text), f"{f.name}: {term}"


def test_meta_from_key_and_options():
    key = key_from_dict({**KEY, "title": "Team Questionnaire", "authors": ["A. One"],
                         "scales": {"A": {"items": ["a1", "-a2", "a3"], "label": "Alpha"},
                                    "B": ["b1", "b2", "b3"]},
                         "higher_order": {"G": ["A", "B"]}})
    m = report_meta(key, ReportInputs(Path("x")))
    assert m["title"] == "Team Questionnaire" and m["authors"] == ["A. One"]
    assert [s["label"] for s in m["scales"]] == ["Alpha", None]
    assert m["higher_order"] == {"G": ["A", "B"]} and m["n_items"] == 6
    m = report_meta(key, ReportInputs(Path("x"), title="Other", authors=("B", "C")))
    assert m["title"] == "Other" and m["authors"] == ["B", "C"]
    plain = report_meta(key_from_dict(KEY), ReportInputs(Path("x")))
    assert plain["title"] == "TQ: validation report" and plain["authors"] == []


def _fake_run(folder: Path, complete: bool = True) -> Path:
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(
        {"format": "lospw-analysis/2", "complete": complete, "stages": []}))
    (folder / "provenance.json").write_text(json.dumps({"options": {}}))
    key_from_dict(KEY).save(folder / "key.yaml")
    return folder


@pytest.mark.parametrize("case, message", [
    ("missing", "is not a folder"),
    ("no_manifest", "has no manifest.json"),
    ("incomplete", "complete"),
    ("delphi_empty", "--delphi .* lacks summary.json"),
])
def test_bad_inputs_are_refused_in_one_line(tmp_path, case, message):
    res = tmp_path / "run"
    delphi = None
    if case == "no_manifest":
        res.mkdir()
    elif case == "incomplete":
        _fake_run(res, complete=False)
    elif case == "delphi_empty":
        _fake_run(res)
        delphi = tmp_path / "panel"
        delphi.mkdir()
    with pytest.raises(InputError, match=message):
        build_report(ReportInputs(res, delphi=delphi), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_exit_2_and_foreign_output_kept(tmp_path, capsys):
    res = _fake_run(tmp_path / "run")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as exc:
        main(["report", str(res), "-o", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "never deletes" in err
    assert (out / "notes.txt").read_text() == "mine"
    with pytest.raises(SystemExit) as exc:
        main(["report", str(tmp_path / "nope"), "-o", str(tmp_path / "o2")])
    assert exc.value.code == 2


def test_reader_config(tmp_path, monkeypatch):
    """With $LOSPW_REPORT the chapters read the folders the build was given, nothing else."""
    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "validate.json").write_text('{"ok": true}')
    conf = tmp_path / "report.json"
    conf.write_text(json.dumps({"analysis": str(tmp_path / "run"),
                                "inputs": {"bank": str(tmp_path / "bank")},
                                "meta": {"title": "T"}}))
    monkeypatch.setenv("LOSPW_REPORT", str(conf))
    import lospw.report as R

    R = importlib.reload(R)
    try:
        assert R.has("bank") and not R.has("delphi")
        assert R.load_json("bank/validate.json") == {"ok": True}
        assert R.meta()["title"] == "T"
        assert R.ANALYSIS == tmp_path / "run"
        with pytest.raises(R.MissingArtifact, match="without --delphi"):
            R.load_json("delphi/summary.json")
    finally:
        monkeypatch.delenv("LOSPW_REPORT")
        importlib.reload(R)


def test_example_command_copies_the_instrument(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["example", "teamwork", "-o", str(tmp_path / "tcq")])
    assert exc.value.code == 0
    assert (tmp_path / "tcq" / "key.yaml").is_file()
    assert (tmp_path / "tcq" / "simulated.csv").is_file()
