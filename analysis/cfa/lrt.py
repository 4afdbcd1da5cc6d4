"""Chi-square difference tests between two fitted nested models (lavaan ``lavTestLRT``).

:func:`difference_test` picks lavaan's default method for the estimator:

* ML: the plain likelihood-ratio difference;
* MLR: the Satorra-Bentler (2001) scaled difference
  (:func:`lospw.analysis.cfa.difftest.satorra_bentler_2001`);
* WLSMV: Satorra (2000) with the scaled-shifted correction, ``H1 = TRUE`` and
  ``A.method = "delta"`` (lavaan's ``lav_test_diff_Satorra2000``): with the general model's
  Jacobian ``Delta1``, weight ``W``, information ``P`` and Gamma, and ``A`` the orthogonal
  complement of ``H = Delta1^+ Delta0`` (the constraints, in orthonormal coordinates of the
  general model's free parameters)::

      M  = P^-1 A' (A P^-1 A')^+ A P^-1
      tr = sum_g f_g tr(W Gamma W Delta1 M Delta1'),   tr2 = tr((V Delta1 M Delta1' V Gamma_f)^2)
      a  = sqrt(m / tr2),  b = m - a tr,  T = a (T0 - T1) + b  on m = df0 - df1 df.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from lospw.analysis.cfa.difftest import chisq_difference, satorra_bentler_2001
from lospw.analysis.core.distributions import chi2_sf
from lospw.analysis.core.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from lospw.analysis.cfa.result import CFAResult

__all__ = ["difference_test", "satorra_2000"]


def _ortho_delta(res: CFAResult) -> list[np.ndarray]:
    """Per group Delta in orthonormal coordinates of the free parameters (lavaan's K)."""
    st = res._state
    xr = st.model.x_of_row
    counts = np.bincount(xr[xr >= 0], minlength=st.model.nx).astype(float)
    scale = 1.0 / np.sqrt(counts)
    return [d * scale[None, :] for d in st.extra["deltas"]], scale


def satorra_2000(restricted: CFAResult, general: CFAResult) -> dict[str, Any]:
    """Scaled-shifted difference test of two nested WLSMV fits (see the module docstring)."""
    s1 = general._state
    T1, T0 = general.fit["chisq"], restricted.fit["chisq"]
    m = round(restricted.fit["df"] - general.fit["df"])
    if m <= 0:
        return {"chisq_diff": math.nan, "df_diff": float(m), "pvalue": math.nan,
                "method": "satorra_2000", "scaling": math.nan, "shift": math.nan,
                "note": "the restricted model must have more degrees of freedom"}
    obj = s1.objective
    D1, sc1 = _ortho_delta(general)
    D0, _ = _ortho_delta(restricted)
    H = np.linalg.pinv(np.vstack(D1)) @ np.vstack(D0)
    u, sv, _ = np.linalg.svd(H, full_matrices=True)
    rank = int(np.sum(sv > 1e-7 * max(sv.max(initial=0.0), 1.0)))
    A = u[:, rank:].T
    P = obj.info(s1.x) * np.outer(sc1, sc1)
    P_inv = np.linalg.inv(P)
    APA = A @ P_inv @ A.T
    keep = ~((np.abs(APA.sum(axis=0)) < np.sqrt(np.finfo(float).eps))
             & (np.abs(APA.sum(axis=1)) < np.sqrt(np.finfo(float).eps)))
    A = A[keep]
    M = P_inv @ A.T @ np.linalg.pinv(A @ P_inv @ A.T) @ A @ P_inv
    f = obj.f_g
    gammas = [s.gamma for s in s1.extra["stats"]]
    tr = 0.0
    for fg, w, gm, d in zip(f, obj.w, gammas, D1, strict=True):
        tr += fg * float(np.trace((w[:, None] * gm * w[None, :]) @ d @ M @ d.T))
    from lospw.analysis.cfa.wlsmv import _bdiag
    V = _bdiag([np.diag(w) for w in obj.w])
    Gf = _bdiag([fg * gm for fg, gm in zip(f, gammas, strict=True)])
    PI = np.vstack(D1)
    UG = V @ PI @ M @ PI.T @ V @ Gf
    tr2 = float(np.sum(UG * UG.T))
    a = math.sqrt(m / tr2)
    b = m - a * tr
    t = (T0 - T1) * a + b
    return {"chisq_diff": float(t), "df_diff": float(m), "pvalue": float(chi2_sf(t, m)),
            "method": "satorra_2000", "scaling": float(1 / a), "shift": float(b), "note": None}


def difference_test(restricted: CFAResult, general: CFAResult) -> dict[str, Any]:
    """lavaan's default difference test of ``restricted`` against ``general`` (nested).

    Parameters
    ----------
    restricted, general : CFAResult
        Fits of the same data with the same estimator; ``restricted`` has more df.

    Returns
    -------
    dict
        ``chisq_diff df_diff pvalue method`` (and ``scaling``, ``shift``, ``note``).

    Raises
    ------
    InputError
        Different estimators, a fit that did not converge.
    """
    if restricted.estimator != general.estimator:
        raise InputError(f"Both models must use the same estimator; got "
                         f"{restricted.estimator!r} and {general.estimator!r}.")
    if not (restricted.converged and general.converged):
        raise InputError("A model did not converge; no difference test. Fix the model first.")
    if restricted.n_obs != general.n_obs:
        raise InputError(f"The models were fitted to different data (N = {restricted.n_obs} "
                         f"and {general.n_obs}); a difference test needs the same cases.")
    fr, fg = restricted.fit, general.fit
    if restricted.estimator == "ML":
        t = chisq_difference(fr["chisq"], fr["df"], fg["chisq"], fg["df"])
    elif restricted.estimator == "MLR":
        t = satorra_bentler_2001(fr["chisq"], fr["df"], fr["chisq_scaling_factor"],
                                 fg["chisq"], fg["df"], fg["chisq_scaling_factor"])
    else:
        return satorra_2000(restricted, general)
    return {"chisq_diff": t.chisq_diff, "df_diff": float(t.df_diff), "pvalue": t.pvalue,
            "method": t.method, "scaling": t.scaling, "shift": None, "note": t.note}
