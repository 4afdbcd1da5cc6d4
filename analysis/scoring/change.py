"""Change between two measurement waves: reliable change per respondent, change per group.

Respondents are matched by id. A matched respondent gets, per scale, the reliable change
index of Jacobson & Truax (1991) from the scheme's SEM. A group (workplace) gets, per scale,
the mean change with its 95% interval: **paired** (the mean of the matched respondents'
differences, t interval) when at least two respondents of the group are matched, else
**independent** (difference of the two waves' means, Welch interval) from everyone scored.
Unmatched respondents (in one wave only, or with an id used twice within a wave) are listed
with the reason, never dropped silently; they enter only the independent estimates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from lospw.analysis.core.errors import InputError

__all__ = ["RCI_CRIT", "ChangeResult", "compare_waves", "reliable_change_index", "welch_ci"]

#: |RCI| above this is reliable change at the 5% level (two-sided).
RCI_CRIT = 1.96


def reliable_change_index(x1: Any, x2: Any, sem: Any) -> Any:
    """Jacobson–Truax reliable change index ``(x2 - x1) / S_diff``, ``S_diff = sqrt(2) SEM``.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical approach to
    defining meaningful change in psychotherapy research. *Journal of Consulting and
    Clinical Psychology, 59*, 12–19.

    Examples
    --------
    >>> round(float(reliable_change_index(3.0, 4.0, 0.25)), 4)
    2.8284
    """
    return (np.asarray(x2, float) - np.asarray(x1, float)) / (np.sqrt(2.0) * np.asarray(sem))


def welch_ci(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, ...]:
    """Mean of b minus mean of a with its Welch–Satterthwaite t interval.

    Returns ``(diff, se, lo, hi)``; NaN when a wave has fewer than 2 values.

    Examples
    --------
    >>> [round(v, 4) for v in welch_ci(np.array([1.0, 2, 3]), np.array([2.0, 3, 4, 5]))]
    [1.5, 0.866, -0.7317, 3.7317]
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) < 2 or len(b) < 2:
        nan = float("nan")
        return (float(b.mean() - a.mean()) if len(a) and len(b) else nan, nan, nan, nan)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = float(np.sqrt(va + vb))
    diff = float(b.mean() - a.mean())
    if se == 0:
        return diff, 0.0, diff, diff
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    return diff, se, diff - half, diff + half


@dataclass(frozen=True)
class ChangeResult:
    """Change between a baseline and a follow-up wave.

    Attributes
    ----------
    respondents : DataFrame
        Per matched respondent and scale: ``id, group, scale, baseline, followup, change,
        rci, reliable`` (``reliable`` is ``increased`` / ``decreased`` / ``no`` / ``""``,
        or ``improved`` / ``declined`` for a scale whose key states its desirable
        direction).
    groups : DataFrame
        Per group and scale: ``group, scale, method, n_pairs, n_baseline, n_followup,
        change, se, ci_lo, ci_hi``.
    unmatched : DataFrame
        ``id, wave, group, reason`` for every respondent who was not matched.
    notes : tuple of str
    """

    respondents: pd.DataFrame
    groups: pd.DataFrame
    unmatched: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"n_matched": int(self.respondents["id"].nunique()) if len(self.respondents)
                else 0, "n_unmatched": len(self.unmatched), "groups": self.groups,
                "notes": list(self.notes)}


def _ids(frame: pd.DataFrame, id_column: str | None, wave: str,
         by: str | None) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Rows with a usable, unique id; the others as unmatched records."""
    if id_column is None:
        return frame.iloc[0:0], []
    ids = frame[id_column]
    dup = ids.duplicated(keep=False) & ids.notna()
    out = []
    for i in frame.index[dup | ids.isna()]:
        out.append({"id": ids[i], "wave": wave, "group": frame[by][i] if by else None,
                    "reason": "duplicate id in this wave" if dup[i] else "no id"})
    return frame[~dup & ids.notna()], out


def _group_labels(frame: pd.DataFrame, by: str | None) -> pd.Series:
    """Group of each row as text (missing stays missing); one group "all" without ``by``."""
    if by is None:
        return pd.Series("all", index=frame.index, dtype="string")
    return frame[by].astype("string")


def _change_words(direction: str | None) -> tuple[str, str]:
    """The words for a reliable rise and fall of a scale score.

    Examples
    --------
    >>> _change_words(None), _change_words("lower_is_better")
    (('increased', 'decreased'), ('declined', 'improved'))
    """
    if direction == "higher_is_better":
        return "improved", "declined"
    if direction == "lower_is_better":
        return "declined", "improved"
    return "increased", "decreased"


def compare_waves(baseline: pd.DataFrame, followup: pd.DataFrame, scales: Sequence[str],
                  sem: Mapping[str, float] | None, *, id_column: str | None,
                  by: str | None = None,
                  directions: Mapping[str, str | None] | None = None) -> ChangeResult:
    """Compare two waves' score tables (as :func:`lospw.analysis.scoring.score_table.output_table` gives).

    Parameters
    ----------
    baseline, followup : DataFrame
        One row per respondent with the scale columns, the id column and the ``by`` column.
    scales : sequence of str
    sem : mapping or None
        Scale -> SEM for the RCI (None without a scheme: no RCI).
    id_column : str or None
        Without ids no respondent can be matched: only independent group estimates.
    by : str, optional
        Group column (e.g. workplace); without it all respondents form one group ``"all"``.
    directions : mapping, optional
        Scale -> ``"higher_is_better"`` / ``"lower_is_better"`` / None (the key's
        :meth:`~lospw.analysis.core.key.Key.directions`). A reliable change is
        ``increased`` / ``decreased``, or ``improved`` / ``declined`` where the direction
        is stated.
    """
    for name, frame in (("baseline", baseline), ("follow-up", followup)):
        need = [*scales, *([id_column] if id_column else []), *([by] if by else [])]
        missing = [c for c in need if c not in frame.columns]
        if missing:
            raise InputError(
                f"The {name} wave lacks the column(s) {', '.join(missing)}. Both waves need "
                "the same items, id column and group column."
            )
    notes: list[str] = []
    if id_column is None:
        notes.append("No respondent id column: waves cannot be matched, so there is no "
                      "reliable change index and group changes are independent (Welch).")
    if sem is None:
        notes.append("No scoring scheme: no SEM, so no reliable change index.")
    b, unmatched = _ids(baseline, id_column, "baseline", by)
    f, more = _ids(followup, id_column, "followup", by)
    unmatched += more
    if id_column is not None:
        common = set(b[id_column]) & set(f[id_column])
        for frame, wave, other in ((b, "baseline", "followup"), (f, "followup", "baseline")):
            for i in frame.index[~frame[id_column].isin(common)]:
                unmatched.append({"id": frame[id_column][i], "wave": wave,
                                  "group": frame[by][i] if by else None,
                                  "reason": f"not in the {other} wave"})
        pairs = b.merge(f, on=id_column, suffixes=("_1", "_2"))
        pairs = pairs.sort_values(id_column, kind="stable", key=lambda s: s.astype(str))
    else:
        pairs = pd.DataFrame()
    gcol = f"{by}_2" if by else None
    if by and len(pairs) and (pairs[f"{by}_1"].astype(str) != pairs[gcol].astype(str)).any():
        notes.append(f"Some matched respondents changed {by} between waves; they count in "
                     f"their follow-up {by}.")
    rows = []
    for s in scales if len(pairs) else []:
        x1, x2 = pairs[f"{s}_1"].to_numpy(float), pairs[f"{s}_2"].to_numpy(float)
        rci = (reliable_change_index(x1, x2, sem[s]) if sem is not None
               else np.full(len(x1), np.nan))
        up, down = _change_words((directions or {}).get(s))
        verdict = np.where(np.isnan(rci), "",
                           np.where(rci > RCI_CRIT, up,
                                    np.where(rci < -RCI_CRIT, down, "no")))
        rows.append(pd.DataFrame({
            "id": pairs[id_column].to_numpy(),
            "group": pairs[gcol].to_numpy() if by else "all", "scale": s,
            "baseline": x1, "followup": x2, "change": x2 - x1, "rci": rci,
            "reliable": verdict}))
    cols = ["id", "group", "scale", "baseline", "followup", "change", "rci", "reliable"]
    resp = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)
    g1, g2 = _group_labels(baseline, by), _group_labels(followup, by)
    levels = sorted(set(g1.dropna()) | set(g2.dropna()))
    grows = []
    for level in levels:
        for s in scales:
            d = (resp[(resp["group"].astype(str) == level) & (resp["scale"] == s)]["change"]
                 .dropna().to_numpy(float)) if len(resp) else np.array([])
            a = baseline.loc[(g1 == level).fillna(False).to_numpy(), s].to_numpy(float)
            c = followup.loc[(g2 == level).fillna(False).to_numpy(), s].to_numpy(float)
            na, nc = int((~np.isnan(a)).sum()), int((~np.isnan(c)).sum())
            if len(d) >= 2:
                m, sd = float(d.mean()), float(d.std(ddof=1))
                se = sd / np.sqrt(len(d))
                half = float(stats.t.ppf(0.975, len(d) - 1)) * se
                est = ("paired", m, se, m - half, m + half)
            else:
                est = ("independent", *welch_ci(a, c))
            grows.append({"group": level, "scale": s, "method": est[0], "n_pairs": len(d),
                          "n_baseline": na, "n_followup": nc, "change": est[1],
                          "se": est[2], "ci_lo": est[3], "ci_hi": est[4]})
    um = pd.DataFrame(unmatched, columns=["id", "wave", "group", "reason"])
    return ChangeResult(resp, pd.DataFrame(grows), um, tuple(notes))
