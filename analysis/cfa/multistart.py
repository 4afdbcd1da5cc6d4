"""Several starting points for one fit, and the lowest discrepancy among them.

lospw's multi-start policy (DESIGN.md, "Multi-start"): a multi-group or constrained model
(equality constraints from ``group_equal``, shared labels or ``==``) has more than one
local minimum often enough that one start is not trusted. Such a fit is optimised from

1. ``previous`` -- a previous solution, when the caller gives one (an invariance step
   starts from the step before it; an equality set starts at the mean of its rows'
   previous estimates);
2. ``default`` -- the engine's own start (:func:`lospw.analysis.cfa.start.start_values`);
3. ``random 1`` ... -- seeded perturbations of the default start, when the model is small
   enough for them to be cheap (:func:`n_random_starts`),

and the converged solution with the lowest discrepancy ``fmin`` is kept (ties go to the
earlier start, so the result does not depend on floating-point noise). When two converged
starts differ by more than :data:`FMIN_TOLERANCE` in ``fmin`` the fit carries the warning
``local_optimum_suspected``: the kept solution is the best found, not a proven optimum.
Everything is deterministic: the random starts come from ``numpy.random.SeedSequence(seed)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lospw.analysis.cfa.optimizer import OptResult, scoring
from lospw.analysis.cfa.partable import ParTable
from lospw.analysis.core.errors import InputError

__all__ = ["FMIN_TOLERANCE", "MAX_RANDOM_NX", "RANDOM_STARTS", "StartRecord", "best_start",
           "disagreement", "is_constrained", "n_random_starts", "random_starts",
           "start_from_previous"]

log = logging.getLogger(__name__)

#: Two converged starts whose fmin differ by more than this disagree (a local optimum).
FMIN_TOLERANCE = 1e-6
#: Random starts of a multi-group or constrained fit when it is cheap.
RANDOM_STARTS = 2
#: "Cheap": at most this many free parameters (a 25-item, 5-factor, 2-group configural
#: model has 170; one fit of it takes about a second).
MAX_RANDOM_NX = 200


@dataclass(frozen=True)
class StartRecord:
    """Where one start ended.

    Attributes
    ----------
    label : str
        ``"previous"``, ``"default"`` or ``"random <k>"``.
    fmin : float
        The discrepancy at the end (lavaan's ``fmin``; ``inf`` when the start was not
        admissible, i.e. its implied covariance matrix was not positive definite).
    converged : bool
    iterations : int
    kept : bool
        The start whose solution the fit reports.
    """

    label: str
    fmin: float
    converged: bool
    iterations: int
    kept: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "fmin": self.fmin if np.isfinite(self.fmin) else None,
                "converged": self.converged, "iterations": self.iterations, "kept": self.kept}


def is_constrained(pt: ParTable) -> bool:
    """Does the model have several groups or an equality constraint (rows sharing an x)?

    Examples
    --------
    >>> from lospw.analysis.cfa.syntax import parse_model
    >>> from lospw.analysis.cfa.partable import build_partable
    >>> is_constrained(build_partable(parse_model("f =~ a + b + c")))
    False
    >>> is_constrained(build_partable(parse_model("f =~ a + l*b + l*c")))
    True
    """
    x = pt.table["x"].to_numpy()
    x = x[x >= 0]
    return pt.ngroups > 1 or len(np.unique(x)) < len(x)


def n_random_starts(pt: ParTable, requested: int | None) -> int:
    """The number of random starts: ``requested``, or by the policy when None.

    Policy: :data:`RANDOM_STARTS` for a multi-group or constrained model with at most
    :data:`MAX_RANDOM_NX` free parameters, else 0.
    """
    if requested is not None:
        return int(requested)
    return RANDOM_STARTS if is_constrained(pt) and pt.nx <= MAX_RANDOM_NX else 0


def start_from_previous(pt: ParTable, previous: pd.DataFrame, default: np.ndarray
                        ) -> np.ndarray:
    """A start vector from a previous solution's parameter table.

    Each free parameter takes the previous estimate of the same ``lhs op rhs`` in the same
    group; a parameter held equal across rows (``group_equal``) takes the mean of its rows'
    previous estimates; a parameter the previous table lacks keeps its ``default`` start.

    Parameters
    ----------
    pt : ParTable
        The model to be fitted.
    previous : DataFrame
        ``lhs op rhs group est`` (a :attr:`CFAResult.parameters` table).
    default : array (nx,)
        The engine's default start.
    """
    need = {"lhs", "op", "rhs", "group", "est"}
    if not need <= set(previous.columns):
        raise InputError(f"A start table needs the columns {', '.join(sorted(need))}; got "
                         f"{', '.join(map(str, previous.columns))}. Pass a CFAResult or its "
                         "'parameters' table.")
    est = {(str(r.lhs), str(r.op), str(r.rhs), int(r.group)): float(r.est)
           for r in previous[["lhs", "op", "rhs", "group", "est"]].itertuples(index=False)}
    t = pt.table
    total = np.zeros(pt.nx)
    count = np.zeros(pt.nx)
    for lhs, op, rhs, group, x in zip(t["lhs"], t["op"], t["rhs"], t["group"], t["x"],
                                      strict=True):
        v = est.get((str(lhs), str(op), str(rhs), int(group)))
        if x >= 0 and v is not None and np.isfinite(v):
            total[x] += v
            count[x] += 1
    out = np.asarray(default, dtype=float).copy()
    seen = count > 0
    out[seen] = total[seen] / count[seen]
    return out


def random_starts(pt: ParTable, default: np.ndarray, n: int, seed: int,
                  f: Callable[[np.ndarray], float]) -> list[np.ndarray]:
    """``n`` seeded perturbations of the default start.

    Loadings and variances are multiplied by ``exp(u)``, ``u ~ U(-0.7, 0.7)`` (a factor
    between 1/2 and 2); latent covariances are set to ``r sqrt(v_i v_j)`` with ``r ~ U(-.3,
    .6)``; intercepts, means and thresholds keep the default. A perturbation whose implied
    matrix is not positive definite is halved towards the default (up to 10 times).
    """
    t = pt.table
    kind = np.zeros(pt.nx, dtype=int)          # 0 keep, 1 scale, 2 latent covariance
    pair: dict[int, tuple[int, int]] = {}
    var_x: dict[tuple[str, int], int] = {}
    lv = set(pt.lv_names)
    for lhs, op, rhs, group, x in zip(t["lhs"], t["op"], t["rhs"], t["group"], t["x"],
                                      strict=True):
        if x >= 0 and op == "~~" and lhs == rhs:
            var_x[(str(lhs), int(group))] = int(x)
    for lhs, op, rhs, group, x in zip(t["lhs"], t["op"], t["rhs"], t["group"], t["x"],
                                      strict=True):
        if x < 0:
            continue
        if op == "=~" or (op == "~~" and lhs == rhs):
            kind[x] = max(kind[x], 1)
        elif op == "~~" and lhs in lv and rhs in lv:
            a, b = var_x.get((str(lhs), int(group))), var_x.get((str(rhs), int(group)))
            if a is not None and b is not None:
                kind[x], pair[int(x)] = 2, (a, b)
    out = []
    for k in range(n):
        gen = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
        u = gen.uniform(-0.7, 0.7, pt.nx)
        r = gen.uniform(-0.3, 0.6, pt.nx)
        x = default.copy()
        x[kind == 1] = default[kind == 1] * np.exp(u[kind == 1])
        for j, (a, b) in pair.items():
            x[j] = r[j] * np.sqrt(abs(x[a] * x[b]))
        for _ in range(10):
            if np.isfinite(f(x)):
                break
            x = default + (x - default) / 2
        out.append(x)
    return out


def best_start(f: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray],
               info: Callable[[np.ndarray], np.ndarray],
               starts: Sequence[tuple[str, np.ndarray]], **options: float
               ) -> tuple[OptResult, tuple[StartRecord, ...]]:
    """Optimise from every start; keep the converged one with the lowest discrepancy.

    Without a converged start, the one with the lowest discrepancy is kept (and the fit is
    reported as not converged). A start converged only at the noise floor
    (``OptResult.floor``) is kept over one that met the gradient test only when it is lower
    by more than :data:`FMIN_TOLERANCE`, so such starts never change a fit that converged.
    ``options`` go to :func:`lospw.analysis.cfa.optimizer.scoring`.
    """
    results = [(label, scoring(f, grad, info, x0, **options)) for label, x0 in starts]
    ok = [i for i, (_, r) in enumerate(results) if r.converged and np.isfinite(r.fx)]
    pool = ok or [i for i, (_, r) in enumerate(results) if np.isfinite(r.fx)] or [0]
    best = min(pool, key=lambda i: (results[i][1].fx, i))
    # a start that met the gradient test beats one converged at the noise floor
    # (OptResult.floor) unless that one is lower by more than FMIN_TOLERANCE
    strict = [i for i in ok if not results[i][1].floor
              and results[i][1].fx <= results[best][1].fx + FMIN_TOLERANCE]
    if strict:
        best = min(strict, key=lambda i: (results[i][1].fx, i))
    records = tuple(StartRecord(label, float(r.fx), bool(r.converged), int(r.iterations),
                                i == best) for i, (label, r) in enumerate(results))
    log.debug("starts: %s", [(s.label, s.fmin, s.converged) for s in records])
    return results[best][1], records


def disagreement(records: Sequence[StartRecord], tol: float = FMIN_TOLERANCE) -> str | None:
    """The ``local_optimum_suspected`` message when converged starts disagree, else None.

    Examples
    --------
    >>> recs = [StartRecord("previous", 6.1569, True, 9, True),
    ...         StartRecord("default", 6.1618, True, 30)]
    >>> disagreement(recs)
    'the starts ended at different minima (fmin: previous 6.1569 (kept), default 6.1618); the lowest is reported'
    >>> disagreement(recs[:1]) is None
    True
    """
    ok = [s for s in records if s.converged and np.isfinite(s.fmin)]
    if len(ok) < 2 or max(s.fmin for s in ok) - min(s.fmin for s in ok) <= tol:
        return None
    parts = ", ".join(f"{s.label} {s.fmin:.6g}" + (" (kept)" if s.kept else "") for s in ok)
    return f"the starts ended at different minima (fmin: {parts}); the lowest is reported"
