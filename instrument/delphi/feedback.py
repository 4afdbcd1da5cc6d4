"""Feedback for the next Delphi round: one sheet per panelist.

Each panelist who took part in a round gets a sheet with, for every item of that round,
their own rating beside the panel's median and interquartile range, the % agreement, the
decision and what happens next, plus the panel's anonymised comments: the controlled
feedback the Delphi method prescribes (Hasson, Keeney & McKenna 2000). Sheets are named by
pseudonym (``P01.html``); only ``pseudonyms.csv`` links pseudonyms to panelist ids, so keep
that file apart from the sheets.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from lospw.analysis.core.artifacts import write_csv, write_text
from lospw.instrument.delphi.audit import anonymise_comment, name_patterns
from lospw.instrument.delphi.decide import DelphiResult

__all__ = ["feedback_frame", "feedback_html", "write_feedback"]

_NEXT = {
    "keep": "kept: the panel judged it relevant",
    "drop": "dropped: too few of the panel judged it relevant",
    "revise": "to be revised: please rate the new wording in the next round",
}
_LAST = "to be revised: the panel stops after this round, so it stays 'revised'"


def feedback_frame(result: DelphiResult, round_no: int) -> pd.DataFrame:
    """All panelists' feedback rows for one round (long form, pseudonyms, no ids).

    Columns: ``panelist`` (pseudonym), ``item``, ``own_rating`` (NaN when the panelist did
    not rate it), ``median``, ``q1``, ``q3``, ``iqr``, ``agreement``, ``n``, ``decision``,
    ``next``.
    """
    f = result.ratings.frame
    f = f[f["round"] == round_no]
    codes = result.ratings.pseudonyms()
    stats = result.items[result.items["round"] == round_no]
    verdict = result.rounds.set_index("round").loc[round_no, "verdict"]
    own = f.set_index(["panelist", "item"])["relevance"]
    rows = []
    for panelist in sorted(f["panelist"].unique(), key=lambda p: codes[p]):
        for s in stats.to_dict(orient="records"):
            rating = own.get((panelist, s["item"]), math.nan)
            rows.append({"panelist": codes[panelist], "item": s["item"],
                         "own_rating": rating, "median": s["median"], "q1": s["q1"],
                         "q3": s["q3"], "iqr": s["iqr"], "agreement": s["agreement"],
                         "n": s["n"], "decision": s["decision"],
                         "next": _LAST if (verdict == "stop" and s["decision"] == "revise")
                         else _NEXT[s["decision"]]})
    return pd.DataFrame(rows)


def _num(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{float(x):.2f}".rstrip("0").rstrip(".")


def feedback_html(rows: pd.DataFrame, code: str, round_no: int, verdict: str,
                  texts: Mapping[str, str] | None = None,
                  comments: Mapping[str, list[str]] | None = None,
                  label: str | None = None, scale: tuple[int, int] = (1, 4)) -> str:
    """One panelist's feedback sheet as a self-contained HTML page (all text escaped).

    Examples
    --------
    >>> rows = pd.DataFrame([{"item": "A", "own_rating": 4.0, "median": 3.5, "q1": 3.0,
    ...     "q3": 4.0, "iqr": 1.0, "agreement": 0.9, "n": 10, "decision": "keep",
    ...     "next": "kept"}])
    >>> "<td>4</td><td>3.5</td>" in feedback_html(rows, "P01", 1, "stop")
    True
    """
    e = html.escape
    texts = texts or {}
    comments = comments or {}
    head = (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>Delphi feedback, round {round_no}, {e(code)}</title>\n<style>\n"
            "body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}\n"
            "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;"
            "padding:.3em .5em;text-align:left;vertical-align:top}"
            "th{background:#eee}.label{background:#fde;padding:.5em;font-weight:bold}\n"
            ".c{font-size:90%;color:#444}\n</style>\n</head>\n<body>\n")
    parts = [head]
    if label:
        parts.append(f"<p class=\"label\">{e(label)}</p>\n")
    lo, hi = scale
    parts.append(
        f"<h1>Delphi round {round_no}: your feedback ({e(code)})</h1>\n"
        f"<p>For every item: your own relevance rating ({lo}-{hi}) beside the panel's median "
        "and interquartile range (Q1-Q3, the middle half of the ratings), the share of the "
        "panel in the same region of the scale (% agreement) and what happens next. "
        "Comments are the panel's, anonymised.</p>\n"
    )
    if verdict == "stop":
        parts.append("<p><strong>The panel stops after this round.</strong></p>\n")
    else:
        parts.append(f"<p><strong>There will be a round {round_no + 1}: please rate the "
                     "revised items again, in the light of the panel's ratings.</strong></p>\n")
    parts.append("<table>\n<tr><th>item</th><th>your rating</th><th>panel median</th>"
                 "<th>Q1-Q3 (IQR)</th><th>% agreement</th><th>n</th><th>next</th></tr>\n")
    for r in rows.to_dict(orient="records"):
        item = r["item"]
        text = texts.get(item, "")
        cell = f"<strong>{e(item)}</strong>" + (f"<br>{e(text)}" if text else "")
        notes = comments.get(item, [])
        if notes:
            cell += "<ul class=\"c\">" + "".join(f"<li>{e(c)}</li>" for c in notes) + "</ul>"
        parts.append(
            f"<tr><td>{cell}</td><td>{_num(r['own_rating'])}</td><td>{_num(r['median'])}</td>"
            f"<td>{_num(r['q1'])}-{_num(r['q3'])} ({_num(r['iqr'])})</td>"
            f"<td>{_num(100 * r['agreement'])}%</td><td>{r['n']}</td><td>{e(r['next'])}</td>"
            "</tr>\n"
        )
    parts.append("</table>\n</body>\n</html>\n")
    return "".join(parts)


def write_feedback(result: DelphiResult, directory: str | Path,
                   texts: Mapping[str, str] | None = None,
                   label: str | None = None) -> list[Path]:
    """Write ``round-<r>.csv`` (all sheets, long form) and ``round-<r>/<P..>.html`` for every
    round, plus ``pseudonyms.csv`` (pseudonym -> panelist id), into ``directory``."""
    out = Path(directory)
    written: list[Path] = []
    ratings = result.ratings
    names = name_patterns(ratings.panelists)
    f = ratings.frame
    scale = (result.rules.scale.min, result.rules.scale.max)
    for rnd, verdict in zip(result.rounds["round"], result.rounds["verdict"], strict=True):
        rnd = int(rnd)
        frame = feedback_frame(result, rnd)
        written.append(write_csv(frame, out / f"round-{rnd}.csv"))
        part = f[(f["round"] == rnd) & (f["comment"] != "")]
        comments: dict[str, list[str]] = {}
        for item, c in part.groupby("item", sort=False):
            comments[str(item)] = sorted(anonymise_comment(t, names) for t in c["comment"])
        for code, rows in frame.groupby("panelist", sort=True):
            page = feedback_html(rows, str(code), rnd, str(verdict), texts, comments, label,
                                 scale)
            written.append(write_text(page, out / f"round-{rnd}" / f"{code}.html"))
    codes = ratings.pseudonyms()
    key = pd.DataFrame({"pseudonym": list(codes.values()), "panelist": list(codes.keys())})
    written.append(write_csv(key, out / "pseudonyms.csv"))
    return written
