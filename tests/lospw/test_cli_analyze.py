"""Tests for ``lospw analyze``: exit codes, the JSON summary, and agreement of its artifacts
with the single-stage commands on the same input (bfi, --group gender)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lospw.cli import main
from tests.lospw.test_cli import run


def call(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


# The estimator of the agreement tests (the default of lospw analyze).
ESTIMATOR = "MLR"


def _engine() -> bool:
    import lospw.analysis.cfa

    return hasattr(lospw.analysis.cfa, "fit_cfa")


@pytest.fixture(scope="module")
def bfi_out(tmp_path_factory) -> Path:
    """One analyze run on bfi with --group gender, shared by the agreement tests."""
    from tests.conftest import FIXTURES, reference_data

    out = tmp_path_factory.mktemp("bfi") / "out"
    r = run("analyze", str(reference_data("bfi.csv")), "--key",
            str(FIXTURES / "keys" / "bfi.yaml"), "--group", "gender", "--estimator", ESTIMATOR,
            "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["outdir"] == out.as_posix() and summary["stages"][0]["name"] == "intake"
    assert "seconds" in summary and summary["verdict"]
    return out


def _load(out: Path, rel: str) -> dict:
    return json.loads((out / rel).read_text(encoding="utf-8"))


def _single(capsys, *args: str) -> dict:
    code, stdout, err = call(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(stdout)


def _without_source(d: dict) -> dict:
    d = dict(d)
    d["intake"] = {k: v for k, v in d["intake"].items() if k != "source"}
    return d


def test_reliability_agrees(capsys, bfi_out, bfi_path, bfi_key_path):
    single = _single(capsys, "reliability", str(bfi_path), "--key", str(bfi_key_path))
    assert _without_source(_load(bfi_out, "reliability/reliability.json")) == \
        _without_source(single)


def test_items_agree(capsys, bfi_out, bfi_path, bfi_key_path):
    single = _single(capsys, "items", str(bfi_path), "--key", str(bfi_key_path))
    assert _without_source(_load(bfi_out, "items/items.json")) == _without_source(single)


def test_efa_agrees(capsys, bfi_out, bfi_path, bfi_key_path):
    single = _single(capsys, "efa", str(bfi_path), "--key", str(bfi_key_path))
    assert _without_source(_load(bfi_out, "dimensionality/efa.json")) == \
        _without_source(single)


def test_intake_agrees(capsys, bfi_out, bfi_path, bfi_key_path, tmp_path):
    # analyze keeps its --group column; intake keeps a column only when named (--keep)
    single = _single(capsys, "intake", str(bfi_path), "--key", str(bfi_key_path), "--id", "id",
                     "--keep", "gender", "-o", str(tmp_path / "i"))
    mine = _load(bfi_out, "screening/intake.json")
    for k in ("n_read", "n_analysed", "n_excluded", "excluded_by_reason", "screening",
              "source_sha256", "key"):
        assert mine[k] == single[k], k
    for f in ("responses.csv", "exclusions.csv", "screening.csv"):
        assert (bfi_out / "screening" / f).read_bytes() == (tmp_path / "i" / f).read_bytes()


def test_scheme_agrees(capsys, bfi_out, bfi_path, bfi_key_path, tmp_path):
    _single(capsys, "scheme", str(bfi_path), "--key", str(bfi_key_path), "--group", "gender",
            "-o", str(tmp_path / "s.json"))
    single = json.loads((tmp_path / "s.json").read_text())
    mine = _load(bfi_out, "scoring/scheme.json")
    assert mine["norms"] == single["norms"] and mine["scales"] == single["scales"]
    assert mine["provenance"]["sha256"] == single["provenance"]["sha256"]


def test_validity_htmt_agrees(capsys, bfi_out, bfi_path, bfi_key_path):
    mine = _load(bfi_out, "validity/validity.json")
    from lospw.analysis.core.key import load_key
    from lospw.analysis.intake.responses import read_responses
    from lospw.analysis.validation.validity import htmt

    key = load_key(bfi_key_path)
    table, n = htmt(read_responses(bfi_path, key).items, key)
    assert mine["n_htmt"] == n
    for a in key.scale_names:
        for b in key.scale_names:
            assert mine["htmt"][a][b] == pytest.approx(float(table.loc[a, b]), abs=1e-12)
    if _engine():
        single = _single(capsys, "validity", str(bfi_path), "--key", str(bfi_key_path),
                         "--estimator", ESTIMATOR)
        assert _without_source(mine) == _without_source(single)


@pytest.mark.skipif(not _engine(), reason="CFA engine not in this version")
def test_cfa_and_invariance_agree(capsys, bfi_out, bfi_path, bfi_key_path):
    single = _single(capsys, "cfa", str(bfi_path), "--key", str(bfi_key_path),
                     "--estimator", ESTIMATOR)
    mine = _load(bfi_out, "cfa/correlated.json")
    for k in ("fit", "parameters", "modindices_top", "residual_correlations_top",
              "model_syntax", "n_obs", "warnings"):
        assert mine[k] == single[k], k
    inv = _single(capsys, "invariance", str(bfi_path), "--key", str(bfi_key_path),
                  "--group", "gender", "--estimator", ESTIMATOR)
    mine = _load(bfi_out, "invariance/invariance.json")
    assert mine["steps"] == inv["steps"] and mine["decisions"] == inv["decisions"]


def test_manifest_and_verdict_on_bfi(bfi_out):
    m = _load(bfi_out, "manifest.json")
    st = {s["name"]: s for s in m["stages"]}
    assert st["reliability"]["status"] == "ok" and st["verdict"]["status"] == "ok"
    v = _load(bfi_out, "verdict/verdict.json")
    ss = next(r for r in v["rows"] if r["property"] == "sample size")
    assert ss["verdict"] == "sufficient" and "very_good" in ss["result"]
    assert (bfi_out / "verdict" / "verdict.csv").is_file()
    assert v["synthetic"] is False


def test_text_output_and_progress(capsys, hs_path, hs_key_path, tmp_path):
    code, out, err = call(capsys, "analyze", str(hs_path), "--key", str(hs_key_path), "-o",
                          str(tmp_path / "o"), "--cluster", "school", "--synthetic")
    assert code == 0, err
    assert "reliability" in err and "Verdict" in err and "SYNTHETIC" in err
    assert "stage(s) ok" in err and out == ""


@pytest.mark.parametrize(("extra", "message"), [
    (["--group", "nope"], "no group column 'nope'"),
    (["--estimator", "WLSMV", "--missing", "fiml"], "needs the ML or MLR estimator"),
    (["--criteria", "/no/such/criteria.yaml"], "criteria.yaml"),
])
def test_bad_input_exits_2(capsys, hs_path, hs_key_path, tmp_path, extra, message):
    code, _out, err = call(capsys, "analyze", str(hs_path), "--key", str(hs_key_path), "-o",
                          str(tmp_path / "o"), *extra)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 or err.count("lospw: error") == 1


def test_bad_key_and_data_exit_2(capsys, hs_path, bfi_key_path, tmp_path):
    code, _, err = call(capsys, "analyze", str(hs_path), "--key", str(bfi_key_path), "-o",
                        str(tmp_path / "o"))
    assert code == 2 and "lospw: error:" in err and "A1" in err
    bad_key = tmp_path / "k.yaml"
    bad_key.write_text("scales: {A: [a]}\n")
    code, _, err = call(capsys, "analyze", str(hs_path), "--key", str(bad_key), "-o",
                        str(tmp_path / "o2"))
    assert code == 2 and "response_scale" in err
