"""Convergent and discriminant validity: composite reliability, AVE, Fornell–Larcker, HTMT.

Pure formulas take arrays; :func:`validity` is the adapter that reverse-scores the key's
items, fits the key's correlated-factors CFA with lospw's engine and applies them. The
definitions follow semTools 0.5-6, so a lavaan user gets the same numbers:

* composite reliability as ``semTools::compRelSEM`` (continuous indicators): the common
  variance of the unit-weighted sum over its *observed* variance;
* AVE as ``semTools::AVE``: common variance of the items over their *observed* variances;
* HTMT as ``semTools::htmt``: by default its HTMT2 (geometric means of absolute
  correlations, Roemer et al. 2021); the original HTMT of Henseler et al. (2015) (arithmetic
  means) with ``method="htmt"``.

Reverse-keyed items are reversed before anything is computed (``key.reverse_score``), so the
loadings are positive and the signed HTMT is meaningful. semTools' default takes absolute
correlations, which makes reversing irrelevant there; lospw does the same by default.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.cfa import CFAResult, fit_cfa
from lospw.analysis.classical.reliability import pairwise_cov
from lospw.analysis.core.degenerate import DegenerateDataError, check_item_variance
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key
from lospw.analysis.core.missing import MISSING_POLICIES, MODEL_MISSING
from lospw.analysis.core.warnings import Note, notes_to_dicts
from lospw.analysis.validation.models import correlated_factors

__all__ = [
    "HTMT_THRESHOLDS",
    "FactorEstimates",
    "ValidityResult",
    "average_variance_extracted",
    "composite_reliability",
    "fornell_larcker",
    "htmt",
    "htmt_matrix",
    "validity",
    "validity_from_estimates",
]

log = logging.getLogger(__name__)

#: Henseler et al. (2015): HTMT above .85 (conceptually distinct constructs) or .90
#: (conceptually similar constructs) indicates a lack of discriminant validity.
HTMT_THRESHOLDS = (0.85, 0.90)
_METHODS = ("htmt2", "htmt")


# -- pure formulas ------------------------------------------------------------------------
def composite_reliability(loadings: Any, factor_variance: float, observed_cov: Any) -> float:
    """Composite reliability (omega) of a unit-weighted sum of one factor's items.

    Parameters
    ----------
    loadings : array of shape (k,)
        Unstandardized loadings of the factor's k items.
    factor_variance : float
        The factor's estimated variance.
    observed_cov : array of shape (k, k)
        The items' observed covariance matrix (lavaan's ``sampstat``: N in the denominator;
        under FIML the saturated model's estimate).

    Returns
    -------
    float

    Notes
    -----
    ``omega = (sum lambda)^2 * phi / 1' S 1`` — Bentler (2009), Raykov (1997); the
    continuous-indicator branch of ``semTools::compRelSEM`` (``obs.var = TRUE``).

    Examples
    --------
    >>> composite_reliability([1.0, 1.0], 0.5, [[1.0, 0.5], [0.5, 1.0]])
    0.6666666666666666
    """
    lam = np.asarray(loadings, dtype=float)
    s = np.asarray(observed_cov, dtype=float)
    return float(lam.sum() ** 2 * factor_variance / s.sum())


def average_variance_extracted(loadings: Any, factor_variance: float,
                               observed_variances: Any) -> float:
    """Average variance extracted by a factor from its items.

    Parameters
    ----------
    loadings : array of shape (k,)
        Unstandardized loadings.
    factor_variance : float
    observed_variances : array of shape (k,)
        The items' observed variances (diagonal of lavaan's ``sampstat`` covariance).

    Notes
    -----
    ``AVE = phi * sum(lambda^2) / sum(s_ii)`` (Fornell & Larcker, 1981), computed as
    ``semTools::AVE`` does, with observed rather than model-implied item variances.

    Examples
    --------
    >>> average_variance_extracted([1.0, 1.0], 0.5, [1.0, 1.0])
    0.5
    """
    lam = np.asarray(loadings, dtype=float)
    return float(factor_variance * np.sum(lam**2) / np.sum(observed_variances))


def htmt_matrix(corr: Any, blocks: Sequence[Sequence[int]], *, method: str = "htmt2",
                absolute: bool = True) -> np.ndarray:
    """Heterotrait–monotrait ratios of correlations between blocks of items.

    Parameters
    ----------
    corr : array of shape (p, p)
        Item correlation matrix.
    blocks : sequence of sequences of int
        Column indices of each construct's items.
    method : {"htmt2", "htmt"}
        ``"htmt2"``: geometric means (Roemer, Schuberth & Henseler, 2021; semTools'
        default, always on absolute correlations); ``"htmt"``: arithmetic means (Henseler,
        Ringle & Sarstedt, 2015).
    absolute : bool
        Average absolute correlations (semTools' default). Ignored for ``"htmt2"``.

    Returns
    -------
    ndarray of shape (m, m)
        ``HTMT_ij = mean(r between i and j) / sqrt(mean(r within i) * mean(r within j))``;
        1 on the diagonal (as semTools); NaN where a block has a single item (no
        within-block correlation).

    Examples
    --------
    >>> r = np.array([[1, .5, .2, .2], [.5, 1, .2, .2], [.2, .2, 1, .4], [.2, .2, .4, 1]])
    >>> np.round(htmt_matrix(r, [[0, 1], [2, 3]], method="htmt"), 4)
    array([[1.    , 0.4472],
           [0.4472, 1.    ]])
    """
    if method not in _METHODS:
        raise InputError(f"The 'method' option must be one of 'htmt2', 'htmt'; got {method!r}.")
    r = np.asarray(corr, dtype=float)
    if method == "htmt2" or absolute:
        r = np.abs(r)

    def mean(values: np.ndarray) -> float:
        if values.size == 0:
            return float("nan")
        if method == "htmt2":
            with np.errstate(divide="ignore"):
                return float(np.exp(np.mean(np.log(values))))
        return float(np.mean(values))

    within = []
    for b in blocks:
        sub = r[np.ix_(b, b)]
        within.append(mean(sub[~np.eye(len(b), dtype=bool)]))
    m = len(blocks)
    out = np.ones((m, m))
    for i in range(m):
        for j in range(i + 1, m):
            between = mean(r[np.ix_(blocks[i], blocks[j])].ravel())
            with np.errstate(invalid="ignore"):
                out[i, j] = out[j, i] = between / np.sqrt(within[i] * within[j])
    return out


def fornell_larcker(ave: Mapping[str, float] | pd.Series, factor_corr: pd.DataFrame
                    ) -> pd.DataFrame:
    """The Fornell–Larcker table: sqrt(AVE) on the diagonal, factor correlations off it.

    Discriminant validity holds for a pair when both square roots of AVE exceed the
    absolute correlation (Fornell & Larcker, 1981).

    Examples
    --------
    >>> phi = pd.DataFrame([[1, .6], [.6, 1]], index=["a", "b"], columns=["a", "b"])
    >>> fornell_larcker({"a": .49, "b": .25}, phi)
         a    b
    a  0.7  0.6
    b  0.6  0.5
    """
    ave = pd.Series(ave, dtype=float)
    names = list(factor_corr.index)
    out = factor_corr.loc[names, names].astype(float).copy()
    for n in names:
        out.loc[n, n] = float(np.sqrt(ave[n]))
    return out


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FactorEstimates:
    """What CR, AVE and Fornell–Larcker need from a fitted correlated-factors CFA.

    Attributes
    ----------
    loadings : DataFrame
        Items x factors, unstandardized (0 where an item does not load).
    phi : DataFrame
        Factor covariance matrix.
    observed_cov : DataFrame
        Items x items observed covariance (lavaan ``sampstat``).
    """

    loadings: pd.DataFrame
    phi: pd.DataFrame
    observed_cov: pd.DataFrame

    @property
    def factor_corr(self) -> pd.DataFrame:
        d = np.sqrt(np.diag(self.phi.to_numpy()))
        return pd.DataFrame(self.phi.to_numpy() / np.outer(d, d), index=self.phi.index,
                            columns=self.phi.columns)


@dataclass(frozen=True)
class ValidityResult:
    """Composite reliability, AVE, Fornell–Larcker and HTMT of a key's scales.

    Attributes
    ----------
    scales : tuple of str
    composite_reliability, ave : dict
        Scale -> value (NaN where not defined: a single-item scale, an item loading on
        two factors).
    fornell_larcker : DataFrame
        sqrt(AVE) on the diagonal, factor correlations off it.
    htmt : DataFrame
    htmt_method : str
    flags : tuple of dict
        Named conditions: ``htmt_at_or_above_85`` / ``htmt_at_or_above_90`` (pair, value),
        ``fornell_larcker_violation`` (pair, correlation, sqrt AVEs),
        ``low_composite_reliability`` (< .70), ``low_ave`` (< .50).
    n_obs : int
        Rows the CFA used.
    n_htmt : int
        Complete rows HTMT used.
    missing : str
    reverse_scored : tuple of str
    warnings : tuple of Note
    """

    scales: tuple[str, ...]
    composite_reliability: dict[str, float]
    ave: dict[str, float]
    fornell_larcker: pd.DataFrame
    htmt: pd.DataFrame
    htmt_method: str
    flags: tuple[dict[str, Any], ...]
    n_obs: int
    n_htmt: int
    missing: str
    reverse_scored: tuple[str, ...] = ()
    warnings: tuple[Note, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """One row per scale: CR, AVE, sqrt(AVE), the largest |factor correlation|, max HTMT."""
        rows = []
        for s in self.scales:
            fl = self.fornell_larcker
            others = [t for t in self.scales if t != s]
            max_r = max((abs(fl.loc[s, t]) for t in others), default=float("nan"))
            max_h = max((self.htmt.loc[s, t] for t in others), default=float("nan"))
            rows.append({"scale": s, "composite_reliability": self.composite_reliability[s],
                         "ave": self.ave[s], "sqrt_ave": float(np.sqrt(self.ave[s])),
                         "max_abs_factor_corr": max_r, "max_htmt": max_h})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scales": list(self.scales),
            "composite_reliability": dict(self.composite_reliability),
            "ave": dict(self.ave),
            "fornell_larcker": _matrix_dict(self.fornell_larcker),
            "htmt": _matrix_dict(self.htmt),
            "htmt_method": self.htmt_method,
            "flags": [dict(f) for f in self.flags],
            "n_obs": self.n_obs,
            "n_htmt": self.n_htmt,
            "missing": self.missing,
            "reverse_scored": list(self.reverse_scored),
            "warnings": notes_to_dicts(self.warnings),
        }


def _matrix_dict(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    return {str(r): {str(c): float(frame.loc[r, c]) for c in frame.columns}
            for r in frame.index}


# -- adapters ------------------------------------------------------------------------------
def htmt(items: pd.DataFrame, key: Key, *, method: str = "htmt2", absolute: bool = True,
         reverse: bool = True, missing: str = "listwise") -> tuple[pd.DataFrame, int]:
    """HTMT of the key's scales from item responses, listwise (as ``semTools::htmt``).

    With ``missing="pairwise"`` each correlation uses the rows answering both items (as
    ``semTools::htmt(..., missing = "pairwise")`` through ``lavCor``): for planned
    missingness, where the complete rows are only the groups asked every item.

    Returns the scales x scales HTMT table and the number of rows used (pairwise: the
    smallest number of rows behind a correlation).

    Raises
    ------
    InputError
        Unknown method or missing policy, missing item columns, fewer than 3 complete rows
        (pairwise: a pair of items answered together by fewer than 3 rows).
    """
    if missing not in MISSING_POLICIES:
        raise InputError(f"The HTMT 'missing' option must be 'listwise' or 'pairwise'; got "
                         f"{missing!r}.")
    missing_cols = [i for i in key.items if i not in items.columns]
    if missing_cols:
        raise InputError(
            f"{len(missing_cols)} item column(s) of the key are missing from the data: "
            f"{', '.join(missing_cols[:10])}. Check the column names against the key."
        )
    data = items[list(key.items)].astype(float)
    if reverse:
        data = key.reverse_score(data)
    if missing == "pairwise":
        ok = data.notna().to_numpy(dtype=float)
        pairs = ok.T @ ok
        if pairs.min() < 3:
            a, b = np.unravel_index(int(np.argmin(pairs)), pairs.shape)
            raise DegenerateDataError(
                "too_few_rows",
                f"HTMT (pairwise) needs every pair of items answered together by at least 3 "
                f"rows; {key.items[a]} and {key.items[b]} have {int(pairs[a, b])}.")
        # lavCor(missing = "pairwise"): R's cov(use = "pairwise"), then cov2cor (each
        # covariance over the pair's rows, divided by the SDs of all of each item's rows)
        cov, _ = pairwise_cov(data.to_numpy())
        sd = np.sqrt(np.diag(cov))
        corr = cov / np.outer(sd, sd)
        n_used = int(pairs.min())
    else:
        data = data.dropna()
        if len(data) < 3:
            raise DegenerateDataError(
                "too_few_rows",
                f"HTMT needs at least 3 complete rows (listwise); the data have {len(data)}. "
                "Check the missing values."
            )
        corr = np.corrcoef(data.to_numpy(), rowvar=False)
        n_used = len(data)
    pos = {item: k for k, item in enumerate(key.items)}
    blocks = [[pos[i] for i in s.items] for s in key.scales]
    mat = htmt_matrix(corr, blocks, method=method, absolute=absolute)
    names = list(key.scale_names)
    return pd.DataFrame(mat, index=names, columns=names), n_used


def validity_from_estimates(est: FactorEstimates, htmt_table: pd.DataFrame, *,
                            n_obs: int, n_htmt: int, missing: str, htmt_method: str = "htmt2",
                            reverse_scored: Sequence[str] = (),
                            warnings: Sequence[Note] = ()) -> ValidityResult:
    """Build the :class:`ValidityResult` from CFA estimates and an HTMT table."""
    lam = est.loadings
    scales = tuple(str(c) for c in lam.columns)
    notes = list(warnings)
    cross = (lam.abs().to_numpy() > 0).sum(axis=1) > 1
    cr: dict[str, float] = {}
    ave: dict[str, float] = {}
    for f in scales:
        idx = [i for i in lam.index if lam.loc[i, f] != 0]
        if len(idx) < 2:
            cr[f] = ave[f] = float("nan")
            notes.append(Note("single_item_scale", f"scale {f} has {len(idx)} item(s): CR "
                              "and AVE are not defined", {"scale": f}))
            continue
        s = est.observed_cov.loc[idx, idx].to_numpy()
        phi = float(est.phi.loc[f, f])
        cr[f] = composite_reliability(lam.loc[idx, f].to_numpy(), phi, s)
        if cross[[list(lam.index).index(i) for i in idx]].any():
            ave[f] = float("nan")
            notes.append(Note("cross_loading", f"an item of scale {f} loads on two factors: "
                              "AVE is not defined (as semTools::AVE)", {"scale": f}))
        else:
            ave[f] = average_variance_extracted(lam.loc[idx, f].to_numpy(), phi, np.diag(s))
    fl = fornell_larcker(ave, est.factor_corr.loc[list(scales), list(scales)])
    flags: list[dict[str, Any]] = []
    for i, a in enumerate(scales):
        for b in scales[i + 1:]:
            h = float(htmt_table.loc[a, b])
            for t in HTMT_THRESHOLDS:
                if h >= t:
                    flags.append({"code": f"htmt_at_or_above_{round(t * 100)}",
                                  "scales": [a, b], "value": h, "threshold": t})
            r = abs(float(fl.loc[a, b]))
            if r >= min(fl.loc[a, a], fl.loc[b, b]):
                flags.append({"code": "fornell_larcker_violation", "scales": [a, b],
                              "value": r, "sqrt_ave": [float(fl.loc[a, a]),
                                                       float(fl.loc[b, b])]})
    for f in scales:
        if cr[f] < 0.70:
            flags.append({"code": "low_composite_reliability", "scales": [f],
                          "value": cr[f], "threshold": 0.70})
        if ave[f] < 0.50:
            flags.append({"code": "low_ave", "scales": [f], "value": ave[f],
                          "threshold": 0.50})
    for n in notes:
        log.warning("%s", n)
    return ValidityResult(scales, cr, ave, fl, htmt_table.loc[list(scales), list(scales)],
                          htmt_method, tuple(flags), n_obs, n_htmt, missing, tuple(reverse_scored),
                          tuple(notes))


def validity(items: pd.DataFrame, key: Key, *, estimator: str = "ML",
             missing: str = "listwise", htmt_method: str = "htmt2",
             absolute: bool = True, htmt_missing: str = "listwise") -> ValidityResult:
    """CR, AVE, Fornell–Larcker and HTMT of the key's scales (see the module docstring).

    Parameters
    ----------
    items : DataFrame
        Canonical responses (``IntakeResult.items``): one column per key item, NaN missing.
    key : Key
    estimator : {"ML", "MLR"}
        Estimator of the correlated-factors CFA (point estimates are ML either way).
    missing : {"listwise", "fiml"}
        Missing data in the CFA. HTMT always uses complete rows (as semTools' default).
    htmt_method : {"htmt2", "htmt"}
    absolute : bool
        Absolute correlations in HTMT (semTools' default).
    htmt_missing : {"listwise", "pairwise"}
        Rows behind the HTMT correlations (:func:`htmt`).
    """
    if missing not in MODEL_MISSING:
        raise InputError(f"The 'missing' option must be one of "
                         f"{', '.join(map(repr, MODEL_MISSING))}; got {missing!r}.")
    check_item_variance(items, key.items, stage="validity")
    table, n_htmt = htmt(items, key, method=htmt_method, absolute=absolute,
                         missing=htmt_missing)
    est, n_obs, notes = factor_estimates(items, key, estimator=estimator, missing=missing)
    return validity_from_estimates(est, table, n_obs=n_obs, n_htmt=n_htmt,
                                   missing=missing, htmt_method=htmt_method,
                                   reverse_scored=key.reverse_items, warnings=notes)


def factor_estimates(items: pd.DataFrame, key: Key, *, estimator: str = "ML",
                     missing: str = "listwise") -> tuple[FactorEstimates, int, tuple[Note, ...]]:
    """Fit the key's correlated-factors model on reverse-scored items for CR / AVE.

    Returns ``(FactorEstimates, n_obs, warnings)``; the observed covariance is the engine's
    sample covariance (N in the denominator; under FIML the saturated EM estimate), as
    lavaan's ``sampstat`` that semTools reads.
    """
    data = key.reverse_score(items[list(key.items)].astype(float))
    res = fit_cfa(data, correlated_factors(key), estimator=estimator, missing=missing)
    return estimates_from_result(res, key)


def estimates_from_result(res: CFAResult, key: Key
                          ) -> tuple[FactorEstimates, int, tuple[Note, ...]]:
    """:func:`factor_estimates` from an already fitted correlated-factors ``CFAResult``
    (``lospw analyze`` reuses the CFA stage's fit instead of fitting it again)."""
    p = res.parameters
    factors = list(key.scale_names)
    lam = pd.DataFrame(0.0, index=list(key.items), columns=factors)
    for _, r in p[p["op"] == "=~"].iterrows():
        lam.loc[r["rhs"], r["lhs"]] = float(r["est"])
    phi = pd.DataFrame(0.0, index=factors, columns=factors)
    cov = p[(p["op"] == "~~") & p["lhs"].isin(factors) & p["rhs"].isin(factors)]
    for _, r in cov.iterrows():
        phi.loc[r["lhs"], r["rhs"]] = phi.loc[r["rhs"], r["lhs"]] = float(r["est"])
    sample = next(iter(res.sample.values()))["cov"]
    notes = list(res.warnings)
    if not res.converged:
        notes.insert(0, Note("not_converged", "the correlated-factors CFA did not converge: "
                             "CR, AVE and Fornell-Larcker are not trustworthy"))
    return FactorEstimates(lam, phi, sample.loc[list(key.items), list(key.items)]), \
        int(res.n_obs), tuple(notes)
