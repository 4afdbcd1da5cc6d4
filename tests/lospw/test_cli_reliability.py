"""Tests for ``lospw reliability``, ``lospw efa`` and ``lospw items``.

One test runs the real entry point in a subprocess; the others call ``lospw.cli.main``
in-process (same exit codes and output, without the interpreter start-up).
"""

from __future__ import annotations

import json

import pytest

from lospw.cli import main
from tests.lospw.test_cli import run


def call(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_reliability_json_subprocess(bfi_path, bfi_key_path):
    r = run("reliability", str(bfi_path), "--key", str(bfi_key_path), "--json",
            "--missing-data", "listwise")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["missing"] == "listwise" and out["n"] == 2800
    assert out["intake"]["n_excluded"] == 0
    a = out["scales"]["A"]
    assert a["n"] == 2709 and abs(a["alpha"] - 0.7037559) < 1e-6
    assert abs(a["omega"] - 0.7141359) < 1e-4 and a["alpha_ordinal"] > a["alpha"]
    assert set(a["items"]) == {"A1", "A2", "A3", "A4", "A5"}


def test_reliability_text_pairwise_bootstrap(capsys, bfi_path, bfi_key_path):
    code, out, err = call(capsys, "reliability", str(bfi_path), "--key", str(bfi_key_path),
                          "--missing", "pairwise", "--ci", "bootstrap", "--n-boot", "100",
                          "--seed", "3")
    assert code == 0, err
    assert "missing = pairwise" in out and "seed 3" in out and "harmonic mean" in out


def test_reliability_bad_input(capsys, bfi_path, bfi_key_path, tmp_path):
    code, _, err = call(capsys, "reliability", str(bfi_path), "--key", str(bfi_key_path),
                        "--missing-data", "drop")
    assert code == 2 and "'drop' is not one of" in err and "Traceback" not in err
    code, _, err = call(capsys, "reliability", str(tmp_path / "nope.csv"), "--key",
                        str(bfi_key_path))
    assert code == 2 and "no such file" in err


def test_efa_json_and_text(capsys, bfi_path, bfi_key_path):
    code, out, err = call(capsys, "efa", str(bfi_path), "--key", str(bfi_key_path), "--json",
                          "--n-iter", "5", "--missing-data", "listwise")
    assert code == 0, err
    res = json.loads(out)
    assert res["nfactors"] == 5 and res["n"] == 2436 and res["seed"] == 1
    assert res["parallel"]["n_factors"] in (5, 6) and res["map"]["n_components"] == 5
    assert res["congruence"]["mean"] > 0.85 and res["intake"]["n_excluded"] == 0
    code, out, err = call(capsys, "efa", str(bfi_path), "--key", str(bfi_key_path),
                          "--rotation", "geomin", "--n-iter", "3", "--nfactors", "6")
    assert code == 0, err
    assert "Parallel analysis" in out and "(6 factors)" in out


def test_efa_bad_input(capsys, bfi_path, bfi_key_path):
    code, _, err = call(capsys, "efa", str(bfi_path), "--key", str(bfi_key_path),
                        "--nfactors", "30")
    assert code == 2 and "number of factors" in err and "Traceback" not in err
    code, _, err = call(capsys, "efa", str(bfi_path), "--key", str(bfi_key_path), "--cor",
                        "kendall")
    assert code == 2


def test_items(capsys, bfi_path, bfi_key_path):
    code, out, err = call(capsys, "items", str(bfi_path), "--key", str(bfi_key_path), "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["skew_kurtosis_type"] == 3 and res["scales"]["A"]["items"]["A1"]["n"] == 2784
    code, out, err = call(capsys, "items", str(bfi_path), "--key", str(bfi_key_path),
                          "--missing", "pairwise")
    assert code == 0 and "Scale O" in out and "missing = pairwise" in out
    code, _, err = call(capsys, "items", str(bfi_path), "--key", str(bfi_key_path),
                        "--skew-type", "5")
    assert code == 2 and "Traceback" not in err
