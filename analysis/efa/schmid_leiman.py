"""Schmid–Leiman bifactor solution and the omegas of ``psych::omega``.

:func:`schmid_leiman` follows ``psych::schmid`` (Schmid & Leiman, 1957): ``k`` oblique factors
(minres, oblimin) of a correlation matrix, one general factor of their correlations (minres;
for two factors both get ``sqrt(|phi_12|)``, psych's ``option = "equal"``), and the
orthogonalised loadings

.. math::

    g_i = \\sum_f \\lambda_{if} \\gamma_f, \\qquad s_{if} = \\lambda_{if} \\sqrt{1 - \\gamma_f^2},

with ``lambda`` the oblique pattern and ``gamma`` the factors' loadings on the general factor.
:func:`omega_schmid_leiman` computes ``psych::omega``'s statistics from them (Revelle &
Zinbarg, 2009): items whose general loading is negative are reversed first (``flip``), then
with ``V_t`` the sum of the (flipped) correlation matrix and ``u2_i = 1 - h2_i`` (``h2`` the
communality of the ``k``-factor solution)

.. math::

    \\omega_h = \\frac{(\\sum g_i)^2}{V_t}, \\quad
    \\omega_t = \\frac{V_t - \\sum u2_i}{V_t}, \\quad
    \\omega_{lim} = \\frac{(\\sum g_i)^2}{V_t - \\sum u2_i}, \\quad
    ECV = \\frac{\\sum g_i^2}{\\sum g_i^2 + \\sum_{i,f} s_{if}^2},

and per group factor ``f`` (its items ``I_f``: those whose largest absolute group loading is
on ``f``; ``V_f`` the sum of their correlations) ``omega_hs = (sum_{I_f} s_f)^2 / V_f``, the
general part ``(sum_{I_f} g)^2 / V_f`` and their sum. Tested against psych 2.2.9
(``tests/reference/bifactor.R``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.errors import InputError
from lospw.analysis.efa.extraction import extract, smc
from lospw.analysis.efa.rotation import rotate

__all__ = ["OmegaSL", "SchmidLeiman", "omega_schmid_leiman", "schmid_leiman"]


@dataclass(frozen=True)
class SchmidLeiman:
    """A Schmid–Leiman solution (``psych::schmid``'s ``sl``, ``oblique``, ``phi``, ``gloading``).

    Attributes
    ----------
    loadings : DataFrame
        Items x (``g``, ``F1*`` ... ``Fk*``): the orthogonalised loadings.
    h2, u2 : Series
        Communalities of the ``k``-factor solution and ``1 - h2``.
    oblique, phi : DataFrame
        The oblique pattern and factor correlations (``F1`` ... ``Fk``).
    gloading : Series
        The factors' loadings on the general factor.
    converged : bool
        The extraction and the rotation converged.
    """

    loadings: pd.DataFrame
    h2: pd.Series
    u2: pd.Series
    oblique: pd.DataFrame
    phi: pd.DataFrame
    gloading: pd.Series
    converged: bool


def _check(r: Any, nfactors: int) -> np.ndarray:
    r = np.asarray(r, dtype=float)
    if r.ndim != 2 or r.shape[0] != r.shape[1] or not np.all(np.isfinite(r)):
        raise InputError("The Schmid-Leiman solution needs a square, finite correlation "
                         "matrix (no missing values).")
    if isinstance(nfactors, bool) or not isinstance(nfactors, (int, np.integer)) \
            or not 2 <= nfactors < r.shape[0]:
        raise InputError(f"The Schmid-Leiman solution needs 2 to {r.shape[0] - 1} group "
                         f"factors for {r.shape[0]} items; got {nfactors!r}.")
    return r


def schmid_leiman(r: Any, nfactors: int, items: list[str] | None = None) -> SchmidLeiman:
    """The Schmid–Leiman orthogonalisation of ``nfactors`` oblique minres factors.

    Parameters
    ----------
    r : array (p, p)
        Correlation matrix.
    nfactors : int
        Group factors (``2 <= nfactors < p``).
    items : list of str, optional
        Item names (default ``V1`` ...).

    Returns
    -------
    SchmidLeiman

    Examples
    --------
    >>> lam = np.array([.7, .6, .5, .7, .6, .5, .7, .6, .5])
    >>> blocks = np.kron(np.eye(3), np.ones((3, 3)))
    >>> r = np.outer(lam, lam) * (0.5 + 0.5 * blocks)
    >>> np.fill_diagonal(r, 1.0)
    >>> sl = schmid_leiman(r, 3)
    >>> np.round(sl.loadings["g"].to_numpy()[:3], 3).tolist()
    [0.487, 0.418, 0.348]
    """
    r = _check(r, nfactors)
    p = r.shape[0]
    names = list(items) if items is not None else [f"V{i + 1}" for i in range(p)]
    ex = extract(r, int(nfactors), "minres")
    rot = rotate(ex.loadings, "oblimin")
    fload, phi = rot.loadings, rot.phi
    if nfactors > 2:
        gfit = extract(phi, 1, "minres")
        gload = gfit.loadings[:, 0]
        ok = ex.converged and rot.converged and gfit.converged
    else:  # psych's option = "equal": two factors do not identify a general one
        g = np.sqrt(abs(phi[0, 1]))
        gload = np.array([g, np.sign(phi[0, 1]) * g])
        ok = ex.converged and rot.converged
    general = fload @ gload
    uniq2 = np.clip(fload**2 - (fload * gload) ** 2, 0.0, None)
    specific = np.sign(fload) * np.sqrt(uniq2)
    h2 = ex.communalities
    groups = [f"F{k + 1}*" for k in range(nfactors)]
    factors = [f"F{k + 1}" for k in range(nfactors)]
    return SchmidLeiman(
        loadings=pd.DataFrame(np.column_stack([general, specific]), index=names,
                              columns=["g", *groups]),
        h2=pd.Series(h2, index=names), u2=pd.Series(np.diag(r) - h2, index=names),
        oblique=pd.DataFrame(fload, index=names, columns=factors),
        phi=pd.DataFrame(phi, index=factors, columns=factors),
        gloading=pd.Series(gload, index=factors), converged=bool(ok))


@dataclass(frozen=True)
class OmegaSL:
    """``psych::omega``'s statistics of a Schmid–Leiman solution.

    Attributes
    ----------
    omega_h, omega_total, omega_lim, alpha, g6, ecv : float
    groups : dict
        Group factor (``F1*`` ...) -> its items (largest absolute group loading).
    omega_group : DataFrame
        Rows ``g``, ``F1*`` ...; columns ``total``, ``general``, ``group`` (psych's
        ``omega.group``; ``group`` is omega hierarchical of the subscale, omega_hs).
    flip : dict
        Item -> +1 or -1 (reversed because its general loading was negative).
    solution : SchmidLeiman
        The solution after flipping.
    """

    omega_h: float
    omega_total: float
    omega_lim: float
    alpha: float
    g6: float
    ecv: float
    groups: dict[str, list[str]]
    omega_group: pd.DataFrame
    flip: dict[str, int]
    solution: SchmidLeiman

    def to_dict(self) -> dict[str, Any]:
        return {"omega_h": self.omega_h, "omega_total": self.omega_total,
                "omega_lim": self.omega_lim, "alpha": self.alpha, "g6": self.g6,
                "ecv": self.ecv, "groups": self.groups,
                "omega_group": {f: row.to_dict() for f, row in self.omega_group.iterrows()},
                "flip": self.flip, "converged": self.solution.converged}


def omega_schmid_leiman(r: Any, nfactors: int, items: list[str] | None = None, *,
                        flip: bool = True) -> OmegaSL:
    """``psych::omega(r, nfactors)`` with its defaults (minres, oblimin, ``flip = TRUE``).

    Parameters
    ----------
    r : array (p, p)
        Correlation matrix (psych: ``cor(x, use = "pairwise")`` of raw data).
    nfactors : int
        Group factors.
    items : list of str, optional
    flip : bool
        Reverse items whose general loading is negative (psych's default).

    Returns
    -------
    OmegaSL

    Examples
    --------
    >>> lam = np.array([.7, .6, .5, .7, .6, .5, .7, .6, .5])
    >>> blocks = np.kron(np.eye(3), np.ones((3, 3)))
    >>> r = np.outer(lam, lam) * (0.5 + 0.5 * blocks)
    >>> np.fill_diagonal(r, 1.0)
    >>> om = omega_schmid_leiman(r, 3)
    >>> round(om.omega_h, 3), round(om.omega_total, 3)
    (0.515, 0.773)
    """
    r = _check(r, nfactors)
    p = r.shape[0]
    sl = schmid_leiman(r, nfactors, items)
    names = list(sl.loadings.index)
    load = sl.loadings.to_numpy()
    key = np.sign(load[:, 0])
    key[key == 0] = 1.0
    if not flip:
        key = np.ones(p)
    m = r * np.outer(key, key)
    load = load * key[:, None]
    vt = float(m.sum())
    u2 = sl.u2.to_numpy()
    g = load[:, 0]
    gsq = float(g.sum() ** 2)
    om_tot = (vt - u2.sum()) / vt
    alpha = (vt - float(np.trace(m))) / vt * p / (p - 1)
    g6 = (vt + float(smc(m).sum()) - float(np.trace(m))) / vt
    ev = (load**2).sum(axis=0)
    ecv = float(ev[0] / ev.sum())
    spec = load[:, 1:]
    assign = np.argmax(np.abs(spec), axis=1)
    cols = list(sl.loadings.columns)
    rows = {"g": {"total": om_tot, "general": gsq / vt, "group": np.nan}}
    groups: dict[str, list[str]] = {}
    grs = 0.0
    for f in range(nfactors):
        members = np.flatnonzero(assign == f)
        name = cols[f + 1]
        if members.size == 0:
            rows[name] = {"total": np.nan, "general": np.nan, "group": np.nan}
            groups[name] = []
            continue
        vgr = float(m[np.ix_(members, members)].sum())
        gr = float(spec[members, f].sum())
        gg = float(g[members].sum())
        grs += gr**2
        rows[name] = {"total": (gr**2 + gg**2) / vgr, "general": gg**2 / vgr,
                      "group": gr**2 / vgr}
        groups[name] = [names[i] for i in members]
    rows["g"]["group"] = grs / vt
    flipped = SchmidLeiman(loadings=pd.DataFrame(load, index=names, columns=cols),
                           h2=sl.h2, u2=sl.u2, oblique=sl.oblique, phi=sl.phi,
                           gloading=sl.gloading, converged=sl.converged)
    return OmegaSL(omega_h=gsq / vt, omega_total=float(om_tot),
                   omega_lim=gsq / (vt - float(u2.sum())), alpha=float(alpha), g6=float(g6),
                   ecv=ecv, groups=groups,
                   omega_group=pd.DataFrame.from_dict(rows, orient="index")[
                       ["total", "general", "group"]],
                   flip={n: int(k) for n, k in zip(names, key, strict=True)},
                   solution=flipped)
