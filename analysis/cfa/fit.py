"""Fit measures: pure formulas (numbers in, numbers out) and the one registry of names.

Every formula follows lavaan 0.6.14 (``R/lav_fit_cfi.R``, ``lav_fit_rmsea.R``,
``lav_fit_aic.R``, ``lav_fit_other.R``, ``lav_fit_srmr.R``), including its bounds: CFI is
truncated to [0, 1] through ``max(., 0)`` in numerator and denominator, TLI is not, RMSEA
uses N (not N - 1) and is multiplied by sqrt(G) in multi-group models.

The registry :data:`FIT_MEASURES` holds lavaan's ``fitMeasures()`` names with ``.`` written
as ``_``; a result's ``fit`` dict uses exactly these keys.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from lospw.analysis.core.distributions import chi2_cdf, chi2_ppf, chi2_sf, ncx2_cdf

__all__ = [
    "FIT_MEASURES",
    "aic",
    "bic",
    "bic2",
    "cfi",
    "chisq_pvalue",
    "cn",
    "ecvi",
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
            return optimize.brentq(lambda lam: cdf(lam) - target, 0.0, hi, xtol=1e-10,
                                   rtol=1e-12)
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
