"""``lospw delphi``: exit codes, one-line errors, artifacts, the new bank and its key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lospw.analysis.core.key import load_key
from lospw.cli import main
from lospw.instrument.bank import DEFAULT_BANK_DIR, load_bank
from tests.instrument.delphi.conftest import HEADER, SMALL, write


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    return write(tmp_path, SMALL)


def lospw(*args: str) -> tuple[int, str, str]:
    """Run the command line in-process; return (exit code, stdout, stderr)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def bank_panel(tmp_path: Path) -> Path:
    items = ["LOSgoals1", "LOSgoals2", "LOSgoals4"]
    ratings = {"LOSgoals1": [4, 4, 4, 3, 4, 4], "LOSgoals2": [3, 2, 4, 3, 2, 3],
               "LOSgoals4": [1, 2, 2, 1, 2, 3]}
    lines = [HEADER]
    for k in range(6):
        for i in items:
            lines.append(f"1,p{k},{i},{ratings[i][k]},{'a' if k % 2 else 'b'},,\n")
    return write(tmp_path, "".join(lines))


def test_json_shape(small_csv, tmp_path):
    code, out, err = lospw("delphi", str(small_csv), "-o", str(tmp_path / "o"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {"round", "item", "n", "i_cvi", "kappa", "cvr", "median", "iqr", "agreement",
            "decision"} <= set(data["items"][0])
    assert {"round", "n_panelists", "s_cvi_ave", "s_cvi_ua", "kendall_w"} <= set(
        data["rounds"][0])
    assert [r["n_panelists"] for r in data["rounds"]] == [4, 3]
    assert (tmp_path / "o" / "items.csv").is_file() and not (tmp_path / "o" / "bank").exists()


def test_text_output(small_csv, tmp_path):
    code, out, _ = lospw("delphi", str(small_csv), "-o", str(tmp_path / "o"), "--label", "DEMO")
    assert code == 0 and "DEMO" in out and "final: 2 retained, 1 revised, 0 dropped" in out


def test_bank_gets_a_new_version_and_a_key(tmp_path):
    before = {p.name: p.read_bytes() for p in DEFAULT_BANK_DIR.iterdir()}
    out = tmp_path / "o"
    code, _, err = lospw("delphi", str(bank_panel(tmp_path)), "--bank", str(DEFAULT_BANK_DIR),
                         "-o", str(out))
    assert code == 0, err
    assert {p.name: p.read_bytes() for p in DEFAULT_BANK_DIR.iterdir()} == before
    new = load_bank(out / "bank")
    old = load_bank()
    assert new.version == f"{old.version}+delphi.r1"
    assert new.item("LOSgoals1").status == "retained"
    assert new.item("LOSgoals2").status == "revised"
    assert new.item("LOSgoals4").status == "dropped"
    assert new.item("GOCsafety1").status == old.item("GOCsafety1").status  # not rated
    key = load_key(out / "key.yaml")
    assert key.items == ("LOSgoals1",)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["bank"]["statuses"]["retained"] == 1
    assert summary["inputs"][0]["file"] == "ratings.csv"  # no absolute paths
    audit = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert audit[0]["element"] == "LOS" and audit[0]["aspect"] == "goals"
    page = (out / "feedback" / "round-1" / "P01.html").read_text(encoding="utf-8")
    assert old.item("LOSgoals1").nl in page


def test_items_with_too_few_ratings_are_named(tmp_path):
    code, out, err = lospw("delphi", str(bank_panel(tmp_path)), "--bank",
                           str(DEFAULT_BANK_DIR), "-o", str(tmp_path / "o"))
    assert code == 0, err
    # six panelists rated every item: enough. Drop two ratings of LOSgoals1 -> 4 < 6
    warn = "warning: item LOSgoals1 has 4 rating(s) in round 1; every item needs at least 6"
    assert warn not in out
    text = bank_panel(tmp_path).read_text(encoding="utf-8")
    text = "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith(("1,p0,LOSgoals1", "1,p1,LOSgoals1")))
    code, out, err = lospw("delphi", str(write(tmp_path, text, "r2.csv")), "--bank",
                           str(DEFAULT_BANK_DIR), "-o", str(tmp_path / "o2"))
    assert code == 0 and warn in out
    summary = json.loads((tmp_path / "o2" / "summary.json").read_text(encoding="utf-8"))
    assert summary["design"]["target_raters"] == 6
    assert summary["design"]["items_below_target"] == [
        {"round": 1, "item": "LOSgoals1", "n_ratings": 4, "minimum": 6}]


def test_bank_version_option(tmp_path):
    out = tmp_path / "o"
    code, _, _ = lospw("delphi", str(bank_panel(tmp_path)), "--bank", str(DEFAULT_BANK_DIR),
                       "-o", str(out), "--bank-version", "0.2.0")
    assert code == 0 and load_bank(out / "bank").version == "0.2.0"


def test_never_writes_over_the_input_bank(tmp_path):
    from lospw.instrument.bank import write_bank

    write_bank(load_bank(), tmp_path / "o" / "bank")
    code, _, err = lospw("delphi", str(bank_panel(tmp_path)), "--bank",
                         str(tmp_path / "o" / "bank"), "-o", str(tmp_path / "o"))
    assert code == 2 and "would write the new bank over the input bank" in err


BAD = {
    "unknown_item": (HEADER + "1,p1,NOSUCHitem1,4,g,,\n", "row 2: unknown item 'NOSUCHitem1'"),
    "outside_scale": (HEADER + "1,p1,LOSgoals1,5,g,,\n", "row 2: relevance 5 is outside"),
    "duplicate": (HEADER + "1,p1,LOSgoals1,4,g,,\n1,p1,LOSgoals1,3,g,,\n",
                  "row 3: duplicate rating"),
    "missing_column": ("round,panelist,item\n1,p1,LOSgoals1\n", "missing column relevance"),
    "non_numeric": (HEADER + "1,p1,LOSgoals1,x,g,,\n", "row 2: relevance 'x' is not a number"),
    "empty_file": ("", "the file is empty"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_exit_2_one_line_naming_file_and_row(tmp_path, case):
    text, fragment = BAD[case]
    p = write(tmp_path, text)
    code, _, err = lospw("delphi", str(p), "--bank", str(DEFAULT_BANK_DIR),
                         "-o", str(tmp_path / "o"))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert str(p) in lines[0] and fragment in lines[0]
    assert not (tmp_path / "o" / "items.csv").exists()


def test_item_list_option(tmp_path, small_csv):
    items = tmp_path / "items.txt"
    items.write_text("# known items\nA\nB\n", encoding="utf-8")
    code, _, err = lospw("delphi", str(small_csv), "--items", str(items), "-o",
                         str(tmp_path / "o"))
    assert code == 2 and "unknown item 'C': it is not in the item list" in err
    items.write_text("A\nB\nC\n", encoding="utf-8")
    assert lospw("delphi", str(small_csv), "--items", str(items), "-o",
                 str(tmp_path / "o"))[0] == 0


@pytest.mark.parametrize("args", [
    ["--items", "x.txt", "--bank", "y"],
    ["--items", "missing.txt"],
    ["--rules", "missing.yaml"],
    ["--bank", "no_such_bank_dir"],
])
def test_option_errors(tmp_path, small_csv, args):
    code, _, err = lospw("delphi", str(small_csv), *args, "-o", str(tmp_path / "o"))
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_empty_item_list(tmp_path, small_csv):
    items = tmp_path / "items.txt"
    items.write_text("# nothing\n", encoding="utf-8")
    code, _, err = lospw("delphi", str(small_csv), "--items", str(items), "-o",
                         str(tmp_path / "o"))
    assert code == 2 and "no item ids" in err


def test_rules_file_changes_the_scale(tmp_path):
    from lospw.instrument.delphi.rules import RAND_UCLA_RULES

    p = write(tmp_path, SMALL.replace(",4,", ",9,"))
    code, _, err = lospw("delphi", str(p), "-o", str(tmp_path / "o"))
    assert code == 2 and "relevance 9 is outside the scale" in err
    code, out, err = lospw("delphi", str(p), "--rules", str(RAND_UCLA_RULES), "-o",
                           str(tmp_path / "o"), "--json")
    assert code == 0, err
    assert json.loads(out)["items"][0]["item"] == "A"


def test_simulate_delphi_then_delphi(tmp_path):
    raw = tmp_path / "raw"
    code, out, err = lospw("simulate", "delphi", "--seed", "3", "-o", str(raw), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["synthetic"] is True and data["seed"] == 3
    assert "truth/item_truth.csv" in data["files"]
    ratings = sorted(str(p) for p in raw.glob("*.csv"))
    code, out, err = lospw("delphi", *ratings, "--bank", str(DEFAULT_BANK_DIR), "-o",
                           str(tmp_path / "derived"), "--json")
    assert code == 0, err
    assert [r["round"] for r in json.loads(out)["rounds"]] == [r["round"] for r in
                                                               data["rounds"]]
    assert (tmp_path / "derived" / "key.yaml").is_file()
