"""Brent's root finder on a bracket, in plain Python (cheap to import).

``from scipy import optimize`` costs about 0.15-0.3 s of start-up (it loads scipy.linalg,
scipy.sparse, scipy.spatial and scipy.fft), and every fitted model needs one root finder
for the RMSEA interval. :func:`brentq` follows SciPy's ``scipy/optimize/Zeros/brentq.c``
(Brent's method as written by Charles Harris) step for step, with the same defaults and the
same errors as ``scipy.optimize.brentq``, so its roots are the same floating-point numbers
(``tests/analysis/core/test_roots.py`` checks this against SciPy).
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["brentq"]

_EPS = 2.220446049250313e-16  # np.finfo(float).eps


def brentq(f: Callable[[float], float], a: float, b: float, *, xtol: float = 2e-12,
           rtol: float = 4 * _EPS, maxiter: int = 100) -> float:
    """A root of ``f`` in the bracket ``[a, b]`` by Brent's method.

    Parameters
    ----------
    f : callable
        A continuous function of one float; ``f(a)`` and ``f(b)`` differ in sign.
    a, b : float
        The ends of the bracket.
    xtol, rtol : float
        The root ``x0`` is found within ``xtol + rtol * |x0|``
        (``xtol > 0``, ``rtol >= 4 * eps``).
    maxiter : int
        Iterations before giving up.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        ``f(a)`` and ``f(b)`` have the same sign, ``f`` returned NaN, or a tolerance is out of
        range (as ``scipy.optimize.brentq``).
    RuntimeError
        No convergence within ``maxiter`` iterations.

    Notes
    -----
    Each step keeps the root bracketed between the current estimate :math:`x_c` and the
    contrapoint :math:`x_b`, and tries inverse quadratic (or linear) interpolation
    :math:`s = -f_c \\,(f_b d_b - f_p d_p) / (d_b d_p (f_b - f_p))` with the divided differences
    :math:`d = (f - f_c)/(x - x_c)`; a step longer than half the bracket (or than the last
    step but one) is replaced by bisection, and a step below the tolerance
    :math:`\\delta = (x_{tol} + r_{tol} |x_c|)/2` by :math:`\\pm\\delta`. It stops when
    :math:`|x_b - x_c|/2 < \\delta` or :math:`f_c = 0`.

    References
    ----------
    Brent, R. P. (1973). *Algorithms for minimization without derivatives*, ch. 4.
    Prentice-Hall. SciPy ``scipy/optimize/Zeros/brentq.c``; R's ``uniroot`` is the same
    method.

    Examples
    --------
    >>> root = brentq(lambda x: x * x - 2.0, 0.0, 2.0)
    >>> abs(root - 2 ** 0.5) < 1e-12
    True
    """
    if xtol <= 0:
        raise ValueError(f"xtol too small ({xtol:g} <= 0)")
    if rtol < 4 * _EPS:
        raise ValueError(f"rtol too small ({rtol:g} < {4 * _EPS:g})")

    def value(x: float) -> float:
        fx = float(f(x))
        if math.isnan(fx):
            raise ValueError(f"The function value at x={x:f} is NaN; solver cannot continue.")
        return fx

    xpre, xcur = float(a), float(b)
    fpre, fcur = value(xpre), value(xcur)
    if fpre * fcur > 0:
        raise ValueError("f(a) and f(b) must have different signs")
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    xblk = fblk = spre = scur = 0.0
    for _ in range(maxiter):
        if fpre * fcur < 0:  # the contrapoint: the last point with the other sign
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):  # the current estimate is the point nearer the root
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        step_ok = False
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # interpolate
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # extrapolate (inverse quadratic)
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            bound = 3 * abs(sbis) - delta
            step_ok = 2 * abs(stry) < (abs(spre) if abs(spre) < bound else bound)
        if step_ok:  # a good short step
            spre, scur = scur, stry
        else:  # bisect
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = value(xcur)
    raise RuntimeError(f"Failed to converge after {maxiter} iterations, value is {xcur!r}.")
