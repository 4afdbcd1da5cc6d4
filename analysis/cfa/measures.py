"""Fit measures: pure formulas (numbers in, numbers out), the one registry of names, and the
one adapter that applies them to a fitted model (:func:`fit_measures`).

Every formula follows lavaan 0.6.14 (``R/lav_fit_cfi.R``, ``lav_fit_rmsea.R``,
``lav_fit_aic.R``, ``lav_fit_other.R``, ``lav_fit_srmr.R``), including its bounds: CFI is
truncated to [0, 1] through ``max(., 0)`` in numerator and denominator, TLI is not, RMSEA
uses N (not N - 1) and is multiplied by sqrt(G) in multi-group models.

The registry :data:`FIT_MEASURES` holds lavaan's ``fitMeasures()`` names with ``.`` written
as ``_``; a result's ``fit`` dict uses exactly these keys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from lospw.analysis.cfa.catml import catml_correction
from lospw.analysis.cfa.ml import MLObjective, loglik_baseline, loglik_h1
from lospw.analysis.cfa.ordinal import OrdinalStats
from lospw.analysis.cfa.residuals import srmr_parts
from lospw.analysis.cfa.robust import fiml_corrected
from lospw.analysis.cfa.state import FitState, GroupStates
from lospw.analysis.cfa.wlsmv import DWLSObjective, block_diagonal, scaled_shifted
from lospw.analysis.core.distributions import chi2_cdf, chi2_ppf, chi2_sf, ncx2_cdf
from lospw.analysis.core.roots import brentq

__all__ = [
    "FIT_MEASURES",
    "aic",
    "bic",
    "bic2",
    "cfi",
    "chisq_pvalue",
    "cn",
    "ecvi",
    "fit_measures",
    "ifi",
    "mfi",
    "nfi",
    "pnfi",
    "rfi",
    "rmsea",
    "rmsea_ci",
    "rmsea_pvalue",
    "rni",
    "srmr_rms",
    "tli",
    "wrmr",
]

#: lavaan's fitMeasures() names ('.' -> '_'), in lavaan's order. A fit dict holds the
#: subset that applies to its estimator (robust/scaled names only for MLR and WLSMV).
FIT_MEASURES: tuple[str, ...] = (
    "npar", "fmin", "chisq", "df", "pvalue",
    "chisq_scaled", "df_scaled", "pvalue_scaled", "chisq_scaling_factor",
    "baseline_chisq", "baseline_df", "baseline_pvalue",
    "baseline_chisq_scaled", "baseline_df_scaled", "baseline_pvalue_scaled",
    "baseline_chisq_scaling_factor",
    "cfi", "tli", "cfi_scaled", "tli_scaled", "cfi_robust", "tli_robust",
    "nnfi", "rfi", "nfi", "pnfi", "ifi", "rni",
    "nnfi_scaled", "rfi_scaled", "nfi_scaled", "pnfi_scaled", "ifi_scaled", "rni_scaled",
    "nnfi_robust", "rni_robust",
    "logl", "unrestricted_logl", "aic", "bic", "ntotal", "bic2",
    "scaling_factor_h1", "scaling_factor_h0",
    "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "rmsea_ci_level", "rmsea_pvalue",
    "rmsea_close_h0", "rmsea_notclose_pvalue", "rmsea_notclose_h0",
    "rmsea_scaled", "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled", "rmsea_pvalue_scaled",
    "rmsea_notclose_pvalue_scaled",
    "rmsea_robust", "rmsea_ci_lower_robust", "rmsea_ci_upper_robust", "rmsea_pvalue_robust",
    "rmsea_notclose_pvalue_robust",
    "rmr", "rmr_nomean", "srmr", "srmr_bentler", "srmr_bentler_nomean", "crmr", "crmr_nomean",
    "srmr_mplus", "srmr_mplus_nomean",
    "cn_05", "cn_01", "wrmr", "mfi", "ecvi",
)

NAN = float("nan")


def _isnan(*xs: float) -> bool:
    return any(x is None or (isinstance(x, float) and math.isnan(x)) for x in xs)


def chisq_pvalue(x2: float, df: float) -> float:
    """Upper-tail p-value of a chi-square statistic (NaN when df = 0 ... lavaan gives NA).

    >>> round(chisq_pvalue(85.30552, 24), 12)
    8.503e-09
    """
    if _isnan(x2, df) or df <= 0:
        return NAN
    return float(chi2_sf(x2, df))


def cfi(x2: float, df: float, x2_null: float, df_null: float, c_hat: float = 1.0,
        c_hat_null: float = 1.0) -> float:
    """Comparative fit index, bounded to [0, 1] (lavaan ``lav_fit_cfi``).

    ``1 - max(X2 - c df, 0) / max(X2 - c df, X2_0 - c_0 df_0, 0)``; 1 when both are 0.
    With ``c_hat`` != 1 (both) this is the robust CFI of Brosseau-Liard & Savalei (2014).

    >>> round(cfi(85.3055, 24, 918.8516, 36), 4)
    0.9306
    """
    if _isnan(x2, df, x2_null, df_null, c_hat, c_hat_null):
        return NAN
    if df > 0 and c_hat != 1 and c_hat_null != 1:
        t1 = max(x2 - c_hat * df, 0.0)
        t2 = max(x2 - c_hat * df, x2_null - c_hat_null * df_null, 0.0)
    else:
        t1 = max(x2 - df, 0.0)
        t2 = max(x2 - df, x2_null - df_null, 0.0)
    if math.isclose(t1, 0.0, abs_tol=1.5e-8) and math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return 1.0
    return 1.0 - t1 / t2


def rni(x2: float, df: float, x2_null: float, df_null: float, c_hat: float = 1.0,
        c_hat_null: float = 1.0) -> float:
    """Relative noncentrality index: the CFI without truncation (lavaan ``lav_fit_rni``)."""
    if _isnan(x2, df, x2_null, df_null, c_hat, c_hat_null):
        return NAN
    if df > 0 and c_hat != 1 and c_hat_null != 1:
        t1, t2 = x2 - c_hat * df, x2_null - c_hat_null * df_null
    else:
        t1, t2 = x2 - df, x2_null - df_null
    if math.isclose(t2, 0.0, abs_tol=1.5e-8) or not (math.isfinite(t1) and math.isfinite(t2)):
        return NAN
    return 1.0 - t1 / t2


def tli(x2: float, df: float, x2_null: float, df_null: float, c_hat: float = 1.0,
        c_hat_null: float = 1.0) -> float:
    """Tucker-Lewis index (= NNFI), not truncated (lavaan ``lav_fit_tli``).

    ``1 - ((X2 - c df) df_0) / ((X2_0 - c_0 df_0) df)``; 1 when df = 0.

    >>> round(tli(85.3055, 24, 918.8516, 36), 4)
    0.8958
    """
    if _isnan(x2, df, x2_null, df_null, c_hat, c_hat_null):
        return NAN
    if df > 0 and c_hat != 1 and c_hat_null != 1:
        t1 = (x2 - c_hat * df) * df_null
        t2 = (x2_null - c_hat_null * df_null) * df
    else:
        t1 = (x2 - df) * df_null
        t2 = (x2_null - df_null) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    if not (math.isfinite(t1) and math.isfinite(t2)):
        return NAN
    return 1.0


def rfi(x2: float, df: float, x2_null: float, df_null: float) -> float:
    """Relative fit index (Bollen 1986), lavaan ``lav_fit_rfi``."""
    if _isnan(x2, df, x2_null, df_null):
        return NAN
    if df > df_null:
        return NAN
    if df > 0 and df_null > 0:
        t1 = x2_null / df_null - x2 / df
        t2 = x2_null / df_null
        if t1 < 0 or t2 < 0:
            return 1.0
        return t1 / t2 if t2 > 0 else NAN  # R: Inf
    return 1.0


def nfi(x2: float, df: float, x2_null: float, df_null: float) -> float:
    """Normed fit index (Bentler & Bonett 1980), lavaan ``lav_fit_nfi``."""
    if _isnan(x2, df, x2_null, df_null):
        return NAN
    if df > df_null or math.isclose(x2_null, 0.0, abs_tol=1.5e-8):
        return NAN
    if df > 0:
        return (x2_null - x2) / x2_null
    return 1.0


def pnfi(x2: float, df: float, x2_null: float, df_null: float) -> float:
    """Parsimony normed fit index (James et al. 1982), lavaan ``lav_fit_pnfi``."""
    if _isnan(x2, df, x2_null, df_null):
        return NAN
    if df_null > 0 and x2_null > 0:
        return (df / df_null) * ((x2_null - x2) / x2_null)
    return NAN


def ifi(x2: float, df: float, x2_null: float, df_null: float) -> float:
    """Incremental fit index (Bollen 1989), lavaan ``lav_fit_ifi``."""
    if _isnan(x2, df, x2_null, df_null):
        return NAN
    t1, t2 = x2_null - x2, x2_null - df
    if not (math.isfinite(t1) and math.isfinite(t2)):
        return NAN
    if t2 < 0:
        return 1.0
    if math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return NAN
    return t1 / t2


def rmsea(x2: float, df: float, n: float, g: int = 1, c_hat: float = 1.0) -> float:
    """Root mean square error of approximation (lavaan ``lav_fit_rmsea``).

    ``sqrt(max(X2 / (N df) - c / N, 0)) * sqrt(G)``; 0 when df = 0. ``c_hat`` != 1 gives
    the robust RMSEA of Brosseau-Liard, Savalei & Li (2012).

    >>> round(rmsea(85.3055, 24, 301), 4)
    0.0921
    """
    if _isnan(x2, df, n, c_hat):
        return NAN
    if not df > 0:
        return 0.0
    return math.sqrt(max((x2 / n) / df - c_hat / n, 0.0)) * math.sqrt(g)


def rmsea_ci(x2: float, df: float, n: float, g: int = 1, c_hat: float = 1.0,
             level: float = 0.90) -> tuple[float, float]:
    """Confidence interval of the RMSEA by inverting the noncentral chi-square.

    The lower (upper) bound solves ``P(chi2_df(lambda) <= X2) = 1 - a/2`` (``a/2``) for the
    noncentrality lambda; the bound is ``sqrt(c lambda / (N df)) * sqrt(G)`` (lavaan
    ``lav_fit_rmsea_ci``, including its search interval ``[0, max(N, 4 X2)]``).

    >>> lo, hi = rmsea_ci(85.3055, 24, 301)
    >>> round(lo, 4), round(hi, 4)
    (0.0714, 0.1137)
    """
    if _isnan(x2, df, n) or not math.isfinite(x2):
        return NAN, NAN
    upper_p = 1 - (1 - level) / 2
    lower_p = (1 - level) / 2

    def cdf(lam: float) -> float:
        return float(chi2_cdf(x2, df)) if lam <= 0 else float(ncx2_cdf(x2, df, lam))

    def solve(target: float, hi: float) -> float:
        try:
            return brentq(lambda lam: cdf(lam) - target, 0.0, hi, xtol=1e-10, rtol=1e-12)
        except ValueError:
            return NAN

    if df < 1 or cdf(0.0) - upper_p < 0:
        lower = 0.0
    else:
        lam = solve(upper_p, x2)
        lower = math.sqrt(c_hat * lam / (n * df)) * math.sqrt(g)
    n_rmsea = max(n, x2 * 4)
    if df < 1 or cdf(n_rmsea) - lower_p > 0 or cdf(0.0) - lower_p < 0:
        upper = 0.0
    else:
        lam = solve(lower_p, n_rmsea)
        upper = math.sqrt(c_hat * lam / (n * df)) * math.sqrt(g)
    return lower, upper


def rmsea_pvalue(x2: float, df: float, n: float, g: int = 1, c_hat: float = 1.0,
                 h0: float = 0.05, close: bool = True) -> float:
    """p-value of close fit (H0: RMSEA <= h0) or, with ``close=False``, of not-close fit.

    Noncentrality ``N df h0^2 / (c G)`` (lavaan ``lav_fit_rmsea_closefit`` and
    ``..._notclosefit``).
    """
    if _isnan(x2, df, n) or not df > 0:
        return NAN
    ncp = (n * df * (1 / c_hat) * h0**2) / g
    cdf = float(ncx2_cdf(x2, df, ncp))
    return 1.0 - cdf if close else cdf


def aic(logl: float, npar: int) -> float:
    """Akaike information criterion ``-2 logL + 2 npar``."""
    return -2.0 * logl + 2.0 * npar


def bic(logl: float, npar: int, n: float) -> float:
    """Bayesian information criterion ``-2 logL + npar log N``."""
    return -2.0 * logl + npar * math.log(n)


def bic2(logl: float, npar: int, n: float) -> float:
    """Sample-size adjusted BIC (Sclove 1987): ``-2 logL + npar log((N + 2) / 24)``."""
    return -2.0 * logl + npar * math.log((n + 2) / 24)


def cn(x2: float, df: float, n: float, alpha: float = 0.05) -> float:
    """Hoelter's critical N (lavaan ``lav_fit_cn``)."""
    if df <= 0 or x2 < np.finfo(float).eps:
        return NAN
    return float(chi2_ppf(1 - alpha, df)) / (x2 / n) + 1


def mfi(x2: float, df: float, n: float) -> float:
    """McDonald's fit index ``exp(-(X2 - df) / (2N))`` (lavaan ``fitMeasures``' ``mfi``).

    NaN where it is not a number: a missing or negative χ², no cases, or an exponent that
    overflows (a tiny N with many degrees of freedom, where R gives ``Inf``).

    >>> round(mfi(85.3055, 24, 301), 4)
    0.9032
    >>> mfi(-9.7e96, 24, 4), mfi(0.0, 20000, 5)
    (nan, nan)
    """
    if _isnan(x2, df, n) or x2 < 0 or not n > 0:
        return NAN
    e = -0.5 * (x2 - df) / n
    return math.exp(e) if e < 709.0 else NAN


def wrmr(x2: float, n_moments: int) -> float:
    """Weighted root mean square residual ``sqrt(X2 / n)`` over the ``n`` sample statistics
    (thresholds and polychoric correlations; lavaan's ``wrmr``); NaN for a missing or
    negative χ².

    >>> round(wrmr(50.0, 32), 4)
    1.25
    """
    if _isnan(x2) or x2 < 0 or not n_moments > 0:
        return NAN
    return math.sqrt(x2 / n_moments)


def ecvi(x2: float, npar: int, n: float) -> float:
    """Expected cross-validation index ``X2/N + 2 npar / N``."""
    return x2 / n + (2 * npar) / n


def srmr_rms(values: np.ndarray, count: int) -> float:
    """Root mean square of residuals over ``count`` elements (lavaan's rms summary).

    >>> round(srmr_rms(np.array([0.1, -0.1, 0.0]), 3), 6)
    0.08165
    """
    if count == 0 or len(values) == 0:
        return 0.0
    return float(np.sqrt(np.sum(np.asarray(values) ** 2) / count))


# ---- the adapter: a fitted model's statistics -> the fit dict ------------------------------
# As lavaan's lav_fit_measures(): the statistics of the model, its baseline and its
# saturated model are read from the estimation state once, then every index above is
# applied to them. ML / MLR and WLSMV differ in their statistics, not in the formulas.


def fit_measures(state: FitState, states: GroupStates, test: Mapping[str, float]
                 ) -> dict[str, float]:
    """The fit dict of a fitted model (keys :data:`FIT_MEASURES`, lavaan's values).

    Parameters
    ----------
    state : FitState
        The estimation state (ML, MLR or WLSMV; FIML or complete data).
    states : list
        Per group the model matrices and implied moments at the estimates.
    test : mapping
        MLR's robust test (``scaling_factor``, ``baseline_scaling_factor``,
        ``trace_ugamma`` ...; :func:`lospw.analysis.cfa.robust.mlr_corrections`); empty for
        ML and WLSMV.
    """
    if state.estimator == "WLSMV":
        out = _wlsmv_measures(state, states)
    else:
        out = _ml_measures(state, states, dict(test))
    return {k: out[k] for k in FIT_MEASURES if k in out}


# ---- ML and MLR ----------------------------------------------------------------------------
def _ml_statistics(state: FitState) -> tuple[float, int, float, int, float, float]:
    """``chisq, df, baseline chisq, baseline df, logl, unrestricted logl`` of an ML fit."""
    obj: MLObjective = state.objective
    groups = state.groups
    p = len(state.pt.ov_names)
    G = len(groups)
    ms = state.meanstructure
    n_moments = G * (p * (p + 1) // 2 + (p if ms else 0))
    df = n_moments - state.pt.npar
    logl = obj.loglik(state.x)
    logl_h1 = loglik_h1(groups, state.fiml)
    chisq = max(2 * (logl_h1 - logl), 0.0) if state.fiml else \
        2 * obj.ntotal * obj.f(state.x)
    logl0 = loglik_baseline(groups, state.fiml)
    x2_null = 2 * (logl_h1 - logl0)
    df_null = G * (p * (p - 1) // 2)
    return chisq, df, x2_null, df_null, logl, logl_h1


def _ml_measures(state: FitState, states: GroupStates, test: dict[str, float]
                 ) -> dict[str, float]:
    chisq, df, x2_null, df_null, logl, logl_h1 = _ml_statistics(state)
    N, G, npar = state.ntotal, len(state.groups), state.pt.npar
    scaled = bool(test)
    if scaled and "chisq_scaled" not in test:
        test = dict(test, chisq_scaled=chisq / test["scaling_factor"],
                    baseline_chisq_scaled=x2_null / test["baseline_scaling_factor"])
    out: dict[str, float] = {"npar": float(npar), "fmin": chisq / (2 * N)}
    out.update(_chisq_block(chisq, df, x2_null, df_null, test))
    out.update(_incremental(chisq, df, x2_null, df_null))
    if scaled:
        out.update(_incremental_scaled(chisq, df, x2_null, df_null, test))
    if state.fiml:
        out.update(_fiml_robust(state, df, df_null, scaled))
    out.update({"logl": logl, "unrestricted_logl": logl_h1, "aic": aic(logl, npar),
                "bic": bic(logl, npar, N), "ntotal": float(N), "bic2": bic2(logl, npar, N)})
    if scaled:
        out["scaling_factor_h1"] = test.get("scaling_factor_h1", math.nan)
        out["scaling_factor_h0"] = test.get("scaling_factor_h0", math.nan)
    out.update(_rmsea_block(chisq, df, N, G))
    if state.fiml and state.fiml_c is not None:
        fc = state.fiml_c
        out.update(_rmsea_robust(fc["XX3"], fc["XX3_scaled"], fc["df3"], N, G, fc["c_hat"]))
    if scaled:
        out.update(_rmsea_block(chisq, test["trace_ugamma"], N, G, suffix="_scaled"))
        if not state.fiml:
            c = test["scaling_factor"]
            out.update(_rmsea_robust(chisq, test["chisq_scaled"], df, N, G, c))
    out.update(_srmr_ml(state, states))
    out.update({"cn_05": cn(chisq, df, N, 0.05), "cn_01": cn(chisq, df, N, 0.01),
                "mfi": mfi(chisq, df, N), "ecvi": ecvi(chisq, npar, N)})
    return out


def _chisq_block(chisq: float, df: int, x2_null: float, df_null: int,
                 test: Mapping[str, float]) -> dict[str, float]:
    """The model's and the baseline model's chi-square, plain and (with a test) scaled."""
    out = {"chisq": chisq, "df": float(df), "pvalue": chisq_pvalue(chisq, df)}
    if test:
        out.update({"chisq_scaled": test["chisq_scaled"], "df_scaled": float(df),
                    "pvalue_scaled": chisq_pvalue(test["chisq_scaled"], df),
                    "chisq_scaling_factor": test["scaling_factor"]})
    out.update({"baseline_chisq": x2_null, "baseline_df": float(df_null),
                "baseline_pvalue": chisq_pvalue(x2_null, df_null)})
    if test:
        out.update({"baseline_chisq_scaled": test["baseline_chisq_scaled"],
                    "baseline_df_scaled": float(df_null),
                    "baseline_pvalue_scaled": chisq_pvalue(test["baseline_chisq_scaled"],
                                                           df_null),
                    "baseline_chisq_scaling_factor": test["baseline_scaling_factor"]})
    return out


def _incremental(x2: float, df: float, x2_null: float, df_null: float,
                 suffix: str = "") -> dict[str, float]:
    """CFI, TLI (= NNFI), RFI, NFI, PNFI, IFI, RNI of one pair of statistics."""
    t = tli(x2, df, x2_null, df_null)
    out = {"cfi": cfi(x2, df, x2_null, df_null), "tli": t, "nnfi": t,
           "rfi": rfi(x2, df, x2_null, df_null), "nfi": nfi(x2, df, x2_null, df_null),
           "pnfi": pnfi(x2, df, x2_null, df_null), "ifi": ifi(x2, df, x2_null, df_null),
           "rni": rni(x2, df, x2_null, df_null)}
    return {k + suffix: v for k, v in out.items()}


def _robust_incremental(x2: float, df: float, x2_null: float, df_null: float, c: float,
                        c_null: float) -> dict[str, float]:
    """The robust CFI, TLI (= NNFI) and RNI (Brosseau-Liard & Savalei; lavaan's ``.robust``)."""
    t = tli(x2, df, x2_null, df_null, c, c_null)
    return {"cfi_robust": cfi(x2, df, x2_null, df_null, c, c_null), "tli_robust": t,
            "nnfi_robust": t, "rni_robust": rni(x2, df, x2_null, df_null, c, c_null)}


def _incremental_scaled(chisq: float, df: int, x2_null: float, df_null: int,
                        test: Mapping[str, float]) -> dict[str, float]:
    """The incremental indices of the scaled statistics, and the robust ones (MLR)."""
    xs, xs0 = test["chisq_scaled"], test["baseline_chisq_scaled"]
    out = _incremental(xs, df, xs0, df_null, suffix="_scaled")
    out.update(_robust_incremental(chisq, df, x2_null, df_null, test["scaling_factor"],
                                   test["baseline_scaling_factor"]))
    return out


def _fiml_robust(state: FitState, df: int, df_null: int, scaled: bool) -> dict[str, float]:
    """lavaan's FIML-corrected cfi/tli/rni.robust (V3 with MLR, V6 with ML); keeps the
    corrected statistics in ``state.fiml_c`` for the robust RMSEA."""
    try:
        fc = fiml_corrected(state, "V3" if scaled else "V6")
    except (np.linalg.LinAlgError, ValueError):
        fc = {k: math.nan for k in ("XX3", "df3", "c_hat", "XX3_scaled", "XX3_null",
                                    "df3_null", "c_hat_null")}
    state.fiml_c = fc
    return _robust_incremental(fc["XX3"], df, fc["XX3_null"], df_null, fc["c_hat"],
                               fc["c_hat_null"])


def _rmsea_block(x2: float, df: float, n: float, g: int, suffix: str = "") -> dict[str, float]:
    """RMSEA, its 90% interval and the close / not-close fit p-values."""
    lo, hi = rmsea_ci(x2, df, n, g)
    out = {"rmsea": rmsea(x2, df, n, g), "rmsea_ci_lower": lo, "rmsea_ci_upper": hi,
           "rmsea_pvalue": rmsea_pvalue(x2, df, n, g),
           "rmsea_notclose_pvalue": rmsea_pvalue(x2, df, n, g, h0=0.08, close=False)}
    out = {k + suffix: v for k, v in out.items()}
    if not suffix:
        out.update({"rmsea_ci_level": 0.90, "rmsea_close_h0": 0.05, "rmsea_notclose_h0": 0.08})
    return out


def _rmsea_robust(x2: float, x2_scaled: float, df: float, n: float, g: int, c: float
                  ) -> dict[str, float]:
    """The robust RMSEA (Brosseau-Liard, Savalei & Li; lavaan's ``rmsea.robust``)."""
    lo, hi = rmsea_ci(x2_scaled, df, n, g, c_hat=c)
    return {"rmsea_robust": rmsea(x2, df, n, g, c_hat=c), "rmsea_ci_lower_robust": lo,
            "rmsea_ci_upper_robust": hi,
            "rmsea_pvalue_robust": rmsea_pvalue(x2_scaled, df, n, g, c_hat=c),
            "rmsea_notclose_pvalue_robust": rmsea_pvalue(x2_scaled, df, n, g, c_hat=c, h0=0.08,
                                                         close=False)}


def _srmr_ml(state: FitState, states: GroupStates) -> dict[str, float]:
    """(S)RMR per group, weighted by ``n_g / N`` (lavaan ``lav_fit_srmr_mplus`` ...)."""
    parts: dict[str, float] = {}
    for g, (_, imp) in zip(state.groups, states, strict=True):
        sp = srmr_parts(g.cov, imp.sigma, g.mean, imp.mu, state.meanstructure)
        for k, v in sp.items():
            parts[k] = parts.get(k, 0.0) + g.n / state.ntotal * v
    return {"rmr": parts["rmr"], "rmr_nomean": parts["rmr_nomean"],
            "srmr": parts["srmr_bentler"], "srmr_bentler": parts["srmr_bentler"],
            "srmr_bentler_nomean": parts["srmr_bentler_nomean"], "crmr": parts["crmr"],
            "crmr_nomean": parts["crmr_nomean"], "srmr_mplus": parts["srmr_mplus"],
            "srmr_mplus_nomean": parts["srmr_mplus_nomean"]}


# ---- WLSMV ---------------------------------------------------------------------------------
def _wlsmv_measures(state: FitState, states: GroupStates) -> dict[str, float]:
    """The fit measures of a WLSMV fit (lavaan's names for its categorical fit)."""
    obj: DWLSObjective = state.objective
    stats_g: list[OrdinalStats] = state.stats
    G = len(stats_g)
    N = obj.ntotal
    Nm = N - G
    npar = state.pt.npar
    df = sum(len(s.wls_obs) for s in stats_g) - npar
    chisq, _ = obj.chisq(state.x)
    if state.e_inv is not None and df > 0:
        ss = scaled_shifted(state.deltas, obj.w, [s.gamma for s in stats_g], obj.f_g, df,
                            state.e_inv)
        xs = ss["a"] * chisq + ss["shift"]
        c = ss["scaling_factor"]
    else:
        ss, xs, c = {"shift": math.nan}, math.nan, math.nan
    state.scaled_shifted = ss
    x2_null, df_null, x2_null_s, c0 = _wlsmv_baseline(obj, stats_g)
    test = {"chisq_scaled": xs, "scaling_factor": c, "baseline_chisq_scaled": x2_null_s,
            "baseline_scaling_factor": c0}
    out: dict[str, float] = {"npar": float(npar), "fmin": chisq / (2 * N)}
    out.update(_chisq_block(chisq, df, x2_null, df_null, test))
    out.update(_incremental(chisq, df, x2_null, df_null))
    out.update(_incremental(xs, df, x2_null_s, df_null, suffix="_scaled"))
    out.update(_rmsea_block(chisq, df, Nm, G))
    out.update(_rmsea_block(xs, df, Nm, G, suffix="_scaled"))
    out.update(_catml_robust(state, states, df, df_null, Nm))
    out.update(_srmr_wlsmv(obj, stats_g, states, N))
    out.update({"cn_05": cn(chisq, df, Nm, 0.05), "cn_01": cn(chisq, df, Nm, 0.01),
                "mfi": mfi(chisq, df, Nm), "wrmr": wrmr(chisq, len(stats_g[0].wls_obs))})
    return out


def _wlsmv_baseline(obj: DWLSObjective, stats_g: list[OrdinalStats]
                    ) -> tuple[float, int, float, float]:
    """The baseline model (thresholds free, correlations zero): its chi-square and df, and
    its own scaled-shifted chi-square and scaling factor."""
    G = len(stats_g)
    npair = len(obj.rows)
    x2_null = sum((s.n - 1) * float(np.sum(s.cor[obj.rows, obj.cols] ** 2
                                           * w[len(s.th):]))
                  for s, w in zip(stats_g, obj.w, strict=True))
    df_null = G * npair
    d0 = []
    for s in stats_g:
        nth = len(s.th)
        d0.append(np.vstack([np.eye(nth), np.zeros((npair, nth))]))
    d0_all = block_diagonal(d0)
    sizes = [len(s.wls_obs) for s in stats_g]
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    d0_groups = [d0_all[st:st + sz] for st, sz in zip(starts, sizes, strict=True)]
    E0 = sum(f * D.T @ (w[:, None] * D)
             for f, D, w in zip(obj.f_g, d0_groups, obj.w, strict=True))
    ss0 = scaled_shifted(d0_groups, obj.w, [s.gamma for s in stats_g], obj.f_g, df_null,
                         np.linalg.inv(E0))
    return x2_null, df_null, ss0["a"] * x2_null + ss0["shift"], ss0["scaling_factor"]


def _catml_robust(state: FitState, states: GroupStates, df: int, df_null: int, n: float
                  ) -> dict[str, float]:
    """lavaan's robust CFI/TLI/RMSEA for categorical data (Savalei, 2021; catML)."""
    obj: DWLSObjective = state.objective
    stats_g: list[OrdinalStats] = state.stats
    t = state.pt.table
    x = t["x"].to_numpy()
    keep = (x >= 0) & ~t["op"].isin(["|", "~1"]).to_numpy()
    npar3 = len(np.unique(x[keep]))
    nth = [len(s.th) for s in stats_g]
    cm = catml_correction(
        [s.cor for s in stats_g], [imp.sigma for _, imp in states],
        [s.gamma[k:, k:] for s, k in zip(stats_g, nth, strict=True)],
        [w[k:] for w, k in zip(obj.w, nth, strict=True)],
        [d[k:] for d, k in zip(state.deltas, nth, strict=True)],
        state.e_inv, [s.n for s in stats_g], npar3)
    out = _robust_incremental(cm.x3, df, cm.x3_null, df_null, cm.c3, cm.c3_null)
    out.update(_rmsea_robust(cm.x3, cm.x3_scaled, cm.df3, n, len(stats_g), cm.c3))
    return out


def _srmr_wlsmv(obj: DWLSObjective, stats_g: list[OrdinalStats], states: GroupStates,
                n: float) -> dict[str, float]:
    """SRMR / CRMR from the correlation (and threshold) residuals, weighted by ``n_g / N``."""
    npair = len(obj.rows)
    parts: dict[str, float] = {}
    for s, (_, imp) in zip(stats_g, states, strict=True):
        r = s.cor[obj.rows, obj.cols] - imp.sigma[obj.rows, obj.cols]
        t = s.th - imp.th
        p = s.cor.shape[0]
        ss_r, ss_t = float(np.sum(r**2)), float(np.sum(t**2))
        vals = {"srmr_bentler_nomean": math.sqrt(ss_r / (npair + p)),
                "srmr_bentler": math.sqrt((ss_r + ss_t) / (npair + len(t) + p)),
                "crmr_nomean": math.sqrt(ss_r / npair),
                "crmr": math.sqrt((ss_r + ss_t) / (npair + len(t)))}
        for k, v in vals.items():
            parts[k] = parts.get(k, 0.0) + s.n / n * v
    return {"rmr": parts["srmr_bentler"], "rmr_nomean": parts["srmr_bentler_nomean"],
            "srmr": parts["srmr_bentler_nomean"], "srmr_bentler": parts["srmr_bentler"],
            "srmr_bentler_nomean": parts["srmr_bentler_nomean"], "crmr": parts["crmr"],
            "crmr_nomean": parts["crmr_nomean"]}
