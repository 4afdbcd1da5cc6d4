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
``intake.json``
    the summary: how the file was read, counts that reconcile (``n_read = n_analysed +
    n_excluded``), exclusions by reason, notes, options, the screening summary, and how ids
    were pseudonymised. Written last, so its presence means the set is complete.

**Pseudonymisation.** Respondent ids never reach these files. Each respondent gets a
sequential code (``R0001``, ``R0002``, ... numbered by the first data row on which the raw id
appears; rows sharing an id share the code; see :func:`analysis.intake.pseudonyms`). The
codes carry no information about the ids; no salt or secret is involved, so reruns give the
same codes. The link back is the ``row`` number, which only the holder of the raw file can
follow. Columns that commonly hold personal data in survey exports (:data:`PERSONAL_COLUMNS`,
plus any named by the caller) are left out of ``responses.csv`` and listed in the summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from analysis.artifacts import sha256_file, write_csv, write_json
from analysis.intake import IntakeResult, pseudonyms
from analysis.key import Key
from analysis.score_table import detect_id_column
from analysis.screening import ScreeningResult

__all__ = ["PERSONAL_COLUMNS", "PSEUDONYM_METHOD", "intake_summary", "write_intake"]

# Column names (case-insensitive) that survey tools use for personal data (LimeSurvey:
# ipaddr, token, email, firstname, lastname, refurl; and common Dutch / English spellings).
PERSONAL_COLUMNS = ("ipaddr", "ip", "token", "email", "e-mail", "firstname", "lastname",
                    "name", "naam", "voornaam", "achternaam", "refurl", "telefoon", "phone")
PSEUDONYM_METHOD = ("sequential codes R0001, R0002, ... by the first data row on which each "
                    "raw id appears (rows sharing an id share a code); no hash, no secret; the "
                    "raw ids are not written")


def _source_name(path: str) -> str:
    """The file name only: artifacts never depend on how the path was typed."""
    return Path(path).name


def intake_summary(result: IntakeResult, key: Key, screening: ScreeningResult | None = None,
                   *, dropped: list[str] | None = None,
                   source_sha256: str | None = None,
                   screening_mode: str | None = None) -> dict[str, Any]:
    """The summary written to ``intake.json`` (and printed by ``lospw intake --json``)."""
    d = result.to_dict()
    d["source"] = _source_name(result.source)
    if source_sha256:
        d["source_sha256"] = source_sha256
    d["key"] = {"instrument": key.instrument, "n_items": key.n_items,
                "sha256": key.sha256()}
    d["reconciles"] = d["n_read"] == d["n_analysed"] + d["n_excluded"]
    d["pseudonymisation"] = {"method": PSEUDONYM_METHOD, "column": "respondent",
                             "id_column": result.id_column}
    d["columns_left_out"] = sorted(dropped or [])
    d["screening"] = None if screening is None else screening.to_dict()
    d["screening_mode"] = screening_mode if screening is not None else "off"
    d["value_labels"] = {c: {str(k): v for k, v in labels.items()}
                         for c, labels in result.value_labels.items()}
    d["variable_labels"] = dict(result.variable_labels)
    return d


def write_intake(result: IntakeResult, key: Key, outdir: str | Path,
                 screening: ScreeningResult | None = None, *,
                 drop: tuple[str, ...] = (),
                 screening_mode: str | None = None) -> dict[str, Any]:
    """Write the intake artifacts to ``outdir``; return the summary (with the file list).

    Parameters
    ----------
    result : IntakeResult
        After screening exclusions, if any.
    key : Key
    outdir : str or Path
    screening : ScreeningResult, optional
    drop : tuple of str
        More columns to leave out of ``responses.csv`` (besides the id and
        :data:`PERSONAL_COLUMNS`).
    screening_mode : str, optional
        ``"flag"`` or ``"exclude"``, recorded in the summary.
    """
    out = Path(outdir)
    codes = pseudonyms(result)
    personal = {c.casefold() for c in (*PERSONAL_COLUMNS, *drop)}
    # without --id, a column named like a respondent id (id, respondent, ...) is still an
    # id: it is left out too, so no raw id reaches the artifacts
    id_like = result.id_column or detect_id_column(list(result.meta.columns), key.items)
    dropped = [c for c in result.meta.columns
               if c == id_like or c.casefold() in personal]
    meta = result.meta.drop(columns=dropped)
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
    if screening is not None:
        sc = screening.to_frame()
        sc.insert(0, "row", sc.index.astype(int))
        sc.insert(0, "respondent", codes.reindex(sc.index.astype(int)).to_numpy())
        files["screening"] = "screening.csv"
        write_csv(sc, out / files["screening"])
    source = Path(result.source)
    sha = sha256_file(source) if source.is_file() else None
    summary = intake_summary(result, key, screening, dropped=dropped, source_sha256=sha,
                             screening_mode=screening_mode)
    summary["files"] = dict(sorted(files.items())) | {"summary": "intake.json"}
    write_json(summary, out / "intake.json")
    return summary
