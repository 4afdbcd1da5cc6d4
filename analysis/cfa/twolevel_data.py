"""Clustered data for the two-level CFA: rows grouped by cluster and by missing-data pattern.

The two-level likelihood (:mod:`lospw.analysis.cfa.twolevel_ml`) needs, per cluster, which
rows it holds and which variables each row observed. Rows are sorted by cluster (clusters in
order of first appearance, lavaan's order) so that per-cluster sums are
``np.add.reduceat`` over contiguous slices. Rows with no model variable observed carry no
information and are excluded; with ``missing="listwise"`` every row with a missing value is
excluded (lavaan's default), and a cluster left without rows disappears.

Starting moments (used only to start the optimiser) are the pooled within-cluster
covariance ``S_PW = sum_j sum_i (y_ij - ybar_j)(y_ij - ybar_j)' / (N - J)`` and the method
of moments between covariance ``S_B - S_PW / n~`` with ``S_B`` the covariance of the cluster
means and ``n~`` the mean cluster size (Muthen, 1994), its diagonal floored at a small
positive share of the within variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lospw.analysis.core.errors import InputError

__all__ = ["ClusterData", "cluster_data"]


@dataclass(frozen=True)
class ClusterData:
    """Clustered item data, sorted by cluster.

    Attributes
    ----------
    x : ndarray
        N x p responses (NaN = missing), rows sorted by cluster.
    cluster : ndarray
        Cluster code (0..J-1) of each row.
    labels : tuple of str
        Cluster labels in order of first appearance.
    index : Index
        The input row label of each analysed row (in ``x``'s order).
    offsets : ndarray
        First row of each cluster (for ``np.add.reduceat``).
    sizes : ndarray
        Rows per cluster.
    pattern : ndarray
        Missing-data pattern of each row (index into ``observed``).
    observed : tuple of ndarray
        Per pattern, the indices of the observed variables (most complete first).
    counts : ndarray
        J x K: rows of each pattern in each cluster.
    pattern_rows : tuple of ndarray
        Per pattern, the positions of its rows in ``x``.
    """

    x: np.ndarray
    cluster: np.ndarray
    labels: tuple[str, ...]
    index: pd.Index
    offsets: np.ndarray
    sizes: np.ndarray
    pattern: np.ndarray
    observed: tuple[np.ndarray, ...]
    counts: np.ndarray
    pattern_rows: tuple[np.ndarray, ...]

    @property
    def n(self) -> int:
        """Rows analysed."""
        return len(self.x)

    @property
    def n_clusters(self) -> int:
        return len(self.labels)

    @property
    def n_values(self) -> int:
        """Observed values (the ``P`` of the log-likelihood's ``log 2 pi`` term)."""
        return int(np.sum(~np.isnan(self.x)))

    @property
    def complete(self) -> bool:
        return len(self.observed) == 1 and len(self.observed[0]) == self.x.shape[1]

    def start_moments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(S_PW, Sigma_B start, grand mean)`` from the available values (start only)."""
        x = self.x
        obs = ~np.isnan(x)
        x0 = np.where(obs, x, 0.0)
        cnt = np.add.reduceat(obs.astype(float), self.offsets, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            cmean = np.add.reduceat(x0, self.offsets, axis=0) / cnt
            grand = x0.sum(axis=0) / obs.sum(axis=0)
        cmean = np.where(np.isfinite(cmean), cmean, grand)
        dev = np.where(obs, x - cmean[self.cluster], 0.0)
        both = obs.astype(float).T @ obs.astype(float)
        s_pw = dev.T @ dev / np.maximum(both - self.n_clusters, 1.0)
        cm = cmean - grand
        s_b = cm.T @ cm / max(self.n_clusters - 1, 1)
        nbar = self.n / self.n_clusters
        sigma_b = s_b - s_pw / nbar
        d = np.diag(s_pw).copy()
        d[~(d > 0)] = 1.0
        s_pw = s_pw + np.diag(np.where(np.diag(s_pw) > 0, 0.0, d))
        floor = 0.05 * d
        db = np.diag(sigma_b)
        sigma_b = sigma_b + np.diag(np.maximum(floor - db, 0.0))
        # shrink the off-diagonal part until positive definite
        for _ in range(20):
            if np.linalg.eigvalsh(sigma_b).min() > 0:
                break
            off = sigma_b - np.diag(np.diag(sigma_b))
            sigma_b = np.diag(np.diag(sigma_b)) + 0.5 * off
        return s_pw, sigma_b, np.nan_to_num(grand)


def cluster_data(data: pd.DataFrame, ov: list[str], cluster: str, missing: str
                 ) -> tuple[ClusterData, pd.DataFrame]:
    """Sort, screen and index clustered data for the two-level likelihood.

    Parameters
    ----------
    data : DataFrame
        Numeric item columns ``ov`` and the cluster column.
    ov : list of str
        Model variables, in the model's order.
    cluster : str
        The cluster column.
    missing : {"listwise", "fiml"}

    Returns
    -------
    (ClusterData, excluded)
        ``excluded`` lists the rows not analysed (``row``, ``reason``).

    Raises
    ------
    InputError
        The cluster column is absent, or no row remains.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, 2, np.nan, 4], "b": [2.0, 1, 3, np.nan],
    ...                    "g": ["x", "y", "x", "y"]})
    >>> cd, ex = cluster_data(df, ["a", "b"], "g", "fiml")
    >>> cd.labels, cd.sizes.tolist(), cd.counts.tolist()
    (('x', 'y'), [2, 2], [[1, 0, 1], [1, 1, 0]])
    """
    if cluster not in data.columns:
        raise InputError(f"The cluster column {cluster!r} is not in the data. Name one of its "
                         "columns.")
    excluded: list[dict[str, object]] = []
    ccol = data[cluster]
    for row in data.index[ccol.isna()]:
        excluded.append({"row": row, "reason": "missing cluster"})
    frame = data.loc[~ccol.isna()]
    x = frame[ov].to_numpy(dtype=float)
    keep = ~np.isnan(x).any(axis=1) if missing == "listwise" else (~np.isnan(x)).any(axis=1)
    reason = ("missing value (listwise deletion)" if missing == "listwise"
              else "no model variable observed")
    for row in frame.index[~keep]:
        excluded.append({"row": row, "reason": reason})
    frame, x = frame.loc[keep], x[keep]
    if len(frame) == 0:
        raise InputError("No row is left to analyse after removing rows without a cluster "
                         f"and {reason}. Check the data or use missing='fiml'.")
    codes, uniques = pd.factorize(frame[cluster].astype(str), sort=False)
    order = np.argsort(codes, kind="stable")
    x, codes = x[order], codes[order]
    index = frame.index[order]
    sizes = np.bincount(codes, minlength=len(uniques))
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    obs = ~np.isnan(x)
    keys, inverse = np.unique(obs, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    # most complete pattern first (deterministic order)
    order_k = sorted(range(len(keys)), key=lambda k: (-int(keys[k].sum()),
                                                     tuple(np.flatnonzero(keys[k]))))
    rank = np.empty(len(keys), dtype=int)
    rank[order_k] = np.arange(len(keys))
    pattern = rank[inverse]
    observed = tuple(np.flatnonzero(keys[k]) for k in order_k)
    counts = np.zeros((len(uniques), len(keys)), dtype=int)
    np.add.at(counts, (codes, pattern), 1)
    pattern_rows = tuple(np.flatnonzero(pattern == k) for k in range(len(observed)))
    cd = ClusterData(x, codes, tuple(str(u) for u in uniques), index, offsets, sizes, pattern,
                     observed, counts, pattern_rows)
    return cd, pd.DataFrame(excluded, columns=["row", "reason"])
