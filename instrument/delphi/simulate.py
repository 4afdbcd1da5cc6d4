"""A synthetic Delphi panel from a written-down population model (demo data, SYNTHETIC).

The panel rates the items of the bank for relevance and clarity on Lynn's 1-4 scale, round
after round, and the real decision rules decide after each round which items go to the next
one, exactly as a study would run:

1. **Items.** Every item gets a latent type. Within each aspect one item, in random order,
   is ``strong``, a second one is ``strong`` with probability ``p_second_strong``; every
   other item is ``unclear`` (relevant content, poor wording) with probability
   ``p_unclear``, else ``moderate`` or ``weak`` with equal chance. A type fixes the item's latent relevance ``mu`` and clarity
   ``clarity_mu`` (uniform ranges in :class:`PanelModel`).
2. **Panelists.** ``groups`` gives the stakeholder groups of the bank
   (:data:`lospw.instrument.model.GROUPS`) and their sizes; each panelist has a leniency
   ``b ~ N(0, leniency_sd)`` and their group a shift. ``expertise`` makes some groups
   content experts (``all``: they may rate every item).
3. **Design.** Each panelist rates a subset: :func:`lospw.instrument.delphi.assign.assign_items`
   gives every item ``raters_per_item`` panelists whose group answers it or whose expertise
   covers it (None: every eligible panelist), at least the rules' ``target_raters``.
4. **Round 1.** A rating is the latent ``mu + b + shift + e`` (``e ~ N(0, noise_sd)``) cut
   at 1.5, 2.5 and 3.5; clarity likewise from ``clarity_mu``. A rating is absent with
   probability ``p_absent`` and left empty with ``p_empty``; a few carry a comment (its
   text follows the rating given; drawn from a separate random stream).
5. **Later rounds.** The rules decide; the items to revise are rated again by the panelists
   who rated them in round 1 and stay (``leave_after`` panelists leave after each round). A revised item's wording is
   improved: ``mu`` rises by ``revision_gain`` (a type-specific range), an unclear item's
   clarity by ``clarity_gain``. Each rating moves toward the previous round's panel
   median: latent ``(1 - conformity) * fresh + conformity * median`` (the Delphi feedback).
6. The panel stops when the rules' verdict is "stop" (at the latest after ``max_rounds``).

Only the numbers are simulated: revised items keep their bank text (a real study would
write the new wording into the bank, e.g. with ``Bank.with_texts``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from lospw.analysis.core.artifacts import write_csv, write_text
from lospw.instrument import model as lospw_model
from lospw.instrument.delphi.assign import Assignment, Panelist, assign_items
from lospw.instrument.delphi.decide import run_delphi
from lospw.instrument.delphi.ratings import Ratings
from lospw.instrument.delphi.rules import Rules, load_rules

__all__ = ["DEMO_RATERS_PER_ITEM", "GROUPS", "ItemSpec", "PanelModel", "SimulatedPanel",
           "simulate_panel", "write_panel"]

log = logging.getLogger(__name__)

# The stakeholder groups of the bank (lospw.instrument.model.GROUPS, after the seed's Tabel 1),
# with Dutch and English labels.
GROUPS: dict[str, dict[str, str]] = {g.id: {"nl": g.nl, "en": g.en}
                                     for g in lospw_model.GROUPS}
_ALL_GROUPS = tuple(GROUPS)
# Raters per item in the demo panel (`lospw simulate delphi`): about 70 items per panelist.
DEMO_RATERS_PER_ITEM = 10

_COMMENTS = {
    "unclear": ["Formulering is onduidelijk.", "Twee vragen in één; graag splitsen.",
                "Wat wordt hier met 'we' bedoeld: het team of de hele werkplaats?",
                "Te lang en te abstract voor studenten.", "Moeilijk woord, kan eenvoudiger."],
    "weak": ["Past niet goed bij dit aspect.", "Niet relevant voor mijn rol.",
             "Overlapt met een ander item.", "Dit meet eerder tevredenheid."],
    "moderate": ["Relevant, maar niet de kern van dit aspect.", "Twijfel over de relevantie."],
    "strong": ["Belangrijk item.", "Herkenbaar in onze praktijk."],
}
# Comments that the anonymisation must catch (synthetic addresses and names).
_IDENTIFYING = [
    "Zie mijn mail (d07.panel@example.org) voor een betere formulering.",
    "Zoals mevrouw De Vries in de focusgroep zei: dit is de kern.",
    "Bel me gerust over dit item: 06-12345678.",
]


@dataclass(frozen=True)
class ItemSpec:
    """An item as the simulation needs it (from the bank)."""

    id: str
    element: str
    aspect: str
    keyed: int = 1
    groups: tuple[str, ...] = _ALL_GROUPS


@dataclass(frozen=True)
class PanelModel:
    """The population model of the synthetic panel; every value is written to the data's
    ``population.yaml``."""

    groups: dict[str, int] = field(default_factory=lambda: {
        "students": 5, "professionals": 5, "bridge_builders": 4, "lecturer_researchers": 4,
        "managers": 3, "clients": 3})
    group_shift: dict[str, float] = field(default_factory=lambda: {
        "students": 0.0, "professionals": 0.0, "bridge_builders": 0.1,
        "lecturer_researchers": 0.1, "managers": 0.1, "clients": -0.15})
    expertise: dict[str, str] = field(default_factory=lambda: {
        "bridge_builders": "all", "lecturer_researchers": "all"})
    raters_per_item: int | None = None
    p_second_strong: float = 0.1
    p_unclear: float = 0.1
    mu: dict[str, tuple[float, float]] = field(default_factory=lambda: {
        "strong": (3.5, 4.0), "unclear": (2.7, 3.2), "moderate": (2.1, 2.7),
        "weak": (1.6, 2.4)})
    clarity_mu: dict[str, tuple[float, float]] = field(default_factory=lambda: {
        "strong": (3.3, 3.9), "unclear": (1.8, 2.4), "moderate": (3.0, 3.6),
        "weak": (2.8, 3.6)})
    revision_gain: dict[str, tuple[float, float]] = field(default_factory=lambda: {
        "strong": (0.0, 0.3), "unclear": (-0.2, 0.8), "moderate": (-0.6, 0.0),
        "weak": (-0.3, 0.2)})
    clarity_gain: tuple[float, float] = (0.9, 1.5)
    leniency_sd: float = 0.25
    noise_sd: float = 0.65
    clarity_noise_sd: float = 0.55
    conformity: float = 0.35
    p_absent: float = 0.005
    p_empty: float = 0.005
    p_comment: dict[str, float] = field(default_factory=lambda: {
        "strong": 0.002, "unclear": 0.04, "moderate": 0.01, "weak": 0.015})
    leave_after: tuple[int, ...] = (2, 1)
    max_rounds: int = 3

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["mu"] = {k: list(v) for k, v in self.mu.items()}
        d["clarity_mu"] = {k: list(v) for k, v in self.clarity_mu.items()}
        d["revision_gain"] = {k: list(v) for k, v in self.revision_gain.items()}
        d["clarity_gain"] = list(self.clarity_gain)
        d["leave_after"] = list(self.leave_after)
        return d


@dataclass(frozen=True)
class SimulatedPanel:
    """The simulated ratings (one frame per round), the latent truth and the run's log."""

    rounds: tuple[pd.DataFrame, ...]
    truth: pd.DataFrame
    panelists: pd.DataFrame
    log: tuple[dict[str, Any], ...]
    seed: int | None
    model: PanelModel
    design: Assignment | None = None

    @property
    def ratings(self) -> pd.DataFrame:
        return pd.concat(self.rounds, ignore_index=True)


def _cut(latent: np.ndarray) -> np.ndarray:
    return np.clip(np.floor(latent + 0.5), 1, 4)


def _types(items: Sequence[ItemSpec], model: PanelModel, rng: np.random.Generator) -> list[str]:
    by_aspect: dict[tuple[str, str], list[int]] = {}
    for k, it in enumerate(items):
        by_aspect.setdefault((it.element, it.aspect), []).append(k)
    kinds = [""] * len(items)
    for idx in by_aspect.values():
        order = rng.permutation(len(idx))
        for rank, j in enumerate(order):
            k = idx[j]
            u = rng.random()
            if rank == 0 or (rank == 1 and u < model.p_second_strong):
                kinds[k] = "strong"
            elif rng.random() < model.p_unclear:
                kinds[k] = "unclear"
            else:
                kinds[k] = "moderate" if rng.random() < 0.5 else "weak"
    return kinds


def _frame(rnd: int, pids: list[str], groups: dict[str, str], items: list[str],
           rel: np.ndarray, clar: np.ndarray, keep: np.ndarray, empty: np.ndarray,
           comments: dict[tuple[int, int], str]) -> pd.DataFrame:
    rows = []
    for a, p in enumerate(pids):
        for b, item in enumerate(items):
            if not keep[a, b]:
                continue
            r = np.nan if empty[a, b] else rel[a, b]
            c = np.nan if empty[a, b] else clar[a, b]
            rows.append({"round": rnd, "panelist": p, "item": item, "relevance": r,
                         "group": groups[p], "clarity": c,
                         "comment": comments.get((a, b), "")})
    frame = pd.DataFrame(rows)
    for col in ("relevance", "clarity"):
        frame[col] = frame[col].astype("Int64")
    return frame


def _as_ratings(frames: list[pd.DataFrame]) -> Ratings:
    f = pd.concat(frames, ignore_index=True)
    f = f.assign(source="simulated", row=np.arange(2, len(f) + 2),
                 relevance=f["relevance"].astype("float64"),
                 clarity=f["clarity"].astype("float64"))
    cols = ["source", "row", "round", "panelist", "group", "item", "relevance", "clarity",
            "comment"]
    return Ratings(frame=f[cols], sources=("simulated",), has_group=True, has_clarity=True,
                   items=tuple(dict.fromkeys(f["item"])))


def simulate_panel(items: Sequence[ItemSpec], rng: int | np.random.Generator,
                   model: PanelModel | None = None,
                   rules: Rules | None = None) -> SimulatedPanel:
    """Simulate a Delphi panel rating ``items`` round by round (see the module docstring).

    Parameters
    ----------
    items : sequence of ItemSpec
        The bank's items (id, element, aspect).
    rng : int or numpy Generator
        The seed (recorded in the result) or a generator.
    model : PanelModel, optional
        The population model (defaults documented in :class:`PanelModel`).
    rules : Rules, optional
        The decision rules applied after each round (default: ``rules_default.yaml``).

    Returns
    -------
    SimulatedPanel

    Examples
    --------
    >>> items = [ItemSpec(f"X{k}", "LOS", "goals") for k in range(4)]
    >>> panel = simulate_panel(items, 1)
    >>> sorted(panel.rounds[0]["group"].unique())  # doctest: +NORMALIZE_WHITESPACE
    ['bridge_builders', 'clients', 'lecturer_researchers', 'managers', 'professionals',
     'students']
    >>> int(panel.ratings["panelist"].nunique())
    24
    """
    model = model or PanelModel()
    rules = rules or load_rules()
    seed = rng if isinstance(rng, (int, np.integer)) else None
    gen = np.random.default_rng(rng)
    talk = gen.spawn(1)[0]  # comments: their own stream, so they never shift the ratings
    kinds = _types(items, model, gen)
    n = len(items)
    mu = np.array([gen.uniform(*model.mu[k]) for k in kinds])
    cmu = np.array([gen.uniform(*model.clarity_mu[k]) for k in kinds])
    gain = np.array([gen.uniform(*model.revision_gain[k]) for k in kinds])
    cgain = np.array([gen.uniform(*model.clarity_gain) if k == "unclear" else 0.0
                      for k in kinds])
    pids: list[str] = []
    groups: dict[str, str] = {}
    for g, size in model.groups.items():
        for _ in range(size):
            pid = f"d{len(pids) + 1:02d}"
            pids.append(pid)
            groups[pid] = g
    m = len(pids)
    lenient = gen.normal(0.0, model.leniency_sd, m)
    shift = np.array([model.group_shift.get(groups[p], 0.0) for p in pids])
    person = lenient + shift
    truth = pd.DataFrame({
        "item": [it.id for it in items], "element": [it.element for it in items],
        "aspect": [it.aspect for it in items], "keyed": [it.keyed for it in items],
        "type": kinds, "mu": mu, "clarity_mu": cmu, "revision_gain": gain,
        "clarity_gain": cgain})
    panel_tab = pd.DataFrame({"panelist": pids, "group": [groups[p] for p in pids],
                              "leniency": lenient, "left_after_round": 0})
    members = [Panelist(p, groups[p], tuple(model.expertise.get(groups[p], "").split()))
               for p in pids]
    design = assign_items(items, members, min_raters=rules.target_raters,
                          raters_per_item=model.raters_per_item)
    index = {it.id: i for i, it in enumerate(items)}
    assigned = np.zeros((m, n), dtype=bool)
    where = {p: k for k, p in enumerate(pids)}
    for p, item in zip(design.frame["panelist"], design.frame["item"], strict=True):
        assigned[where[p], index[item]] = True

    frames: list[pd.DataFrame] = []
    run_log: list[dict[str, Any]] = []
    active = list(range(m))
    rated = np.arange(n)
    revised = np.zeros(n, dtype=bool)
    median_prev = np.full(n, np.nan)
    special = list(_IDENTIFYING)
    for rnd in range(1, model.max_rounds + 1):
        mu_r = mu + np.where(revised, gain, 0.0)
        cmu_r = cmu + np.where(revised, cgain, 0.0)
        a, b = len(active), len(rated)
        fresh = (mu_r[rated][None, :] + person[active][:, None]
                 + gen.normal(0.0, model.noise_sd, (a, b)))
        cfresh = (cmu_r[rated][None, :] + 0.5 * person[active][:, None]
                  + gen.normal(0.0, model.clarity_noise_sd, (a, b)))
        if rnd > 1:
            w = model.conformity
            fresh = (1 - w) * fresh + w * median_prev[rated][None, :]
        rel = _cut(fresh)
        clar = _cut(cfresh)
        u = gen.random((a, b))
        keep = (u >= model.p_absent) & assigned[np.ix_(active, rated)]
        empty = keep & (u < model.p_absent + model.p_empty)
        pc = np.array([model.p_comment[kinds[i]] for i in rated])
        cu = talk.random((a, b))
        comments: dict[tuple[int, int], str] = {}
        for x, y in zip(*np.nonzero((cu < pc[None, :]) & keep & ~empty), strict=True):
            # what a panelist writes follows what they rated
            if clar[x, y] <= 2:
                pool = _COMMENTS["unclear"]
            elif rel[x, y] <= 2:
                pool = _COMMENTS["weak"]
            else:
                pool = _COMMENTS["moderate" if rel[x, y] == 3 else "strong"]
            text = special.pop(0) if special else pool[int(talk.integers(len(pool)))]
            comments[(int(x), int(y))] = text
        item_ids = [items[i].id for i in rated]
        frames.append(_frame(rnd, [pids[i] for i in active], groups, item_ids, rel, clar,
                             keep, empty, comments))
        result = run_delphi(_as_ratings(frames), rules, by_group=False)
        this = result.items[result.items["round"] == rnd].set_index("item")
        verdict = result.rounds.set_index("round").loc[rnd]
        counts = this["decision"].value_counts()
        run_log.append({"round": rnd, "n_panelists": a, "n_items": b,
                        "keep": int(counts.get("keep", 0)),
                        "revise": int(counts.get("revise", 0)),
                        "drop": int(counts.get("drop", 0)),
                        "verdict": str(verdict["verdict"]),
                        "verdict_reason": str(verdict["verdict_reason"])})
        log.info("round %d: %s", rnd, run_log[-1])
        if verdict["verdict"] == "stop":
            break
        for item_id, med in this["median"].items():
            median_prev[index[item_id]] = med
        nxt = [i for i in rated if this.loc[items[i].id, "decision"] == "revise"]
        revised[nxt] = True
        rated = np.array(nxt, dtype=int)
        k = model.leave_after[rnd - 1] if rnd - 1 < len(model.leave_after) else 0
        # leavers come from groups that keep at least two members
        for _ in range(k):
            sizes = pd.Series([groups[pids[i]] for i in active]).value_counts()
            pool = [i for i in active if sizes[groups[pids[i]]] > 2]
            out = pool[int(gen.integers(len(pool)))]
            active.remove(out)
            panel_tab.loc[out, "left_after_round"] = rnd
    return SimulatedPanel(rounds=tuple(frames), truth=truth, panelists=panel_tab,
                          log=tuple(run_log), seed=None if seed is None else int(seed),
                          model=model, design=design)


def _design_lines(panel: SimulatedPanel) -> list[str]:
    if panel.design is None:
        return []
    d = panel.design.to_dict()
    per = ("every panelist whose group answers it or whose expertise covers it"
           if d["raters_per_item"] is None else f"{d['raters_per_item']} panelists")
    return [
        f"- Design: each item is rated by {per} (`lospw bank assign`; at least one of every "
        f"group that answers it, then the least loaded): {d['raters_per_item_found']['min']}-"
        f"{d['raters_per_item_found']['max']} raters per item (the rules ask for at least "
        f"{d['min_raters']}, `target_raters`), {d['items_per_panelist']['min']}-"
        f"{d['items_per_panelist']['max']} items per panelist in round 1.",
    ]


def _readme(panel: SimulatedPanel, command: str) -> str:
    m = panel.model
    kinds = panel.truth["type"].value_counts()
    left = panel.panelists[panel.panelists["left_after_round"] > 0]
    lines = [
        "# Delphi demo panel — SYNTHETIC DATA",
        "",
        "**These ratings are SYNTHETIC.** No real panel rated these items. They were "
        "simulated by lospw from the population model below to demonstrate and test the "
        "Delphi stage (`lospw delphi`, `make delphi`). Nothing here is evidence about the "
        "content validity of the LOS-in-PW items.",
        "",
        "## How it was made",
        "",
        "```bash",
        command,
        "```",
        "",
        f"Seed {panel.seed}; numpy `default_rng`; the model and the code are in "
        "`instrument/delphi/simulate.py` (class `PanelModel`); every parameter is in "
        "`population.yaml`. Rerunning the command gives byte-identical files. The seed is "
        "the first of seeds 1-40 whose outcome matches the design (every aspect keeps one to "
        "three items, at least three reverse-keyed items are retained); over seeds 1-40 the "
        "panel retained 50-76 items and every aspect kept at least one.",
        "",
        "## The population model",
        "",
        f"- {len(panel.panelists)} panelists in the stakeholder groups of the bank "
        "(after the seed's Tabel 1): " + ", ".join(f"{g} {n}" for g, n in m.groups.items())
        + "; content experts (may rate any item): "
        + (", ".join(g for g, e in m.expertise.items() if e) or "none") + ".",
        *_design_lines(panel),
        f"- {len(panel.truth)} items of the bank, each with a latent type: "
        + ", ".join(f"{k} {int(kinds.get(k, 0))}" for k in ("strong", "unclear", "moderate",
                                                             "weak"))
        + ". Per aspect one item is strong, a second one with probability "
        f"{m.p_second_strong}; other items are unclear with probability {m.p_unclear}, else "
        "moderate or weak.",
        "- Relevance (1-4, Lynn) = latent relevance of the item + panelist leniency "
        f"(sd {m.leniency_sd}) + group shift + noise (sd {m.noise_sd}), cut at 1.5 / 2.5 / "
        "3.5; clarity likewise (unclear items have low latent clarity).",
        "- After each round the default decision rules (`instrument/delphi/rules_default.yaml`)"
        " decide; items to revise are reworded (simulated: latent relevance and, for unclear "
        "items, clarity rise) and rated again, each rating pulled toward the previous "
        f"round's panel median with weight {m.conformity} (the Delphi feedback).",
        f"- Attrition: {', '.join(str(k) for k in m.leave_after)} panelist(s) leave after "
        f"rounds 1, 2; here {len(left)} left. Ratings absent with probability "
        f"{m.p_absent}, left empty with {m.p_empty}; a few comments (three of them contain a "
        "synthetic e-mail address, phone number or name, to exercise the anonymisation).",
        "",
        "## What happened (as simulated)",
        "",
        "| round | panelists | items rated | keep | revise | drop | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in panel.log:
        lines.append(f"| {r['round']} | {r['n_panelists']} | {r['n_items']} | {r['keep']} | "
                     f"{r['revise']} | {r['drop']} | {r['verdict_reason']} |")
    lines += [
        "",
        "## Files",
        "",
        "- `synthetic_ratings_round<r>.csv` — the ratings, one row per rating: `round, "
        "panelist, item, relevance, group, clarity, comment` (empty relevance = no rating).",
        "- `design/panel.csv` — the panel: `panelist, group, expertise`; "
        "`design/rating_form_round1.csv` — who rates which item in round 1, as written by "
        "`lospw bank assign --panel design/panel.csv"
        + (f" --raters-per-item {m.raters_per_item}" if m.raters_per_item else "")
        + "` (the same assignment the simulation used).",
        "- `population.yaml` — every parameter of the model, the seed and the command.",
        "- `truth/item_truth.csv` — each item's latent type, relevance, clarity and revision "
        "effect (what a real study never knows; for simulate-and-recover checks).",
        "- `truth/panelists.csv` — each panelist's group, leniency and the round after which "
        "they left (0 = stayed).",
        "",
        "`make delphi` runs `lospw delphi` on the ratings with the bank and writes "
        "`data/derived/delphi/` (statistics, decisions, audit trail, feedback sheets, the new "
        "bank version and `key.yaml` of the retained items).",
        "",
    ]
    return "\n".join(lines)


def write_panel(panel: SimulatedPanel, directory: str | Path, command: str) -> list[Path]:
    """Write the ratings (one CSV per round), ``population.yaml``, ``truth/item_truth.csv``,
    ``truth/panelists.csv``, ``design/panel.csv`` and ``design/rating_form_round1.csv``
    (the panel and who rates what) and a README saying the data are SYNTHETIC and how they
    were made."""
    out = Path(directory)
    written: list[Path] = []
    cols = ["round", "panelist", "item", "relevance", "group", "clarity", "comment"]
    for frame in panel.rounds:
        rnd = int(frame["round"].iloc[0])
        written.append(write_csv(frame[cols], out / f"synthetic_ratings_round{rnd}.csv"))
    # the latent truth lives in a subfolder, so data/raw/delphi/*.csv are the ratings only
    written.append(write_csv(panel.truth, out / "truth" / "item_truth.csv"))
    written.append(write_csv(panel.panelists, out / "truth" / "panelists.csv"))
    if panel.design is not None:
        # the design lives in a subfolder too: a rating form is not a rating
        expertise = {g: e for g, e in panel.model.expertise.items() if e}
        roster = panel.panelists[["panelist", "group"]].assign(
            expertise=panel.panelists["group"].map(expertise).fillna(""))
        written.append(write_csv(roster, out / "design" / "panel.csv"))
        written.append(write_csv(panel.design.form(), out / "design" /
                                 "rating_form_round1.csv"))
    pop = {
        "synthetic": True,
        "description": "Population model of the SYNTHETIC Delphi demo panel "
                       "(instrument/delphi/simulate.py, PanelModel).",
        "command": command,
        "seed": panel.seed,
        "rng": "numpy.random.default_rng",
        "scale": "relevance and clarity 1-4 (Lynn 1986)",
        "rules": "instrument/delphi/rules_default.yaml",
        "design": None if panel.design is None else panel.design.to_dict(),
        "groups_labels": GROUPS,
        "model": panel.model.to_dict(),
        "rounds": list(panel.log),
    }
    text = ("# SYNTHETIC demo data: the population model of the simulated Delphi panel.\n"
            + yaml.safe_dump(pop, sort_keys=False, allow_unicode=True, width=100))
    written.append(write_text(text, out / "population.yaml"))
    written.append(write_text(_readme(panel, command), out / "README.md"))
    return written
