"""Writing the intake's artifacts, with respondent ids pseudonymised.

:func:`write_intake` saves, in one folder:

``responses.csv``
    the analysed data: ``respondent`` (pseudonym), ``row`` (data row in the raw file), the
    other columns (without the raw id and known personal fields) and the key's items;
``exclusions.csv``
    every input row not analysed: ``row, respondent, reason, detail``;
``cell_log.csv``
    every cell the intake set to missing or that excluded its row;
``screening.csv``
    careless-responding indices and flags per screened respondent (when screened);
``missing_codes.csv``
    per item, overall and per group, how many respondents asked the item gave each of the
    key's missing codes, with its meaning and rate (:mod:`lospw.analysis.intake.missing_codes`;
    when the key has missing codes);
``intake.json``
    the summary: how the file was read, counts that reconcile (``n_read = n_analysed +
    n_excluded``), exclusions by reason, notes, options, the screening summary, and how ids
    were pseudonymised. Written last, so its presence means the set is complete.

**Pseudonymisation.** Respondent ids never reach these files. Each respondent gets a
sequential code (``R0001``, ``R0002``, ... numbered by the first data row on which the raw id
appears; rows sharing an id share the code; see :func:`lospw.analysis.intake.responses.pseudonyms`). The
codes carry no information about the ids; no salt or secret is involved, so reruns give the
same codes. The link back is the ``row`` number, which only the holder of the raw file can
follow. Columns that hold personal data or survey-tool metadata - by their name or their
content, see :mod:`lospw.analysis.intake.personal` -, every column named like a respondent id, and any
column named by the caller are left out of ``responses.csv`` and listed in the summary
(``columns_left_out``, with the reason; never with a cell). The ``--group`` and ``--cluster``
columns are kept. An input column called ``row`` or ``respondent`` (lospw's own columns) is
written as ``row.2`` / ``respondent.2``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from lospw.analysis.core.artifacts import sha256_file, write_csv, write_json
from lospw.analysis.core.key import Key
from lospw.analysis.intake.missing_codes import missing_code_summary, missing_code_table
from lospw.analysis.intake.personal import normalise_name, personal_columns
from lospw.analysis.intake.responses import (
    ID_CANDIDATES,
    IntakeResult,
    detect_id_column,
    pseudonyms,
)
from lospw.analysis.intake.screening import ScreeningResult

__all__ = ["OWN_COLUMNS", "PSEUDONYM_METHOD", "intake_summary", "left_out", "write_intake"]

#: The columns lospw adds to ``responses.csv``; input columns of these names are renamed.
OWN_COLUMNS = ("respondent", "row")
PSEUDONYM_METHOD = ("sequential codes R0001, R0002, ... by the first data row on which each "
                    "raw id appears (rows sharing an id share a code); no hash, no secret; the "
                    "raw ids are not written")


def _source_name(path: str) -> str:
    """The file name only: artifacts never depend on how the path was typed."""
    return Path(path).name


def left_out(result: IntakeResult, key: Key, *, keep: tuple[str | None, ...] = (),
             drop: tuple[str, ...] = ()) -> dict[str, str]:
    """The non-item columns left out of the written data, each with its reason.

    Parameters
    ----------
    result : IntakeResult
    key : Key
    keep : tuple of str
        Columns kept on purpose (``--group``, ``--cluster``).
    drop : tuple of str
        More columns to leave out (``--drop``).

    Returns
    -------
    dict
        Column -> ``"respondent id"``, ``"name"`` (a personal or metadata column by its
        name), ``"asked"`` (``drop``) or what its content looks like (``"e-mail
        addresses"`` ...).
    """
    kept = {c for c in keep if c}
    # without --id, a column named like a respondent id (id, respondent, ...) is still an
    # id: it is left out too, so no raw id reaches the artifacts
    id_like = result.id_column or detect_id_column(list(result.meta.columns), key.items)
    ids = {normalise_name(c) for c in ID_CANDIDATES}
    out = {c: "respondent id" for c in result.meta.columns
           if c not in kept and (c == id_like or normalise_name(c) in ids)}
    rest = result.meta[[c for c in result.meta.columns if c not in out]]
    out.update(personal_columns(rest, keep=kept, also=drop))
    return out


def intake_summary(result: IntakeResult, key: Key, screening: ScreeningResult | None = None,
                   *, dropped: dict[str, str] | None = None,
                   renamed: dict[str, str] | None = None,
                   source_sha256: str | None = None,
                   screening_mode: str | None = None,
                   group: str | None = None) -> dict[str, Any]:
    """The summary written to ``intake.json`` (and printed by ``lospw intake --json``)."""
    d = result.to_dict()
    if key.missing_codes or key.design_column is not None:
        d["missing_answers"] = missing_code_summary(
            missing_code_table(result, key, group), result, key, group)
    d["source"] = _source_name(result.source)
    if source_sha256:
        d["source_sha256"] = source_sha256
    d["key"] = {"instrument": key.instrument, "n_items": key.n_items,
                "sha256": key.sha256()}
    d["reconciles"] = d["n_read"] == d["n_analysed"] + d["n_excluded"]
    d["pseudonymisation"] = {"method": PSEUDONYM_METHOD, "column": "respondent",
                             "id_column": result.id_column}
    d["columns_left_out"] = [{"column": c, "reason": r}
                             for c, r in sorted((dropped or {}).items())]
    d["columns_renamed"] = dict(sorted((renamed or {}).items()))
    d["screening"] = None if screening is None else screening.to_dict()
    d["screening_mode"] = screening_mode if screening is not None else "off"
    d["value_labels"] = {c: {str(k): v for k, v in labels.items()}
                         for c, labels in result.value_labels.items()}
    d["variable_labels"] = dict(result.variable_labels)
    return d


def write_intake(result: IntakeResult, key: Key, outdir: str | Path,
                 screening: ScreeningResult | None = None, *,
                 drop: tuple[str, ...] = (), keep: tuple[str | None, ...] = (),
                 screening_mode: str | None = None,
                 group: str | None = None) -> dict[str, Any]:
    """Write the intake artifacts to ``outdir``; return the summary (with the file list).

    Parameters
    ----------
    result : IntakeResult
        After screening exclusions, if any.
    key : Key
    outdir : str or Path
    screening : ScreeningResult, optional
    drop : tuple of str
        More columns to leave out of ``responses.csv`` (besides the ids and the personal
        columns of :func:`left_out`).
    keep : tuple of str
        Columns kept although they look personal (``--group``, ``--cluster``).
    screening_mode : str, optional
        ``"flag"`` or ``"exclude"``, recorded in the summary.
    group : str, optional
        The group column for ``missing_codes.csv`` when the key's design names none.
    """
    out = Path(outdir)
    codes = pseudonyms(result)
    keep = (*keep, key.design_column)  # the routing column is kept, like --group
    dropped = left_out(result, key, keep=keep, drop=drop)
    meta = result.meta.drop(columns=list(dropped))
    renamed = {}
    taken = {*meta.columns, *result.items.columns, *OWN_COLUMNS}
    for own in OWN_COLUMNS:
        if own in meta.columns:
            new = f"{own}.2"
            while new in taken:
                new += "_"
            renamed[new] = own
            taken.add(new)
    meta = meta.rename(columns={v: k for k, v in renamed.items()})
    data = pd.concat([meta, result.items], axis=1)
    data.insert(0, "row", data.index.astype(int))
    data.insert(0, "respondent", codes.reindex(result.items.index).to_numpy())
    files = {"responses": "responses.csv", "exclusions": "exclusions.csv",
             "cell_log": "cell_log.csv"}
    write_csv(data, out / files["responses"])
    ex = result.exclusions.copy()
    ex.insert(1, "respondent", codes.reindex(ex["row"].astype(int)).to_numpy())
    write_csv(ex.drop(columns=["id"]), out / files["exclusions"])
    cl = result.cell_log.copy()
    cl.insert(1, "respondent", codes.reindex(cl["row"].astype(int)).to_numpy())
    write_csv(cl.drop(columns=["id"]), out / files["cell_log"])
    design_col = key.design_column if key.design_column in meta.columns else None
    if key.missing_codes:
        files["missing_codes"] = "missing_codes.csv"
        write_csv(missing_code_table(result, key, design_col or (
            group if group in meta.columns else None)), out / files["missing_codes"])
    if screening is not None:
        sc = screening.to_frame()
        sc.insert(0, "row", sc.index.astype(int))
        sc.insert(0, "respondent", codes.reindex(sc.index.astype(int)).to_numpy())
        files["screening"] = "screening.csv"
        write_csv(sc, out / files["screening"])
    source = Path(result.source)
    sha = sha256_file(source) if source.is_file() else None
    summary = intake_summary(result, key, screening, dropped=dropped, renamed=renamed,
                             source_sha256=sha, screening_mode=screening_mode,
                             group=group if group in meta.columns else None)
    summary["files"] = dict(sorted(files.items())) | {"summary": "intake.json"}
    write_json(summary, out / "intake.json")
    return summary
