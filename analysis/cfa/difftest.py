"""χ² difference tests between nested models, as lavaan's ``lavTestLRT``: one
:func:`difference_test` that picks lavaan's default method for the estimator.

* ML: the plain likelihood-ratio difference (``method = "default"``,
  :func:`chisq_difference`);
* MLR: the Satorra–Bentler (2001) scaled difference (``method = "satorra.bentler.2001"``,
  :func:`satorra_bentler_2001`), from the unscaled χ², df and scaling factors of both models;
* WLSMV: Satorra (2000) with the scaled-shifted correction, ``H1 = TRUE`` and
  ``A.method = "delta"`` (lavaan's ``lav_test_diff_Satorra2000``, :func:`satorra_2000`): with
  the general model's Jacobian ``Delta1``, weight ``W``, information ``P`` and Gamma, and
  ``A`` the orthogonal complement of ``H = Delta1^+ Delta0`` (the constraints, in orthonormal
  coordinates of the general model's free parameters)::

      M  = P^-1 A' (A P^-1 A')^+ A P^-1
      tr = sum_g f_g tr(W Gamma W Delta1 M Delta1'),   tr2 = tr((V Delta1 M Delta1' V Gamma_f)^2)
      a  = sqrt(m / tr2),  b = m - a tr,  T = a (T0 - T1) + b  on m = df0 - df1 df.

  It needs the models' Jacobians, not only their fit statistics: it takes two fitted
  :class:`~lospw.analysis.cfa.result.CFAResult`.

ML and MLR tests are pure functions of the fit statistics: :func:`difference_test` takes two
results or two fit dictionaries (lavaan's ``fitMeasures`` names with ``.`` written as ``_``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from scipy.stats import chi2

from lospw.analysis.cfa.result import CFAResult
from lospw.analysis.cfa.wlsmv import block_diagonal
from lospw.analysis.core.errors import InputError

__all__ = ["DiffTest", "chisq_difference", "difference_test", "satorra_2000",
           "satorra_bentler_2001"]


@dataclass(frozen=True)
class DiffTest:
    """One χ² difference test.

    Attributes
    ----------
    chisq_diff, df_diff, pvalue : float
        NaN where the test is not defined (equal df: equivalent models; a negative scaling
        correction).
    method : str
        ``"chisq"``, ``"satorra_bentler_2001"`` or ``"satorra_2000"``.
    scaling : float or None
        The scaled test's correction (``cd``; ``1 / a`` for Satorra 2000).
    note : str or None
        Why the test is not defined, or a caveat.
    shift : float or None
        The shift ``b`` of the scaled-shifted (Satorra 2000) test.
    """

    chisq_diff: float
    df_diff: float
    pvalue: float
    method: str
    scaling: float | None = None
    note: str | None = None
    shift: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.shift is None:
            del out["shift"]
        return out


def _check_order(df_r: float, df_g: float) -> None:
    if df_r < df_g:
        raise InputError(
            f"The restricted model must have at least the general model's degrees of freedom; "
            f"got df {df_r:g} and {df_g:g}. Swap the two models."
        )


def chisq_difference(chisq_r: float, df_r: float, chisq_g: float, df_g: float) -> DiffTest:
    """Likelihood-ratio χ² difference of a restricted model against a general one.

    Notes
    -----
    ``Δχ² = χ²_r − χ²_g`` on ``df_r − df_g`` degrees of freedom (lavaan ``lavTestLRT``,
    ``method = "default"`` for ML). With equal df the models are equivalent (or not nested)
    and no test is made.

    Examples
    --------
    >>> t = chisq_difference(124.04354418, 54, 115.85134388, 48)
    >>> round(t.chisq_diff, 4), t.df_diff, round(t.pvalue, 4)
    (8.1922, 6, 0.2244)
    """
    _check_order(df_r, df_g)
    diff = chisq_r - chisq_g
    ddf = df_r - df_g
    if ddf == 0:
        return DiffTest(diff, ddf, math.nan, "chisq",
                        note="equal degrees of freedom: equivalent or non-nested models")
    return DiffTest(diff, ddf, float(chi2.sf(max(diff, 0.0), ddf)), "chisq")


def satorra_bentler_2001(chisq_r: float, df_r: float, c_r: float, chisq_g: float,
                         df_g: float, c_g: float) -> DiffTest:
    """Satorra–Bentler (2001) scaled χ² difference (MLR).

    Parameters
    ----------
    chisq_r, df_r, c_r : float
        Unscaled χ², df and scaling factor of the restricted model.
    chisq_g, df_g, c_g : float
        The same for the general model.

    Notes
    -----
    ``cd = (df_r c_r − df_g c_g) / (df_r − df_g)``, ``T = (χ²_r − χ²_g) / cd`` on
    ``df_r − df_g`` df (Satorra & Bentler, 2001, eq. 3; lavaan ``lavTestLRT`` with
    ``method = "satorra.bentler.2001"``). A negative ``cd`` makes the test undefined.

    Examples
    --------
    >>> t = satorra_bentler_2001(10.0, 10, 1.2, 4.0, 8, 1.1)
    >>> round(t.scaling, 2), round(t.chisq_diff, 4)
    (1.6, 3.75)
    """
    _check_order(df_r, df_g)
    ddf = df_r - df_g
    if ddf == 0:
        return DiffTest(math.nan, ddf, math.nan, "satorra_bentler_2001",
                        note="equal degrees of freedom: equivalent or non-nested models")
    cd = (df_r * c_r - df_g * c_g) / ddf
    if not cd > 0:
        return DiffTest(math.nan, ddf, math.nan, "satorra_bentler_2001", cd,
                        note="negative scaling correction; use the Satorra-Bentler (2010) "
                             "strictly positive test")
    t = (chisq_r - chisq_g) / cd
    return DiffTest(t, ddf, float(chi2.sf(max(t, 0.0), ddf)), "satorra_bentler_2001", cd)


def difference_test(restricted: CFAResult | Mapping[str, Any],
                    general: CFAResult | Mapping[str, Any], *,
                    estimator: str | None = None) -> DiffTest:
    """The difference test lavaan's ``lavTestLRT`` makes of ``restricted`` against
    ``general`` (nested; ``restricted`` has more df).

    Parameters
    ----------
    restricted, general : CFAResult or mapping
        Two fits of the same data with the same estimator, or their fit measures
        (lavaan's names: ``chisq``, ``df``, and for MLR ``chisq_scaling_factor``).
    estimator : {"ML", "MLR"}, optional
        For fit measures only (default ``"ML"``); a result names its own. WLSMV's test needs
        the results.

    Raises
    ------
    InputError
        Different estimators or data, a fit that did not converge, a missing fit measure,
        fit measures of a WLSMV fit.

    Examples
    --------
    >>> difference_test({"chisq": 12.0, "df": 5}, {"chisq": 4.0, "df": 3}).df_diff
    2
    """
    if isinstance(restricted, CFAResult) and isinstance(general, CFAResult):
        if estimator is not None and estimator != restricted.estimator:
            raise InputError(f"The 'estimator' option ({estimator!r}) does not match the "
                             f"models' estimator {restricted.estimator!r}; leave it out.")
        return _results_test(restricted, general)
    estimator = "ML" if estimator is None else estimator
    try:
        if estimator == "ML":
            return chisq_difference(restricted["chisq"], restricted["df"], general["chisq"],
                                    general["df"])
        if estimator == "MLR":
            return satorra_bentler_2001(
                restricted["chisq"], restricted["df"], restricted["chisq_scaling_factor"],
                general["chisq"], general["df"], general["chisq_scaling_factor"])
    except KeyError as exc:
        raise InputError(
            f"A {estimator} difference test needs the fit measure {exc.args[0]!r}; it is "
            "missing from a model's fit. Fit both models with the same estimator."
        ) from None
    raise InputError(
        f"No fit-statistics difference test for estimator {estimator!r}; the 'estimator' "
        "must be one of 'ML', 'MLR' here (WLSMV's test comes from the CFA engine)."
    )


def _results_test(restricted: CFAResult, general: CFAResult) -> DiffTest:
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
    return replace(t, df_diff=float(t.df_diff))


def _ortho_delta(res: CFAResult) -> tuple[list[np.ndarray], np.ndarray]:
    """Per group Delta in orthonormal coordinates of the free parameters (lavaan's K)."""
    st = res.fit_state
    xr = st.model.x_of_row
    counts = np.bincount(xr[xr >= 0], minlength=st.model.nx).astype(float)
    scale = 1.0 / np.sqrt(counts)
    return [d * scale[None, :] for d in st.deltas], scale


def satorra_2000(restricted: CFAResult, general: CFAResult) -> DiffTest:
    """Scaled-shifted difference test of two nested WLSMV fits (see the module docstring)."""
    s1 = general.fit_state
    T1, T0 = general.fit["chisq"], restricted.fit["chisq"]
    m = round(restricted.fit["df"] - general.fit["df"])
    if m <= 0:
        return DiffTest(math.nan, float(m), math.nan, "satorra_2000", math.nan,
                        note="the restricted model must have more degrees of freedom",
                        shift=math.nan)
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
    gammas = [s.gamma for s in s1.stats]
    tr = 0.0
    for fg, w, gm, d in zip(f, obj.w, gammas, D1, strict=True):
        tr += fg * float(np.trace((w[:, None] * gm * w[None, :]) @ d @ M @ d.T))
    V = block_diagonal([np.diag(w) for w in obj.w])
    Gf = block_diagonal([fg * gm for fg, gm in zip(f, gammas, strict=True)])
    PI = np.vstack(D1)
    UG = V @ PI @ M @ PI.T @ V @ Gf
    tr2 = float(np.sum(UG * UG.T))
    a = math.sqrt(m / tr2)
    b = m - a * tr
    t = (T0 - T1) * a + b
    return DiffTest(float(t), float(m), float(chi2.sf(t, m)), "satorra_2000", float(1 / a),
                    shift=float(b))
