"""A population model for simulated questionnaire data, written down in a YAML file.

The model is a factor model for the *latent responses* y* of every item, cut into ordered
categories by thresholds, with a multilevel and multi-group structure and the usual survey
nuisances. Every number the simulation uses is in the file::

    model: lospw-population/1
    synthetic: true
    description: ...
    key: key.yaml                   # the instrument's key (path relative to this file)
    n: 600                          # default sample size
    factors: [LOS, GOC]             # = the key's scales
    factor_correlations:            # every pair, explicitly
      - [LOS, GOC, 0.75]
    items:                          # every key item
      LOSgoals1:
        loadings: {LOS: 0.72}       # standardised, on the latent-response (y*) scale
        thresholds: [-2.0, -1.1, -0.2, 1.1]   # y* cut points (categories min..max)
        flaw: weak                  # optional label: weak | cross_loading | non_invariant
    workplaces: {n: 10, icc: 0.10}  # icc: share of each factor's variance between workplaces
    groups:                         # stakeholder groups: share of the sample, factor means
      students: {share: 0.4, factor_means: {VMM: -0.1}}
      managers: {share: 0.6}
    non_invariance:                 # a group whose thresholds of an item are shifted
      - {item: GOCsafety1, group: students, threshold_shift: -0.6}
    missingness:
      mcar: 0.02                    # blank answers, completely at random
      mar:                          # answers missing depending on the (observed) group:
        - {group: students, scales: [VMM], share: 0.25, rate: 0.6, as: dont_know}
                                    # share: of the group's respondents (default 1) who skip
                                    # each item of the scales (or of `items: [...]`) with
                                    # probability rate; as: blank | dont_know | not_applicable
      empty_rows: 0.005             # respondents who answered nothing at all
    dont_know: {code: 8, rate: 0.01}   # the "weet niet" code; rate: MCAR don't-knows
    not_applicable: {code: 9, rate: 0.005}  # optional: the "niet van toepassing" code
    careless: {random: 0.02, straightline: 0.015}
    response_time: {seconds_per_item: 7.0, sdlog: 0.4, careless_seconds_per_item: 1.5}
    columns: {id: respondent_id, workplace: workplace, group: stakeholder, time: interviewtime}

When the key has a ``design`` (:mod:`lospw.analysis.core.design`), every item a
respondent's group is not asked is left blank (planned missingness), for careless
respondents too (a group the design does not name is asked the items not routed); the
response time counts the items asked.

Loadings and thresholds are in the keyed direction: a reverse-keyed item (``-`` in the key)
has positive loadings, and its observed answer is reversed (``min + max - category``).
The residual variance of y* is ``1 - λ'Φλ``, so y* has unit variance and the loadings are
the standardised loadings of the latent responses. :func:`ordinal_loadings` gives what they
become for the observed 1-5 scores.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key, load_key
from lospw.analysis.core.yamlio import as_id, load_yaml

__all__ = [
    "FLAWS",
    "FORMAT",
    "MAX_SIMULATED_CATEGORIES",
    "MAX_SIMULATED_CELLS",
    "MAX_SIMULATED_N",
    "Group",
    "ItemModel",
    "PopulationModel",
    "load_population",
    "ordinal_attenuation",
    "population_from_dict",
]

FORMAT = "lospw-population/1"
FLAWS = ("weak", "cross_loading", "non_invariant")
#: The largest sample a simulation draws (the work and memory grow with it); a population
#: file's ``n`` is also bounded by :data:`MAX_SIMULATED_CELLS` (respondents x items).
MAX_SIMULATED_N = 1_000_000
MAX_SIMULATED_CELLS = 5_000_000
#: The most response categories a population model handles (its moments grow with the
#: square of the number of categories).
MAX_SIMULATED_CATEGORIES = 101
_TOP = ("model", "synthetic", "description", "key", "n", "factors", "factor_correlations",
        "items", "workplaces", "groups", "non_invariance", "missingness", "dont_know",
        "not_applicable", "careless", "response_time", "columns", "provenance")
_COLUMNS = {"id": "respondent_id", "workplace": "workplace", "group": "stakeholder",
            "time": "interviewtime"}


@dataclass(frozen=True)
class ItemModel:
    """One item: its loadings (factor -> value), thresholds, keyed direction, flaw label."""

    id: str
    loadings: tuple[tuple[str, float], ...]
    thresholds: tuple[float, ...]
    keyed: int = 1
    flaw: str | None = None


@dataclass(frozen=True)
class Group:
    """A stakeholder group: its share of the sample and its factor means (default 0)."""

    name: str
    share: float
    factor_means: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class PopulationModel:
    """A checked population model; see the module docstring for the file format."""

    key: Key
    factors: tuple[str, ...]
    phi: np.ndarray = field(compare=False)
    items: tuple[ItemModel, ...]
    n: int
    n_workplaces: int
    icc: float
    groups: tuple[Group, ...]
    non_invariance: tuple[tuple[str, str, float], ...]
    mcar: float
    mar: tuple[dict[str, Any], ...]
    empty_rows: float
    dont_know_code: float | None
    dont_know_rate: float
    careless_random: float
    careless_straightline: float
    seconds_per_item: float
    sdlog: float
    careless_seconds_per_item: float
    columns: dict[str, str] = field(compare=False)
    description: str = ""
    source: str = field(default="<dict>", compare=False)
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    not_applicable_code: float | None = None
    not_applicable_rate: float = 0.0

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def loading_matrix(self) -> np.ndarray:
        """Items x factors matrix Λ (keyed direction)."""
        lam = np.zeros((len(self.items), len(self.factors)))
        col = {f: j for j, f in enumerate(self.factors)}
        for i, it in enumerate(self.items):
            for f, v in it.loadings:
                lam[i, col[f]] = v
        return lam

    def residual_variances(self) -> np.ndarray:
        """θ_j = 1 - λ_j'Φλ_j: the residual variance making Var(y*) = 1."""
        lam = self.loading_matrix()
        return 1.0 - np.einsum("ij,jk,ik->i", lam, self.phi, lam)

    def pooled_loadings(self, between: np.ndarray | None = None) -> np.ndarray:
        """Standardised loadings of the latent responses in the whole (pooled) population.

        Group factor means add between-group variance ``B = Σ_g p_g (μ_g - μ̄)(μ_g - μ̄)'``
        to the factors, and a threshold shift ``δ_jg`` adds ``-δ_jg`` to item j's latent
        response in group g. Over all groups together,
        ``Var(η_k) = 1 + B_kk`` and
        ``Var(y*_j) = λ_j'(Φ + B)λ_j + θ_j + Var_g(δ_jg) - 2 λ_j'Cov_g(μ_g, δ_jg)``,
        so a single-group CFA with standardised factors targets
        ``λ_jk √Var(η_k) / √Var(y*_j)``. This differs from λ noticeably only for a
        non-invariant item (whose pooled loading is lower). Workplace effects have
        expectation ``icc·Φ`` and are part of Φ; give ``between`` (the covariance of the
        drawn workplace effects over the respondents) to get the values given the drawn
        workplaces, ``Φ`` then being replaced by ``(1 - icc)Φ + between``.
        """
        lam = self.loading_matrix()
        phi = self.phi if between is None else (1 - self.icc) * self.phi + between
        p = np.array([g.share for g in self.groups])
        mu = np.zeros((len(self.groups), len(self.factors)))
        for gi, g in enumerate(self.groups):
            for f, v in g.factor_means:
                mu[gi, self.factors.index(f)] = v
        dev = mu - p @ mu
        b = (dev * p[:, None]).T @ dev
        shift = np.zeros((len(self.groups), len(self.items)))
        names = [g.name for g in self.groups]
        for item, group, delta in self.non_invariance:
            shift[names.index(group), self.item_ids.index(item)] -= delta
        sdev = shift - p @ shift
        var_s = p @ sdev**2
        cov_ms = (dev * p[:, None]).T @ sdev  # factors x items
        var_y = (np.einsum("ij,jk,ik->i", lam, phi + b, lam) + self.residual_variances()
                 + var_s + 2 * np.einsum("ij,ji->i", lam, cov_ms))
        return lam * np.sqrt(np.diag(phi + b))[None, :] / np.sqrt(var_y)[:, None]

    def flaws(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {f: [] for f in FLAWS}
        for it in self.items:
            if it.flaw:
                out[it.flaw].append(it.id)
        return out


def ordinal_attenuation(thresholds: Any) -> float:
    """Correlation between a standard-normal latent response and its category score.

    With thresholds τ_1 < ... < τ_{C-1} and scores 1..C,
    ``Cov(y, y*) = Σ_c φ(τ_c)`` and ``Var(y) = Σ_c p_c c² - (Σ_c p_c c)²``, so
    ``ρ = Σ_c φ(τ_c) / SD(y)`` (the polyserial relation; Olsson, Drasgow & Dorans, 1982).
    Because y depends on the factors only through y*, the correlation of the score with a
    factor is ρ times that of y*: the standardised loading a Pearson-based CFA of the
    scores estimates is approximately ``ρ·λ``.

    Examples
    --------
    >>> round(ordinal_attenuation([-1.5, -0.5, 0.5, 1.5]), 4)
    0.9547
    """
    tau = np.asarray(thresholds, dtype=float)
    cdf = np.concatenate([[0.0], stats.norm.cdf(tau), [1.0]])
    p = np.diff(cdf)
    scores = np.arange(1, len(p) + 1)
    var = float(np.sum(p * scores**2) - np.sum(p * scores) ** 2)
    return float(np.sum(stats.norm.pdf(tau)) / math.sqrt(var))


# -- parsing --------------------------------------------------------------------------------
def _num(v: Any, where: str, lo: float = -math.inf, hi: float = math.inf,
         lo_open: bool = False, hi_open: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise InputError(f"{where}: must be a number; got {v!r}.")
    x = float(v)
    if x < lo or x > hi or (lo_open and x == lo) or (hi_open and x == hi):
        lo_b, hi_b = "(" if lo_open else "[", ")" if hi_open else "]"
        raise InputError(f"{where}: must lie in {lo_b}{lo:g}, {hi:g}{hi_b}; got {v!r}.")
    return x


def _map(v: Any, where: str, example: str) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise InputError(f"{where}: must be a mapping, e.g. {example}; got {type(v).__name__}.")
    return v


def _list(v: Any, where: str, example: str) -> list[Any]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise InputError(f"{where}: must be a list, e.g. {example}; got {type(v).__name__}.")
    return v


def _known(raw: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for k in raw:
        if k not in allowed:
            raise InputError(f"{where}: unknown field {k!r}; the fields are "
                             f"{', '.join(allowed)}.")


def population_from_dict(data: Any, source: str = "<dict>", *, key: Key | None = None,
                         base_dir: str | Path = ".") -> PopulationModel:
    """Check a population model given as a mapping; see :func:`load_population`."""
    src = source
    data = _map(data, src, "the format in analysis/planning/population.py")
    _known(data, _TOP, src)
    if data.get("model") != FORMAT:
        raise InputError(f"{src}: 'model' must be {FORMAT!r}; got {data.get('model')!r}. "
                         "Start the file with 'model: " + FORMAT + "'.")
    if data.get("synthetic") is not True:
        raise InputError(f"{src}: 'synthetic: true' is required: simulated data are always "
                         "labelled synthetic.")
    if key is None:
        if not isinstance(data.get("key"), str):
            raise InputError(f"{src}: 'key' must name the key file (relative to the "
                             "population file).")
        key = load_key(Path(base_dir) / data["key"])
    factors = data.get("factors")
    if not isinstance(factors, list) or not factors:
        raise InputError(f"{src}: 'factors' must list the factors (the key's scales).")
    factors = [as_id(f, f"{src}: factors") for f in factors]
    if tuple(factors) != key.scale_names:
        raise InputError(f"{src}: factors {', '.join(factors)} differ from the key's scales "
                         f"{', '.join(key.scale_names)}. List the key's scales in key order.")
    k = len(factors)
    phi = np.eye(k)
    seen: set[tuple[str, str]] = set()
    for m, entry in enumerate(_list(data.get("factor_correlations"),
                                    f"{src}: factor_correlations", "[[LOS, GOC, 0.75]]")):
        where = f"{src}: factor_correlations[{m}]"
        if not (isinstance(entry, list) and len(entry) == 3):
            raise InputError(f"{where}: write each pair as [F1, F2, r].")
        a, b = as_id(entry[0], where), as_id(entry[1], where)
        if a not in factors or b not in factors or a == b:
            raise InputError(f"{where}: {a}-{b} is not a pair of two different factors.")
        pair = tuple(sorted((a, b)))
        if pair in seen:
            raise InputError(f"{where}: the pair {a}-{b} is given twice.")
        seen.add(pair)  # type: ignore[arg-type]
        r = _num(entry[2], where, -1, 1, True, True)
        i, j = factors.index(a), factors.index(b)
        phi[i, j] = phi[j, i] = r
    if len(seen) != k * (k - 1) // 2:
        missing = [f"{a}-{b}" for x, a in enumerate(factors) for b in factors[x + 1:]
                   if tuple(sorted((a, b))) not in seen]
        raise InputError(f"{src}: factor_correlations lacks {len(missing)} pair(s): "
                         f"{', '.join(missing[:6])}. Write every pair down.")
    if np.linalg.eigvalsh(phi).min() <= 1e-8:
        raise InputError(f"{src}: factor_correlations is not positive definite. Lower the "
                         "largest correlations.")
    raw_items = _map(data.get("items"), f"{src}: items", "{A1: {loadings: {A: 0.7}, ...}}")
    if list(raw_items) != list(key.items):
        extra = [i for i in raw_items if i not in key.items]
        lack = [i for i in key.items if i not in raw_items]
        raise InputError(f"{src}: items must be the key's items in key order; "
                         f"not in the key: {', '.join(map(str, extra)) or '-'}; lacking: "
                         f"{', '.join(lack) or '-'}.")
    n_thr = (key.response_scale.n_categories or 0) - 1
    if key.response_scale.continuous:
        raise InputError(f"{src}: the key has a continuous response scale; the simulation "
                         "needs categories.")
    if n_thr + 1 > MAX_SIMULATED_CATEGORIES:
        raise InputError(f"{src}: the key's response scale has {n_thr + 1:,} categories; a "
                         f"simulation handles at most {MAX_SIMULATED_CATEGORIES}.")
    items: list[ItemModel] = []
    for item_id, spec in raw_items.items():
        where = f"{src}: items.{item_id}"
        spec = _map(spec, where, "{loadings: {A: 0.7}, thresholds: [...]}")
        _known(spec, ("loadings", "thresholds", "flaw"), where)
        loads = _map(spec.get("loadings"), f"{where}.loadings", "{A: 0.7}")
        if not loads:
            raise InputError(f"{where}.loadings: give at least one loading, e.g. {{A: 0.7}}.")
        pairs = []
        for f, v in loads.items():
            if f not in factors:
                raise InputError(f"{where}.loadings: unknown factor {f!r}.")
            pairs.append((str(f), _num(v, f"{where}.loadings.{f}", -1, 1, True, True)))
        thr = spec.get("thresholds")
        if not (isinstance(thr, list) and len(thr) == n_thr):
            raise InputError(f"{where}.thresholds: give {n_thr} thresholds for "
                             f"{n_thr + 1} categories.")
        thr_f = [_num(t, f"{where}.thresholds", -10, 10) for t in thr]
        if any(b <= a for a, b in itertools.pairwise(thr_f)):
            raise InputError(f"{where}.thresholds: must increase strictly; got {thr}.")
        flaw = spec.get("flaw")
        if flaw is not None and flaw not in FLAWS:
            raise InputError(f"{where}.flaw: must be one of {', '.join(FLAWS)}; got {flaw!r}.")
        items.append(ItemModel(item_id, tuple(pairs), tuple(thr_f), key.sign(item_id), flaw))
    wp = _map(data.get("workplaces", {"n": 1, "icc": 0}), f"{src}: workplaces",
              "{n: 10, icc: 0.1}")
    _known(wp, ("n", "icc"), f"{src}: workplaces")
    n_wp = wp.get("n", 1)
    if isinstance(n_wp, bool) or not isinstance(n_wp, int) or n_wp < 1:
        raise InputError(f"{src}: workplaces.n must be a whole number >= 1; got {n_wp!r}.")
    if n_wp > MAX_SIMULATED_N:
        raise InputError(f"{src}: workplaces.n is {n_wp:,}; at most {MAX_SIMULATED_N:,}.")
    icc = _num(wp.get("icc", 0), f"{src}: workplaces.icc", 0, 1, hi_open=True)
    groups: list[Group] = []
    raw_groups = _map(data.get("groups", {"all": {"share": 1}}), f"{src}: groups",
                      "{students: {share: 0.5}}")
    for g, spec in raw_groups.items():
        where = f"{src}: groups.{g}"
        spec = _map(spec, where, "{share: 0.4}")
        _known(spec, ("share", "factor_means"), where)
        means = _map(spec.get("factor_means", {}), f"{where}.factor_means", "{VMM: 0.2}")
        for f in means:
            if f not in factors:
                raise InputError(f"{where}.factor_means: unknown factor {f!r}.")
        groups.append(Group(as_id(g, where), _num(spec.get("share"), f"{where}.share", 0, 1,
                                                   lo_open=True),
                            tuple((str(f), _num(v, f"{where}.factor_means.{f}", -3, 3))
                                  for f, v in means.items())))
    if abs(sum(g.share for g in groups) - 1) > 1e-9:
        raise InputError(f"{src}: the group shares add up to "
                         f"{sum(g.share for g in groups):g}, not 1. Correct them.")
    gnames = [g.name for g in groups]
    noninv = []
    for m, e in enumerate(_list(data.get("non_invariance"), f"{src}: non_invariance",
                                "[{item: X, group: g, threshold_shift: -0.5}]")):
        where = f"{src}: non_invariance[{m}]"
        e = _map(e, where, "{item: X, group: students, threshold_shift: -0.5}")
        _known(e, ("item", "group", "threshold_shift"), where)
        if e.get("item") not in key.items or e.get("group") not in gnames:
            raise InputError(f"{where}: needs a key item and a group; got "
                             f"{e.get('item')!r}, {e.get('group')!r}.")
        noninv.append((e["item"], e["group"], _num(e.get("threshold_shift"),
                                                   f"{where}.threshold_shift", -3, 3)))
    miss = _map(data.get("missingness", {}), f"{src}: missingness", "{mcar: 0.02}")
    _known(miss, ("mcar", "mar", "empty_rows"), f"{src}: missingness")
    mar = []
    for m, e in enumerate(_list(miss.get("mar"), f"{src}: missingness.mar",
                                "[{group: g, scales: [VMM], rate: 0.1}]")):
        where = f"{src}: missingness.mar[{m}]"
        e = _map(e, where, "{group: students, scales: [VMM], rate: 0.1, as: blank}")
        _known(e, ("group", "scales", "items", "share", "rate", "as"), where)
        if e.get("group") not in gnames:
            raise InputError(f"{where}.group: unknown group {e.get('group')!r}.")
        scales, on_items = e.get("scales", []), e.get("items", [])
        if (not isinstance(scales, list) or any(s not in factors for s in scales)
                or not isinstance(on_items, list) or any(i not in key.items for i in on_items)
                or not (scales or on_items)):
            raise InputError(f"{where}: list factors (scales: [VMM]) or key items "
                             "(items: [VMM1]).")
        kind = e.get("as", "blank")
        if kind not in ("blank", "dont_know", "not_applicable"):
            raise InputError(f"{where}.as: must be 'blank', 'dont_know' or 'not_applicable'; "
                             f"got {kind!r}.")
        mar.append({"group": e["group"], "scales": list(scales), "items": list(on_items),
                    "rate": _num(e.get("rate"), f"{where}.rate", 0, 1, hi_open=True),
                    "share": _num(e.get("share", 1), f"{where}.share", 0, 1),
                    "as": kind})
    dk = _map(data.get("dont_know", {}), f"{src}: dont_know", "{code: 9, rate: 0.01}")
    _known(dk, ("code", "rate"), f"{src}: dont_know")
    dk_code = None if dk.get("code") is None else _num(dk["code"], f"{src}: dont_know.code")
    rs = key.response_scale
    if dk_code is not None and rs.min <= dk_code <= rs.max:
        raise InputError(f"{src}: dont_know.code {dk_code:g} lies inside the response scale.")
    if dk_code is None and (dk.get("rate") or any(e["as"] == "dont_know" for e in mar)):
        raise InputError(f"{src}: don't-know answers are asked for but dont_know.code is "
                         "not given.")
    na = _map(data.get("not_applicable", {}), f"{src}: not_applicable",
              "{code: 9, rate: 0.005}")
    _known(na, ("code", "rate"), f"{src}: not_applicable")
    na_code = None if na.get("code") is None else _num(na["code"],
                                                       f"{src}: not_applicable.code")
    if na_code is not None and (rs.min <= na_code <= rs.max or na_code == dk_code):
        raise InputError(f"{src}: not_applicable.code {na_code:g} lies inside the response "
                         "scale or equals dont_know.code; give it its own code.")
    if na_code is None and (na.get("rate") or any(e["as"] == "not_applicable" for e in mar)):
        raise InputError(f"{src}: not-applicable answers are asked for but "
                         "not_applicable.code is not given.")
    care = _map(data.get("careless", {}), f"{src}: careless", "{random: 0.02}")
    _known(care, ("random", "straightline"), f"{src}: careless")
    rt = _map(data.get("response_time", {}), f"{src}: response_time",
              "{seconds_per_item: 7, sdlog: 0.4}")
    _known(rt, ("seconds_per_item", "sdlog", "careless_seconds_per_item"),
           f"{src}: response_time")
    cols = dict(_COLUMNS)
    cols.update({str(k): str(v) for k, v in _map(data.get("columns", {}), f"{src}: columns",
                                                 "{id: respondent_id}").items()})
    _known(cols, tuple(_COLUMNS), f"{src}: columns")
    n = data.get("n", 600)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"{src}: n must be a whole number >= 1; got {n!r}.")
    if n > MAX_SIMULATED_N or n * len(items) > MAX_SIMULATED_CELLS:
        most = min(MAX_SIMULATED_N, MAX_SIMULATED_CELLS // len(items))
        raise InputError(f"{src}: n is {n:,}; a simulation of {len(items)} items draws at "
                         f"most {most:,} respondents. Give a smaller n.")
    pop = PopulationModel(
        key=key, factors=tuple(factors), phi=phi, items=tuple(items), n=n,
        n_workplaces=n_wp, icc=icc, groups=tuple(groups), non_invariance=tuple(noninv),
        mcar=_num(miss.get("mcar", 0), f"{src}: missingness.mcar", 0, 1, hi_open=True),
        mar=tuple(mar),
        empty_rows=_num(miss.get("empty_rows", 0), f"{src}: missingness.empty_rows", 0, 0.5),
        dont_know_code=dk_code,
        dont_know_rate=_num(dk.get("rate", 0), f"{src}: dont_know.rate", 0, 1, hi_open=True),
        careless_random=_num(care.get("random", 0), f"{src}: careless.random", 0, 0.5),
        careless_straightline=_num(care.get("straightline", 0),
                                   f"{src}: careless.straightline", 0, 0.5),
        seconds_per_item=_num(rt.get("seconds_per_item", 7.0),
                              f"{src}: response_time.seconds_per_item", 0, 600, True),
        sdlog=_num(rt.get("sdlog", 0.4), f"{src}: response_time.sdlog", 0, 3),
        careless_seconds_per_item=_num(rt.get("careless_seconds_per_item", 1.5),
                                       f"{src}: response_time.careless_seconds_per_item",
                                       0, 600, True),
        columns=cols, description=str(data.get("description", "")), source=src,
        raw=dict(data), not_applicable_code=na_code,
        not_applicable_rate=_num(na.get("rate", 0), f"{src}: not_applicable.rate", 0, 1,
                                 hi_open=True),
    )
    theta = pop.residual_variances()
    if theta.min() <= 0.01:
        bad = pop.items[int(np.argmin(theta))].id
        raise InputError(f"{src}: items.{bad}: the loadings explain all of its variance "
                         f"(residual {theta.min():.3g}). Lower them.")
    return pop


def load_population(path: str | Path, key: Key | None = None) -> PopulationModel:
    """Read and check a population-model YAML file (key path relative to it).

    Raises
    ------
    InputError
        One line naming the file, the place and the fix.
    """
    p = Path(path)
    return population_from_dict(load_yaml(p), str(path), key=key, base_dir=p.parent)
