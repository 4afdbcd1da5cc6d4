"""Factor extraction from a correlation matrix: minimum residual (minres / ULS) and maximum
likelihood, as ``psych::fa(fm = "minres" | "ml")`` computes them.

Both fit ``R ~ L L' + Psi`` over the uniquenesses ``Psi`` (bounded to [0.005, 1] as psych and
factanal do), with the loadings concentrated out by an eigendecomposition, by L-BFGS-B on the
exact gradient. The unrotated loadings are returned with psych's sign convention (each
column sums to a positive number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from lospw.analysis.core.errors import InputError

__all__ = ["EXTRACTIONS", "Extraction", "extract", "reduced_eigenvalues", "smc"]

EXTRACTIONS = ("minres", "ml")
_LOWER = 0.005


@dataclass(frozen=True)
class Extraction:
    """Unrotated factor solution.

    Attributes
    ----------
    loadings : ndarray (p, q)
    uniquenesses : ndarray (p,)
        The fitted Psi (``1 - communality`` on a correlation matrix).
    method : str
    converged : bool
    heywood : bool
        A uniqueness at its lower bound (0.005).
    objective : float
        The minimised criterion: half the sum of squared residuals (minres) or the ML
        discrepancy (ml).
    """

    loadings: np.ndarray
    uniquenesses: np.ndarray
    method: str
    converged: bool
    heywood: bool
    objective: float

    @property
    def communalities(self) -> np.ndarray:
        """Row sums of squared loadings."""
        return (self.loadings**2).sum(axis=1)


def smc(r: Any) -> np.ndarray:
    """Squared multiple correlations ``1 - 1 / diag(R^-1)`` (Guttman, 1940).

    Uses the pseudo-inverse for a singular matrix.

    Examples
    --------
    >>> smc(np.array([[1, .5], [.5, 1]])).round(4).tolist()
    [0.25, 0.25]
    """
    r = np.asarray(r, dtype=float)
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(r)
    return np.clip(1.0 - 1.0 / np.diag(inv), 0.0, 1.0)


def _top(vals: np.ndarray, vecs: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(vals)[::-1][:q]
    return vals[order], vecs[:, order]


def _uls(psi: np.ndarray, r: np.ndarray, q: int) -> tuple[float, np.ndarray]:
    """ULS criterion concentrated over the loadings, and its gradient.

    ``F(Psi) = min_L ||R - Psi - L L'||^2 / 2`` = half the sum of the squared eigenvalues of
    ``R - Psi`` that ``L L'`` (top q, non-negative) does not take; by the envelope theorem
    ``dF/dPsi_i = -(R - Psi - L L')_ii``. Its minimum is psych's minres solution (the
    off-diagonal residuals are minimised and the diagonal ones vanish).
    """
    a = r - np.diag(psi)
    vals, vecs = np.linalg.eigh(a)
    top, v = _top(vals, vecs, q)
    lam = v * np.sqrt(np.maximum(top, 0.0))
    res = a - lam @ lam.T
    return 0.5 * float(np.sum(res * res)), -np.diag(res).copy()


def _ml(psi: np.ndarray, r: np.ndarray, q: int) -> tuple[float, np.ndarray]:
    """ML discrepancy concentrated over the loadings, and its gradient (Joreskog, 1967).

    ``F = sum_{j > q} (e_j - log e_j - 1)`` for the eigenvalues ``e`` of
    ``Psi^-1/2 R Psi^-1/2``; ``dF/dPsi_i = (L L' + Psi - R)_ii / Psi_i^2``.
    """
    sc = 1.0 / np.sqrt(psi)
    vals, vecs = np.linalg.eigh(r * np.outer(sc, sc))
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    rest = vals[q:]
    f = float(np.sum(rest - np.log(rest) - 1.0))
    lam = np.sqrt(psi)[:, None] * vecs[:, :q] * np.sqrt(np.maximum(vals[:q] - 1.0, 0.0))
    grad = (np.sum(lam * lam, axis=1) + psi - np.diag(r)) / (psi * psi)
    return f, grad


def _loadings(psi: np.ndarray, r: np.ndarray, q: int, method: str) -> np.ndarray:
    if method == "ml":
        sc = 1.0 / np.sqrt(psi)
        vals, vecs = _top(*np.linalg.eigh(r * np.outer(sc, sc)), q)
        lam = np.sqrt(psi)[:, None] * vecs * np.sqrt(np.maximum(vals - 1.0, 0.0))
    else:
        vals, vecs = _top(*np.linalg.eigh(r - np.diag(psi)), q)
        lam = vecs * np.sqrt(np.maximum(vals, 0.0))
    signs = np.sign(lam.sum(axis=0))
    signs[signs == 0] = 1.0
    return lam * signs


def extract(r: Any, nfactors: int, method: str = "minres") -> Extraction:
    """Extract ``nfactors`` unrotated factors from a correlation matrix.

    Parameters
    ----------
    r : array (p, p)
        Correlation matrix (Pearson or polychoric).
    nfactors : int
        ``1 <= nfactors < p``.
    method : {"minres", "ml"}
        Minimum residual (unweighted least squares; psych's default) or maximum likelihood.

    Returns
    -------
    Extraction

    Notes
    -----
    Start: ``Psi = 1 - SMC`` (psych). The ML solution is the one of ``factanal`` and of
    ``psych::fa(fm = "ml")``; minres the one of ``psych::fa(fm = "minres")`` (Harman, 1976).

    Examples
    --------
    >>> lam = np.array([[.8, 0], [.7, 0], [.6, 0], [0, .7], [0, .6], [0, .5]])
    >>> r = lam @ lam.T
    >>> np.fill_diagonal(r, 1)
    >>> fit = extract(r, 2, "ml")
    >>> np.round(fit.communalities, 4).tolist()
    [0.64, 0.49, 0.36, 0.49, 0.36, 0.25]
    """
    r = np.asarray(r, dtype=float)
    p = r.shape[0]
    if method not in EXTRACTIONS:
        raise InputError(
            f"The factoring method must be one of {', '.join(map(repr, EXTRACTIONS))}; got "
            f"{method!r}."
        )
    if not isinstance(nfactors, (int, np.integer)) or not 1 <= nfactors < p:
        raise InputError(
            f"The number of factors must be a whole number from 1 to {p - 1} (one less than "
            f"the {p} items); got {nfactors!r}."
        )
    if r.shape != (p, p) or not np.all(np.isfinite(r)):
        raise InputError("The correlation matrix must be square and finite (no missing).")
    # lazy: scipy.optimize costs 0.15-0.3 s of start-up, which commands that import this
    # module without extracting factors (`lospw reliability`) need not pay
    from scipy.optimize import minimize

    start = np.clip(1.0 - smc(r), _LOWER, 1.0)
    fun = _ml if method == "ml" else _uls
    # small matrices: BLAS threads only contend (10x slower on a busy 2-core machine)
    with threadpool_limits(1, user_api="blas"):
        res = minimize(fun, start, args=(r, int(nfactors)), jac=True, method="L-BFGS-B",
                       bounds=[(_LOWER, 1.0)] * p,
                       options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
    psi = res.x
    lam = _loadings(psi, r, int(nfactors), method)
    # converged: L-BFGS-B says so, or the projected gradient vanishes (a line search that
    # cannot improve at machine precision is reported as a failure by scipy)
    _, grad = fun(psi, r, int(nfactors))
    free = ~(((psi <= _LOWER) & (grad > 0)) | ((psi >= 1.0) & (grad < 0)))
    ok = bool(res.success) or bool(np.max(np.abs(grad[free]), initial=0.0) < 1e-6)
    return Extraction(
        loadings=lam, uniquenesses=psi, method=method, converged=ok,
        heywood=bool(np.any(psi <= _LOWER * (1 + 1e-6))), objective=float(res.fun),
    )


def reduced_eigenvalues(r: Any, communalities: Any) -> np.ndarray:
    """Eigenvalues (decreasing) of ``R`` with its diagonal replaced by the communalities.

    These are ``psych::fa(...)$values``, the "factor" eigenvalues of ``fa.parallel``.

    Examples
    --------
    >>> reduced_eigenvalues(np.eye(2), [0.5, 0.5]).tolist()
    [0.5, 0.5]
    """
    s = np.array(r, dtype=float)
    np.fill_diagonal(s, communalities)
    return np.sort(np.linalg.eigvalsh(s))[::-1]
