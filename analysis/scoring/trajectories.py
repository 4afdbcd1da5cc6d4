"""Cluster trajectories (e.g. clusters): scale means per cluster and wave, their reliability, and the
change of each cluster between waves.

Per cluster ``j``, wave ``t`` and scale (unit-weighted scale scores of the respondents):

* the mean ``ybar_jt`` with its t-interval ``ybar ± t(n-1) s / sqrt(n)``;
* the reliability of that mean, ICC(2) with the cluster's own size (Spearman-Brown from
  the wave's ICC(1), Bliese 2000): ``ICC(2)_jt = n_jt ICC(1)_t / (1 + (n_jt - 1) ICC(1)_t)``,
  with ``ICC(1)_t`` the one-way ANOVA ICC(1) of the wave (:func:`lospw.analysis.scoring.
  aggregate.icc_oneway`).

Change of cluster ``j`` from wave ``s`` to wave ``t``: ``Δ = ybar_jt - ybar_js`` with a
Welch interval (the waves' respondents taken as independent samples; with the same persons
answering twice it is conservative), and the **reliable change** of the mean: the change
measurement error alone would give has standard error

.. math:: SE_{err} = \\sqrt{(1 - r_s) s_s^2 / n_{js} + (1 - r_t) s_t^2 / n_{jt}}

(``r`` the scale's reliability at the wave, e.g. Cronbach's alpha; ``s^2`` the variance of
the cluster's scores), the Jacobson & Truax (1991) index applied to a mean of ``n``
respondents: ``RC = Δ / SE_err``; ``|RC| > 1.96`` says the change exceeds what measurement
error alone would give (at the 5% level). The interval answers whether the cluster's
change is more than sampling of respondents and measurement error together would give.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.distributions import t_ppf, t_sf
from lospw.analysis.core.errors import InputError
from lospw.analysis.scoring.aggregate import icc_oneway, mean_ci

__all__ = ["TrajectoryResult", "trajectories", "trajectory_figure"]

Z95 = 1.959963984540054
#: matplotlib settings for deterministic SVG bytes (as the profile charts')
RC = {"svg.hashsalt": "lospw", "svg.fonttype": "path", "font.size": 9}


@dataclass(frozen=True)
class TrajectoryResult:
    """Cluster means per wave and changes between waves.

    Attributes
    ----------
    means : DataFrame
        ``cluster scale wave n mean sd ci_lo ci_hi icc1_wave icc2``.
    changes : DataFrame
        ``cluster scale from_wave to_wave n_from n_to change ci_lo ci_hi pvalue
        reliability_from reliability_to se_error rc exceeds_error``.
    waves : tuple of str
    by : str
    notes : tuple of str
    """

    means: pd.DataFrame
    changes: pd.DataFrame
    waves: tuple[str, ...]
    by: str
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        def rec(df: pd.DataFrame) -> list[dict[str, Any]]:
            return df.astype(object).where(df.notna(), None).to_dict("records")
        return {"by": self.by, "waves": list(self.waves), "means": rec(self.means),
                "changes": rec(self.changes), "notes": list(self.notes),
                "rules": {"ci": "t interval of the mean; Welch interval of the change",
                          "reliable_change": "|change| / SE_err > 1.96, SE_err from "
                                             "(1 - reliability) x variance / n per wave"}}


def _wave_order(waves: pd.Series) -> list[str]:
    num = pd.to_numeric(waves, errors="coerce")
    labels = waves.astype(str)
    if num.notna().all():
        pairs = sorted(set(zip(num, labels, strict=True)))
        return list(dict.fromkeys(lbl for _, lbl in pairs))
    return sorted(labels.unique())


def trajectories(scores: pd.DataFrame, clusters: pd.Series, waves: pd.Series,
                 scales: Sequence[str], reliability: Mapping[tuple[str, str], float],
                 *, by: str = "cluster") -> TrajectoryResult:
    """Means per cluster and wave and the change between consecutive waves (docstring).

    Parameters
    ----------
    scores : DataFrame
        Scale scores, one row per respondent and wave.
    clusters, waves : Series
        Cluster and wave of each row (same index); rows missing either are left out.
    scales : sequence of str
    reliability : mapping
        ``(scale, wave) -> reliability`` of the individual scale score at the wave (e.g.
        Cronbach's alpha); NaN or absent: no reliable-change test.
    by : str
        Name of the cluster column (reports).

    Returns
    -------
    TrajectoryResult

    Raises
    ------
    InputError
        Fewer than two waves, or an unknown scale.

    Examples
    --------
    >>> s = pd.DataFrame({"A": [3.0, 3.2, 2.8, 4.0, 4.2, 3.8]})
    >>> r = trajectories(s, pd.Series(["w"] * 6), pd.Series([1, 1, 1, 2, 2, 2]), ["A"],
    ...                  {("A", "1"): 0.8, ("A", "2"): 0.8})
    >>> c = r.changes.iloc[0]
    >>> round(float(c["change"]), 3), round(float(c["rc"]), 2), bool(c["exceeds_error"])
    (1.0, 13.69, True)
    """
    missing = [s for s in scales if s not in scores.columns]
    if missing:
        raise InputError(f"No scores for scale(s) {', '.join(missing)}.")
    ok = clusters.notna() & waves.notna()
    notes = []
    if (~ok).any():
        notes.append(f"{int((~ok).sum())} row(s) without a {by} or wave were left out.")
    sc, cl, wv = scores.loc[ok], clusters[ok].astype(str), waves[ok]
    order = _wave_order(wv)
    wv = wv.astype(str)
    if len(order) < 2:
        raise InputError(f"The data have {len(order)} wave(s); trajectories need at least two.")
    rows, icc1 = [], {}
    for s in scales:
        for w in order:
            m = (wv == w).to_numpy()
            icc1[(s, w)] = icc_oneway(sc[s].to_numpy(float)[m], cl.to_numpy()[m])["icc1"]
    for j in sorted(cl.unique()):
        for s in scales:
            for w in order:
                y = sc[s].to_numpy(float)[((cl == j) & (wv == w)).to_numpy()]
                mean, sd, lo, hi, n = mean_ci(y)
                i1 = icc1[(s, w)]
                icc2 = n * i1 / (1 + (n - 1) * i1) if n and np.isfinite(i1) else math.nan
                rows.append({"cluster": j, "scale": s, "wave": w, "n": n, "mean": mean,
                             "sd": sd, "ci_lo": lo, "ci_hi": hi, "icc1_wave": i1,
                             "icc2": icc2})
    means = pd.DataFrame(rows)
    idx = means.set_index(["cluster", "scale", "wave"])
    ch = []
    for j in sorted(cl.unique()):
        for s in scales:
            for w0, w1 in itertools.pairwise(order):
                a, b = idx.loc[(j, s, w0)], idx.loc[(j, s, w1)]
                ch.append(_change(j, s, w0, w1, a, b, reliability.get((s, w0), math.nan),
                                  reliability.get((s, w1), math.nan)))
    return TrajectoryResult(means, pd.DataFrame(ch), tuple(order), by, tuple(notes))


def _change(j: str, s: str, w0: str, w1: str, a: pd.Series, b: pd.Series, r0: float,
            r1: float) -> dict[str, Any]:
    n0, n1 = int(a["n"]), int(b["n"])
    out: dict[str, Any] = {"cluster": j, "scale": s, "from_wave": w0, "to_wave": w1,
                           "n_from": n0, "n_to": n1, "change": float(b["mean"] - a["mean"])}
    nan = dict.fromkeys(("ci_lo", "ci_hi", "pvalue", "se_error", "rc"), math.nan)
    out.update(nan, reliability_from=r0, reliability_to=r1, exceeds_error=None)
    if n0 < 2 or n1 < 2:
        return out
    v0, v1 = float(a["sd"]) ** 2 / n0, float(b["sd"]) ** 2 / n1
    se = math.sqrt(v0 + v1)
    if se > 0:
        df = (v0 + v1) ** 2 / (v0**2 / (n0 - 1) + v1**2 / (n1 - 1)) if v0 + v1 > 0 else 1.0
        half = float(t_ppf(0.975, df)) * se
        out.update(ci_lo=out["change"] - half, ci_hi=out["change"] + half,
                   pvalue=float(2 * t_sf(abs(out["change"]) / se, df)))
    if np.isfinite(r0) and np.isfinite(r1):
        se_err = math.sqrt(max(1 - r0, 0.0) * v0 + max(1 - r1, 0.0) * v1)
        out["se_error"] = se_err
        if se_err > 0:
            out["rc"] = out["change"] / se_err
            out["exceeds_error"] = bool(abs(out["rc"]) > Z95)
    return out



def trajectory_figure(res: TrajectoryResult, scale: str, path: str | Path, *,
                      note: str = "") -> list[Path]:
    """One figure per scale: each cluster's mean per wave with its 95% interval, lines
    joining the waves (PNG and SVG, deterministic bytes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = res.means[res.means["scale"] == scale]
    x = {w: i for i, w in enumerate(res.waves)}
    with matplotlib.rc_context(RC):
        fig, ax = plt.subplots(figsize=(6.0, 4.0))
        groups = sorted(part["cluster"].unique())
        for k, (j, g) in enumerate(part.groupby("cluster", sort=True)):
            off = (k - (len(groups) - 1) / 2) * 0.3 / max(len(groups), 1)
            xs = np.array([x[w] for w in g["wave"]]) + off
            ax.errorbar(xs, g["mean"], yerr=[g["mean"] - g["ci_lo"], g["ci_hi"] - g["mean"]],
                        marker="o", ms=3, lw=1, capsize=2, label=str(j))
        ax.set_xticks(range(len(res.waves)), [f"wave {w}" for w in res.waves])
        ax.set_ylabel(f"{scale}: mean (95% CI)")
        ax.set_title(f"{scale} per {res.by} over waves")
        if len(groups) <= 12:
            ax.legend(fontsize=7, ncol=2, frameon=False)
        if note:
            fig.text(0.01, 0.01, note, fontsize=6, color="0.4")
        fig.tight_layout()
        png, svg = path.with_suffix(".png"), path.with_suffix(".svg")
        fig.savefig(png, format="png", metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    return [png, svg]
