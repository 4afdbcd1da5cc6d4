"""``lospw cfa --dynamic`` and ``lospw reliability --bifactor``: the JSON interface of
issue 23, text output, one-line errors, and the independence of --jobs."""

from __future__ import annotations

import json

import pytest

from lospw.cli import main
from tests.lospw.test_cli import run

HS = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"


def call(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_cfa_dynamic_json(capsys, hs_path):
    code, out, err = call(capsys, "cfa", str(hs_path), "--model", HS, "--estimator", "ML",
                          "--dynamic", "--reps", "10", "--seed", "4", "--json")
    assert code == 0, err
    dyn = json.loads(out)["dynamic"]
    assert dyn["estimator"] == "ML" and dyn["reps"] == 10 and dyn["seed"] == 4
    assert [lv["level"] for lv in dyn["levels"]] == [1, 2]
    lv = dyn["levels"][0]
    assert lv["misspecification"].startswith("1 omitted cross-loading")
    for index in ("srmr", "rmsea", "cfi"):
        assert index in lv and (lv[index] is None or 0 <= lv[index] <= 1)
        assert lv["rule"][index] in ("95/5", "90/10", "none")


def test_cfa_dynamic_jobs_do_not_change_the_result(hs_path):
    args = ("cfa", str(hs_path), "--model", "f =~ x1 + x2 + x3 + x4 + x5 + x6",
            "--estimator", "ML", "--dynamic", "--reps", "10", "--json")
    one = run(*args)
    two = run(*args, "--jobs", "2")
    assert one.returncode == 0 and two.returncode == 0, two.stderr
    assert json.loads(one.stdout)["dynamic"] == json.loads(two.stdout)["dynamic"]


def test_cfa_dynamic_text(capsys, hs_path):
    code, out, err = call(capsys, "cfa", str(hs_path), "--model", HS, "--estimator", "MLR",
                          "--dynamic", "--reps", "10")
    assert code == 0, err
    assert "Dynamic fit cutoffs (MLR" in out and "rmsea_robust" in out
    assert "observed" in out


@pytest.mark.parametrize("args, fragment", [
    (["--group", "school"], "one-group models"),
    (["--jobs", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
    (["--reps", "5"], "5 is not in the range"),
])
def test_cfa_dynamic_errors(capsys, hs_path, args, fragment):
    code, _, err = call(capsys, "cfa", str(hs_path), "--model", HS, "--estimator", "ML",
                        "--dynamic", *args)
    assert code == 2 and fragment in err and "Traceback" not in err


def test_cfa_dynamic_just_identified(capsys, hs_path):
    code, _, err = call(capsys, "cfa", str(hs_path), "--model", "f =~ x1 + x2 + x3",
                        "--estimator", "ML", "--dynamic", "--reps", "10")
    assert code == 2 and "just identified" in err


def test_reliability_bifactor_json(capsys, bfi_path, bfi_key_path):
    code, out, err = call(capsys, "reliability", str(bfi_path), "--key", str(bfi_key_path),
                          "--bifactor", "--estimator", "ML", "--missing-data", "listwise", "--json")
    assert code == 0, err
    res = json.loads(out)
    bif = res["bifactor"]
    assert bif["method"] == "cfa" and bif["estimator"] == "ML"
    assert abs(bif["omega_h"] - 0.4435038) < 1e-4      # tests/reference/bifactor.json
    assert set(bif["h"]) == {"general", "A", "C", "E", "N", "O"}
    assert set(bif["omega_hs"]) == {"A", "C", "E", "N", "O"}
    assert {"ecv", "puc", "fd"} <= set(bif)
    assert abs(res["scales"]["A"]["omega_ordinal"] - 0.7290024) < 1e-5  # ordinal_omega.json


def test_reliability_schmid_leiman_text(capsys, bfi_path, bfi_key_path):
    code, out, err = call(capsys, "reliability", str(bfi_path), "--key", str(bfi_key_path),
                          "--bifactor", "--bifactor-method", "schmid_leiman",
                          "--missing-data", "listwise")
    assert code == 0, err
    assert "Schmid-Leiman (psych::omega), N = 2436" in out and "omega_h 0.470" in out


def test_reliability_continuous_items_have_no_ordinal_omega(capsys, hs_path, hs_key_path):
    code, out, err = call(capsys, "reliability", str(hs_path), "--key", str(hs_key_path),
                          "--json")
    assert code == 0, err
    res = json.loads(out)
    assert all(s["omega_ordinal"] is None for s in res["scales"].values())
    assert "bifactor" not in res


def test_reliability_bifactor_errors(capsys, bfi_path, tmp_path):
    key = tmp_path / "k.yaml"
    key.write_text("response_scale: {min: 1, max: 6}\nscales:\n  A: [A1, A2, A3]\n"
                   "  C: [C1, C2, C3]\n")
    code, _, err = call(capsys, "reliability", str(bfi_path), "--key", str(key), "--bifactor")
    assert code == 2 and "three scales" in err and "Traceback" not in err
    code, _, err = call(capsys, "reliability", str(bfi_path), "--key", str(key), "--bifactor",
                        "--bifactor-method", "omega")
    assert code == 2 and "'omega' is not one of" in err


def test_analyze_dynamic_option_errors(capsys, hs_path, hs_key_path, tmp_path):
    out = tmp_path / "run"
    code, _, err = call(capsys, "analyze", str(hs_path), "--key", str(hs_key_path), "-o",
                        str(out), "--dynamic", "--jobs", "2", "--scheduler", "tcp://x:1")
    assert code == 2 and "not both" in err and "Traceback" not in err
    assert not out.exists()
    code, _, err = call(capsys, "analyze", str(hs_path), "--key", str(hs_key_path), "-o",
                        str(out), "--dynamic", "--dynamic-reps", "3")
    assert code == 2 and "3 is not in the range" in err
