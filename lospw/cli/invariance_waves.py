"""``lospw invariance --wave``: measurement invariance across waves and latent change.

Long data (one row per person and wave: ``--wave COL --id COL``) are read through the key's
intake (missing codes, reverse keying) and reshaped wide; wide data (one row per person,
item columns suffixed per wave) are named by ``--wave-suffix 1=_t1,2=_t2``.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
from rich.markup import escape
from rich.table import Table

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key
from lospw.analysis.intake.readers import read_table
from lospw.analysis.intake.reading import read_input, treatment
from lospw.analysis.validation.longitudinal import long_to_wide, longitudinal_invariance
from lospw.cli.common import console, echo_json
from lospw.cli.common import number as _f
from lospw.cli.options import Inputs

__all__ = ["decisions_table", "fit_columns", "parse_suffixes", "run_waves"]

#: The CFI and RMSEA an estimator's invariance steps are judged by (robust / scaled).
FIT_COLUMNS = {"ML": ("cfi", "rmsea"), "MLR": ("cfi_robust", "rmsea_robust"),
               "WLSMV": ("cfi_scaled", "rmsea_scaled")}


def fit_columns(estimator: str) -> tuple[str, str]:
    """The names of the CFI and RMSEA shown for ``estimator`` (:data:`FIT_COLUMNS`)."""
    return FIT_COLUMNS[estimator]


def decisions_table(decisions: list[dict], criterion: str) -> Table:
    """The table of the decisions between invariance steps (groups or waves)."""
    dec = Table("step", "vs", "Δchisq", "Δdf", "p", "ΔCFI", "ΔRMSEA", "ΔSRMR", "verdict",
                title=f"Decisions ({criterion})")
    for d in decisions:
        dec.add_row(d["step"], d["versus"], _f(d.get("chisq_diff")), _f(d.get("df_diff"), 0),
                    _f(d.get("pvalue")), _f(d.get("delta_cfi")), _f(d.get("delta_rmsea")),
                    _f(d.get("delta_srmr")), d["verdict"])
    return dec


def parse_suffixes(text: str) -> tuple[list[str], list[str]]:
    """``"1=_1,2=_2"`` -> (waves, suffixes).

    >>> parse_suffixes("1=_t1, 2=_t2")
    (['1', '2'], ['_t1', '_t2'])
    """
    waves, sfx = [], []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        if "=" not in part:
            raise InputError(f"--wave-suffix {text!r}: write WAVE=SUFFIX pairs separated by "
                             "commas, e.g. '1=_1,2=_2'.")
        w, s = (x.strip() for x in part.split("=", 1))
        if not w or not s:
            raise InputError(f"--wave-suffix: empty wave or suffix in {part!r}.")
        waves.append(w)
        sfx.append(s)
    if len(waves) < 2:
        raise InputError("--wave-suffix needs at least two waves, e.g. '1=_1,2=_2'.")
    return waves, sfx


def _wide_keyed(path: str, key: Key, suffixes: list[str]) -> pd.DataFrame:
    """Wide data: the key's missing codes blanked and reverse-keyed items reversed, per wave."""
    table = read_table(path)
    if table.malformed:
        row, why = next(iter(sorted(table.malformed.items())))
        raise InputError(f"{path}: data row {row}: {why}. Fix the row.")
    frame = pd.DataFrame(list(table.rows), columns=list(table.columns), dtype=object)
    if table.decimal == ",":
        frame = frame.map(lambda v: v.strip().replace(",", ".") if isinstance(v, str) else v)
    out = pd.DataFrame(index=frame.index)
    absent = [f"{it}{s}" for s in suffixes for it in key.items if f"{it}{s}" not in frame]
    if absent:
        raise InputError(f"{path}: {len(absent)} item-by-wave column(s) are missing: "
                         f"{', '.join(absent[:8])}. Check --wave-suffix against the columns.")
    for s in suffixes:
        part = frame[[f"{it}{s}" for it in key.items]].apply(pd.to_numeric, errors="coerce")
        part.columns = list(key.items)
        if key.missing_codes:
            part = part.mask(part.isin(list(key.missing_codes)))
        part = key.reverse_score(part)
        part.columns = [f"{it}{s}" for it in key.items]
        out = pd.concat([out, part], axis=1)
    return out


def run_waves(data: str, key: Key, wave: str | None, wave_suffix: str | None,
              estimator: str | None, inputs: Inputs, criterion: str, max_free: int,
              search: bool, as_json: bool) -> None:
    """Invariance across waves from the command line (long or wide data)."""
    estimator = estimator or "MLR"
    missing = treatment(inputs.missing_data, "cfa", estimator)
    if estimator == "WLSMV" and missing == "pairwise":
        missing = "listwise"          # the longitudinal WLSMV steps are fitted listwise
    id_column = inputs.read.id_column
    excluded = 0
    if wave_suffix is not None:
        waves, suffixes = parse_suffixes(wave_suffix)
        wide = _wide_keyed(data, key, suffixes)
    else:
        if id_column is None:
            raise InputError("Long data need --id (the person column) beside --wave; for wide "
                             "data give --wave-suffix instead.")
        intake = read_input(data, key, dataclasses.replace(inputs.read, id_within=wave))
        for col, flag in ((wave, "--wave"), (id_column, "--id")):
            if col not in intake.meta.columns:
                raise InputError(f"{data}: no {flag} column {col!r}; the non-item columns are "
                                 f"{', '.join(map(str, intake.meta.columns)) or 'none'}.")
        frame = pd.concat([key.reverse_score(intake.items), intake.meta[[wave, id_column]]],
                          axis=1)
        wide, waves, suffixes, ex = long_to_wide(frame, list(key.items), wave, id_column)
        excluded = len(ex) + intake.n_excluded
    res = longitudinal_invariance(wide, key, suffixes, waves=waves, estimator=estimator,
                                  missing=missing, criterion=criterion, search=search,
                                  max_free=max_free)
    if as_json:
        out = res.to_dict()
        out["rows_excluded"] = excluded
        echo_json(out)
        return
    console.print(f"[bold]Longitudinal invariance[/bold] of {key.instrument} across waves "
                  f"{', '.join(res.waves)}: N = {res.n_obs} persons, estimator {estimator}, "
                  f"missing = {missing}, criterion {criterion}")
    cfi, rmsea = fit_columns(estimator)
    table = Table("model", "chisq", "df", cfi, rmsea, "srmr", "freed", title="Steps")
    for s in res.steps:
        f = s["fit"]
        table.add_row(s["step"] + ("" if s["converged"] else " (not converged)"),
                      _f(f.get("chisq")), _f(f.get("df"), 0), _f(f.get(cfi)),
                      _f(f.get(rmsea)), _f(f.get("srmr")), ", ".join(s["partial"]))
    console.print(table)
    console.print(decisions_table(res.decisions, criterion))
    console.print(f"highest level: [bold]{res.highest_level or 'none'}[/bold]")
    if res.latent_change is None:
        console.print(f"latent change: {escape(res.latent_change_note)}")
    else:
        lc = Table("scale", "wave", "vs", "quantity", "est", "se", "95% CI", "p",
                   title=f"Latent change ({res.latent_change_note})")
        for r in res.latent_change.itertuples():
            lc.add_row(r.scale, r.wave, r.versus, r.quantity, _f(r.est), _f(r.se),
                       f"[{_f(r.ci_lower)}, {_f(r.ci_upper)}]", _f(r.pvalue))
        console.print(lc)
    for w in res.warnings:
        console.print(f"[yellow]warning[/yellow]: {escape(str(w))}")
