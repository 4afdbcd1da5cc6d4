"""The shared input options on every command that reads responses (issue 20, point 3).

One test per command x option: each option changes what the command reads in the same way
on every command (rows analysed, rows excluded and why, or a one-line refusal naming the
option). The data are a small SYNTHETIC two-scale questionnaire written by the fixture.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lospw.cli import main

COMMANDS = ("intake", "items", "reliability", "efa", "cfa", "invariance", "validity",
            "scheme", "score", "analyze")
N = 120
ITEMS = [f"A{i}" for i in range(1, 4)] + [f"B{i}" for i in range(1, 4)]
KEY = """instrument: two-scales
response_scale: {min: 1, max: 5}
scales:
  A: [A1, A2, A3]
  B: [B1, B2, -B3]
"""


def _answers(seed: int = 7) -> pd.DataFrame:
    """SYNTHETIC answers: two correlated factors, 3 items each, 5 categories."""
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal([0, 0], [[1, .4], [.4, 1]], size=N)
    cols = {}
    for j, item in enumerate(ITEMS):
        x = .8 * f[:, j // 3] * (-1 if item == "B3" else 1) + rng.normal(0, .6, N)
        cols[item] = np.clip(np.round(3 + 1.1 * x), 1, 5).astype(int)
    frame = pd.DataFrame(cols)
    frame.insert(0, "grp", np.where(np.arange(N) % 2 == 0, "x", "y"))
    frame.insert(0, "code", [f"P{i:03d}" for i in range(N)])
    return frame


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("opts")
    key = d / "key.yaml"
    key.write_text(KEY, encoding="utf-8")
    base = _answers()
    out = {"key": key}

    def csv(name: str, frame: pd.DataFrame, pre: str = "") -> None:
        p = d / f"{name}.csv"
        p.write_text(pre + frame.to_csv(index=False), encoding="utf-8")
        out[name] = p

    csv("plain", base)
    dup = pd.concat([base, base.iloc[[0, 1]].assign(A1=[1, 1], A2=[1, 1])], ignore_index=True)
    csv("dup_code", dup)                                   # 2 non-identical repeats of P000/1
    csv("dup_id", dup.rename(columns={"code": "id"}))      # the same, in a column named id
    csv("renamed", base.rename(columns={i: f"q_{i.lower()}" for i in ITEMS}))
    (d / "map.yaml").write_text("".join(f"{i}: q_{i.lower()}\n" for i in ITEMS))
    out["map"] = d / "map.yaml"
    coded = base.astype({"A1": object})
    coded.loc[[3, 4], "A1"] = "AO3"
    csv("coded", coded)
    (d / "recode.yaml").write_text("AO3: 3\n")
    out["recode"] = d / "recode.yaml"
    dk = base.astype({"B1": object})
    dk.loc[[5, 6, 7], "B1"] = "weet niet"
    csv("dontknow", dk)
    csv("preamble", base, pre="exported by,survey tool\nversion,2\n")
    xlsx = d / "sheets.xlsx"
    with pd.ExcelWriter(xlsx) as w:
        pd.DataFrame({"about": ["SYNTHETIC test data"]}).to_excel(w, sheet_name="About", index=False)
        base.to_excel(w, sheet_name="Data", index=False)
    out["sheets"] = xlsx
    straight = base.copy()
    straight.loc[[10, 11, 12], ITEMS] = [3, 3, 3, 3, 3, 3]
    straight.loc[[10, 11, 12], "B3"] = 3
    csv("careless", straight)
    return out


def _args(command: str, data: Path, files: dict[str, Path], tmp: Path) -> list[str]:
    args = [command, str(data), "--key", str(files["key"])]
    if command == "invariance":
        args += ["--group", "grp", "--min-group-size", "20", "--no-search", "--top-scores",
                 "0"]
    if command == "efa":
        args += ["--n-iter", "2", "--nfactors", "2"]
    if command in ("scheme", "score"):
        args += ["-o", str(tmp / f"{command}.{'json' if command == 'scheme' else 'csv'}")]
    if command == "analyze":
        args += ["-o", str(tmp / "run")]
    return args


def _run(capsys, command: str, data: Path, files: dict[str, Path], tmp: Path,
         *extra: str) -> tuple[int, dict, str]:
    """Run a command with --json: (exit status, the intake counts, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main([*_args(command, data, files, tmp), *extra, "--json"])
    out = capsys.readouterr()
    code = exc.value.code or 0
    if code:
        return code, {}, out.err
    res = json.loads(out.out)
    if command == "intake":
        block = res
    elif command == "analyze":
        block = json.loads((tmp / "run" / "intake" / "intake.json").read_text())
        block = {"n_read": block["n_read"], "n_analysed": block["n_analysed"],
                 "excluded_by_reason": block["excluded_by_reason"]}
        screening = tmp / "run" / "screening" / "intake.json"
        if screening.is_file():
            s = json.loads(screening.read_text())
            block = {"n_read": s["n_read"], "n_analysed": s["n_analysed"],
                     "excluded_by_reason": s["excluded_by_reason"]}
    else:
        block = res["intake"]
    return code, block, out.err


@pytest.mark.parametrize("command", COMMANDS)
def test_id(capsys, files, tmp_path, command):
    code, plain, err = _run(capsys, command, files["dup_code"], files, tmp_path)
    assert code == 0, err
    assert plain["n_analysed"] == N + 2 and "duplicate_id" not in plain["excluded_by_reason"]
    code, used, err = _run(capsys, command, files["dup_code"], files, tmp_path, "--id", "code")
    assert code == 0, err
    assert used["excluded_by_reason"]["duplicate_id"] == 4 and used["n_analysed"] == N - 2


@pytest.mark.parametrize("command", COMMANDS)
def test_id_detected_by_name(capsys, files, tmp_path, command):
    code, used, err = _run(capsys, command, files["dup_id"], files, tmp_path)
    assert code == 0, err
    assert used["excluded_by_reason"]["duplicate_id"] == 4 and used["n_analysed"] == N - 2


@pytest.mark.parametrize("command", COMMANDS)
def test_map(capsys, files, tmp_path, command):
    code, _, err = _run(capsys, command, files["renamed"], files, tmp_path)
    assert code == 2 and "--map" in err and "A1 -> q_a1" in err
    code, used, err = _run(capsys, command, files["renamed"], files, tmp_path, "--map",
                           str(files["map"]))
    assert code == 0, err
    assert used["n_analysed"] == N


@pytest.mark.parametrize("command", COMMANDS)
def test_recode(capsys, files, tmp_path, command):
    code, _, err = _run(capsys, command, files["coded"], files, tmp_path)
    assert code == 2 and "AO3" in err and "--recode" in err
    code, used, err = _run(capsys, command, files["coded"], files, tmp_path, "--recode",
                           str(files["recode"]))
    assert code == 0, err
    assert used["n_analysed"] == N


@pytest.mark.parametrize("command", COMMANDS)
def test_missing(capsys, files, tmp_path, command):
    code, _, err = _run(capsys, command, files["dontknow"], files, tmp_path)
    assert code == 2 and "weet niet" in err
    code, used, err = _run(capsys, command, files["dontknow"], files, tmp_path, "--missing",
                           "weet niet")
    assert code == 0, err
    assert used["n_analysed"] == N


@pytest.mark.parametrize("command", COMMANDS)
def test_sheet(capsys, files, tmp_path, command):
    code, _, err = _run(capsys, command, files["sheets"], files, tmp_path)
    assert code == 2 and "missing" in err
    code, used, err = _run(capsys, command, files["sheets"], files, tmp_path, "--sheet", "Data")
    assert code == 0, err
    assert used["n_analysed"] == N


@pytest.mark.parametrize("command", COMMANDS)
def test_header_row(capsys, files, tmp_path, command):
    code, _, err = _run(capsys, command, files["preamble"], files, tmp_path)
    assert code == 2
    code, used, err = _run(capsys, command, files["preamble"], files, tmp_path,
                           "--header-row", "3")
    assert code == 0, err
    assert used["n_read"] == N and used["n_analysed"] == N


@pytest.mark.parametrize("command", COMMANDS)
def test_drop(capsys, files, tmp_path, command):
    code, _, err = _run(capsys, command, files["plain"], files, tmp_path, "--drop", "nosuch")
    assert code == 2 and "--drop 'nosuch'" in err
    drop = "code" if command == "invariance" else "grp"
    code, used, err = _run(capsys, command, files["plain"], files, tmp_path, "--drop", drop)
    assert code == 0, err
    assert used["n_analysed"] == N


@pytest.mark.parametrize("command", COMMANDS)
def test_screen(capsys, files, tmp_path, command):
    code, off, err = _run(capsys, command, files["careless"], files, tmp_path, "--screen",
                          "off")
    assert code == 0, err
    code, out, err = _run(capsys, command, files["careless"], files, tmp_path, "--screen",
                          "exclude")
    assert code == 0, err
    assert off["n_analysed"] == N and out["n_analysed"] < N
    assert any(r.startswith("careless_") for r in out["excluded_by_reason"])


@pytest.mark.parametrize("command", COMMANDS)
def test_duplicates(capsys, files, tmp_path, command):
    for policy, n in (("exclude", N - 2), ("keep_first", N)):
        code, used, err = _run(capsys, command, files["dup_id"], files, tmp_path,
                               "--duplicates", policy)
        assert code == 0, err
        assert used["n_analysed"] == n, policy
    code, _, err = _run(capsys, command, files["dup_id"], files, tmp_path, "--duplicates",
                        "error")
    assert code == 2 and "share a respondent id" in err
