"""Item statistics per scale: answer distribution, floor and ceiling, mean, SD, skew,
kurtosis, missing answers, and the inter-item correlations of each scale.

Definitions (those of ``psych::describe`` and ``psych::response.frequencies``):

* the descriptive statistics of an item use all its answers, *as given* (not reverse-keyed),
  so they can be compared with ``describe(x)``;
* floor / ceiling: the share of the item's answers at the lowest / highest value of the
  key's response scale;
* skew and kurtosis are ``psych``'s type 3 by default (``b1 = m3 / s^3`` and
  ``b2 = m4 / s^4 - 3`` with ``s`` the n-1 standard deviation; Joanes & Gill, 1998); types 1
  (``g1``, ``g2``) and 2 (``G1``, ``G2``, SAS/SPSS) on request;
* the inter-item correlations of a scale are those of its *keyed* items (reverse-keyed
  items reversed), so a positive correlation means agreement with the key, under the stated
  missing-data policy; their mean is ``psych::alpha``'s ``average_r``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.classical.reliability import keyed_items, pairwise_cov
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key
from lospw.analysis.core.missing import check_missing

__all__ = ["ItemStatsResult", "ScaleItems", "item_stats", "kurtosis", "skewness"]

SKEW_TYPES = (1, 2, 3)


def skewness(x: Any, type: int = 3) -> float:
    """Sample skewness of the non-missing values (psych::skew's ``type``).

    Notes
    -----
    With ``m_r = sum (x - mean)^r / n``: type 1 ``g1 = m3 / m2^1.5``; type 2
    ``G1 = g1 sqrt(n (n-1)) / (n-2)``; type 3 ``b1 = m3 / s^3 = g1 ((n-1)/n)^1.5``
    (Joanes & Gill, 1998).

    Examples
    --------
    >>> round(skewness([1, 2, 3, 10]), 4)
    0.6614
    """
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 3:
        return float("nan")
    d = v - v.mean()
    m2, m3 = np.mean(d**2), np.mean(d**3)
    if m2 == 0:
        return float("nan")
    g1 = m3 / m2**1.5
    if type == 1:
        return float(g1)
    if type == 2:
        return float(g1 * np.sqrt(n * (n - 1)) / (n - 2))
    return float(g1 * ((n - 1) / n) ** 1.5)


def kurtosis(x: Any, type: int = 3) -> float:
    """Sample excess kurtosis of the non-missing values (psych::kurtosi's ``type``).

    Notes
    -----
    Type 1 ``g2 = m4 / m2^2 - 3``; type 2
    ``G2 = ((n+1) g2 + 6) (n-1) / ((n-2)(n-3))``; type 3
    ``b2 = m4 / s^4 - 3 = (g2 + 3) (1 - 1/n)^2 - 3`` (Joanes & Gill, 1998).

    Examples
    --------
    >>> round(kurtosis([1, 2, 3, 10]), 4)
    -1.7454
    """
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 4:
        return float("nan")
    d = v - v.mean()
    m2, m4 = np.mean(d**2), np.mean(d**4)
    if m2 == 0:
        return float("nan")
    g2 = m4 / m2**2 - 3.0
    if type == 1:
        return float(g2)
    if type == 2:
        return float(((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3)))
    return float((g2 + 3.0) * (1 - 1 / n) ** 2 - 3.0)


@dataclass(frozen=True)
class ScaleItems:
    """Item statistics of one scale.

    Attributes
    ----------
    stats : DataFrame
        One row per item: ``item, sign, n, n_missing, mean, sd, median, min, max, skew,
        kurtosis, floor_pct, ceiling_pct`` and ``p_<category>`` (share of answers) per
        category of the response scale (integer scales).
    inter_item_r : DataFrame
        Correlations of the keyed items.
    mean_inter_item_r : float
    n_inter_item : int
        Rows behind the correlations (listwise: complete cases; pairwise: rows with any
        answer).
    """

    scale: str
    stats: pd.DataFrame
    inter_item_r: pd.DataFrame
    mean_inter_item_r: float
    n_inter_item: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": {r["item"]: {k: v for k, v in r.items() if k != "item"}
                      for r in self.stats.to_dict(orient="records")},
            "inter_item_r": {i: row.to_dict() for i, row in self.inter_item_r.iterrows()},
            "mean_inter_item_r": self.mean_inter_item_r,
            "n_inter_item": self.n_inter_item,
        }


@dataclass(frozen=True)
class ItemStatsResult:
    """Item statistics of every scale of a key."""

    missing: str
    skew_type: int
    n: int
    scales: dict[str, ScaleItems]

    def __getitem__(self, name: str) -> ScaleItems:
        return self.scales[name]

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing": self.missing,
            "n": self.n,
            "skew_kurtosis_type": self.skew_type,
            "definitions": "statistics on the answers as given; inter-item r on keyed items",
            "scales": {k: v.to_dict() for k, v in self.scales.items()},
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per item, all scales."""
        return pd.concat([s.stats.assign(scale=name) for name, s in self.scales.items()],
                         ignore_index=True)


def item_stats(data: pd.DataFrame, key: Key, *, missing: str = "listwise",
               skew_type: int = 3, asked: pd.DataFrame | None = None) -> ItemStatsResult:
    """Item statistics of every scale of ``key`` on ``data``.

    Parameters
    ----------
    data : DataFrame
        Item responses (``read_responses(...).items``).
    key : Key
    missing : {"listwise", "pairwise"}
        Policy of the inter-item correlations (the per-item statistics use each item's
        answers).
    skew_type : {1, 2, 3}
        Definition of skew and kurtosis (3: ``psych::describe``'s default).
    asked : DataFrame, optional
        Which items each row was asked (``IntakeResult.asked``, the key's design): a cell
        not asked is counted in ``n_not_asked``, not in ``n_missing`` (planned missingness
        is not non-response).

    Returns
    -------
    ItemStatsResult

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 3},
    ...                      "scales": {"S": ["a", "-b"]}})
    >>> df = pd.DataFrame({"a": [1, 2, 3, 3], "b": [3, 2, 1, np.nan]})
    >>> res = item_stats(df, key)
    >>> res["S"].stats[["item", "n", "ceiling_pct"]].values.tolist()
    [['a', 4, 50.0], ['b', 3, 33.33333333333333]]
    >>> res["S"].mean_inter_item_r
    1.0
    """
    check_missing(missing)
    if skew_type not in SKEW_TYPES:
        raise InputError(f"The skew/kurtosis type must be one of 1, 2, 3; got {skew_type!r}.")
    keyed = keyed_items(data, key)  # validates the data
    raw = data[list(key.items)].astype(float)
    rs = key.response_scale
    cats = rs.categories
    scales: dict[str, ScaleItems] = {}
    for scale in key.scales:
        rows = []
        for item, sign in zip(scale.items, scale.signs, strict=True):
            v = raw[item].to_numpy()
            ok = v[~np.isnan(v)]
            n = ok.size
            not_asked = 0 if asked is None else int(
                (~asked[item].reindex(raw.index).fillna(True).to_numpy(dtype=bool)
                 & np.isnan(v)).sum())
            row: dict[str, Any] = {
                "item": item, "sign": sign, "n": int(n),
                "n_missing": int(v.size - n - not_asked),
                "mean": float(ok.mean()) if n else float("nan"),
                "sd": float(ok.std(ddof=1)) if n > 1 else float("nan"),
                "median": float(np.median(ok)) if n else float("nan"),
                "min": float(ok.min()) if n else float("nan"),
                "max": float(ok.max()) if n else float("nan"),
                "skew": skewness(ok, skew_type), "kurtosis": kurtosis(ok, skew_type),
                "floor_pct": float(100 * np.mean(ok == rs.min)) if n else float("nan"),
                "ceiling_pct": float(100 * np.mean(ok == rs.max)) if n else float("nan"),
            }
            if cats is not None:
                for c in cats:
                    row[f"p_{c}"] = float(np.mean(ok == c)) if n else float("nan")
            if asked is not None:
                row["n_not_asked"] = not_asked
            rows.append(row)
        x = keyed[list(scale.items)]
        used = x.dropna() if missing == "listwise" else x[x.notna().any(axis=1)]
        cov, _ = pairwise_cov(used.to_numpy())
        sd = np.sqrt(np.diag(cov))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = cov / np.outer(sd, sd)
        k = len(scale.items)
        mean_r = float((r.sum() - np.trace(r)) / (k * (k - 1))) if k > 1 else float("nan")
        scales[scale.name] = ScaleItems(
            scale=scale.name, stats=pd.DataFrame(rows),
            inter_item_r=pd.DataFrame(r, index=list(scale.items), columns=list(scale.items)),
            mean_inter_item_r=mean_r, n_inter_item=len(used),
        )
    return ItemStatsResult(missing=missing, skew_type=skew_type, n=len(raw), scales=scales)
