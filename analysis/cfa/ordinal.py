"""Sample statistics for ordered items: thresholds, polychorics and their covariance Gamma.

As lavaan 0.6.14 (``lav_samplestats_step1/step2``, ``muthen1984``) for ordered variables
without covariates:

* step 1: thresholds ``tau = Phi^-1(cumulative proportions)`` of each item (the probit
  maximum likelihood without covariates);
* step 2: each polychoric correlation by ML on its pair's table with the thresholds fixed
  (two-step; the vectorised Newton solver of :mod:`lospw.analysis.classical.polychoric`); a 2 x 2 table
  with one empty cell gets lavaan's ``zero.add = 0.5`` keeping the margins;
* Gamma (``NACOV``, Muthen 1984): with casewise scores ``s_i`` of all univariate and
  bivariate likelihoods and the block-triangular matrix ``A`` of their (outer-product)
  derivatives, ``Gamma = n A^-1 (sum_i s_i s_i') A^-T``.
* Missing answers (lavaan ``missing = "pairwise"``, code -1 here): each item's thresholds
  from the rows that answered it, each polychoric from the rows that answered both, and the
  scores of a row that did not answer are zero in every sum (lavaan's ``na.rm`` cross
  products); ``n`` is every row of the group.

The statistics are ordered as lavaan's ``WLS.obs``: all thresholds (item by item), then
the correlations below the diagonal, column by column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lospw.analysis.classical.polychoric import cell_derivatives, cell_probabilities, polychoric_ml
from lospw.analysis.core import special
from lospw.analysis.core.degenerate import DegenerateDataError
from lospw.analysis.core.errors import InputError

__all__ = ["OrdinalStats", "lower_triangle", "ordinal_stats"]


@dataclass(frozen=True)
class OrdinalStats:
    """One group's ordinal sample statistics.

    ``th`` (nth), ``th_var`` (item index of each threshold), ``cor`` (p x p polychorics),
    ``gamma`` (NACOV, (nth + p(p-1)/2) square), ``n``.
    """

    th: np.ndarray
    th_var: np.ndarray
    cor: np.ndarray
    gamma: np.ndarray
    n: int

    @property
    def wls_obs(self) -> np.ndarray:
        p = self.cor.shape[0]
        r, c = lower_triangle(p)
        return np.r_[self.th, self.cor[r, c]]


def lower_triangle(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row/column indices of the strict lower triangle, column by column (lavaan's vech)."""
    cols, rows = [], []
    for j in range(p):
        for i in range(j + 1, p):
            rows.append(i)
            cols.append(j)
    return np.array(rows, dtype=int), np.array(cols, dtype=int)


def _pdf(x: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), np.exp(-0.5 * np.where(np.isfinite(x), x, 0) ** 2)
                    / np.sqrt(2 * np.pi), 0.0)


def ordinal_stats(codes: np.ndarray, n_categories: list[int], names: list[str],
                  label: str = "") -> OrdinalStats:
    """Thresholds, polychoric correlations and Gamma of one group.

    Parameters
    ----------
    codes : ndarray (n, p)
        Data coded 0 .. K_j - 1 per item, -1 for a missing answer (pairwise).
    n_categories : list of int
        K_j per item (the number of levels over all groups).
    names : list of str
        Item names (for messages).
    label : str
        Group label (for messages).
    """
    n, p = codes.shape
    where = f" in group {label}" if label else ""
    # ---- step 1: thresholds and their scores --------------------------------------------------
    th_list, th_var = [], []
    counts_list = []
    for j in range(p):
        K = n_categories[j]
        seen = codes[:, j] >= 0
        cnt = np.bincount(codes[seen, j], minlength=K).astype(float)
        if np.any(cnt == 0):
            raise DegenerateDataError(
                "empty_category", f"Item {names[j]!r} has an empty category{where} "
                f"(frequencies {cnt.astype(int).tolist()}); WLSMV needs every category "
                "observed in every group. Merge sparse categories.")
        counts_list.append(cnt)
        tau = special.ndtri(np.cumsum(cnt)[:-1] / cnt.sum())
        th_list.append(tau)
        th_var += [j] * (K - 1)
    th = np.concatenate(th_list)
    th_var = np.array(th_var, dtype=int)
    nth = len(th)
    th_start = np.r_[0, np.cumsum([K - 1 for K in n_categories])[:-1]]
    # casewise threshold scores: category c -> +phi(tau_c)/P_c on t_c, -phi(tau_{c-1})/P_c
    sc_th = np.zeros((n, nth))
    for j in range(p):
        tau = th_list[j]
        ext = np.r_[-np.inf, tau, np.inf]
        P = special.ndtr(ext[1:]) - special.ndtr(ext[:-1])
        c = codes[:, j]
        phi = _pdf(tau)
        up = (c >= 0) & (c < len(tau))
        sc_th[up, th_start[j] + c[up]] = phi[c[up]] / P[c[up]]
        dn = c > 0
        sc_th[dn, th_start[j] + c[dn] - 1] = -phi[c[dn] - 1] / P[c[dn]]
    # ---- step 2: polychorics, pair by pair shape -----------------------------------------
    rows, cols = lower_triangle(p)
    npair = len(rows)
    rho = np.zeros(npair)
    score_rho = [None] * npair        # per pair: (I x J) table of d log P / d rho
    score_a = [None] * npair          # (I-1, I, J) d log P / d tau_row
    score_b = [None] * npair
    shapes: dict[tuple[int, int], list[int]] = {}
    for k in range(npair):
        shapes.setdefault((n_categories[rows[k]], n_categories[cols[k]]), []).append(k)
    for (ni, nj), ks in shapes.items():
        ks = np.array(ks)
        ri, ci = rows[ks], cols[ks]
        tab = np.zeros((len(ks), ni, nj))
        flat = codes[:, ri] * nj + codes[:, ci]           # n x m cell index
        both = (codes[:, ri] >= 0) & (codes[:, ci] >= 0)  # pairwise-complete rows
        for m in range(len(ks)):
            tab[m] = np.bincount(flat[both[:, m], m], minlength=ni * nj).reshape(ni, nj)
        if ni == 2 and nj == 2:
            tab = _zero_add_2x2(tab)
        a = np.array([th_list[i] for i in ri])
        b = np.array([th_list[j] for j in ci])
        r0, _ok, _ = polychoric_ml(tab, a, b, _start(tab, a, b))
        rho[ks] = r0
        P = np.maximum(cell_probabilities(r0, a, b), 1e-300)
        d_rho, d_a, d_b = cell_derivatives(r0, a, b)
        for m, k in enumerate(ks):
            score_rho[k] = d_rho[m] / P[m]
            score_a[k] = d_a[m] / P[m]
            score_b[k] = d_b[m] / P[m]
    cor = np.eye(p)
    cor[rows, cols] = rho
    cor[cols, rows] = rho
    # ---- Gamma (Muthen 1984) --------------------------------------------------------------
    sc_cor = np.empty((n, npair))
    A21 = np.zeros((npair, nth))
    A22 = np.zeros(npair)
    for k in range(npair):
        i, j = rows[k], cols[k]
        both = (codes[:, i] >= 0) & (codes[:, j] >= 0)
        ci_, cj_ = np.where(both, codes[:, i], 0), np.where(both, codes[:, j], 0)
        s = np.where(both, score_rho[k][ci_, cj_], 0.0)   # no answer: no score
        sc_cor[:, k] = s
        A22[k] = s @ s
        # cross products with the bivariate threshold scores of item i and item j
        Ki, Kj = n_categories[i], n_categories[j]
        for m in range(Ki - 1):
            A21[k, th_start[i] + m] = s @ score_a[k][m][ci_, cj_]
        for m in range(Kj - 1):
            A21[k, th_start[j] + m] = s @ score_b[k][m][ci_, cj_]
    SC = np.hstack([sc_th, sc_cor])
    inner = SC.T @ SC
    A11 = np.zeros((nth, nth))
    for j in range(p):
        idx = np.arange(th_start[j], th_start[j] + n_categories[j] - 1)
        A11[np.ix_(idx, idx)] = inner[np.ix_(idx, idx)]
    A11_inv = np.linalg.inv(A11)
    if np.any(A22 == 0):
        raise InputError(f"A polychoric correlation{where} has no information (a degenerate "
                         "table); WLSMV cannot weight it. Check for constant items.")
    A22_inv = 1.0 / A22
    A21_inv = -(A22_inv[:, None] * A21) @ A11_inv
    B_inv = np.zeros((nth + npair, nth + npair))
    B_inv[:nth, :nth] = A11_inv
    B_inv[nth:, :nth] = A21_inv
    B_inv[nth:, nth:] = np.diag(A22_inv)
    gamma = n * (B_inv @ inner @ B_inv.T)
    return OrdinalStats(th, th_var, cor, gamma, n)


def _zero_add_2x2(tab: np.ndarray) -> np.ndarray:
    """lavaan's zero.add = 0.5 for a 2 x 2 table with one empty cell, keeping the margins."""
    out = tab.copy()
    for m in range(len(tab)):
        t = out[m]
        zero = np.argwhere(t == 0)
        if len(zero) != 1:
            continue
        i, j = zero[0]
        if i == j:     # on the main diagonal
            t[0, 0] += 0.5
            t[1, 1] += 0.5
            t[1, 0] -= 0.5
            t[0, 1] -= 0.5
        else:
            t[0, 0] -= 0.5
            t[1, 1] -= 0.5
            t[1, 0] += 0.5
            t[0, 1] += 0.5
    return out


def _start(tab: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of the category codes as a Newton start."""
    n = tab.sum(axis=(1, 2))
    ni, nj = tab.shape[1:]
    si, sj = np.arange(ni, dtype=float), np.arange(nj, dtype=float)
    pa, pb = tab.sum(axis=2) / n[:, None], tab.sum(axis=1) / n[:, None]
    ma, mb = pa @ si, pb @ sj
    va = pa @ si**2 - ma**2
    vb = pb @ sj**2 - mb**2
    cab = np.einsum("mij,i,j->m", tab / n[:, None, None], si, sj) - ma * mb
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cab / np.sqrt(va * vb)
    return np.clip(np.nan_to_num(r), -0.9, 0.9)

