"""Whether an information matrix can give standard errors (shared by the single- and
two-level engines, so both judge it alike and as lavaan does)."""

from __future__ import annotations

import numpy as np

__all__ = ["singular_information"]

_EPS = float(np.finfo(float).eps)


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
