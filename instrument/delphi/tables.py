"""Statistics tables of a Delphi panel: per item and round, per round, between rounds.

Thin adapters from :class:`~lospw.instrument.delphi.ratings.Ratings` to tidy frames, built from
the pure formulas in :mod:`lospw.instrument.delphi.stats`. Each table exists for the whole panel
and per stakeholder group (``by_group=True`` adds a ``group`` column). Missing ratings
leave only their own item's ``n`` smaller.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from lospw.instrument.delphi import stats
from lospw.instrument.delphi.ratings import Ratings
from lospw.instrument.delphi.rules import Rules

__all__ = [
    "ITEM_COLUMNS",
    "attrition_table",
    "item_statistics",
    "item_table",
    "round_table",
    "stability_table",
]

ITEM_COLUMNS = (
    "n", "n_missing", "n_relevant", "i_cvi", "pc", "kappa", "cvr", "cvr_critical", "median",
    "q1", "q3", "iqr", "mean", "sd", "agreement", "p30", "p70", "ipr", "iprcp", "ai",
    "ipras", "disagreement", "clarity_n", "clarity_index", "clarity_median",
)


def item_statistics(relevance: Any, rules: Rules, clarity: Any = None) -> dict[str, Any]:
    """All statistics of one item in one round (or one group's ratings of it).

    Parameters
    ----------
    relevance : array-like
        The relevance ratings, NaN for "no rating" (counted in ``n_missing``).
    rules : Rules
        The scale, the relevant categories, the agreement regions.
    clarity : array-like, optional
        The clarity ratings (NaN ignored).

    Returns
    -------
    dict
        Keys :data:`ITEM_COLUMNS`. The RAND/UCLA columns (``p30`` ... ``disagreement``) are
        filled on a 9-point scale only (NaN / None otherwise).

    Examples
    --------
    >>> from lospw.instrument.delphi.rules import load_rules
    >>> s = item_statistics([4, 4, 3, 4, 3, 4, 4, 2, 4, 3], load_rules())
    >>> s["n"], s["i_cvi"], round(s["kappa"], 2), s["cvr"], s["cvr_critical"]
    (10, 0.9, 0.9, 0.8, 0.8)
    """
    r = np.asarray(relevance, dtype=float).ravel()
    x = r[~np.isnan(r)]
    n = int(x.size)
    scale = rules.scale
    a = int(np.count_nonzero(x >= scale.relevant_min))
    icvi = stats.i_cvi(x, scale.relevant_min)
    med, q1, q3, iqr = stats.median_iqr(x)
    out: dict[str, Any] = {
        "n": n,
        "n_missing": int(r.size - n),
        "n_relevant": a,
        "i_cvi": icvi,
        "pc": stats.chance_agreement(n, a) if n else math.nan,
        "kappa": stats.modified_kappa(icvi, n),
        "cvr": stats.cvr(a, n),
        "cvr_critical": stats.cvr_critical(n, rules.cvr_alpha) if n else math.nan,
        "median": med, "q1": q1, "q3": q3, "iqr": iqr,
        "mean": float(x.mean()) if n else math.nan,
        "sd": float(x.std(ddof=1)) if n > 1 else math.nan,
        "agreement": stats.agreement(x, scale.regions),
    }
    if scale.is_nine_point:
        ru = rules.rand_ucla
        d = stats.rand_ucla(x, lower=ru.ipr_lower, upper=ru.ipr_upper, center=scale.center,
                            ipr_symmetric=ru.ipr_symmetric,
                            asymmetry_factor=ru.asymmetry_factor)
        out.update(p30=d.p_lower, p70=d.p_upper, ipr=d.ipr, iprcp=d.iprcp, ai=d.ai,
                   ipras=d.ipras, disagreement=d.disagreement)
    else:
        out.update(p30=math.nan, p70=math.nan, ipr=math.nan, iprcp=math.nan, ai=math.nan,
                   ipras=math.nan, disagreement=None)
    c = np.asarray([] if clarity is None else clarity, dtype=float).ravel()
    c = c[~np.isnan(c)]
    out["clarity_n"] = int(c.size)
    out["clarity_index"] = stats.i_cvi(c, rules.clarity.relevant_min)
    out["clarity_median"] = float(np.median(c)) if c.size else math.nan
    return out


def _keys(by_group: bool) -> list[str]:
    return ["round", "group", "item"] if by_group else ["round", "item"]


def item_table(ratings: Ratings, rules: Rules, by_group: bool = False) -> pd.DataFrame:
    """Statistics per item per round (and per group): one row each, :data:`ITEM_COLUMNS`.

    Items appear in ``ratings.items`` order within each round.
    """
    f = ratings.frame
    if by_group and not ratings.has_group:
        return pd.DataFrame(columns=[*_keys(True), *ITEM_COLUMNS])
    rank = {item: k for k, item in enumerate(ratings.items)}
    rows = []
    for key, part in f.groupby(_keys(by_group), sort=False):
        row = dict(zip(_keys(by_group), key, strict=True))
        row.update(item_statistics(part["relevance"].to_numpy(), rules,
                                   part["clarity"].to_numpy()))
        rows.append(row)
    out = pd.DataFrame(rows, columns=[*_keys(by_group), *ITEM_COLUMNS])
    out["_rank"] = out["item"].map(rank)
    sort = ["round", "group", "_rank"] if by_group else ["round", "_rank"]
    return out.sort_values(sort, kind="stable").drop(columns="_rank").reset_index(drop=True)


def _kendall(part: pd.DataFrame) -> stats.KendallW:
    """Kendall's W over the items every present panelist rated (complete block)."""
    rated = part.dropna(subset=["relevance"])
    wide = rated.pivot(index="item", columns="panelist", values="relevance")
    present = part["panelist"].unique()
    wide = wide.reindex(columns=sorted(present))
    complete = wide.dropna(axis=0, how="any")
    return stats.kendall_w(complete.to_numpy())


def round_table(ratings: Ratings, items: pd.DataFrame, by_group: bool = False) -> pd.DataFrame:
    """Statistics per round (and per group).

    Columns: ``n_panelists`` (with at least one row in the round), ``n_items``,
    ``n_ratings``, ``n_missing``, ``s_cvi_ave``, ``s_cvi_ua`` (over the round's items,
    from ``items``), Kendall's W with its test (``kendall_w``, ``kendall_chisq``,
    ``kendall_df``, ``kendall_p``) and the block it used (``kendall_n_raters``,
    ``kendall_n_items``: the items that every panelist present in the round rated).
    """
    f = ratings.frame
    keys = ["round", "group"] if by_group else ["round"]
    if by_group and not ratings.has_group:
        return pd.DataFrame(columns=keys)
    rows = []
    for key, part in f.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        mask = items["round"] == row["round"]
        if by_group:
            mask &= items["group"] == row["group"]
        icvis = items.loc[mask, "i_cvi"].to_numpy(dtype=float)
        k = _kendall(part)
        row.update(
            n_panelists=int(part["panelist"].nunique()),
            n_items=int(part["item"].nunique()),
            n_ratings=int(part["relevance"].notna().sum()),
            n_missing=int(part["relevance"].isna().sum()),
            s_cvi_ave=stats.s_cvi_ave(icvis),
            s_cvi_ua=stats.s_cvi_ua(icvis),
            kendall_w=k.w, kendall_chisq=k.chisq, kendall_df=k.df, kendall_p=k.p_value,
            kendall_n_raters=k.n_raters, kendall_n_items=k.n_items,
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _pairs(ratings: Ratings) -> list[tuple[int, int]]:
    r = ratings.rounds
    return list(itertools.pairwise(r))


STABILITY_COLUMNS = ("n_pairs", "n_changed", "wilcoxon_v", "wilcoxon_z", "p_value",
                     "agreement_from", "agreement_to", "agreement_change", "median_from",
                     "median_to", "stable")


def stability_table(ratings: Ratings, items: pd.DataFrame, rules: Rules,
                    by_group: bool = False) -> pd.DataFrame:
    """Stability of each item between consecutive rounds (and per group).

    For every item rated in rounds ``r`` and ``r+1``: the paired Wilcoxon signed-rank test
    on the ratings of panelists who rated it in both (:func:`stats.wilcoxon_paired`, as R's
    ``wilcox.test(paired = TRUE, exact = FALSE, correct = TRUE)``), and the change in %
    agreement (all raters of each round). ``stable`` when ``p >= stop.alpha`` (or no rating
    changed) and ``|agreement_change| <= stop.max_agreement_change``; an item no panelist
    rated in both rounds is not stable (nothing to compare).
    """
    f = ratings.frame.dropna(subset=["relevance"])
    keys = ["group", "item"] if by_group else ["item"]
    cols = ["round_from", "round_to", *keys, *STABILITY_COLUMNS]
    if by_group and not ratings.has_group:
        return pd.DataFrame(columns=cols)
    ikeys = ["round", *keys]
    it = items.set_index(ikeys)
    rows = []
    for r0, r1 in _pairs(ratings):
        a = f[f["round"] == r0]
        b = f[f["round"] == r1]
        both = a.merge(b, on=["panelist", *keys], suffixes=("_0", "_1"))
        pairs = {(k if isinstance(k, tuple) else (k,)): g
                 for k, g in both.groupby(keys, sort=False)}
        common = (it.loc[r0].index.intersection(it.loc[r1].index)
                  if r0 in it.index.get_level_values(0) and r1 in it.index.get_level_values(0)
                  else [])
        empty = both.iloc[:0]
        for key in common:
            key_t = key if isinstance(key, tuple) else (key,)
            pair = pairs.get(key_t, empty)
            w = stats.wilcoxon_paired(pair["relevance_0"].to_numpy(),
                                      pair["relevance_1"].to_numpy())
            s0, s1 = it.loc[(r0, *key_t)], it.loc[(r1, *key_t)]
            change = s1["agreement"] - s0["agreement"]
            # no panelist rated it in both rounds: stability unknown, so not stable
            p_ok = w.n_pairs > 0 and (math.isnan(w.p_value) or w.p_value >= rules.stop.alpha)
            stable = bool(p_ok and abs(change) <= rules.stop.max_agreement_change + 1e-12)
            row = {"round_from": r0, "round_to": r1, **dict(zip(keys, key_t, strict=True)),
                   "n_pairs": w.n_pairs, "n_changed": w.n_nonzero, "wilcoxon_v": w.v,
                   "wilcoxon_z": w.z, "p_value": w.p_value,
                   "agreement_from": s0["agreement"], "agreement_to": s1["agreement"],
                   "agreement_change": change, "median_from": s0["median"],
                   "median_to": s1["median"], "stable": stable}
            rows.append(row)
    return pd.DataFrame(rows, columns=cols)


def attrition_table(ratings: Ratings) -> pd.DataFrame:
    """Panelists who left and joined between consecutive rounds, per group and in all.

    A panelist is in a round when the round has at least one row of theirs. A panelist of
    round ``r0`` who is not in round ``r1`` has *left* when an item they rated in ``r0`` is
    rated again in ``r1``; when none is (a panel that gives each panelist a subset of the
    items), nothing was asked of them and they count as ``n_not_asked``, not as attrition.
    With a full panel the two coincide with "present before, absent after". Columns:
    ``round_from, round_to, group`` (``"(all)"`` for the whole panel), ``n_from``,
    ``n_not_asked``, ``n_left``, ``n_joined``, ``n_to``, ``attrition`` (``n_left /
    (n_from - n_not_asked)``) and ``left`` (the pseudonyms of those who left,
    ``;``-separated).
    """
    f = ratings.frame
    codes = ratings.pseudonyms()
    groups = ratings.panelist_groups()
    present = {r: set(f.loc[f["round"] == r, "panelist"]) for r in ratings.rounds}
    rated = {r: f[f["round"] == r].groupby("panelist")["item"].agg(set).to_dict()
             for r in ratings.rounds}
    items = {r: set(f.loc[f["round"] == r, "item"]) for r in ratings.rounds}
    labels = ["(all)", *ratings.groups]
    rows = []
    for r0, r1 in _pairs(ratings):
        asked = {p for p in present[r0] if rated[r0][p] & items[r1]}
        for g in labels:
            def keep(ps: set[str], g: str = g) -> set[str]:
                return ps if g == "(all)" else {p for p in ps if groups[p] == g}
            a, b, ask = keep(present[r0]), keep(present[r1]), keep(asked)
            gone = (a & ask) - b
            not_asked = (a - ask) - b
            expected = len(a) - len(not_asked)
            rows.append({"round_from": r0, "round_to": r1, "group": g, "n_from": len(a),
                         "n_not_asked": len(not_asked), "n_left": len(gone),
                         "n_joined": len(b - a), "n_to": len(b),
                         "attrition": (len(gone) / expected) if expected else math.nan,
                         "left": ";".join(sorted(codes[p] for p in gone))})
    return pd.DataFrame(rows, columns=["round_from", "round_to", "group", "n_from",
                                       "n_not_asked", "n_left", "n_joined", "n_to",
                                       "attrition", "left"])
