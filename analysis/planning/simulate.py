"""Simulate Likert responses from a written-down population model (SYNTHETIC data).

:func:`simulate` draws one data set from a :class:`~lospw.analysis.planning.population.PopulationModel`;
:func:`write_simulation` saves it as a CSV file with the true values beside it in JSON.

The generating process, per respondent *i* in workplace *w* and stakeholder group *g*:

1. factors ``η_i = u_w + μ_g + ζ_i`` with workplace effects ``u_w ~ N(0, icc·Φ)`` and
   ``ζ_i ~ N(0, (1 - icc)·Φ)``, so each factor has variance 1 and an intraclass correlation
   of ``icc`` (before group mean differences);
2. latent responses ``y*_ij = λ_j'η_i + ε_ij`` with ``ε_ij ~ N(0, 1 - λ_j'Φλ_j)``;
3. categories ``min + #{c: y*_ij > τ_jc + δ_jg}``, where ``δ_jg`` is the threshold shift of
   a non-invariant item in group g (0 elsewhere); reverse-keyed items are then reversed;
4. careless respondents replace their answers: uniformly random categories, or one
   category throughout (straight-lining); they answer fast;
5. missingness: blank answers completely at random (MCAR); blank or don't-know answers
   depending on the stakeholder group (MAR: the group is observed): a share of the group's
   respondents skips each item of some scales with a given probability; don't-know and
   not-applicable answers at random; and a few respondents who answered nothing;
   then the items a respondent's group is not asked (the key's ``design``) are blank:
   planned missingness, for every respondent;
6. response time: ``n_items_asked × seconds_per_item × exp(N(0, sdlog²))`` seconds.

Randomness: one ``numpy.random.Generator`` (PCG64 from ``SeedSequence(seed)``), draws in a
fixed order, so a seed gives the same bytes on every machine with the pinned numpy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.artifacts import sha256_file, write_csv, write_json
from lospw.analysis.core.design import asked_mask
from lospw.analysis.core.errors import InputError
from lospw.analysis.planning.population import MAX_SIMULATED_N, PopulationModel, ordinal_attenuation

__all__ = ["Simulation", "exact_counts", "simulate", "write_simulation"]

log = logging.getLogger(__name__)

SYNTHETIC_NOTE = ("SYNTHETIC data simulated from a written-down population model; not real "
                  "responses.")


@dataclass(frozen=True)
class Simulation:
    """A simulated data set and its true values.

    Attributes
    ----------
    data : DataFrame
        One row per respondent: id, workplace, group, response time, the items (answer
        codes; the don't-know code where given; NaN blank).
    truth : dict
        The population values and what was drawn (see :func:`write_simulation`).
    """

    data: pd.DataFrame
    truth: dict[str, Any]


def _rng(rng: int | np.random.Generator) -> tuple[np.random.Generator, int | None]:
    if isinstance(rng, np.random.Generator):
        return rng, None
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise InputError(f"The seed must be a whole number >= 0; got {rng!r}.")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(rng)))), int(rng)


def exact_counts(shares: list[float], n: int) -> list[int]:
    """Split ``n`` into whole counts proportional to ``shares`` (largest remainder).

    Examples
    --------
    >>> exact_counts([0.4, 0.3, 0.15, 0.15], 601)
    [241, 180, 90, 90]
    """
    raw = np.asarray(shares, dtype=float) * n
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    for j in order[: n - counts.sum()]:
        counts[j] += 1
    return counts.tolist()


def simulate(pop: PopulationModel, *, n: int | None = None,
             rng: int | np.random.Generator = 0) -> Simulation:
    """Draw one synthetic data set from ``pop``.

    Parameters
    ----------
    pop : PopulationModel
    n : int, optional
        Sample size (default: the model's ``n``).
    rng : int or Generator
        The seed (recorded in the truth) or a generator.

    Returns
    -------
    Simulation
    """
    n = pop.n if n is None else n
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"The sample size must be a whole number >= 1; got {n!r}.")
    if n > MAX_SIMULATED_N:
        raise InputError(f"The sample size is {n:,}; a simulation draws at most "
                         f"{MAX_SIMULATED_N:,} respondents.")
    gen, seed = _rng(rng)
    key = pop.key
    rs = key.response_scale
    lo, hi = int(rs.min), int(rs.max)
    k, m = len(pop.factors), len(pop.items)
    lam = pop.loading_matrix()
    theta = pop.residual_variances()
    # 1. groups (exact counts, shuffled), workplaces, factors
    counts = exact_counts([g.share for g in pop.groups], n)
    group_idx = gen.permutation(np.repeat(np.arange(len(pop.groups)), counts))
    workplace = gen.integers(0, pop.n_workplaces, size=n)
    chol = np.linalg.cholesky(pop.phi)
    u = gen.standard_normal((pop.n_workplaces, k)) @ chol.T * np.sqrt(pop.icc)
    zeta = gen.standard_normal((n, k)) @ chol.T * np.sqrt(1 - pop.icc)
    mu = np.zeros((len(pop.groups), k))
    for gi, g in enumerate(pop.groups):
        for f, v in g.factor_means:
            mu[gi, pop.factors.index(f)] = v
    eta = u[workplace] + mu[group_idx] + zeta
    # 2-3. latent responses, categories
    ystar = eta @ lam.T + gen.standard_normal((n, m)) * np.sqrt(theta)
    thr = np.array([it.thresholds for it in pop.items])  # m x (C-1)
    shift = np.zeros((n, m))
    gnames = [g.name for g in pop.groups]
    for item, group, delta in pop.non_invariance:
        j = pop.item_ids.index(item)
        shift[group_idx == gnames.index(group), j] += delta
    cats = lo + np.sum(ystar[:, :, None] > (thr[None, :, :] + shift[:, :, None]), axis=2)
    signs = np.array([it.keyed for it in pop.items])
    answers = np.where(signs < 0, lo + hi - cats, cats).astype(float)
    # 4. careless respondents
    n_random = round(pop.careless_random * n)
    n_straight = round(pop.careless_straightline * n)
    n_empty = round(pop.empty_rows * n)
    special = gen.choice(n, size=n_random + n_straight + n_empty, replace=False)
    random_rows = np.sort(special[:n_random])
    straight_rows = np.sort(special[n_random:n_random + n_straight])
    empty_rows = np.sort(special[n_random + n_straight:])
    answers[random_rows] = gen.integers(lo, hi + 1, size=(n_random, m))
    answers[straight_rows] = gen.integers(lo, hi + 1, size=n_straight)[:, None]
    careless = np.zeros(n, dtype=bool)
    careless[random_rows] = careless[straight_rows] = True
    # 5. missingness (not for careless respondents: they answer every item)
    honest = ~careless[:, None]
    blank = (gen.random((n, m)) < pop.mcar) & honest
    dont_know = np.zeros((n, m), dtype=bool)
    not_applicable = np.zeros((n, m), dtype=bool)
    scale_of = np.array([key.scale_of(i) for i in pop.item_ids])
    for rule in pop.mar:
        affected = gen.random(n) < rule["share"]
        in_group = ((group_idx == gnames.index(rule["group"])) & affected)[:, None]
        on_items = (np.isin(scale_of, rule["scales"])
                    | np.isin(np.array(pop.item_ids), rule.get("items", [])))[None, :]
        hit = (gen.random((n, m)) < rule["rate"]) & in_group & on_items & honest
        {"dont_know": dont_know, "not_applicable": not_applicable,
         "blank": blank}[rule["as"]][...] |= hit
    dont_know |= (gen.random((n, m)) < pop.dont_know_rate) & honest
    if pop.not_applicable_rate:  # drawn only when asked for: older models keep their data
        not_applicable |= (gen.random((n, m)) < pop.not_applicable_rate) & honest
    not_applicable &= ~blank
    dont_know &= ~blank & ~not_applicable
    asked = asked_mask(key, [gnames[g] for g in group_idx])
    planned = ~asked
    for cells in (blank, dont_know, not_applicable):
        cells[empty_rows] = False  # counted as empty rows instead
        cells &= asked
    answers[dont_know] = pop.dont_know_code if pop.dont_know_code is not None else np.nan
    answers[not_applicable] = (pop.not_applicable_code if pop.not_applicable_code is not None
                               else np.nan)
    answers[blank | planned] = np.nan
    answers[empty_rows] = np.nan
    # 6. response time
    per_item = np.where(careless, pop.careless_seconds_per_item, pop.seconds_per_item)
    seconds = np.round(asked.sum(axis=1) * per_item
                       * np.exp(gen.normal(0.0, pop.sdlog, size=n)), 1)
    cols = pop.columns
    width = max(4, len(str(n)))
    data = pd.DataFrame({
        cols["id"]: [f"{1000 + i + 1:0{width}d}" for i in range(n)],
        cols["workplace"]: [f"PW{w + 1:02d}" for w in workplace],
        cols["group"]: [gnames[g] for g in group_idx],
        cols["time"]: seconds,
    })
    items = pd.DataFrame(answers, columns=list(pop.item_ids))
    data = pd.concat([data, items], axis=1)
    uw = u[workplace]
    between = np.cov(uw, rowvar=False, bias=True).reshape(k, k)
    truth = _truth(pop, seed, n, counts, u, eta, random_rows, straight_rows, empty_rows,
                   blank, dont_know, lam, theta, between)
    truth["drawn"]["n_not_applicable_cells"] = int(not_applicable.sum())
    truth["drawn"]["n_planned_missing_cells"] = int(planned[
        ~np.isin(np.arange(n), empty_rows)].sum())
    log.info("simulated %d respondents x %d items (seed %s)", n, m, seed)
    return Simulation(data, truth)


def _truth(pop: PopulationModel, seed: int | None, n: int, counts: list[int], u: np.ndarray,
           eta: np.ndarray, random_rows: np.ndarray, straight_rows: np.ndarray,
           empty_rows: np.ndarray, blank: np.ndarray, dont_know: np.ndarray,
           lam: np.ndarray, theta: np.ndarray, between: np.ndarray) -> dict[str, Any]:
    rho = np.array([ordinal_attenuation(it.thresholds) for it in pop.items])
    loadings = {it.id: dict(it.loadings) for it in pop.items}
    ordinal = {it.id: {f: float(v * rho[j]) for f, v in it.loadings}
               for j, it in enumerate(pop.items)}  # filled with pooled values below
    primary = {it.id: max(it.loadings, key=lambda p: abs(p[1]))[0] for it in pop.items}
    pooled_m = pop.pooled_loadings()
    pooled = {it.id: {f: float(pooled_m[j, pop.factors.index(f)]) for f, _ in it.loadings}
              for j, it in enumerate(pop.items)}
    ordinal = {i: {f: v * rho[j] for f, v in pooled[i].items()}
               for j, i in enumerate(pop.item_ids)}
    given_m = pop.pooled_loadings(between)
    given = {it.id: {f: float(given_m[j, pop.factors.index(f)]) for f, _ in it.loadings}
             for j, it in enumerate(pop.items)}
    return {
        "synthetic": True,
        "note": SYNTHETIC_NOTE,
        "seed": seed,
        "n": n,
        "population": {
            "factors": list(pop.factors),
            "factor_correlations": pop.phi.tolist(),
            "loadings": loadings,
            "primary_factor": primary,
            "residual_variances": dict(zip(pop.item_ids, theta.tolist(), strict=True)),
            "thresholds": {it.id: list(it.thresholds) for it in pop.items},
            "keyed": {it.id: it.keyed for it in pop.items},
            "pooled_loadings": pooled,
            "ordinal_attenuation": dict(zip(pop.item_ids, rho.tolist(), strict=True)),
            "ordinal_loadings": ordinal,
            "icc": pop.icc,
            "group_factor_means": {g.name: dict(g.factor_means) for g in pop.groups},
            "non_invariance": [{"item": i, "group": g, "threshold_shift": d}
                               for i, g, d in pop.non_invariance],
            "flaws": pop.flaws(),
        },
        "drawn": {
            "group_counts": dict(zip([g.name for g in pop.groups], counts, strict=True)),
            "pooled_loadings_given_workplaces": given,
            "workplace_effect_covariance": between.tolist(),
            "workplace_effects": {f"PW{w + 1:02d}": dict(zip(pop.factors, u[w].tolist(),
                                                              strict=True))
                                  for w in range(pop.n_workplaces)},
            "factor_score_means": dict(zip(pop.factors, eta.mean(axis=0).tolist(),
                                           strict=True)),
            # 1-based data rows of the written file
            "careless_random_rows": (random_rows + 1).tolist(),
            "careless_straightline_rows": (straight_rows + 1).tolist(),
            "empty_rows": (empty_rows + 1).tolist(),
            "n_blank_cells": int(blank.sum()),
            "n_dont_know_cells": int(dont_know.sum()),
        },
        "meaning": {
            "loadings": "standardised loadings of the continuous latent responses y* "
                        "within a group (the generating values)",
            "pooled_loadings": "the same over all groups together (what a single-group "
                               "CFA on polychoric correlations estimates; lower than the "
                               "generating value for a non-invariant item)",
            "pooled_loadings_given_workplaces": "the pooled loadings given the workplace "
                                                "effects actually drawn (the target of "
                                                "this sample; the recovery test uses it)",
            "ordinal_loadings": "pooled loadings times the ordinal attenuation rho_j: "
                                "approximately what an ML CFA of the 1-5 scores (Pearson "
                                "correlations) estimates",
        },
    }


def write_simulation(sim: Simulation, path: str | Path, *,
                     population_path: str | Path | None = None) -> dict[str, Path]:
    """Write the data (CSV) and, beside it, ``<stem>.truth.json``.

    The CSV is comma-separated, UTF-8, ``.`` decimal, blank for a missing answer, the
    don't-know code written as a number. The truth JSON records the seed, the population
    file's name and SHA-256, the population values and what was drawn.
    """
    p = Path(path)
    if p.suffix.lower() != ".csv":
        raise InputError(f"The output file must end in .csv; got {p.name!r}.")
    truth = dict(sim.truth)
    if population_path is not None:
        pp = Path(population_path)
        truth["population_file"] = pp.name
        truth["population_sha256"] = sha256_file(pp)
    truth["data_file"] = p.name
    write_csv(sim.data, p, float_format="%.10g")
    truth_path = p.with_name(p.stem + ".truth.json")
    write_json(truth, truth_path)
    return {"data": p, "truth": truth_path}
