"""Scale scores: the mean of the answered keyed items, its standard error and percentile.

Pure, vectorised formulas (arrays in, arrays out) next to one thin adapter,
:func:`score_items`, that scores a canonical item frame (``IntakeResult.items``) with a
:class:`~lospw.analysis.core.key.Key`. :class:`~lospw.analysis.scoring.scheme.ScoringScheme` adds what a key alone
cannot give: the standard error (from the scale's reliability) and the percentile (from its
norms).

The score metric is the **mean on the response scale** of a respondent's answered items of
the scale, reverse-keyed items scored ``min + max - x`` (``psych::scoreItems`` with
``impute = "none"``). A respondent who answered too few of a scale's items gets no score
(NaN) and a reason; the row stays in place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key

__all__ = [
    "SCORE_PARTS",
    "Z95",
    "MissingRule",
    "ScoreResult",
    "apply_required",
    "check_item_columns",
    "check_score_columns",
    "design_required",
    "keyed_matrix",
    "midrank_percentile",
    "scale_means",
    "score_interval",
    "score_items",
    "sem",
]

#: Two-sided 95% normal quantile, ``scipy.stats.norm.ppf(0.975)``.
Z95 = 1.959963984540054

# Rows scored per block: keeps the temporaries of a million-row array in cache-sized pieces.
_BLOCK = 1 << 12
#: The columns a scale has in the wide scores table besides ``<scale>``: ``<scale>_<part>``.
SCORE_PARTS = ("n", "se", "lo", "hi", "pct", "band", "reason")
_PART_MEANING = {"n": "answered-items", "se": "standard-error", "lo": "interval-lower",
                 "hi": "interval-upper", "pct": "percentile", "band": "band",
                 "reason": "reason"}


def check_score_columns(scales: Any, reserved: Any = ()) -> None:
    """Refuse scale names whose columns in the wide scores table would be the same.

    Every scale ``s`` has the columns ``s`` and ``s_<part>`` (:data:`SCORE_PARTS`); the
    table also holds the ``reserved`` columns (the respondent id or ``row``, the ``--by``
    column; a sequence of names, or a mapping name -> what it is). Two equal names would
    silently overwrite one column with another.

    Raises
    ------
    InputError
        Two columns would have the same name (e.g. scales ``S`` and ``S_n``).

    Examples
    --------
    >>> check_score_columns(["A", "B"], reserved=["id"])
    >>> check_score_columns(["S", "S_n"])
    Traceback (most recent call last):
    ...
    lospw.analysis.core.errors.InputError: The scores table would have two columns named 'S_n': the answered-items column of scale 'S' and scale 'S_n'. Rename scale 'S_n' in the key (or the scheme).
    """
    owner: dict[str, str] = (
        {str(c): str(what) for c, what in reserved.items()} if isinstance(reserved, Mapping)
        else {str(c): f"the column {str(c)!r} of the data" for c in reserved})
    for s in map(str, scales):
        for name, what in ((s, f"scale {s!r}"), *((f"{s}_{p}", f"the {_PART_MEANING[p]} "
                                                   f"column of scale {s!r}")
                                                  for p in SCORE_PARTS)):
            if name in owner:
                raise InputError(
                    f"The scores table would have two columns named {name!r}: {owner[name]} "
                    f"and {what}. Rename scale {s!r} in the key (or the scheme).")
            owner[name] = what


@dataclass(frozen=True)
class MissingRule:
    """The too-few-items rule: how many of a scale's items must be answered for a score.

    A scale of ``k`` items needs ``max(min_items, ceil(min_fraction * k))`` answered items.
    The default, two thirds, is a common rule for short attitude scales (a 6-item scale needs
    4, a 5-item scale 4, a 3-item scale 2). ``MissingRule(0, 1)`` scores every respondent
    with at least one answered item: ``psych::scoreItems(impute = "none")``.

    Parameters
    ----------
    min_fraction : float
        In [0, 1].
    min_items : int
        At least 1.

    Examples
    --------
    >>> rule = MissingRule()
    >>> [rule.required(k) for k in (3, 5, 6, 9)]
    [2, 4, 4, 6]
    >>> MissingRule(0, 1).required(5)
    1
    """

    min_fraction: float = 2 / 3
    min_items: int = 1

    def __post_init__(self) -> None:
        f = self.min_fraction
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 <= f <= 1:
            raise InputError(
                f"The missing-items rule's min_fraction must be a number from 0 to 1; got "
                f"{f!r}. Use e.g. 0.6667 for two thirds of a scale's items."
            )
        m = self.min_items
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
            raise InputError(
                f"The missing-items rule's min_items must be a whole number of at least 1; "
                f"got {m!r}."
            )

    def required(self, n_items: int) -> int:
        """Answered items a scale of ``n_items`` needs (never more than ``n_items``)."""
        # The small tolerance keeps 2/3 * 6 at 4 despite binary floating point.
        need = max(int(self.min_items), math.ceil(self.min_fraction * n_items - 1e-9))
        return min(need, n_items)

    def to_dict(self) -> dict[str, Any]:
        return {"min_fraction": float(self.min_fraction), "min_items": int(self.min_items)}


# ---- pure formulas ---------------------------------------------------------------------------
def keyed_matrix(key: Key) -> np.ndarray:
    """Items x scales matrix of +1 / -1 / 0 in ``key.items`` order (``psych::make.keys``)."""
    return key.scoring_matrix().to_numpy(dtype=float)


def scale_means(x: np.ndarray, keys: np.ndarray, *, low: float, high: float,
                required: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the answered keyed items per respondent and scale.

    Parameters
    ----------
    x : ndarray, shape (n, p)
        Item responses, NaN for missing.
    keys : ndarray, shape (p, k)
        +1 for a positively keyed item of a scale, -1 for a reverse-keyed one, 0 otherwise.
    low, high : float
        Response-scale minimum and maximum; a reverse-keyed answer scores ``low + high - x``.
    required : ndarray of int, shape (k,), optional
        Answered items a score needs (default 1). Below it the score is NaN.

    Returns
    -------
    scores : ndarray, shape (n, k)
    n_answered : ndarray of int32, shape (n, k)

    Notes
    -----
    Per scale, the keyed answers ``w x + (low + high) [w < 0]`` of its items are summed
    over the answered ones and divided by their count, in blocks of rows (cache-sized; no
    BLAS, whose threads slow such thin products down on a busy machine). With integer
    answers the sums are exact, so a score does not depend on the order of the items.
    Equal to ``psych::scoreItems(keys, x, impute = "none", min = low,
    max = high)$scores`` when ``required`` is 1.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0, np.nan], [np.nan, np.nan, np.nan], [5.0, 1.0, 3.0]])
    >>> keys = np.array([[1.0], [-1.0], [1.0]])
    >>> s, n = scale_means(x, keys, low=1, high=5)
    >>> s.ravel().tolist(), n.ravel().tolist()
    ([2.5, nan, 4.333333333333333], [2, 0, 3])
    """
    x = np.asarray(x, dtype=float)
    keys = np.asarray(keys, dtype=float)
    n, p = x.shape
    if keys.ndim != 2 or keys.shape[0] != p:
        raise InputError(
            f"The key has {keys.shape[0]} items but the data have {p} item columns. "
            "Give one key row per data column."
        )
    k = keys.shape[1]
    req = np.ones(k) if required is None else np.asarray(required, dtype=float)
    # Per scale: its columns, their signs and the reversal offset (low + high where -1).
    cols = [np.flatnonzero(keys[:, j]) for j in range(k)]
    sign = [keys[c, j] for j, c in enumerate(cols)]
    offset = [np.where(g < 0, float(low) + float(high), 0.0) for g in sign]
    scores = np.empty((n, k))
    counts = np.empty((n, k), dtype=np.int32)
    for start in range(0, n, _BLOCK):
        block = x[start:start + _BLOCK]
        for j in range(k):
            y = block[:, cols[j]] * sign[j] + offset[j]
            missing = np.isnan(y)
            y[missing] = 0.0
            cnt = cols[j].size - np.count_nonzero(missing, axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                sc = y.sum(axis=1) / cnt
            sc[(cnt < req[j]) | (cnt == 0)] = np.nan
            scores[start:start + _BLOCK, j] = sc
            counts[start:start + _BLOCK, j] = cnt
    return scores, counts


def sem(sd: Any, reliability: Any) -> Any:
    """Classical standard error of measurement: ``SD * sqrt(1 - reliability)``.

    ``sd`` is the standard deviation of the scale scores in the norm sample, on the metric
    of the score (here the mean of the items), so the SEM is on that metric too.

    References
    ----------
    Lord, F. M., & Novick, M. R. (1968). *Statistical theories of mental test scores*.
    Addison-Wesley, eq. 3.8.4.

    Examples
    --------
    >>> float(sem(0.8, 0.75))
    0.4
    """
    return np.asarray(sd, dtype=float) * np.sqrt(1.0 - np.asarray(reliability, dtype=float))


def score_interval(scores: np.ndarray, se: Any, *, low: float, high: float,
                   z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """``score -/+ z * se``, truncated to the response scale ``[low, high]``.

    A mean score cannot leave the response scale, so neither does its interval; the
    truncation is the only departure from the symmetric classical interval.

    Examples
    --------
    >>> lo, hi = score_interval(np.array([3.0, 4.8]), 0.2, low=1, high=5)
    >>> lo.round(4).tolist(), hi.round(4).tolist()
    ([2.608, 4.408], [3.392, 5.0])
    """
    half = z * np.asarray(se, dtype=float)
    lo = np.subtract(scores, half)
    hi = np.add(scores, half)
    # maximum/minimum keep NaN and are much faster than np.clip on large arrays
    np.maximum(lo, float(low), out=lo)
    np.minimum(lo, float(high), out=lo)
    np.maximum(hi, float(low), out=hi)
    np.minimum(hi, float(high), out=hi)
    return lo, hi


def midrank_percentile(x: np.ndarray, values: np.ndarray, counts: np.ndarray,
                       *, tol: float = 1e-9) -> np.ndarray:
    """Mid-rank percentile of ``x`` in a frequency table of norm scores.

    ``PR(x) = 100 * (n_below + n_equal / 2) / n``, with scores within ``tol`` of ``x``
    counted as equal. A score in the middle of a tie block gets the block's mid-point, so
    the norm sample's own percentiles average 50.

    Parameters
    ----------
    x : ndarray
        Scores (NaN gives NaN).
    values : ndarray
        Distinct norm scores, ascending.
    counts : ndarray
        How many norm respondents had each value.

    References
    ----------
    Crocker, L., & Algina, J. (1986). *Introduction to classical and modern test theory*,
    ch. 19 (percentile ranks with the mid-point convention).

    Examples
    --------
    >>> midrank_percentile(np.array([1.0, 2.0, 2.5, 9.0]), np.array([1.0, 2.0, 3.0]),
    ...                    np.array([1, 2, 1])).tolist()
    [12.5, 50.0, 75.0, 100.0]
    """
    x = np.asarray(x, dtype=float)
    values = np.asarray(values, dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(counts, dtype=float))])
    n = cum[-1]
    if n <= 0:
        return np.full(x.shape, np.nan)
    below = cum[np.searchsorted(values, x - tol, side="left")]
    upto = cum[np.searchsorted(values, x + tol, side="right")]
    pr = 100.0 * (below + 0.5 * (upto - below)) / n
    return np.where(np.isnan(x), np.nan, pr)


# ---- the result -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ScoreResult:
    """Scores of analysed rows, one column per scale (the frames share the row index).

    Attributes
    ----------
    scores : DataFrame
        Mean score per scale; NaN where too few items were answered.
    n_answered : DataFrame
        Answered items per scale.
    required : dict
        Scale -> answered items a score needs.
    se, lo, hi, pct : DataFrame or None
        Standard error, 95% interval and mid-rank percentile (None without a scheme).
    band : DataFrame or None
        Interpretation band per scale (None without norms).
    notes : tuple of str
        What the result does and does not contain.
    required_rows : DataFrame or None
        Per row and scale, the answered items a score needs when they depend on the items
        the respondent was asked (planned missingness, :func:`design_required`).
    """

    scores: pd.DataFrame
    n_answered: pd.DataFrame
    required: dict[str, int]
    se: pd.DataFrame | None = None
    lo: pd.DataFrame | None = None
    hi: pd.DataFrame | None = None
    pct: pd.DataFrame | None = None
    band: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default=())
    required_rows: pd.DataFrame | None = None

    @property
    def scales(self) -> tuple[str, ...]:
        return tuple(self.scores.columns)

    def reasons(self) -> pd.DataFrame:
        """Per scale: why a row has no score (empty text where it has one)."""
        out = {}
        for s in self.scales:
            n = self.n_answered[s].to_numpy()
            if self.required_rows is not None:
                need = self.required_rows[s].to_numpy()
                text = np.array([f"too_few_items: {m} answered, {r} needed"
                                 for m, r in zip(n, need, strict=True)], dtype=object)
                out[s] = np.where(np.isnan(self.scores[s].to_numpy()), text, "")
                continue
            k = int(self.required[s])
            size = int(n.max(initial=0))
            templates = np.array(
                [f"too_few_items: {m} answered, {k} needed" for m in range(max(size, k) + 1)],
                dtype=object,
            )
            text = np.where(np.isnan(self.scores[s].to_numpy()), templates[n], "")
            out[s] = text
        return pd.DataFrame(out, index=self.scores.index, dtype=object)

    def to_frame(self) -> pd.DataFrame:
        """Wide table: ``<scale>``, ``<scale>_n``, ``_se``, ``_lo``, ``_hi``, ``_pct``,
        ``_band``, ``_reason`` per scale (the parts a result lacks are left out)."""
        check_score_columns(self.scales)
        reasons = self.reasons()
        cols: dict[str, pd.Series] = {}
        for s in self.scales:
            cols[s] = self.scores[s]
            cols[f"{s}_n"] = self.n_answered[s]
            for suffix, part in (("se", self.se), ("lo", self.lo), ("hi", self.hi),
                                 ("pct", self.pct), ("band", self.band)):
                if part is not None:
                    col = part[s]
                    if isinstance(col.dtype, pd.CategoricalDtype):
                        col = col.astype(object).fillna("")
                    cols[f"{s}_{suffix}"] = col
            cols[f"{s}_reason"] = reasons[s]
        return pd.DataFrame(cols, index=self.scores.index)

    def to_dict(self) -> dict[str, Any]:
        """Summary per scale: respondents scored and not scored, mean and SD of the scores.

        ``n_rows_scored`` is the number of rows given to the scorer (each has a score or a
        reason per scale); rows excluded before scoring (e.g. empty rows at intake) are not
        among them: ``lospw score --json`` adds ``n_rows_read``, the rows of its table.
        """
        out: dict[str, Any] = {"n_rows_scored": len(self.scores), "notes": list(self.notes),
                               "scales": {}}
        for s in self.scales:
            v = self.scores[s]
            out["scales"][s] = {
                "n_scored": int(v.notna().sum()),
                "n_too_few_items": int(v.isna().sum()),
                "required": int(self.required[s]),
                "mean": float(v.mean()) if v.notna().any() else None,
                "sd": float(v.std(ddof=1)) if v.notna().sum() > 1 else None,
            }
        return out


# ---- adapter --------------------------------------------------------------------------------
def check_item_columns(items: pd.DataFrame, key: Key, what: str = "the key") -> np.ndarray:
    """The key's items from ``items`` as a float array, or one clear InputError."""
    missing = [i for i in key.items if i not in items.columns]
    if missing:
        shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise InputError(
            f"The data lack {len(missing)} item column(s) of {what} ({key.instrument}): "
            f"{shown}. Score data that hold the instrument's items, or use the matching "
            "key or scheme."
        )
    try:
        return items.loc[:, list(key.items)].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            "The item columns must be numeric (NaN for missing). Read the data with "
            "lospw.analysis.intake.responses.read_responses, which converts and checks them."
        ) from None


def design_required(asked: pd.DataFrame, key: Key, rule: MissingRule) -> pd.DataFrame:
    """Answered items each row needs per scale, from the items it was asked.

    With planned missingness (the key's ``design``) a respondent's group may be asked only
    some items of a scale; the too-few-items rule then applies to those:
    ``rule.required(k_asked)``, and a scale with no item asked needs one (so it stays NaN).

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...                      "scales": {"S": ["a", "b", "c", "d", "e", "f"]}})
    >>> asked = pd.DataFrame([[True] * 6, [True] * 3 + [False] * 3], columns=list("abcdef"))
    >>> design_required(asked, key, MissingRule())["S"].tolist()
    [4, 2]
    """
    out = {}
    for s in key.scales:
        k_asked = asked.loc[:, list(s.items)].to_numpy(dtype=bool).sum(axis=1)
        out[s.name] = [max(1, rule.required(int(k))) for k in k_asked]
    return pd.DataFrame(out, index=asked.index, columns=list(key.scale_names))


def apply_required(scores: np.ndarray, counts: np.ndarray,
                   required: pd.DataFrame) -> np.ndarray:
    """``scores`` with NaN where a row answered fewer items than it needs."""
    return np.where(counts < required.to_numpy(), np.nan, scores)


def score_items(items: pd.DataFrame, key: Key, *,
                rule: MissingRule | None = None,
                asked: pd.DataFrame | None = None) -> ScoreResult:
    """Key-based scores: the mean of the answered keyed items per scale.

    Parameters
    ----------
    items : DataFrame
        The canonical item frame (``IntakeResult.items``): one float column per key item,
        NaN for missing. Other columns are ignored.
    key : Key
    rule : MissingRule, optional
        The too-few-items rule (default: two thirds of a scale's items).
    asked : DataFrame, optional
        Which items each row was asked (``IntakeResult.asked``); the rule then counts the
        items asked (:func:`design_required`).

    Returns
    -------
    ScoreResult
        Scores and answered-item counts; no SE or percentile (those need a scheme).

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...                      "scales": {"S": ["a", "-b", "c"]}})
    >>> df = pd.DataFrame({"a": [4, 4, np.nan], "b": [2, np.nan, np.nan], "c": [5, 3, 1]})
    >>> res = score_items(df, key)
    >>> res.scores["S"].tolist()
    [4.333333333333333, 3.5, nan]
    >>> res.reasons()["S"].tolist()
    ['', '', 'too_few_items: 1 answered, 2 needed']
    """
    rule = MissingRule() if rule is None else rule
    x = check_item_columns(items, key)
    required = {s.name: rule.required(len(s)) for s in key.scales}
    rs = key.response_scale
    rows = None if asked is None else design_required(
        asked.reindex(index=items.index).fillna(True), key, rule)
    scores, counts = scale_means(x, keyed_matrix(key), low=rs.min, high=rs.max,
                                 required=None if rows is not None
                                 else np.array(list(required.values())))
    if rows is not None:
        scores = apply_required(scores, counts, rows)
    names = list(key.scale_names)
    return ScoreResult(
        scores=pd.DataFrame(scores, index=items.index, columns=names, copy=False),
        n_answered=pd.DataFrame(counts, index=items.index, columns=names, copy=False),
        required=required,
        notes=("Scored with a key only: no standard errors, intervals or percentiles "
               "(they need a scoring scheme's reliabilities and norms; use --scheme).",),
        required_rows=rows,
    )
