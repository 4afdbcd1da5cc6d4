"""Later waves of a simulated field test: the same respondents again, with stated true change
per workplace and attrition (SYNTHETIC data).

A population file (:mod:`lospw.analysis.planning.population`) may carry a ``waves`` section::

    waves:
      n: 3                        # waves 1..n; wave 1 is the single-wave simulation itself
      column: wave                # the wave column of the (long) data
      stability: 0.6              # correlation of a respondent's own factor part between
                                  # consecutive waves
      attrition: 0.15             # share of each wave's respondents who do not answer the
                                  # next wave (completely at random)
      mean_change: {LOS: 0.2}     # true change per wave of every workplace (factor SD units)
      workplace_change_sd: 0.1    # SD of each workplace's own change per wave (drawn)
      workplace_change: {PW01: 0.4}   # stated change per wave of named workplaces, every
                                  # factor (replaces their drawn change)

Generating process of wave ``t`` >= 2 (wave 1 as :func:`~lospw.analysis.planning.simulate.
simulate`, byte for byte the single-wave data of the same seed):

1. respondents: those of wave ``t - 1`` who stay (probability ``1 - attrition``);
2. workplace effects ``u_w,t = u_w + (t - 1) delta_w`` with ``delta_w,f = mean_change_f +
   c_w``, ``c_w`` the stated change of workplace ``w`` or a draw ``N(0,
   workplace_change_sd^2)`` (one per workplace, the same for every factor);
3. own factor part ``zeta_t = stability zeta_{t-1} + sqrt(1 - stability^2) e``, ``e ~ N(0, (1 -
   icc) Phi)`` (its variance stays ``(1 - icc) Phi``); ``eta_t = u_w,t + mu_g + zeta_t``;
4. latent responses, categories (with the group threshold shifts of non-invariant items),
   reverse keying, MCAR blanks, don't-know and not-applicable answers at random, and the
   planned missingness of the key's ``design`` as in wave 1 (the measurement model does
   not change: the items are invariant across waves by construction; careless responding,
   MAR skips and empty rows are wave-1 only);
5. response time as in wave 1 (items asked x seconds per item).

The true change of workplace ``w`` on factor ``f`` from wave 1 to wave ``t`` is ``(t - 1)
delta_w,f`` in factor SD units (the factor variance is 1 at wave 1); the truth JSON records
every ``delta`` and the respondents per wave.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.design import asked_mask
from lospw.analysis.core.errors import InputError
from lospw.analysis.planning.population import PopulationModel
from lospw.analysis.planning.simulate import Simulation, simulate

__all__ = ["WaveSpec", "simulate_waves", "wave_spec"]

_KEYS = ("n", "column", "stability", "attrition", "mean_change", "workplace_change_sd",
         "workplace_change")


@dataclass(frozen=True)
class WaveSpec:
    """The checked ``waves`` section of a population model."""

    n: int
    column: str
    stability: float
    attrition: float
    mean_change: dict[str, float]
    workplace_change_sd: float
    workplace_change: dict[str, float]


def _num(v: Any, where: str, lo: float, hi: float) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi \
            or math.isnan(float(v)):
        raise InputError(f"{where}: must be a number from {lo:g} to {hi:g}; got {v!r}.")
    return float(v)


def wave_spec(pop: PopulationModel) -> WaveSpec | None:
    """The model's ``waves`` section, checked (None when it has none).

    Raises
    ------
    InputError
        One line naming the place and the fix.
    """
    raw = pop.raw.get("waves")
    if raw is None:
        return None
    src = f"{pop.source}: waves"
    if not isinstance(raw, dict):
        raise InputError(f"{src}: must be a mapping, e.g. {{n: 3, mean_change: {{F: 0.2}}}}.")
    unknown = [k for k in raw if k not in _KEYS]
    if unknown:
        raise InputError(f"{src}: unknown entry {unknown[0]!r}; allowed: {', '.join(_KEYS)}.")
    n = raw.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 20:
        raise InputError(f"{src}.n: the number of waves, a whole number from 2 to 20; got "
                         f"{n!r}.")
    mc = raw.get("mean_change") or {}
    if not isinstance(mc, dict) or any(f not in pop.factors for f in mc):
        raise InputError(f"{src}.mean_change: map factors of the model ({', '.join(pop.factors)})"
                         " to a change per wave in factor SD units.")
    labels = {f"PW{w + 1:02d}" for w in range(pop.n_workplaces)}
    wc = raw.get("workplace_change") or {}
    if not isinstance(wc, dict) or any(str(k) not in labels for k in wc):
        raise InputError(f"{src}.workplace_change: map workplaces (PW01..PW"
                         f"{pop.n_workplaces:02d}) to a change per wave in factor SD units.")
    column = str(raw.get("column", "wave"))
    if column in pop.columns.values() or column in pop.item_ids:
        raise InputError(f"{src}.column: {column!r} is already a column of the data; name the "
                         "wave column differently.")
    return WaveSpec(
        n=n, column=column,
        stability=_num(raw.get("stability", 0.6), f"{src}.stability", 0, 0.99),
        attrition=_num(raw.get("attrition", 0.0), f"{src}.attrition", 0, 0.9),
        mean_change={f: _num(v, f"{src}.mean_change.{f}", -3, 3) for f, v in mc.items()},
        workplace_change_sd=_num(raw.get("workplace_change_sd", 0.0),
                                 f"{src}.workplace_change_sd", 0, 3),
        workplace_change={str(k): _num(v, f"{src}.workplace_change.{k}", -3, 3)
                          for k, v in wc.items()})


def simulate_waves(pop: PopulationModel, *, n: int | None = None, rng: int = 0
                   ) -> Simulation:
    """Draw every wave of the model (long data: one row per respondent and wave).

    Parameters
    ----------
    pop : PopulationModel
        With a ``waves`` section (see the module docstring).
    n : int, optional
        Respondents at wave 1 (default: the model's ``n``).
    rng : int
        The seed. Wave 1 is the single-wave simulation of this seed.

    Returns
    -------
    Simulation
        ``data`` with the wave column after the id; ``truth`` with a ``waves`` entry.
    """
    spec = wave_spec(pop)
    if spec is None:
        raise InputError(f"{pop.source}: the population model has no 'waves' section.")
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise InputError(f"The seed must be a whole number >= 0; got {rng!r}.")
    seed = int(rng)
    # the generator simulate() makes from a seed, so that wave 1 is its data byte for byte
    gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    sim = simulate(pop, n=n, rng=gen)
    lat = sim.latent
    rs = pop.key.response_scale
    lo, hi = int(rs.min), int(rs.max)
    lam, theta = pop.loading_matrix(), pop.residual_variances()
    thr = np.array([it.thresholds for it in pop.items])
    signs = np.array([it.keyed for it in pop.items])
    k, m = len(pop.factors), len(pop.items)
    chol = np.linalg.cholesky(pop.phi)
    labels = [f"PW{w + 1:02d}" for w in range(pop.n_workplaces)]
    drawn = gen.standard_normal(pop.n_workplaces) * spec.workplace_change_sd
    own = np.array([spec.workplace_change.get(lbl, d) for lbl, d in zip(labels, drawn,
                                                                      strict=True)])
    mean = np.array([spec.mean_change.get(f, 0.0) for f in pop.factors])
    delta = own[:, None] + mean[None, :]          # workplaces x factors, per wave
    gnames = [g.name for g in pop.groups]
    shift = np.zeros((len(lat["group"]), m))   # group threshold shifts, as in wave 1
    for item, group, d in pop.non_invariance:
        shift[lat["group"] == gnames.index(group), pop.item_ids.index(item)] += d
    asked = asked_mask(pop.key, [gnames[g] for g in lat["group"]])
    cols = pop.columns
    first = sim.data.copy()
    first.insert(1, spec.column, 1)
    frames = [first]
    present = np.arange(len(first))
    zeta = lat["zeta"]
    counts = [len(first)]
    for t in range(2, spec.n + 1):
        stay = gen.random(len(present)) >= spec.attrition
        present = present[stay]
        e = gen.standard_normal((len(zeta), k)) @ chol.T * math.sqrt(1 - pop.icc)
        zeta = spec.stability * zeta + math.sqrt(1 - spec.stability**2) * e
        wp = lat["workplace"][present]
        eta = (lat["u"][wp] + (t - 1) * delta[wp] + lat["mu"][lat["group"][present]]
               + zeta[present])
        ystar = eta @ lam.T + gen.standard_normal((len(present), m)) * np.sqrt(theta)
        cats = lo + np.sum(ystar[:, :, None] > thr[None, :, :] + shift[present][:, :, None],
                           axis=2)
        answers = np.where(signs < 0, lo + hi - cats, cats).astype(float)
        blank = gen.random(answers.shape) < pop.mcar
        na = np.zeros(answers.shape, dtype=bool)
        if pop.not_applicable_rate:   # drawn only when asked for, as in wave 1
            na = (gen.random(answers.shape) < pop.not_applicable_rate) & ~blank
        dk = (gen.random(answers.shape) < pop.dont_know_rate) & ~blank & ~na
        answers[dk] = pop.dont_know_code if pop.dont_know_code is not None else np.nan
        answers[na] = (pop.not_applicable_code if pop.not_applicable_code is not None
                       else np.nan)
        answers[blank | ~asked[present]] = np.nan
        seconds = np.round(asked[present].sum(axis=1) * pop.seconds_per_item
                           * np.exp(gen.normal(0.0, pop.sdlog, size=len(present))), 1)
        base = first.iloc[present]
        frame = pd.DataFrame({cols["id"]: base[cols["id"]].to_numpy(), spec.column: t,
                              cols["workplace"]: base[cols["workplace"]].to_numpy(),
                              cols["group"]: base[cols["group"]].to_numpy(),
                              cols["time"]: seconds})
        frame = pd.concat([frame, pd.DataFrame(answers, columns=list(pop.item_ids))], axis=1)
        frames.append(frame[first.columns])
        counts.append(len(present))
    data = pd.concat(frames, ignore_index=True)
    truth = dict(sim.truth)
    truth["seed"] = seed
    truth["waves"] = {
        "n": spec.n, "column": spec.column, "stability": spec.stability,
        "attrition": spec.attrition, "respondents_per_wave": counts,
        "mean_change_per_wave": dict(zip(pop.factors, mean.tolist(), strict=True)),
        "workplace_change_sd": spec.workplace_change_sd,
        "workplace_change_per_wave": {
            lbl: dict(zip(pop.factors, delta[w].tolist(), strict=True))
            for w, lbl in enumerate(labels)},
        "meaning": "true change of a workplace's factor mean from wave 1 to wave t: (t - 1) "
                   "x workplace_change_per_wave, in factor SD units (the factor variance is "
                   "1 at wave 1); the measurement model is the same at every wave",
    }
    return Simulation(data, truth, None)
