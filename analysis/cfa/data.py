"""Sample statistics per group: the data the estimators see.

Raw data are split by group; with ``missing="listwise"`` every row with a missing value on a
model variable is dropped (and counted); with ``missing="fiml"`` rows are grouped by their
missing-data pattern, keeping each pattern's size, mean and (biased) covariance, which is all
the casewise normal likelihood needs. Covariances use the divisor N (lavaan's
``sample.cov.rescale`` for normal-theory ML): a user-supplied ``sample_cov`` (divisor N - 1,
as R's ``cov()``) is multiplied by (N - 1) / N, as lavaan does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lospw.analysis.core.degenerate import DegenerateDataError

__all__ = ["GroupData", "Pattern", "em_saturated", "group_from_cov", "group_from_frame"]


@dataclass(frozen=True)
class Pattern:
    """Cases sharing one missing-data pattern."""

    observed: np.ndarray      # indices of the observed variables
    n: int
    mean: np.ndarray          # mean of the observed variables
    cov: np.ndarray           # biased covariance of the observed variables
    rows: np.ndarray          # positions of these cases in the group's data


@dataclass(frozen=True)
class GroupData:
    """One group's data and moments.

    ``x`` is the n x p data matrix (NaN for missing under FIML; None when only moments were
    given). ``mean`` and ``cov`` are the complete-data moments, or under FIML the EM
    estimates of the saturated model (lavaan's ``missing.h1``).
    """

    label: str
    n: int
    mean: np.ndarray
    cov: np.ndarray
    x: np.ndarray | None = None
    patterns: tuple[Pattern, ...] = field(default=())
    index: pd.Index | None = None    # row labels of the analysed cases
    n_dropped: int = 0

    @property
    def missing(self) -> bool:
        return len(self.patterns) > 1 or (len(self.patterns) == 1
                                          and len(self.patterns[0].observed) < len(self.mean))


def _patterns(x: np.ndarray) -> tuple[Pattern, ...]:
    obs = ~np.isnan(x)
    keys, inverse = np.unique(obs, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    out = []
    for k, key in enumerate(keys):
        rows = np.flatnonzero(inverse == k)
        o = np.flatnonzero(key)
        if len(o) == 0:
            continue
        xo = x[np.ix_(rows, o)]
        m = xo.mean(axis=0)
        c = (xo - m).T @ (xo - m) / len(rows)
        out.append(Pattern(o, len(rows), m, c, rows))
    # most complete pattern first (deterministic order)
    out.sort(key=lambda pat: (-len(pat.observed), tuple(pat.observed)))
    return tuple(out)


def em_saturated(patterns: tuple[Pattern, ...], p: int, *, max_iter: int = 10000,
                 tol: float = 1e-11) -> tuple[np.ndarray, np.ndarray, int]:
    """EM estimates of the saturated normal model under MAR (lavaan's ``missing.h1``).

    E-step per pattern with the regression of the missing on the observed variables;
    M-step the complete-data moments. Starts from available-case means and variances.

    Returns
    -------
    (mean, cov, iterations)
    """
    n = sum(pat.n for pat in patterns)
    s1 = np.zeros(p)
    cnt = np.zeros(p)
    s2 = np.zeros(p)
    for pat in patterns:
        s1[pat.observed] += pat.n * pat.mean
        s2[pat.observed] += pat.n * (np.diag(pat.cov) + pat.mean**2)
        cnt[pat.observed] += pat.n
    mu = s1 / cnt
    sigma = np.diag(s2 / cnt - mu**2)
    # per pattern, once: its missing variables and the index grids of the blocks
    blocks = []
    for pat in patterns:
        o = pat.observed
        mis = np.setdiff1d(np.arange(p), o)
        blocks.append((pat, o, mis, np.ix_(o, o), np.ix_(o, mis), np.ix_(mis, o),
                       np.ix_(mis, mis)))
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (returned)
        t1 = np.zeros(p)
        t2 = np.zeros((p, p))
        for pat, o, mis, oo, om, mo, mm_ix in blocks:
            xbar, so = pat.mean, pat.cov
            t1[o] += pat.n * xbar
            t2[oo] += pat.n * (so + np.outer(xbar, xbar))
            if len(mis) == 0:
                continue
            try:
                b = np.linalg.solve(sigma[oo], sigma[om]).T  # m x o
            except np.linalg.LinAlgError:
                raise DegenerateDataError(
                    "nonpositive_definite",
                    f"FIML: the covariance matrix of the items answered together is singular "
                    f"(N = {n} for {p} items, or items that copy each other), so the saturated "
                    "model cannot be estimated. Use more respondents, drop redundant items or "
                    "missing='listwise'.") from None
            a = mu[mis] - b @ mu[o]
            xhat = a + b @ xbar
            t1[mis] += pat.n * xhat
            cross = np.outer(a, xbar) + b @ (so + np.outer(xbar, xbar))       # E[x_m x_o']
            t2[mo] += pat.n * cross
            t2[om] += pat.n * cross.T
            cond = sigma[mm_ix] - b @ sigma[om]
            mm = (np.outer(a, a) + np.outer(a, b @ xbar) + np.outer(b @ xbar, a)
                  + b @ (so + np.outer(xbar, xbar)) @ b.T + cond)
            t2[mm_ix] += pat.n * mm
        mu_new = t1 / n
        sigma_new = t2 / n - np.outer(mu_new, mu_new)
        sigma_new = (sigma_new + sigma_new.T) / 2
        change = max(np.max(np.abs(mu_new - mu)), np.max(np.abs(sigma_new - sigma)))
        mu, sigma = mu_new, sigma_new
        if change < tol:
            break
    return mu, sigma, it


def group_from_frame(frame: pd.DataFrame, variables: list[str], label: str, *,
                     missing: str) -> GroupData:
    """Moments (and patterns) of one group's rows; see the module docstring."""
    x = frame[variables].to_numpy(dtype=float)
    index = frame.index
    n_dropped = 0
    if missing == "listwise":
        keep = ~np.isnan(x).any(axis=1)
        n_dropped = int((~keep).sum())
        x, index = x[keep], index[keep]
        n = len(x)
        mean = x.mean(axis=0) if n else np.full(len(variables), np.nan)
        cov = (x - mean).T @ (x - mean) / n if n else np.full((len(variables),) * 2, np.nan)
        return GroupData(label, n, mean, cov, x, (), index, n_dropped)
    empty = np.isnan(x).all(axis=1)
    n_dropped = int(empty.sum())
    x, index = x[~empty], index[~empty]
    pats = _patterns(x)
    if len(pats) == 1 and len(pats[0].observed) == len(variables):
        mean, cov = pats[0].mean, pats[0].cov
    else:
        mean, cov = _em_moments(x, pats)
    return GroupData(label, len(x), mean, cov, x, pats, index, n_dropped)


# The EM moments of the last few data matrices: the steps of an invariance or longitudinal
# analysis, and the competing models of one CFA stage, fit the same data again and again,
# and the EM (a pure function of the data) is most of such a fit's time. Keyed by the data's
# bytes, so a hit returns exactly what the EM would.
_EM_CACHE: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
_EM_CACHE_SIZE = 8


def _em_moments(x: np.ndarray, pats: tuple[Pattern, ...]) -> tuple[np.ndarray, np.ndarray]:
    key = hashlib.sha256(np.ascontiguousarray(x).tobytes()).digest() + repr(x.shape).encode()
    hit = _EM_CACHE.get(key)
    if hit is None:
        mean, cov, _ = em_saturated(pats, x.shape[1])
        while len(_EM_CACHE) >= _EM_CACHE_SIZE:
            _EM_CACHE.pop(next(iter(_EM_CACHE)))
        hit = _EM_CACHE[key] = (mean, cov)
    return hit[0].copy(), hit[1].copy()


def group_from_cov(cov: np.ndarray, n: int, label: str, mean: np.ndarray | None = None,
                   rescale: bool = True) -> GroupData:
    """A group given by its moments (``sample_cov`` with divisor N - 1 unless ``rescale``)."""
    cov = np.asarray(cov, dtype=float)
    if rescale:
        cov = cov * (n - 1) / n
    mean = np.zeros(cov.shape[0]) if mean is None else np.asarray(mean, dtype=float)
    return GroupData(label, n, mean, cov)
