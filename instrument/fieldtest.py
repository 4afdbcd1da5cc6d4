"""The LOS-in-PW population model for the synthetic field test, built from a key.

:func:`lospw_population` writes down a population model (the format of
:mod:`lospw.analysis.planning.population`) for the items of a LOS-PW key: the retained items of the Delphi
stage, or the whole bank when there is no Delphi result yet. The theory fixes the structure;
the seed draws only the item-level values (loadings, threshold offsets, which items carry the
planted flaws), and every value is written into the YAML, so the model is on paper.

Structure, following the seed article (§3-4, :mod:`lospw.instrument.model`):

* six correlated factors, one per element. LOS-GOC is the strongest pair (.75: the core,
  "onlosmakelijk met elkaar verbonden"), then the instrumental pair SRI-VMM and the
  interpersonal pair LeA-VOR (.60 each); between roles: core-interpersonal .50,
  core-instrumental .45, instrumental-interpersonal .40;
* loadings drawn from U(.60, .80); thresholds for five categories around
  (-2.0, -1.1, -0.2, 1.1) (agreement-skewed, as workplace surveys are) shifted per item by
  U(-.3, .3);
* ten workplaces with an intraclass correlation of .10 on every factor;
* four stakeholder groups: students 40%, professionals 30%, bridge builders / teachers 15%,
  managers 15%; managers see the instrumental support as better (+.20 on SRI and VMM),
  students see less of the resources (-.10 on VMM);
* planted flaws: one weak item (loading .30, in VMM), one cross-loading item (an LeA item,
  .55 on LeA and .35 on SRI), one item not invariant across groups (a GOC item whose
  thresholds are .60 lower for students: they agree more at the same level of GOC);
* planned missingness: the key's ``design`` (the bank's modules, routed by the group
  question) leaves blank every item a group is not asked; the sample holds the four groups
  above (the working groups a first online field test reaches; clients answer a separate
  B1 version), so items only clients are asked have no answers;
* missingness: 0.5% blank at random (MCAR); "weet niet" depending on the observed group
  (MAR): a quarter of the students answer "weet niet" to each VMM item with probability .6
  (they do not see the resources), 15% of the students to each SRI item with probability .5,
  10% of the professionals to each VMM item with probability .5; 0.3% "weet niet" at
  random; "niet van toepassing" (when the key has that code): one LOS item does not fit
  the students' situation (40% of them answer n.v.t.; the content signal the report's
  missing-answer table should show), 0.5% at random; 0.5% of respondents answer nothing.
  Item-level rates are kept low enough that most respondents are complete on the items
  they were asked, as in online questionnaires;
* careless respondents: 2% random, 1.5% straight-lining; response time 7 s per item
  (log-normal, sdlog .4), careless respondents 1.5 s per item.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from lospw.analysis.core.artifacts import write_text
from lospw.analysis.core.design import asked_mask
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key
from lospw.analysis.planning.population import FORMAT
from lospw.instrument import model

__all__ = ["ROLE_CORRELATIONS", "lospw_population", "write_population"]

# Between-factor correlations by role pair (the theory, seed §4.2).
ROLE_CORRELATIONS = {
    ("core", "core"): 0.75,
    ("instrumental", "instrumental"): 0.60,
    ("interpersonal", "interpersonal"): 0.60,
    ("core", "interpersonal"): 0.50,
    ("core", "instrumental"): 0.45,
    ("instrumental", "interpersonal"): 0.40,
}
BASE_THRESHOLDS = (-2.0, -1.1, -0.2, 1.1)
GROUPS = {
    "students": {"share": 0.40, "factor_means": {"VMM": -0.10}},
    "professionals": {"share": 0.30},
    "bridge_builders": {"share": 0.15},
    "managers": {"share": 0.15, "factor_means": {"SRI": 0.20, "VMM": 0.20}},
}


def _role(element: str) -> str:
    return model.element(element).role


def lospw_population(key: Key, *, seed: int, n: int = 600, key_file: str = "key.yaml",
                     source: str = "") -> dict[str, Any]:
    """The LOS-PW population model for ``key``, as a YAML-ready mapping.

    Parameters
    ----------
    key : Key
        A LOS-PW key: its scales must be the six elements, in model order.
    seed : int
        Draws loadings, threshold offsets and the flawed items (recorded in the file).
    n : int
        Default sample size.
    key_file : str
        The key's file name, relative to the population file.
    source : str
        Where the key came from (recorded).
    """
    elements = tuple(e.id for e in model.ELEMENTS)
    if key.scale_names != elements:
        raise InputError(f"The key's scales must be the six elements {', '.join(elements)} "
                         f"in that order; got {', '.join(key.scale_names)}.")
    if key.response_scale.n_categories != 5:
        raise InputError("The LOS-PW field test needs a 5-point response scale; the key "
                         f"has {key.response_scale.n_categories} categories.")
    for name in ("VMM", "LeA", "GOC"):
        if len(key.scale(name)) < 3:
            raise InputError(f"Scale {name} has fewer than 3 items; the planted flaws need "
                             "at least 3 items in VMM, LeA and GOC.")
    if not key.missing_codes:
        raise InputError("The key has no missing code for 'weet niet'; add one (e.g. 8).")
    meaning = {lab: c for c, lab in key.missing_label_map.items()}
    dk_code = meaning.get("dont_know", key.missing_codes[0])
    na_code = meaning.get("not_applicable")
    # the flaws and the n.v.t. item go to items every sampled group is asked (when any)
    everyone = asked_mask(key, list(GROUPS)).all(axis=0)

    def candidates(scale: str, group: str | None = None) -> tuple[str, ...]:
        ok = everyone if group is None else asked_mask(key, [group])[0]
        items = key.scale(scale).items
        return tuple(i for i in items if ok[key.items.index(i)]) or items

    gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    pairs = []
    for a in range(6):
        for b in range(a + 1, 6):
            ra, rb = sorted((_role(elements[a]), _role(elements[b])))
            pairs.append([elements[a], elements[b], ROLE_CORRELATIONS[(ra, rb)]])
    # draws, in a fixed order
    loads = np.round(gen.uniform(0.60, 0.80, size=key.n_items), 2)
    offsets = np.round(gen.uniform(-0.30, 0.30, size=key.n_items), 2)
    vmm, lea, goc = candidates("VMM"), candidates("LeA"), candidates("GOC", "students")
    weak = vmm[int(gen.integers(len(vmm)))]
    cross = lea[int(gen.integers(len(lea)))]
    noninv = goc[int(gen.integers(len(goc)))]
    los = candidates("LOS", "students")
    na_item = los[int(gen.integers(len(los)))] if na_code is not None else None
    items: dict[str, Any] = {}
    for j, item in enumerate(key.items):
        scale = key.scale_of(item)
        spec: dict[str, Any] = {"loadings": {scale: float(loads[j])},
                                "thresholds": [round(t + float(offsets[j]), 2)
                                               for t in BASE_THRESHOLDS]}
        if item == weak:
            spec["loadings"] = {scale: 0.30}
            spec["flaw"] = "weak"
        elif item == cross:
            spec["loadings"] = {scale: 0.55, "SRI": 0.35}
            spec["flaw"] = "cross_loading"
        elif item == noninv:
            spec["flaw"] = "non_invariant"
        items[item] = spec
    return {
        "model": FORMAT,
        "synthetic": True,
        "description": (
            "SYNTHETIC population model for the LOS-in-PW field test, built by "
            "instrument/fieldtest.py from the theory (seed article §3-4) and a seeded draw of "
            "item-level values. Not estimated from real data."),
        "provenance": {"built_by": "lospw simulate population", "seed": seed,
                       "key_source": source, "key_sha256": key.sha256(),
                       "n_items": key.n_items},
        "key": key_file,
        "n": n,
        "factors": list(elements),
        "factor_correlations": pairs,
        "items": items,
        "workplaces": {"n": 10, "icc": 0.10},
        "groups": GROUPS,
        "non_invariance": [{"item": noninv, "group": "students", "threshold_shift": -0.60}],
        "missingness": {
            "mcar": 0.005,
            "mar": ([] if na_code is None else [
                {"group": "students", "items": [na_item], "share": 1.0, "rate": 0.4,
                 "as": "not_applicable"}]) + [
                {"group": "students", "scales": ["VMM"], "share": 0.25, "rate": 0.6,
                 "as": "dont_know"},
                {"group": "students", "scales": ["SRI"], "share": 0.15, "rate": 0.5,
                 "as": "dont_know"},
                {"group": "professionals", "scales": ["VMM"], "share": 0.10, "rate": 0.5,
                 "as": "dont_know"},
            ],
            "empty_rows": 0.005,
        },
        "dont_know": {"code": _code(dk_code), "rate": 0.003},
        **({} if na_code is None else {
            "not_applicable": {"code": _code(na_code), "rate": 0.005}}),
        "careless": {"random": 0.02, "straightline": 0.015},
        "response_time": {"seconds_per_item": 7.0, "sdlog": 0.4,
                          "careless_seconds_per_item": 1.5},
        "columns": {"id": "respondent_id", "workplace": "workplace", "group": "stakeholder",
                    "time": "interviewtime"},
    }


def _code(code: float) -> int | float:
    return int(code) if float(code).is_integer() else code


class _Dumper(yaml.SafeDumper):
    pass


def _short_lists(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = all(not isinstance(v, (list, dict)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _short_maps(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    flow = bool(data) and all(not isinstance(v, (list, dict)) for v in data.values()) and len(
        data) <= 4
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


_Dumper.add_representer(list, _short_lists)
_Dumper.add_representer(dict, _short_maps)

HEADER = ("# SYNTHETIC population model for the LOS-in-PW demo field test (not real data).\n"
          "# Written by `lospw simulate population`; the format is described in\n"
          "# analysis/planning/population.py, the choices in instrument/fieldtest.py.\n")


def write_population(key: Key, directory: str | Path, *, seed: int, n: int = 600,
                     source: str = "") -> dict[str, Path]:
    """Write ``population.yaml`` and the key it refers to (``key.yaml``) into ``directory``."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    key_path = d / "key.yaml"
    key.save(key_path)
    pop = lospw_population(key, seed=seed, n=n, source=source)
    text = HEADER + yaml.dump(pop, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                              width=100)
    pop_path = write_text(text, d / "population.yaml")
    return {"population": pop_path, "key": key_path}
