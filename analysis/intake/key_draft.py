"""A first draft of a key from a data file (``lospw key init DATA``).

What the data can tell, written as a commented YAML key for the researcher to check:

* **items**: numeric columns of whole numbers on a short range (at most
  :data:`MAX_CATEGORIES` values) whose name ends in a number (``BET1``, ``q_12``) or is a
  LimeSurvey array column ``Q1[SQ001]``;
* **scales**: items grouped by their common prefix (``BET1..BET5`` -> ``BET``;
  ``Q1[SQ001]`` -> ``Q1``, the item then named ``Q1_SQ001``, which the intake matches to
  that column by itself); a prefix with a single item is not a scale (listed in a comment);
* **response scale**: the observed range of the items' answers, without the missing codes;
* **missing codes**: SPSS user-missing values; in other files a value far above (or below)
  the other answers and rare (at most :data:`MAX_CODE_SHARE` of the answers, e.g. ``9`` =
  don't know beside 1-5), marked for confirmation;
* **reverse-keyed candidates**: an item whose corrected item-total correlation in its scale
  is negative is written with a minus sign and a comment to confirm (the correlation is
  computed on the rows that answered both, as ``psych::alpha`` does with missing data);
* **everything else** -- ids, dates, metadata, personal data, group-like columns, free text
  -- is left out and listed in comments with the reason.

The draft is a starting point, never a finished key: ``lospw key check`` reads it back.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.errors import InputError
from lospw.analysis.intake.personal import personal_columns
from lospw.analysis.intake.readers import RawTable, read_table
from lospw.analysis.intake.responses import ID_CANDIDATES

__all__ = ["MAX_CATEGORIES", "MAX_CODE_SHARE", "KeyDraft", "draft_key"]

#: Item columns have at most this many distinct answers (0-10 is the widest usual scale).
MAX_CATEGORIES = 11
#: A rare outlying value is a missing-code candidate when it is at most this share of answers.
MAX_CODE_SHARE = 0.10

_ITEM = re.compile(r"^(?P<prefix>.*?[A-Za-z].*?)[_.]?(?P<num>\d+)$")
_LIMESURVEY = re.compile(r"^(?P<q>[A-Za-z][A-Za-z0-9_]*)\[(?P<sq>[A-Za-z0-9_]+)\]$")
_META = frozenset({"submitdate", "startdate", "datestamp", "lastpage", "startlanguage", "seed",
                   "refurl", "interviewtime", "duration", "duur", "time", "date", "timestamp",
                   "ipaddr", "token", "status", "progress", "finished", "recordeddate",
                   "enddate", "responseid", "respondent", "row"})
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})


@dataclass(frozen=True)
class KeyDraft:
    """The draft: its YAML text (with comments) and what was found."""

    text: str
    scales: dict[str, list[str]]
    reverse: dict[str, float]
    left_out: dict[str, str]
    missing_codes: tuple[float, ...]
    response_range: tuple[float, float]


def _q(name: str) -> str:
    """A YAML scalar: plain when safe, else double-quoted."""
    if re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", name) and name.lower() not in _YAML_WORDS:
        return name
    return json.dumps(name, ensure_ascii=False)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _numbers(cells: list[Any], decimal: str) -> pd.Series:
    def conv(v: Any) -> float:
        if v is None:
            return math.nan
        if isinstance(v, bool):
            return math.nan
        if isinstance(v, (int, float, np.integer, np.floating)):
            return float(v)
        text = str(v).strip()
        if not text:
            return math.nan
        if decimal == ",":
            text = text.replace(",", ".")
        try:
            return float(text)
        except ValueError:
            return math.inf  # text: not a number
    return pd.Series([conv(v) for v in cells], dtype=float)


def _item_name(col: str) -> tuple[str, str] | None:
    """(scale prefix, item name) of an item-like column name, else None."""
    m = _LIMESURVEY.match(col)
    if m:
        return m["q"], f"{m['q']}_{m['sq']}"
    m = _ITEM.match(col)
    if m and m["prefix"].strip("_.") and col.lower() not in _META:
        return m["prefix"].rstrip("_."), col
    return None


def _corrected_item_total(frame: pd.DataFrame) -> dict[str, float]:
    """Corrected item-total r of each column with the mean of the others (pairwise rows)."""
    out = {}
    for c in frame.columns:
        rest = frame.drop(columns=[c]).mean(axis=1, skipna=True)
        both = frame[c].notna() & rest.notna()
        if both.sum() < 3 or frame.loc[both, c].std() == 0 or rest[both].std() == 0:
            out[c] = math.nan
            continue
        out[c] = float(np.corrcoef(frame.loc[both, c], rest[both])[0, 1])
    return out


def _missing_candidates(values: np.ndarray) -> tuple[list[float], float, float]:
    """Rare values far outside the others' range: (codes, min, max) of the rest."""
    vals, counts = np.unique(values, return_counts=True)
    codes: list[float] = []
    total = counts.sum()
    changed = True
    while changed and len(vals) > 2:
        changed = False
        for end in (-1, 0):
            v, c = vals[end], counts[end]
            neighbour = vals[end - 1] if end == -1 else vals[1]
            gap = abs(v - neighbour)
            if c / total <= MAX_CODE_SHARE and gap >= 2 and (
                    v in (9, 99, 999, 8, 98, 998) or v < 0 or gap >= 3):
                codes.append(float(v))
                keep = np.arange(len(vals)) != (len(vals) - 1 if end == -1 else 0)
                vals, counts = vals[keep], counts[keep]
                changed = True
                break
    return sorted(codes), float(vals.min()), float(vals.max())


def draft_key(path: str | Path, *, sheet: str | None = None, header_row: int | None = None,
              table: RawTable | None = None) -> KeyDraft:
    """Draft a key from the data file at ``path`` (see the module docstring).

    Returns
    -------
    KeyDraft
        ``text`` is the commented YAML.

    Raises
    ------
    InputError
        The file cannot be read, or no column looks like an item (the message says what an
        item column looks like).
    """
    t = table if table is not None else read_table(path, sheet=sheet, header_row=header_row)
    src = Path(str(path)).name
    left: dict[str, str] = {}
    candidates: dict[str, tuple[str, str]] = {}   # column -> (scale, item name)
    numeric: dict[str, pd.Series] = {}
    ids = {c.lower() for c in ID_CANDIDATES}
    frame = pd.DataFrame({c: pd.Series(t.column(c), dtype=object) for c in t.columns})
    personal = personal_columns(frame)
    for c in t.columns:
        low = c.lower()
        if low in ids:
            left[c] = "respondent id"
            continue
        if low in _META or re.search(r"date|time|stamp|duration|duur", low):
            left[c] = "date, time or survey metadata"
            continue
        if c in personal:
            left[c] = "personal data"
            continue
        x = _numbers(t.column(c), t.decimal)
        given = x.notna()
        if not given.any():
            left[c] = "empty"
            continue
        if np.isinf(x[given]).mean() > 0.5:
            text = pd.Series(t.column(c), dtype=object).dropna().astype(str).str.strip()
            text = text[text != ""]
            n_levels = text.nunique()
            if text.str.match(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").mean() > 0.5:
                left[c] = "dates"
            elif n_levels <= 20 and n_levels * 3 <= len(text):
                left[c] = "group-like (few text values: use it with --group or --cluster)"
            else:
                left[c] = "free text"
            continue
        x = x.where(~np.isinf(x))
        vals = x.dropna()
        named = _item_name(c)
        whole = bool(np.all(vals == np.round(vals)))
        if named is None:
            left[c] = ("group-like (few values: use it with --group or --cluster)"
                       if whole and vals.nunique() <= 20 else "number, not named like an item")
            continue
        user_missing = [v for lo, hi in t.user_missing.get(c, []) for v in (lo, hi)]
        kept = vals[~vals.isin(user_missing)] if user_missing else vals
        if not whole or kept.nunique() > MAX_CATEGORIES + 2:
            left[c] = "named like an item, but not whole numbers on a short scale"
            continue
        candidates[c] = named
        numeric[c] = x
    groups: dict[str, list[str]] = {}
    for c, (scale, _) in candidates.items():
        groups.setdefault(scale, []).append(c)
    for scale, cols in list(groups.items()):
        if len(cols) < 2:
            for c in cols:
                left[c] = f"a single column with prefix {scale!r} (a scale needs 2 or more)"
            del groups[scale]
    if not groups:
        raise InputError(f"{src}: no columns look like items (whole numbers on a short scale, "
                         "named with a common prefix and a number, e.g. BET1..BET5, or "
                         "LimeSurvey Q1[SQ001]). Write the key by hand (see the README).")
    item_cols = [c for cols in groups.values() for c in cols]
    spss_codes = sorted({float(v) for c in item_cols for lo, hi in t.user_missing.get(c, [])
                         for v in (lo, hi) if float(lo) == float(hi)})
    ranges = [(lo, hi) for c in item_cols for lo, hi in t.user_missing.get(c, [])]
    allv = pd.concat([numeric[c] for c in item_cols]).dropna().to_numpy(float)
    is_code = np.zeros(len(allv), dtype=bool)
    for lo, hi in ranges:
        is_code |= (allv >= lo) & (allv <= hi)
    guessed: list[float] = []
    if spss_codes or ranges:
        codes = spss_codes
        rest = allv[~is_code]
        lo, hi = float(rest.min()), float(rest.max())
    else:
        guessed, lo, hi = _missing_candidates(allv)
        codes = guessed
    clean = {c: numeric[c].where(~numeric[c].isin(codes)) for c in item_cols}
    if ranges:
        for c in item_cols:
            for a, b in t.user_missing.get(c, []):
                clean[c] = clean[c].where(~clean[c].between(a, b))
    reverse: dict[str, float] = {}
    item_name = {c: candidates[c][1] for c in item_cols}
    for _scale, cols in groups.items():
        r = _corrected_item_total(pd.DataFrame({c: clean[c] for c in cols}))
        for c, v in r.items():
            if v == v and v < 0:
                reverse[c] = v
    lines = [
        f"# Draft key written by `lospw key init` from {src} ({t.n_rows} rows, "
        f"{len(t.columns)} columns).",
        "# A DRAFT: check every line (scales, reverse-keyed items, response scale, missing",
        "# codes), name the instrument, then run `lospw key check` on this file.",
        f"instrument: {_q(re.sub(r'[^A-Za-z0-9_.-]', '_', Path(src).stem) or 'instrument')}"
        "   # rename",
        "# title: Full title of the instrument        (optional, for reports)",
        "# authors: [A. Author]                       (optional)",
        f"response_scale: {{min: {_num(lo)}, max: {_num(hi)}}}   # the observed range of "
        "the answers",
    ]
    if codes:
        why = ("SPSS user-missing values" if spss_codes else
               "CONFIRM: rare values apart from the other answers (e.g. 'don't know')")
        lines.append(f"missing_codes: [{', '.join(_num(c) for c in codes)}]   # {why}")
    elif ranges:
        lines.append(f"# SPSS user-missing ranges {ranges} are read as missing by the intake")
    lines.append("scales:")
    renamed = {c: n for c, n in item_name.items() if c != n}
    for scale, cols in groups.items():
        lines.append(f"  {_q(scale)}:")
        for c in cols:
            name = item_name[c]
            entry = _q(("-" if c in reverse else "") + name)
            note = ""
            if c in reverse:
                note = (f"   # reverse-keyed? corrected item-total r = {reverse[c]:.2f}: "
                        "CONFIRM (remove the minus if not)")
            elif c in renamed:
                note = f"   # column {c}"
            lines.append(f"    - {entry}{note}")
    if renamed:
        lines.append("# LimeSurvey columns Q[SQ] are named Q_SQ here (a model needs plain names);")
        lines.append("# the intake reads column Q1[SQ001] as item Q1_SQ001 by itself.")
    if left:
        lines.append("# Columns left out (not items):")
        for c, why in left.items():
            lines.append(f"#   {c}: {why}")
    text = "\n".join(lines) + "\n"
    return KeyDraft(text=text, scales={s: [item_name[c] for c in cols]
                                       for s, cols in groups.items()},
                    reverse={item_name[c]: v for c, v in reverse.items()}, left_out=left,
                    missing_codes=tuple(codes), response_range=(lo, hi))
