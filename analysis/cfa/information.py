"""Whether an information matrix can give standard errors, and whether the covariance of the
estimates it gives is positive definite (shared by the single- and two-level engines, so
both judge them alike and as lavaan does)."""

from __future__ import annotations

import numpy as np

from lospw.analysis.core.warnings import Note

__all__ = ["VCOV_TOLERANCE", "singular_information", "vcov_smallest_eigenvalue", "vcov_warnings"]

_EPS = float(np.finfo(float).eps)

#: lavaan's threshold for the smallest eigenvalue of the covariance of the estimates,
#: ``.Machine$double.eps^(3/4)`` (about 1.8e-12)
VCOV_TOLERANCE = _EPS ** 0.75


def singular_information(info: np.ndarray) -> bool:
    """Whether the information matrix (complete-data or FIML) cannot give standard errors.

    Notes
    -----
    Singular when any of these holds:

    * lavaan's "could not compute standard errors": R's ``solve()`` refuses the matrix,
      i.e. its reciprocal condition number ``1 / (||I||_1 ||I^-1||_1)`` is below the
      machine epsilon (LAPACK ``dgecon``; e.g. a variance fixed at 1e300 under FIML, whose
      observed information has an entry of 1e-300);
    * lavaan's "information matrix is not positive definite": an eigenvalue below
      ``-eps^(3/4)``;
    * an eigenvalue of the matrix scaled to unit diagonal, ``D^-1/2 I D^-1/2``, below
      ``1e-10`` times the largest: a direction the data do not identify. Unscaled, the
      information of a 1-999 response scale (variances ~ 10^4) is tiny and would look
      singular although lavaan inverts it (issue 17), so this test is made on the scaled
      matrix.
    """
    d = np.diag(info)
    if not (np.isfinite(info).all() and (d > 0).all()):
        return True
    try:
        inverse = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return True
    with np.errstate(all="ignore"):
        rcond = 1.0 / (np.linalg.norm(info, 1) * np.linalg.norm(inverse, 1))
    if not rcond >= _EPS or np.linalg.eigvalsh(info)[0] < -_EPS ** 0.75:
        return True
    s = 1.0 / np.sqrt(d)
    ev = np.linalg.eigvalsh(info * s[:, None] * s[None, :])
    return bool(ev.min() <= 1e-10 * ev.max())


def vcov_smallest_eigenvalue(vcov: np.ndarray, x_of_row: np.ndarray) -> float:
    """The smallest eigenvalue of the covariance of the estimates, by lavaan's rule.

    Parameters
    ----------
    vcov : ndarray (nx, nx)
        Covariance of the estimation vector (one entry per set of equal parameters), on
        the scale of the standard errors (already divided by N).
    x_of_row : ndarray of int
        For each parameter-table row, its index into the estimation vector (-1 = fixed).

    Returns
    -------
    float
        NaN when ``vcov`` has a non-finite entry.

    Notes
    -----
    lavaan (``lav_model_vcov``, ``check.vcov = TRUE``) judges the covariance of ALL free
    parameters, ``V_full = J V J'`` with ``J`` (free rows x nx) the 0/1 map from the
    estimation vector to the free rows, so that a parameter held equal to others counts
    once per row. Equality constraints (shared labels, ``==``, ``group_equal``) give
    ``J V J'`` exactly ``neq = n_free - nx`` zero eigenvalues (``neq`` is the rank of the
    constraints' Jacobian); lavaan drops the ``neq`` smallest eigenvalues and takes the
    smallest of the rest (no projection first). The other eigenvalues of ``J V J'`` are
    those of ``D^1/2 V D^1/2``, ``D`` the rows per estimate (``J'J``), an nx x nx matrix
    (cheaper than ``J V J'`` when many parameters are held equal): the spectrum judged is
    those plus ``neq`` zeros, less its ``neq`` smallest, so a negative eigenvalue of ``V``
    in a constrained model is judged as lavaan judges it.

    Examples
    --------
    >>> v = np.diag([4.0, 1e-13])
    >>> float(vcov_smallest_eigenvalue(v, np.array([0, 1, -1])))
    1e-13
    >>> float(vcov_smallest_eigenvalue(v, np.array([0, 1, 1, 1, 1])))  # four rows equal
    4e-13
    """
    free = x_of_row[x_of_row >= 0]
    if not np.isfinite(vcov).all():
        return float("nan")
    s = np.sqrt(np.bincount(free, minlength=vcov.shape[0]))
    ev = np.linalg.eigvalsh(vcov * s[:, None] * s[None, :])
    neq = len(free) - vcov.shape[0]
    return float(np.sort(np.concatenate([np.zeros(neq), ev]))[neq])


def vcov_warnings(vcov: np.ndarray, x_of_row: np.ndarray) -> tuple[Note, ...]:
    """lavaan's warning that the covariance of the estimates is not positive definite
    (one note, or none).

    Notes
    -----
    The note (``vcov_nonpositive_definite``) is given when the smallest eigenvalue
    (:func:`vcov_smallest_eigenvalue`) is below :data:`VCOV_TOLERANCE`,
    ``eps^(3/4)`` ~ 1.8e-12: lavaan's absolute threshold, so it depends on the units of
    the items and on N (``vcov`` shrinks as 1/N). Typical causes: fewer rows than
    parameters under MLR or WLSMV (the sandwich's middle matrix is singular), a
    near-collinear pair of items, an empirically under-identified model. The eigenvalue
    is in the context (``smallest_eigenvalue``) and the message (as lavaan's ``%e``).

    Examples
    --------
    >>> vcov_warnings(np.diag([4.0, 1e-3]), np.array([0, 1]))
    ()
    >>> vcov_warnings(np.diag([4.0, -1e-16]), np.array([0, 1]))[0].context
    (('smallest_eigenvalue', '-1e-16'),)
    """
    ev = vcov_smallest_eigenvalue(vcov, x_of_row)
    if not ev < VCOV_TOLERANCE:
        return ()
    where = "close to zero" if ev > 0 else "smaller than zero"
    return (Note("vcov_nonpositive_definite",
                 f"the covariance matrix of the estimates (vcov) is not positive definite: "
                 f"its smallest eigenvalue (= {ev:e}) is {where}; the model may not be "
                 "identified", (("smallest_eigenvalue", repr(ev)),)),)
