"""The verdict table: measurement properties judged by criteria fixed in advance.

:func:`verdict_from_dir` reads ONLY the artifacts a ``lospw analyze`` run wrote (its
``manifest.json``, ``key.yaml`` and the stages' JSON), so the report, a rerun and anyone
holding the folder get the same table. Each row gives the property, its scope (a scale, a
step, or the instrument), the criterion in words, the result with the numbers behind it, the
verdict and the artifact it was read from.

Verdicts follow COSMIN's rating (Prinsen et al., 2018): **sufficient** (+) when the criterion
is met, **insufficient** (−) when it is not, **indeterminate** (?) when the information is
missing: the stage was skipped or failed, a model did not converge, an index is absent, or
(internal consistency) structural validity is not sufficient.

Rows
----
``sample size``
    COSMIN Box 3 rating of the respondents the judged CFA used per item; sufficient for the
    ratings the criteria list as sufficient (default very good, adequate).
``structural validity``
    The judged model's (default: the key's correlated factors) CFI / TLI above, RMSEA /
    SRMR below the thresholds; with MLR / WLSMV the robust (or scaled) versions, named in
    the result. ``require: any`` (COSMIN's "or") or ``all``. A second row judges the reduced
    model when the reduction stage refitted one (exploratory: chosen on the same data).
``internal consistency``
    One row per scale: Cronbach's alpha at least the threshold, given sufficient structural
    validity.
``measurement invariance``
    One row per step in the criteria (default metric, scalar): the step's decision by the
    criteria's rule (default Chen, 2007). A step reached only after freeing parameters is
    sufficient only when ``partial_is_sufficient``.
``discriminant validity``
    Every pair of scales with HTMT below the threshold (Henseler et al., 2015).
``aggregation``
    One row per scale: ICC(1) and ICC(2) at least their thresholds (Bliese, 2000; LeBreton
    & Senter, 2008).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from lospw.analysis.core.artifacts import write_csv, write_json, write_text
from lospw.analysis.core.criteria import Criteria
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.planning.dynamic import judge_dynamic

__all__ = ["VERDICTS", "VerdictResult", "VerdictRow", "verdict_from_dir", "write_verdict"]

VERDICTS = ("sufficient", "insufficient", "indeterminate")
SYNTHETIC_LABEL = ("SYNTHETIC data: this verdict illustrates the method; it is not evidence "
                   "about the instrument.")


@dataclass(frozen=True)
class VerdictRow:
    """One row of the verdict table."""

    property: str
    scope: str
    criterion: str
    result: str
    verdict: str
    artifact: str | None
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"property": self.property, "scope": self.scope, "criterion": self.criterion,
                "result": self.result, "verdict": self.verdict, "artifact": self.artifact,
                "values": dict(self.values)}


@dataclass(frozen=True)
class VerdictResult:
    """The verdict table of one run."""

    rows: tuple[VerdictRow, ...]
    instrument: str
    synthetic: bool
    criteria_name: str
    criteria_sha256: str

    def to_dict(self) -> dict[str, Any]:
        counts = {v: sum(r.verdict == v for r in self.rows) for v in VERDICTS}
        return {"instrument": self.instrument, "synthetic": self.synthetic,
                "label": SYNTHETIC_LABEL if self.synthetic else None,
                "criteria": {"name": self.criteria_name, "sha256": self.criteria_sha256,
                             "file": "verdict/criteria.yaml"},
                "counts": counts, "rows": [r.to_dict() for r in self.rows]}

    def to_frame(self) -> pd.DataFrame:
        cols = ["property", "scope", "criterion", "result", "verdict", "artifact"]
        return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in self.rows],
                            columns=cols)


# -- reading artifacts ------------------------------------------------------------------------
class _Artifacts:
    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        man = outdir / "manifest.json"
        if not man.is_file():
            raise InputError(f"{outdir.as_posix()}: no manifest.json; the verdict reads a folder "
                             "written by lospw analyze.")
        self.manifest = json.loads(man.read_text(encoding="utf-8"))
        self.stages = {s["name"]: s for s in self.manifest.get("stages", [])}

    def status(self, stage: str) -> tuple[str, str | None]:
        s = self.stages.get(stage)
        if s is None:
            return "not run", None
        return s["status"], s.get("reason")

    def why_not(self, stage: str) -> str | None:
        """None when the stage is ok, else a one-line reason."""
        status, reason = self.status(stage)
        if status == "ok":
            return None
        return f"{stage} stage {status}" + (f": {reason}" if reason else "")

    def json(self, rel: str) -> Any:
        p = self.outdir / rel
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None

    def result(self, stage: str, rel: str, missing: str) -> tuple[Any, str | None]:
        """The artifact ``rel`` of an ok stage and None; or None and why there is none (the
        stage's :meth:`why_not`, else ``missing``)."""
        why = self.why_not(stage)
        content = self.json(rel)
        if why or content is None:
            return None, why or missing
        return content, None


def _num(x: Any) -> float | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _f(x: float | None, d: int = 3) -> str:
    return "NA" if x is None else f"{x:.{d}f}"


def _count(x: Any) -> str:
    v = _num(x)
    return "NA" if v is None else f"{v:g}"


def _row(prop: str, scope: str, criterion: str, result: str, verdict: str,
         artifact: str | None, **values: Any) -> VerdictRow:
    return VerdictRow(prop, scope, criterion, result, verdict, artifact, values)


# -- the rows ----------------------------------------------------------------------------------
def _index_names(estimator: str, version: str) -> dict[str, list[str]]:
    if estimator == "ML" or version == "standard":
        return {k: [k] for k in ("cfi", "tli", "rmsea", "srmr")}
    pref = ["_robust", "_scaled", ""] if version == "robust" else ["_scaled", ""]
    out = {k: [k + p for p in pref] for k in ("cfi", "tli", "rmsea")}
    out["srmr"] = ["srmr"]
    return out


def judge_fit(fit: dict[str, Any], estimator: str, c: Criteria) -> tuple[str, str, dict]:
    """Structural validity of one model's fit measures: (verdict, result text, values).

    Examples
    --------
    >>> from lospw.analysis.core.criteria import load_criteria
    >>> c = load_criteria(None)
    >>> judge_fit({"cfi": .931, "tli": .896, "rmsea": .092, "srmr": .065}, "ML", c)[0]
    'sufficient'
    >>> judge_fit({"cfi": .90, "tli": .88, "rmsea": .09, "srmr": .09}, "ML", c)[0]
    'insufficient'
    >>> judge_fit({"cfi": .90, "tli": None, "rmsea": .09, "srmr": .09}, "ML", c)[0]
    'indeterminate'
    """
    names = _index_names(estimator, c.sv_indices)
    used: dict[str, str] = {}
    vals: dict[str, float | None] = {}
    for k, cands in names.items():
        used[k] = next((n for n in cands if _num(fit.get(n)) is not None), cands[0])
        vals[k] = _num(fit.get(used[k]))
    rule = {"cfi": (lambda v: v > c.cfi_above), "tli": (lambda v: v > c.tli_above),
            "rmsea": (lambda v: v < c.rmsea_below), "srmr": (lambda v: v < c.srmr_below)}
    met = {k: (None if vals[k] is None else bool(rule[k](vals[k]))) for k in rule}
    if c.sv_require == "any":
        verdict = ("sufficient" if any(met.values()) else
                   "indeterminate" if None in met.values() else "insufficient")
    else:
        verdict = ("insufficient" if False in met.values() else
                   "indeterminate" if None in met.values() else "sufficient")
    result = ", ".join(f"{used[k]} {_f(vals[k])}" + ("" if met[k] is None else
                                                     (" (met)" if met[k] else " (not met)"))
                       for k in rule)
    if estimator != "ML" and c.sv_indices != "standard":
        result += f"; {estimator}: {c.sv_indices} versions where available"
    values = {used[k]: vals[k] for k in rule}
    return verdict, result, values


def _sv_criterion(c: Criteria) -> str:
    join = " or " if c.sv_require == "any" else " and "
    return join.join([f"CFI > {c.cfi_above:g}", f"TLI > {c.tli_above:g}",
                      f"RMSEA < {c.rmsea_below:g}", f"SRMR < {c.srmr_below:g}"])


def _sample_rows(a: _Artifacts, c: Criteria, n_items: int) -> list[VerdictRow]:
    crit = "COSMIN Box 3 (factor analysis): " + "; ".join(r.describe() for r in c.sample_ratings)
    fits = a.json("cfa/fits.json")
    n, art = None, None
    if fits is not None and c.sv_model in fits.get("models", {}):
        n, art = fits["models"][c.sv_model].get("n_obs"), "cfa/fits.json"
    for rel in ("screening/intake.json", "intake/intake.json"):
        if n is None and a.json(rel) is not None:
            n, art = a.json(rel)["n_analysed"], rel
    if n is None:
        return [_row("sample size", "structural validity", crit,
                     "no analysed sample in the artifacts", "indeterminate", None)]
    rating = c.sample_rating(int(n), n_items)
    verdict = "sufficient" if rating in c.sample_sufficient else "insufficient"
    where = "used by the CFA" if art == "cfa/fits.json" else "analysed"
    return [_row("sample size", "structural validity", crit,
                 f"N = {n} {where}, {n_items} items ({n / n_items:.1f} per item): "
                 f"{rating}", verdict, art, n=n, n_items=n_items, rating=rating)]


def _structural_rows(a: _Artifacts, c: Criteria) -> tuple[list[VerdictRow], str]:
    crit = _sv_criterion(c)
    scope = f"{c.sv_model} model"
    fits, why = a.result("cfa", "cfa/fits.json", "no cfa/fits.json")
    if why:
        return [_row("structural validity", scope, crit, why, "indeterminate", None)], \
            "indeterminate"
    m = fits["models"].get(c.sv_model)
    if m is None:
        return [_row("structural validity", scope, crit, f"the {c.sv_model} model was not "
                     "fitted (see cfa/models.json)", "indeterminate", "cfa/models.json")], \
            "indeterminate"
    if not m["converged"]:
        return [_row("structural validity", scope, crit, "the model did not converge",
                     "indeterminate", "cfa/fits.json")], "indeterminate"
    if c.sv_cutoffs == "dynamic":
        rows = [_dynamic_row(a, c, scope)]
        verdict = rows[0].verdict
    else:
        verdict, result, values = judge_fit(m["fit"], fits["estimator"], c)
        rows = [_row("structural validity", scope, crit, result, verdict, "cfa/fits.json",
                     estimator=fits["estimator"], **values)]
    red = a.json("reduction/proposal.json")
    if red is not None and a.why_not("reduction") is None:
        reduced = [r for r in red["comparison"]["fit"] if r["model"] == "reduced"]
        if reduced and reduced[0]["converged"]:
            v2, r2, vals2 = judge_fit(reduced[0], fits["estimator"], c)
            rows.append(_row("structural validity", "reduced model (exploratory)", crit,
                             f"{r2}; without {', '.join(red['dropped'])}", v2,
                             "reduction/proposal.json", **vals2))
    return rows, verdict


def _dynamic_row(a: _Artifacts, c: Criteria, scope: str) -> VerdictRow:
    """Structural validity by McNeish & Wolf's dynamic cutoffs (``dynamic/dynamic.json``)."""
    crit = (f"dynamic cutoffs (McNeish & Wolf, 2023) of level {c.sv_dynamic_level}: "
            + ("SRMR, RMSEA or CFI" if c.sv_require == "any" else "SRMR, RMSEA and CFI")
            + " better than the cutoff")
    dyn, why = a.result("dynamic", "dynamic/dynamic.json", "no dynamic/dynamic.json")
    if why:
        return _row("structural validity", scope, crit, why, "indeterminate", None)
    if dyn.get("model_name") != c.sv_model:
        return _row("structural validity", scope, crit, f"the dynamic cutoffs are of the "
                    f"{dyn.get('model_name')} model, not the {c.sv_model} model",
                    "indeterminate", "dynamic/dynamic.json")
    verdict, result, values = judge_dynamic(dyn, c.sv_dynamic_level, c.sv_require)
    return _row("structural validity", scope, crit, result, verdict, "dynamic/dynamic.json",
                estimator=dyn["estimator"], **values)


def _internal_rows(a: _Artifacts, c: Criteria, sv: str, scales: list[str]) -> list[VerdictRow]:
    crit = f"Cronbach's alpha >= {c.alpha_at_least:g}" + (
        ", given sufficient structural validity" if c.ic_requires_sv else "")
    why = a.why_not("reliability")
    rel = a.json("reliability/reliability.json")
    rows = []
    for s in scales:
        if why or rel is None or s not in rel.get("scales", {}):
            rows.append(_row("internal consistency", s, crit, why or "no reliability result",
                             "indeterminate", None))
            continue
        alpha = _num(rel["scales"][s]["alpha"])
        met = alpha is not None and alpha >= c.alpha_at_least
        text = f"alpha {_f(alpha)} ({rel['missing']}, n = {rel['scales'][s]['n']})"
        if alpha is None:
            verdict = "indeterminate"
        elif c.ic_requires_sv and sv != "sufficient":
            verdict, text = "indeterminate", text + f"; structural validity {sv}"
        else:
            verdict = "sufficient" if met else "insufficient"
        rows.append(_row("internal consistency", s, crit, text, verdict,
                         "reliability/reliability.json", alpha=alpha))
    return rows


def _invariance_rows(a: _Artifacts, c: Criteria) -> list[VerdictRow]:
    crit_rule = {"chen2007": "Chen (2007): dCFI > -.010, or dRMSEA < .015 and dSRMR < .030 "
                             "(metric) / .010 (scalar, strict)",
                 "cheung_rensvold2002": "Cheung & Rensvold (2002): dCFI > -.010",
                 "chisq": "chi-square difference test p >= .05"}[c.invariance_rule]
    if not c.partial_is_sufficient:
        crit_rule += "; partial invariance counts as insufficient"
    why = a.why_not("invariance")
    inv = a.json("invariance/invariance.json")
    tests = (a.json("invariance/item_tests.json") or {}).get("steps", {})
    rows = []
    for step in c.invariance_steps:
        scope = f"{step} across {inv['group'] if inv else 'groups'}"
        if why or inv is None:
            rows.append(_row("measurement invariance", scope, crit_rule,
                             why or "no invariance result", "indeterminate",
                             "invariance/invariance.json" if inv else None))
            continue
        d = next((d for d in inv["decisions"] if d["step"] == step), None)
        if d is None or d.get("verdict") == "not tested":
            rows.append(_row("measurement invariance", scope, crit_rule,
                             d.get("reason", "not tested") if d else "step not reached",
                             "indeterminate", "invariance/invariance.json"))
            continue
        non = d["non_invariant"].get(c.invariance_rule)
        freed = [f["parameter"] for p in inv["partial"] if p["step"] == step
                 for f in p["freed"]]
        text = (f"dCFI {_f(_num(d.get('delta_cfi')))}, dRMSEA {_f(_num(d.get('delta_rmsea')))}, "
                f"dSRMR {_f(_num(d.get('delta_srmr')))} vs {d['versus']}")
        if non is None:
            verdict = "indeterminate"
        elif non:
            verdict = "insufficient"
            text += "; non-invariant" + (f" after freeing {', '.join(freed)}" if freed else "")
        elif freed:
            verdict = "sufficient" if c.partial_is_sufficient else "insufficient"
            text += f"; invariant only after freeing {', '.join(freed)} (partial)"
        else:
            verdict = "sufficient"
            text += "; invariant"
        flagged = [f["parameter"] for f in tests.get(step, {}).get("freed", [])]
        if flagged:
            text += (f"; item-level backward search (Bonferroni, invariance/item_tests.json): "
                     f"{', '.join(flagged)}")
        rows.append(_row("measurement invariance", scope, crit_rule, text, verdict,
                         "invariance/invariance.json", freed=freed, item_tests_flagged=flagged,
                         **{
                             k: _num(d.get(k)) for k in ("delta_cfi", "delta_rmsea",
                                                         "delta_srmr")}))
    return rows


def _discriminant_rows(a: _Artifacts, c: Criteria) -> list[VerdictRow]:
    crit = f"HTMT < {c.htmt_below:g} for every pair of scales (Henseler et al., 2015)"
    val, why = a.result("validity", "validity/validity.json", "no validity result")
    if why:
        return [_row("discriminant validity", "all scales", crit, why, "indeterminate", None)]
    h, scales = val["htmt"], val["scales"]
    pairs = [(x, y, _num(h[x][y])) for i, x in enumerate(scales) for y in scales[i + 1:]]
    if not pairs:
        return [_row("discriminant validity", "all scales", crit, "one scale: no pairs",
                     "indeterminate", "validity/validity.json")]
    high = [(x, y, v) for x, y, v in pairs if v is None or v >= c.htmt_below]
    top = max(pairs, key=lambda p: -1 if p[2] is None else p[2])
    if any(v is None for _, _, v in pairs):
        verdict, text = "indeterminate", "HTMT undefined for a pair"
    elif high:
        verdict = "insufficient"
        text = "HTMT >= threshold: " + ", ".join(f"{x}-{y} {v:.3f}" for x, y, v in high)
    else:
        verdict = "sufficient"
        text = f"highest HTMT {top[0]}-{top[1]} {top[2]:.3f} ({val['htmt_method']})"
    return [_row("discriminant validity", "all scales", crit, text, verdict,
                 "validity/validity.json", max_htmt=top[2])]


def _aggregation_rows(a: _Artifacts, c: Criteria, scales: list[str]) -> list[VerdictRow]:
    crit = f"ICC(1) >= {c.icc1_at_least:g} and ICC(2) >= {c.icc2_at_least:g}"
    agg, why = a.result("aggregation", "aggregation/aggregation.json",
                        "no aggregation result")
    if why:
        return [_row("aggregation", "all scales", crit, why, "indeterminate", None)]
    rows = []
    for r in agg["scales"]:
        i1, i2 = _num(r.get("icc1")), _num(r.get("icc2"))
        if i1 is None or i2 is None:
            verdict = "indeterminate"
        else:
            verdict = ("sufficient" if i1 >= c.icc1_at_least and i2 >= c.icc2_at_least
                       else "insufficient")
        rows.append(_row("aggregation", f"{r['scale']} by {agg['by']}", crit,
                         f"ICC(1) {_f(i1)}, ICC(2) {_f(i2)} ({_count(r.get('n_groups'))} "
                         "groups)",
                         verdict, "aggregation/aggregation.json", icc1=i1, icc2=i2))
    return rows


def verdict_from_dir(outdir: str | Path, criteria: Criteria) -> VerdictResult:
    """The verdict table of a ``lospw analyze`` output folder (see the module docstring).

    Raises
    ------
    InputError
        The folder has no manifest.json or key.yaml.
    """
    a = _Artifacts(Path(outdir))
    key_file = Path(outdir) / "key.yaml"
    if not key_file.is_file():
        raise InputError(f"{Path(outdir).as_posix()}: no key.yaml; the verdict reads a folder "
                         "written by lospw analyze.")
    key = load_key(key_file)
    scales = list(key.scale_names)
    rows = _sample_rows(a, criteria, key.n_items)
    sv_rows, sv = _structural_rows(a, criteria)
    rows += sv_rows
    rows += _internal_rows(a, criteria, sv, scales)
    rows += _invariance_rows(a, criteria)
    rows += _discriminant_rows(a, criteria)
    rows += _aggregation_rows(a, criteria, scales)
    return VerdictResult(tuple(rows), key.instrument, bool(a.manifest.get("synthetic")),
                         criteria.name, criteria.sha256())


def write_verdict(res: VerdictResult, criteria: Criteria, folder: str | Path) -> None:
    """``verdict.json``, ``verdict.csv`` and the criteria used (``criteria.yaml``)."""
    folder = Path(folder)
    write_json(res.to_dict(), folder / "verdict.json")
    write_csv(res.to_frame(), folder / "verdict.csv")
    text = yaml.safe_dump(criteria.to_dict(), sort_keys=False, allow_unicode=True, width=100)
    write_text("# The criteria this verdict used (lospw-criteria/1).\n" + text,
               folder / "criteria.yaml")
