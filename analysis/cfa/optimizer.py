"""Minimise a discrepancy function by Fisher scoring with a line search.

The estimators supply ``f(x)`` (discrepancy, ``inf`` when the implied matrix is not positive
definite), its analytic gradient and an information-like matrix (expected information for
ML, ``Delta' W Delta`` for DWLS). A step solves ``I step = -grad``; it is halved until the
discrepancy decreases. Scoring converges in a few iterations near the optimum; when it stalls,
BFGS (scipy) takes over from the best point. Where neither can reach the gradient tolerance
because the discrepancy is noisy above it (a near-singular implied covariance), the point is
judged as lavaan's ``nlminb`` judges it (:func:`_at_noise_floor`). Also: a numerical Hessian from the analytic
gradient (lavaan's ``lav_model_hessian``: 4-point central differences).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["OptResult", "numerical_hessian", "scoring"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OptResult:
    x: np.ndarray
    fx: float
    iterations: int
    converged: bool
    message: str
    grad_max: float
    #: converged by the noise-floor test only (:func:`_at_noise_floor`), not the gradient test
    floor: bool = False


def scoring(f: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray],
            info: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, *,
            max_iter: int = 200, grad_tol: float = 1e-7) -> OptResult:
    """Fisher scoring with step halving, then BFGS if scoring stalls.

    Convergence: the largest absolute gradient element below ``grad_tol`` (the discrepancy
    is per observation, so this is a tight criterion), or no further decrease possible with
    a gradient below ``100 * grad_tol``.
    """
    x = np.asarray(x0, dtype=float).copy()
    fx = f(x)
    if not np.isfinite(fx):
        return OptResult(x, fx, 0, False, "the starting values give a non-positive-definite "
                         "implied covariance matrix", np.inf)
    g = grad(x)
    it = 0
    stalled = False
    for it in range(1, max_iter + 1):
        if np.max(np.abs(g)) < grad_tol:
            return OptResult(x, fx, it - 1, True, "converged", float(np.max(np.abs(g))))
        H = None
        try:  # the implied covariance may be singular yet finite (items that copy another)
            H = info(x)
            step = np.linalg.solve(H, -g)
        except np.linalg.LinAlgError:
            step = -np.linalg.pinv(H) @ g if H is not None else -g
        if not np.all(np.isfinite(step)) or step @ g >= 0:
            step = -g
        t = 1.0
        accepted = False
        for _ in range(40):
            xn = x + t * step
            fn = f(xn)
            if np.isfinite(fn) and fn <= fx + 1e-4 * t * (g @ step):
                accepted = True
                break
            t /= 2
        if not accepted:
            stalled = True
            break
        x, fx_old, fx = xn, fx, fn
        g = grad(x)
        if abs(fx_old - fx) < 1e-15 * max(1.0, abs(fx)) and np.max(np.abs(g)) < 100 * grad_tol:
            return OptResult(x, fx, it, True, "converged", float(np.max(np.abs(g))))
    gmax = float(np.max(np.abs(g)))
    if gmax < grad_tol:
        return OptResult(x, fx, it, True, "converged", gmax)
    log.debug("scoring stalled (%s) with max |grad| %.3g; trying BFGS", stalled, gmax)

    def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
        v = f(z)
        if not np.isfinite(v):
            return 1e10, np.zeros_like(z)
        return v, grad(z)

    from scipy.optimize import minimize  # lazy: the fallback only (see LAZY in the tests)

    res = minimize(fun, x, jac=True, method="BFGS",
                            options={"maxiter": 1000, "gtol": grad_tol})
    if res.fun < fx or not np.isfinite(fx):
        x, fx = res.x, float(res.fun)
        g = grad(x)
    gmax = float(np.max(np.abs(g)))
    strict = gmax < 100 * grad_tol
    floor = not strict and _at_noise_floor(fx, g, info, x)
    ok = strict or floor
    return OptResult(x, fx, it + int(res.nit), ok,
                     "converged" if ok else f"no convergence (max |gradient| {gmax:.2g})", gmax,
                     floor)


#: nlminb's ``rel.tol`` (lavaan's default ``control``): relative function convergence
REL_TOL = 1e-10
#: lavaan's ``optim.dx.tol``: the largest gradient element a converged solution may keep
DX_TOL = 1e-3


def _at_noise_floor(fx: float, g: np.ndarray, info: Callable[[np.ndarray], np.ndarray],
                    x: np.ndarray) -> bool:
    r"""Whether a point where scoring and BFGS both stopped is a solution as lavaan judges one.

    A near-singular implied covariance (an item that nearly copies another, a residual
    variance near zero) makes the discrepancy and its gradient noisy at a level far above
    ``grad_tol``, so neither can be reduced further. lavaan's ``nlminb`` then stops by
    relative function convergence. Here: twice the decrease a scoring step predicts,
    :math:`g^\top I^{-1} g`, is at most ``REL_TOL * max(1, |f|)``, and
    :math:`\max_j |g_j| \le` ``DX_TOL`` (lavaan's ``optim.dx.tol`` check). Only consulted
    after the stricter gradient test failed, so a start that converged before is unchanged.
    """
    if not (np.isfinite(fx) and np.all(np.isfinite(g))) or np.max(np.abs(g)) > DX_TOL:
        return False
    try:
        predicted = float(g @ np.linalg.solve(info(x), g))
    except np.linalg.LinAlgError:
        return False
    return bool(0.0 <= predicted <= REL_TOL * max(1.0, abs(fx)))


def numerical_hessian(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                      h: float = 1e-5) -> np.ndarray:
    """Hessian by central differences of the analytic gradient, symmetrised.

    ``H[:, j] = (g(x + h e_j) - g(x - h e_j)) / (2h)``. lavaan (``lav_model_hessian``)
    uses 4-point differences with h = 1e-6; with an analytic gradient both agree to far
    below the precision a standard error needs, and this costs half the evaluations.
    """
    k = len(x)
    H = np.zeros((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = h
        H[:, j] = (grad(x + e) - grad(x - e)) / (2 * h)
    return (H + H.T) / 2
