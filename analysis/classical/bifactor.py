"""Reliability indices of a bifactor model (Rodriguez, Reise & Haviland, 2016).

Formula functions of the *standardized* loadings of a general factor ``g`` and one specific
factor per scale (orthogonal factors), and :func:`bifactor_indices`, which computes them all.
With ``l_gi``, ``l_si`` item i's general and specific loadings, ``t_i`` its residual variance
(``1 - l_gi^2 - l_si^2``) and sums over all items or over the items of scale ``s``:

.. math::

    \\omega_t &= \\frac{(\\sum l_g)^2 + \\sum_s (\\sum_{i \\in s} l_s)^2}
                    {(\\sum l_g)^2 + \\sum_s (\\sum_{i \\in s} l_s)^2 + \\sum t}, \\qquad
    \\omega_h = \\frac{(\\sum l_g)^2}{\\text{same}}, \\\\
    \\omega_s &= \\frac{(\\sum_s l_g)^2 + (\\sum_s l_s)^2}
                     {(\\sum_s l_g)^2 + (\\sum_s l_s)^2 + \\sum_s t}, \\qquad
    \\omega_{hs} = \\frac{(\\sum_s l_s)^2}{\\text{same}}, \\\\
    ECV &= \\frac{\\sum l_g^2}{\\sum l_g^2 + \\sum_s \\sum_{i \\in s} l_s^2}, \\qquad
    PUC = 1 - \\frac{\\sum_s n_s (n_s - 1) / 2}{p (p - 1) / 2}, \\\\
    H_f &= \\left(1 + \\left(\\sum_i \\frac{l_{if}^2}{1 - l_{if}^2}\\right)^{-1}\\right)^{-1},
    \\qquad FD_f = \\sqrt{[\\Phi L' \\Sigma^{-1} L \\Phi]_{ff}}.

McDonald (1999) for the omegas; Reise, Bonifay & Haviland (2013) and Rodriguez, Reise &
Haviland (2016a, Psychological Methods 21, 137-150; 2016b, J Pers Assess 98, 223-237) for
omega_hs, ECV and PUC; Hancock & Mueller (2001) for H; Grice (2001) for the factor
determinacy FD (``Sigma`` the model-implied correlation matrix unless another is given);
ECV of a scale: Stucky & Edelen (2014) (``ecv_s``, share of all common variance) and
BifactorIndicesCalculator's ECV_SS (``ecv_ss``, share of the scale's common variance);
I-ECV per item: Stucky, Thissen & Edelen (2013). Loadings enter with their sign (they are the
weights of a unit-weighted total). Tested against R (``tests/reference/bifactor.R``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.errors import InputError

__all__ = ["BifactorIndices", "bifactor_indices", "coefficient_h", "factor_determinacy",
           "percent_uncontaminated_correlations"]


def coefficient_h(loadings: Any) -> float:
    """Construct replicability H of a factor from its standardized loadings.

    Zero loadings (items not on the factor) are left out.

    Examples
    --------
    >>> round(coefficient_h([.7, .6, .5, 0]), 4)
    0.6499
    """
    lam = np.asarray(loadings, dtype=float)
    lam = lam[lam != 0]
    if lam.size == 0:
        return float("nan")
    a = float(np.sum(lam**2 / (1.0 - lam**2)))
    return 1.0 / (1.0 + 1.0 / a)


def factor_determinacy(loadings: Any, sigma: Any, phi: Any = None) -> np.ndarray:
    """Factor determinacies ``sqrt(diag(Phi L' Sigma^-1 L Phi))`` (Grice, 2001).

    Parameters
    ----------
    loadings : array (p, m)
    sigma : array (p, p)
        The correlation matrix the factor scores are computed from.
    phi : array (m, m), optional
        Factor correlations (identity: orthogonal factors).

    Examples
    --------
    >>> lam = np.array([[.8], [.7], [.6]])
    >>> sigma = lam @ lam.T + np.diag(1 - (lam**2).ravel())
    >>> factor_determinacy(lam, sigma).round(4).tolist()
    [0.8761]
    """
    lam = np.asarray(loadings, dtype=float)
    m = lam.shape[1]
    ph = np.eye(m) if phi is None else np.asarray(phi, dtype=float)
    s = ph @ lam.T @ np.linalg.solve(np.asarray(sigma, dtype=float), lam) @ ph
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.diag(s))


def percent_uncontaminated_correlations(sizes: Sequence[int]) -> float:
    """PUC: the share of item correlations between items of different scales.

    Examples
    --------
    >>> round(percent_uncontaminated_correlations([5, 5, 5, 5, 5]), 4)
    0.8333
    """
    n = np.asarray(sizes, dtype=float)
    p = n.sum()
    if p < 2:
        return float("nan")
    return float(1.0 - np.sum(n * (n - 1) / 2.0) / (p * (p - 1) / 2.0))


@dataclass(frozen=True)
class BifactorIndices:
    """The indices of one bifactor solution.

    Attributes
    ----------
    method : str
        ``cfa`` (a fitted bifactor CFA, model-implied variances) or ``schmid_leiman``
        (psych's exploratory solution and its observed-variance omegas).
    general : str
        Name of the general factor.
    omega_total, omega_h, relative_omega_h, ecv, puc : float
    h, fd : dict
        Factor -> H / FD, with the general factor under ``"general"`` and each specific
        factor under its scale's name.
    omega_s, omega_hs, relative_omega_s, ecv_s, ecv_ss, ecv_gs : dict
        Scale -> index (0 for omega_hs and the ECVs of a scale without a specific factor).
    iecv : dict
        Item -> I-ECV.
    specific : dict
        Scale -> its specific factor (None when the scale has none, e.g. bifactor S-1).
    """

    method: str
    general: str
    omega_total: float
    omega_h: float
    relative_omega_h: float
    ecv: float
    puc: float
    h: dict[str, float]
    fd: dict[str, float]
    omega_s: dict[str, float]
    omega_hs: dict[str, float]
    relative_omega_s: dict[str, float]
    ecv_s: dict[str, float]
    ecv_ss: dict[str, float]
    ecv_gs: dict[str, float]
    iecv: dict[str, float]
    specific: dict[str, str | None]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The ``"bifactor"`` block of ``lospw reliability --bifactor --json``."""
        return {"method": self.method, "general_factor": self.general,
                "omega_h": self.omega_h, "omega_total": self.omega_total,
                "relative_omega_h": self.relative_omega_h, "ecv": self.ecv, "puc": self.puc,
                "h": dict(self.h), "fd": dict(self.fd), "omega_hs": dict(self.omega_hs),
                "omega_s": dict(self.omega_s), "relative_omega_s": dict(self.relative_omega_s),
                "ecv_s": dict(self.ecv_s), "ecv_ss": dict(self.ecv_ss),
                "ecv_gs": dict(self.ecv_gs), "iecv": dict(self.iecv),
                "specific_factors": dict(self.specific), "notes": list(self.notes)}

    def to_frame(self) -> pd.DataFrame:
        """One row for the general factor and one per scale."""
        rows = [{"factor": "general", "omega": self.omega_total, "omega_h": self.omega_h,
                 "ecv": self.ecv, "h": self.h.get("general"), "fd": self.fd.get("general")}]
        rows += [{"factor": s, "omega": self.omega_s[s], "omega_h": self.omega_hs[s],
                  "ecv": self.ecv_ss[s], "h": self.h.get(s), "fd": self.fd.get(s)}
                 for s in self.omega_s]
        return pd.DataFrame(rows)


def _ratio(a: float, b: float) -> float:
    return a / b if b != 0 else float("nan")


def bifactor_indices(loadings: pd.DataFrame, general: str,
                     groups: Mapping[str, Sequence[str]], *,
                     specific: Mapping[str, str | None] | None = None,
                     residuals: Mapping[str, float] | None = None,
                     sigma: Any = None, method: str = "cfa") -> BifactorIndices:
    """All indices of a bifactor solution from its standardized loadings.

    Parameters
    ----------
    loadings : DataFrame
        Items x factors, standardized (zero where an item does not load).
    general : str
        The general factor's column.
    groups : mapping
        Scale -> its items (every item of ``loadings`` in one scale).
    specific : mapping, optional
        Scale -> its specific factor's column or None; default: the scale's name when it is a
        column, else None.
    residuals : mapping, optional
        Item -> standardized residual variance; default ``1 - sum of squared loadings``.
    sigma : array, optional
        Correlation matrix for the factor determinacies; default the model-implied one,
        ``L L' + diag(t)``.
    method : str
        Recorded (``cfa`` or ``schmid_leiman``).

    Returns
    -------
    BifactorIndices

    Raises
    ------
    InputError
        When the general factor is not a column or an item is in no scale.

    Examples
    --------
    >>> lo = pd.DataFrame({"g": [.6, .6, .6, .5, .5, .5], "A": [.4, .4, .4, 0, 0, 0],
    ...                    "B": [0, 0, 0, .5, .5, .5]}, index=list("abcdef"))
    >>> ind = bifactor_indices(lo, "g", {"A": ["a", "b", "c"], "B": ["d", "e", "f"]})
    >>> round(ind.omega_h, 4), round(ind.ecv, 4), round(ind.omega_hs["B"], 4)
    (0.6216, 0.598, 0.375)
    """
    if general not in loadings.columns:
        raise InputError(f"The general factor {general!r} is not a column of the loadings "
                         f"({', '.join(map(str, loadings.columns))}).")
    items = list(loadings.index)
    placed = [i for s in groups.values() for i in s]
    missing = [i for i in items if i not in placed]
    if missing:
        raise InputError(f"Item(s) {', '.join(missing[:5])} belong to no scale; give every "
                         "item of the bifactor model a scale.")
    spec = dict(specific) if specific is not None else {
        s: (s if s in loadings.columns and s != general else None) for s in groups}
    lg = loadings[general].astype(float)
    ls_item = pd.Series(0.0, index=items)
    for s, its in groups.items():
        f = spec.get(s)
        if f is not None:
            ls_item[list(its)] = loadings.loc[list(its), f].astype(float)
    t = (pd.Series(residuals, dtype=float).reindex(items) if residuals is not None
         else 1.0 - (loadings.astype(float) ** 2).sum(axis=1))
    sums = {s: (float(lg[list(its)].sum()), float(ls_item[list(its)].sum()))
            for s, its in groups.items()}
    common = float(lg.sum()) ** 2 + sum(ss**2 for _, ss in sums.values())
    denom = common + float(t.sum())
    ev_g = float((lg**2).sum())
    ev_all = ev_g + float((ls_item**2).sum())
    omega_s, omega_hs, rel_s, ecv_s, ecv_ss, ecv_gs = {}, {}, {}, {}, {}, {}
    for s, its in groups.items():
        sg, ss = sums[s]
        d = sg**2 + ss**2 + float(t[list(its)].sum())
        omega_s[s] = (sg**2 + ss**2) / d
        omega_hs[s] = ss**2 / d
        rel_s[s] = _ratio(omega_hs[s], omega_s[s])
        g2 = float((lg[list(its)] ** 2).sum())
        s2 = float((ls_item[list(its)] ** 2).sum())
        ecv_s[s] = s2 / ev_all
        ecv_ss[s] = _ratio(s2, g2 + s2)
        ecv_gs[s] = _ratio(g2, g2 + s2)
    lam_cols = [general] + [f for f in spec.values() if f is not None]
    lam = loadings[lam_cols].astype(float).to_numpy()
    if sigma is None:
        sigma = lam @ lam.T + np.diag(t.to_numpy())
    fd_vals = factor_determinacy(lam, sigma)
    label = {general: "general", **{f: s for s, f in spec.items() if f is not None}}
    h = {label[f]: coefficient_h(loadings[f].astype(float)) for f in lam_cols}
    fd = {label[f]: float(v) for f, v in zip(lam_cols, fd_vals, strict=True)}
    with np.errstate(invalid="ignore", divide="ignore"):
        iecv = lg**2 / (lg**2 + ls_item**2)
    omega_h = float(lg.sum()) ** 2 / denom
    return BifactorIndices(
        method=method, general=general, omega_total=common / denom, omega_h=omega_h,
        relative_omega_h=_ratio(omega_h, common / denom), ecv=ev_g / ev_all,
        puc=percent_uncontaminated_correlations([len(v) for v in groups.values()]),
        h=h, fd=fd, omega_s=omega_s, omega_hs=omega_hs, relative_omega_s=rel_s,
        ecv_s=ecv_s, ecv_ss=ecv_ss, ecv_gs=ecv_gs,
        iecv={i: float(v) for i, v in iecv.items()}, specific=spec)
