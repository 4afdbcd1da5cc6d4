"""Residuals: observed minus implied moments, raw or as correlations, and the top misfits.

lavaan's ``residuals(fit, type=...)`` (``R/lav_residuals.R``, 0.6.14):

* ``"raw"``: ``S - Sigma`` and ``m - mu``;
* ``"cor.bollen"`` (= ``"cor"``): ``cor(S) - cor(Sigma)``; mean residuals
  ``m / sqrt(diag S) - mu / sqrt(diag Sigma)``;
* ``"cor.bentler"``: both ``S`` and ``Sigma`` scaled by the observed SDs,
  ``(S - Sigma) / (s_i s_j)``; this is what SRMR summarises.

As in lavaan, an element whose absolute (co)variance is below 1e-5 is not rescaled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["RESIDUAL_TYPES", "residual_moments", "srmr_parts", "top_residuals"]

RESIDUAL_TYPES = ("raw", "cor", "cor.bollen", "cor.bentler")


def _rescale(cov: np.ndarray | None, mean: np.ndarray | None, var_cov: np.ndarray,
             var_mean: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    d = np.where(np.isfinite(var_cov) & (var_cov >= np.finfo(float).eps), var_cov, np.nan)
    scale_cov = np.outer(1 / np.sqrt(d), 1 / np.sqrt(d))
    d2 = np.where(np.isfinite(var_mean) & (var_mean >= np.finfo(float).eps), var_mean, np.nan)
    scale_mean = 1 / np.sqrt(d2)
    out_cov = out_mean = None
    if cov is not None:
        sc = np.where(np.abs(cov) < 1e-5, 1.0, scale_cov)
        out_cov = cov * sc
    if mean is not None:
        sm = np.where(np.abs(mean) < 1e-5, 1.0, scale_mean)
        out_mean = mean * sm
    return out_cov, out_mean


def residual_moments(s: np.ndarray, sigma: np.ndarray, m: np.ndarray | None = None,
                     mu: np.ndarray | None = None, type: str = "raw"
                     ) -> tuple[np.ndarray, np.ndarray | None]:
    """Residual covariance (or correlation) matrix and mean vector of one group.

    Parameters
    ----------
    s, sigma : ndarray (p, p)
        Observed (h1) and model-implied covariance matrices.
    m, mu : ndarray (p,), optional
        Observed and implied means (mean residuals only when both are given).
    type : {"raw", "cor", "cor.bollen", "cor.bentler"}

    Returns
    -------
    (cov_residual, mean_residual or None)

    Examples
    --------
    >>> s = np.array([[4.0, 1.0], [1.0, 1.0]]); sig = np.array([[4.0, 0.5], [0.5, 1.0]])
    >>> float(residual_moments(s, sig, type="cor.bentler")[0][0, 1])
    0.25
    """
    if type == "cor":
        type = "cor.bollen"
    has_mean = m is not None and mu is not None
    var_obs, var_est = np.diag(s), np.diag(sigma)
    if type == "raw":
        obs_c, obs_m, est_c, est_m = s, m, sigma, mu
    else:
        obs_c, obs_m = _rescale(s, m if has_mean else None, var_obs, var_obs)
        if type == "cor.bentler":
            est_c, est_m = _rescale(sigma, mu if has_mean else None, var_obs, var_obs)
        else:
            est_c, est_m = _rescale(sigma, mu if has_mean else None, var_est, var_obs)
    res_m = (obs_m - est_m) if has_mean else None
    return obs_c - est_c, res_m


def srmr_parts(s: np.ndarray, sigma: np.ndarray, m: np.ndarray | None, mu: np.ndarray | None,
               meanstructure: bool) -> dict[str, float]:
    """RMR / SRMR / CRMR of one group as lavaan's ``lav_residuals_summary`` (continuous).

    Returns ``rmr``, ``rmr_nomean``, ``srmr_bentler``, ``srmr_bentler_nomean``, ``crmr``,
    ``crmr_nomean``, ``srmr_mplus``, ``srmr_mplus_nomean`` for this group. ``srmr`` is
    ``srmr_bentler`` (with the mean residuals when there is a mean structure).
    """
    p = s.shape[0]
    low = np.tril_indices(p)
    low_off = np.tril_indices(p, -1)
    out: dict[str, float] = {}
    for name, typ in (("rmr", "raw"), ("srmr_bentler", "cor.bentler"), ("crmr", "cor.bollen")):
        rc, rm = residual_moments(s, sigma, m, mu, typ)
        cov_stats = rc[low]
        count = len(cov_stats) - (p if name == "crmr" else 0)
        nomean = float(np.sqrt(np.sum(cov_stats**2) / count)) if count else 0.0
        if meanstructure and rm is not None:
            total = np.r_[rm, cov_stats]
            cnt = len(total) - (p if name == "crmr" else 0)
            with_mean = float(np.sqrt(np.sum(total**2) / cnt))
        else:
            with_mean = nomean
        out[name] = with_mean
        out[f"{name}_nomean"] = nomean
    # Mplus' SRMR: correlations, standardized means, relative variance differences
    ds, dsig = np.diag(s), np.diag(sigma)
    rcor = s / np.sqrt(np.outer(ds, ds)) - sigma / np.sqrt(np.outer(dsig, dsig))
    var_part = np.sum(((ds - dsig) / ds) ** 2)
    off = np.sum(rcor[low_off] ** 2)
    e = p * (p + 1) / 2
    nomean = float(np.sqrt((off + var_part) / e))
    if meanstructure and m is not None and mu is not None:
        rmean = m / np.sqrt(ds) - mu / np.sqrt(dsig)
        out["srmr_mplus"] = float(np.sqrt((off + np.sum(rmean**2) + var_part) / (e + p)))
    else:
        out["srmr_mplus"] = nomean
    out["srmr_mplus_nomean"] = nomean
    return out


def top_residuals(matrices: dict[str, pd.DataFrame], n: int = 10) -> pd.DataFrame:
    """The ``n`` largest absolute off-diagonal residuals, one row per pair.

    Parameters
    ----------
    matrices : dict
        Group label -> residual matrix (DataFrame indexed and columned by variable).
    n : int

    Returns
    -------
    DataFrame with columns ``group lhs rhs residual``, sorted by ``|residual|``.

    Examples
    --------
    >>> r = pd.DataFrame([[0, .2, -.3], [.2, 0, .1], [-.3, .1, 0]], index=list("abc"),
    ...                  columns=list("abc"))
    >>> top_residuals({"": r}, 2)[["lhs", "rhs", "residual"]].to_dict("records")
    [{'lhs': 'a', 'rhs': 'c', 'residual': -0.3}, {'lhs': 'a', 'rhs': 'b', 'residual': 0.2}]
    """
    rows = []
    for g, mat in matrices.items():
        names = list(mat.index)
        a = mat.to_numpy()
        for j in range(len(names)):
            for i in range(j + 1, len(names)):
                rows.append({"group": g, "lhs": names[j], "rhs": names[i],
                             "residual": float(a[i, j])})
    out = pd.DataFrame(rows, columns=["group", "lhs", "rhs", "residual"])
    if out.empty:
        return out
    order = np.argsort(-np.abs(out["residual"].to_numpy()), kind="stable")
    return out.iloc[order[:n]].reset_index(drop=True)
