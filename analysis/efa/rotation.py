"""Oblique rotation of factor loadings by the gradient projection algorithm.

Oblimin (quartimin for ``gamma = 0``) and geomin criteria, rotated with the oblique gradient
projection algorithm of Jennrich (2002) as ``GPArotation::GPFoblq`` runs it (start at the
identity, no Kaiser normalisation, step doubling and halving, stop when the projected
gradient's norm is below ``eps = 1e-5``), followed by psych's conventions: each factor's
sign makes its loadings sum positive, and factors are ordered by the variance they account
for, ``diag(Phi L' L)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from lospw.analysis.core.errors import InputError

__all__ = ["ROTATIONS", "Rotation", "geomin_criterion", "oblimin_criterion", "rotate"]

ROTATIONS = ("oblimin", "geomin", "none")

Criterion = Callable[[np.ndarray], tuple[float, np.ndarray]]


def oblimin_criterion(lam: np.ndarray, gamma: float = 0.0) -> tuple[float, np.ndarray]:
    """Oblimin criterion and its gradient in the loadings.

    ``f = sum(L^2 * ((I - gamma/p) L^2 (11' - I))) / 4``, gradient ``L * X``
    (Carroll, 1953; Jennrich, 2002).

    Examples
    --------
    >>> f, g = oblimin_criterion(np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> f, g.tolist()
    (0.0, [[0.0, 0.0], [0.0, 0.0]])
    """
    _p, k = lam.shape
    l2 = lam * lam
    x = l2 @ (1.0 - np.eye(k))
    if gamma != 0:
        x = x - gamma * x.mean(axis=0, keepdims=True)
    return float(np.sum(l2 * x) / 4.0), lam * x


def geomin_criterion(lam: np.ndarray, delta: float = 0.01) -> tuple[float, np.ndarray]:
    """Geomin criterion ``sum_i (prod_j (L_ij^2 + delta))^(1/k)`` and its gradient
    (Yates, 1987; Browne, 2001).

    Examples
    --------
    >>> f, g = geomin_criterion(np.array([[1.0, 0.0]]))
    >>> round(f, 6)
    0.100499
    """
    _p, k = lam.shape
    l2 = lam * lam + delta
    pro = np.exp(np.log(l2).sum(axis=1) / k)
    return float(pro.sum()), (2.0 / k) * (lam / l2) * pro[:, None]


@dataclass(frozen=True)
class Rotation:
    """Rotated loadings (pattern), factor correlations and the transformation.

    ``loadings = A @ inv(T).T``, ``phi = T' T``.
    """

    loadings: np.ndarray
    phi: np.ndarray
    transform: np.ndarray
    method: str
    converged: bool
    iterations: int
    criterion: float

    @property
    def structure(self) -> np.ndarray:
        """Structure matrix ``L Phi`` (item-factor correlations)."""
        return self.loadings @ self.phi


def _gpf_oblique(a: np.ndarray, crit: Criterion, eps: float, max_iter: int
                 ) -> tuple[np.ndarray, np.ndarray, bool, int, float]:
    """Jennrich's (2002) oblique gradient projection, from the identity."""
    k = a.shape[1]
    t = np.eye(k)
    step = 1.0
    lam = a.copy()
    f, gq = crit(lam)
    g = -(lam.T @ gq @ np.linalg.inv(t)).T
    converged = False
    it = 0
    for it in range(max_iter + 1):  # noqa: B007 (reported)
        gp = g - t * np.sum(t * g, axis=0)  # project onto the unit-column manifold
        s = float(np.sqrt(np.sum(gp * gp)))
        if s < eps:
            converged = True
            break
        step *= 2.0
        for _ in range(11):
            x = t - step * gp
            tt = x / np.sqrt(np.sum(x * x, axis=0))
            lam_t = a @ np.linalg.inv(tt).T
            f_t, gq_t = crit(lam_t)
            if f - f_t > 0.5 * s * s * step:
                break
            step /= 2.0
        t, f, lam = tt, f_t, lam_t
        g = -(lam.T @ gq_t @ np.linalg.inv(t)).T
    return lam, t, converged, it, f


def rotate(loadings: Any, method: str = "oblimin", *, gamma: float = 0.0,
           delta: float = 0.01, eps: float = 1e-5, max_iter: int = 1000) -> Rotation:
    """Rotate unrotated loadings obliquely.

    Parameters
    ----------
    loadings : array (p, k)
    method : {"oblimin", "geomin", "none"}
    gamma : float
        Oblimin's gamma (0: quartimin, psych's and GPArotation's default).
    delta : float
        Geomin's delta (0.01, GPArotation's default).
    eps, max_iter
        GPArotation's stopping rule and iteration limit.

    Returns
    -------
    Rotation
        With psych's ordering and signs (see the module docstring).

    Examples
    --------
    >>> a = np.array([[.7, .3], [.6, .35], [.65, .25], [.3, -.6], [.35, -.5], [.3, -.55]])
    >>> rot = rotate(a)
    >>> bool(np.all(np.abs(rot.loadings[:3, 1]) < .1)), rot.converged
    (True, True)
    """
    a = np.asarray(loadings, dtype=float)
    if method not in ROTATIONS:
        raise InputError(
            f"The rotation must be one of {', '.join(map(repr, ROTATIONS))}; got {method!r}."
        )
    k = a.shape[1]
    if method == "none" or k < 2:
        lam, t, ok, its, f = a.copy(), np.eye(k), True, 0, 0.0
    else:
        if method == "oblimin":
            def crit(x: np.ndarray) -> tuple[float, np.ndarray]:
                return oblimin_criterion(x, gamma)
        else:
            def crit(x: np.ndarray) -> tuple[float, np.ndarray]:
                return geomin_criterion(x, delta)
        lam, t, ok, its, f = _gpf_oblique(a, crit, eps, max_iter)
    phi = t.T @ t
    signs = np.sign(lam.sum(axis=0))
    signs[signs == 0] = 1.0
    lam = lam * signs
    phi = phi * np.outer(signs, signs)
    t = t * signs
    if k > 1:
        order = np.argsort(-np.diag(phi @ lam.T @ lam), kind="stable")
        lam, phi, t = lam[:, order], phi[np.ix_(order, order)], t[:, order]
    return Rotation(loadings=lam, phi=phi, transform=t, method=method, converged=ok,
                    iterations=its, criterion=f)
