"""Tests for lospw.analysis.planning.population, lospw.analysis.planning.simulate and lospw.instrument.fieldtest."""

from __future__ import annotations

import copy
import os

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.planning.population import (
    load_population,
    ordinal_attenuation,
    population_from_dict,
)
from lospw.analysis.planning.simulate import simulate, write_simulation
from lospw.instrument.fieldtest import lospw_population, write_population
from tests.conftest import FIXTURES

KEY_PATH = FIXTURES / "keys" / "lospw_handmade.yaml"


@pytest.fixture(scope="module")
def key():
    return load_key(KEY_PATH)


@pytest.fixture(scope="module")
def pop_dict(key):
    return lospw_population(key, seed=1)


@pytest.fixture(scope="module")
def pop(key, pop_dict):
    return population_from_dict(pop_dict, key=key)


def test_lospw_population_follows_theory(pop, pop_dict):
    phi = pop.phi
    f = list(pop.factors)
    r = {(a, b): phi[f.index(a), f.index(b)] for a in f for b in f if a != b}
    assert r[("LOS", "GOC")] == max(r.values()) == 0.75
    assert r[("SRI", "VMM")] == r[("LeA", "VOR")] == 0.60
    assert all(v <= 0.5 for k, v in r.items() if set(k) not in ({"LOS", "GOC"}, {"SRI", "VMM"},
                                                                  {"LeA", "VOR"}))
    flaws = pop.flaws()
    assert all(len(v) == 1 for v in flaws.values())
    weak, cross, noninv = flaws["weak"][0], flaws["cross_loading"][0], flaws["non_invariant"][0]
    assert weak.startswith("VMM") and cross.startswith("LeA") and noninv.startswith("GOC")
    lam = pop.loading_matrix()
    assert lam[pop.item_ids.index(weak)].max() == 0.30
    assert np.count_nonzero(lam[pop.item_ids.index(cross)]) == 2
    assert pop.non_invariance == ((noninv, "students", -0.6),)
    assert [g.name for g in pop.groups] == ["students", "professionals", "bridge_builders",
                                            "managers"]
    assert pop.icc == 0.10 and pop.n_workplaces == 10 and pop.dont_know_code == 9
    assert lospw_population(pop.key, seed=1) == pop_dict  # seeded: same model


def test_lospw_population_errors(key):
    with pytest.raises(InputError, match="must be the six elements"):
        lospw_population(load_key(FIXTURES / "keys" / "bfi.yaml"), seed=1)
    no_code = copy.deepcopy(key.to_dict())
    del no_code["missing_codes"]
    from lospw.analysis.core.key import key_from_dict
    with pytest.raises(InputError, match="no missing code"):
        lospw_population(key_from_dict(no_code), seed=1)
    small = copy.deepcopy(key.to_dict())
    small["scales"]["VMM"] = small["scales"]["VMM"][:2]
    with pytest.raises(InputError, match="Scale VMM has fewer than 3 items"):
        lospw_population(key_from_dict(small), seed=1)


def test_deterministic_bytes(pop, tmp_path):
    a = write_simulation(simulate(pop, n=200, rng=7), tmp_path / "a.csv")
    b = write_simulation(simulate(pop, n=200, rng=7), tmp_path / "b.csv")
    assert a["data"].read_bytes() == b["data"].read_bytes()
    ta = a["truth"].read_text().replace('"a.csv"', '"x"')
    assert ta == b["truth"].read_text().replace('"b.csv"', '"x"')
    c = simulate(pop, n=200, rng=8).data
    assert not c.equals(simulate(pop, n=200, rng=7).data)
    with pytest.raises(InputError, match=r"must end in \.csv"):
        write_simulation(simulate(pop, n=5, rng=1), tmp_path / "x.txt")
    with pytest.raises(InputError, match="seed must be a whole number"):
        simulate(pop, rng=-1)
    with pytest.raises(InputError, match="sample size must be"):
        simulate(pop, n=0)


def test_truth_matches_data(pop):
    sim = simulate(pop, n=2000, rng=3)
    d, t = sim.data, sim.truth
    items = d[list(pop.item_ids)]
    drawn = t["drawn"]
    assert t["synthetic"] is True and t["seed"] == 3
    assert drawn["group_counts"] == {"students": 800, "professionals": 600,
                                     "bridge_builders": 300, "managers": 300}
    assert d["stakeholder"].value_counts().to_dict() == drawn["group_counts"]
    for r in drawn["careless_straightline_rows"]:
        assert items.iloc[r - 1].nunique() == 1
    for r in drawn["empty_rows"]:
        assert items.iloc[r - 1].isna().all()
    assert int((items == 9).sum().sum()) == drawn["n_dont_know_cells"]
    assert int(items.isna().sum().sum()) == drawn["n_blank_cells"] + len(
        drawn["empty_rows"]) * len(pop.item_ids)
    assert len(drawn["careless_random_rows"]) == 40 and len(drawn["empty_rows"]) == 10
    # MAR: students say "weet niet" more often to VMM items
    vmm = [i for i in pop.item_ids if i.startswith("VMM")]
    dk = (d[vmm] == 9).mean(axis=1).groupby(d["stakeholder"]).mean()
    assert dk["students"] > 0.10 > dk["managers"]
    # careless respondents answer fast
    care = [r - 1 for r in drawn["careless_random_rows"] + drawn["careless_straightline_rows"]]
    assert d["interviewtime"].iloc[care].median() < d["interviewtime"].median() / 3


def test_ordinal_attenuation_by_simulation():
    tau = [-2.0, -1.1, -0.2, 1.1]
    g = np.random.default_rng(0)
    ys = g.standard_normal(400_000)
    y = 1 + np.sum(ys[:, None] > np.array(tau)[None, :], axis=1)
    assert np.corrcoef(y, ys)[0, 1] == pytest.approx(ordinal_attenuation(tau), abs=0.003)


def test_pooled_loadings(pop, pop_dict, key):
    plain = copy.deepcopy(pop_dict)
    plain["non_invariance"] = []
    for g in plain["groups"].values():
        g.pop("factor_means", None)
    p0 = population_from_dict(plain, key=key)
    np.testing.assert_allclose(p0.pooled_loadings(), p0.loading_matrix(), atol=1e-12)
    pooled = pop.pooled_loadings()
    j = pop.item_ids.index(pop.flaws()["non_invariant"][0])
    lam = pop.loading_matrix()[j].max()
    assert pooled[j].max() == pytest.approx(lam / np.sqrt(1 + 0.4 * 0.6 * 0.36), abs=0.003)
    others = np.delete(np.arange(len(pop.items)), j)
    assert np.abs(pooled[others] - pop.loading_matrix()[others]).max() < 0.005


def _bad(pop_dict, edit):
    d = copy.deepcopy(pop_dict)
    edit(d)
    return d


def _set(path, value):
    def edit(d):
        obj = d
        for p in path[:-1]:
            obj = obj[p]
        obj[path[-1]] = value
    return edit


def _first_item(d):
    return next(iter(d["items"]))


BAD_EDITS = {
    "format": (_set(["model"], "x"), "'model' must be 'lospw-population/1'"),
    "synthetic": (_set(["synthetic"], False), "'synthetic: true' is required"),
    "unknown field": (_set(["extra"], 1), "unknown field 'extra'"),
    "factors": (_set(["factors"], ["LOS"]), "differ from the key's scales"),
    "missing pair": (lambda d: d["factor_correlations"].pop(), "lacks 1 pair(s): LeA-VOR"),
    "twice": (lambda d: d["factor_correlations"].append(["GOC", "LOS", 0.1]), "given twice"),
    "not pd": (lambda d: [e.__setitem__(2, 0.99) if e[0] in ("LOS",) else
                          e.__setitem__(2, -0.99) for e in d["factor_correlations"]],
               "not positive definite"),
    "r > 1": (lambda d: d["factor_correlations"][0].__setitem__(2, 1.5), "must lie in (-1, 1)"),
    "pair shape": (lambda d: d["factor_correlations"].__setitem__(0, ["LOS", "GOC"]),
                   "write each pair as [F1, F2, r]"),
    "items": (lambda d: d["items"].pop(_first_item(d)), "lacking: LOSgoals1"),
    "thresholds order": (lambda d: d["items"][_first_item(d)].__setitem__(
        "thresholds", [1, 0, 2, 3]), "must increase strictly"),
    "thresholds count": (lambda d: d["items"][_first_item(d)].__setitem__(
        "thresholds", [0, 1]), "give 4 thresholds"),
    "loading factor": (lambda d: d["items"][_first_item(d)].__setitem__(
        "loadings", {"XX": 0.5}), "unknown factor 'XX'"),
    "loadings too big": (lambda d: d["items"][_first_item(d)].__setitem__(
        "loadings", {"LOS": 0.9, "GOC": 0.9}), "explain all of its variance"),
    "flaw": (lambda d: d["items"][_first_item(d)].__setitem__("flaw", "ugly"),
             "must be one of weak"),
    "shares": (lambda d: d["groups"]["students"].__setitem__("share", 0.5),
               "add up to 1.1, not 1"),
    "group mean factor": (lambda d: d["groups"]["students"].__setitem__(
        "factor_means", {"XX": 1}), "unknown factor 'XX'"),
    "noninv item": (lambda d: d["non_invariance"][0].__setitem__("item", "nope"),
                    "needs a key item and a group"),
    "mar group": (lambda d: d["missingness"]["mar"][0].__setitem__("group", "aliens"),
                  "unknown group 'aliens'"),
    "mar as": (lambda d: d["missingness"]["mar"][0].__setitem__("as", "x"),
               "must be 'blank', 'dont_know' or 'not_applicable'"),
    "mar share": (lambda d: d["missingness"]["mar"][0].__setitem__("share", 1.5),
                  "must lie in [0, 1]"),
    "mar scales": (lambda d: d["missingness"]["mar"][0].__setitem__("scales", ["XX"]),
                   "list factors"),
    "dont know code": (_set(["dont_know"], {"code": 3, "rate": 0.1}),
                       "lies inside the response scale"),
    "dont know none": (_set(["dont_know"], {"rate": 0.1}), "dont_know.code is not given"),
    "mcar": (_set(["missingness", "mcar"], 1.5), "must lie in [0, 1)"),
    "icc": (_set(["workplaces"], {"n": 10, "icc": 1}), "must lie in [0, 1)"),
    "workplaces n": (_set(["workplaces"], {"n": 0}), "workplaces.n must be a whole number"),
    "n": (_set(["n"], "many"), "n must be a whole number"),
    "careless": (_set(["careless"], {"random": 0.9}), "must lie in [0, 0.5]"),
    "columns": (_set(["columns"], {"nope": "x"}), "unknown field 'nope'"),
}


@pytest.mark.parametrize("name", sorted(BAD_EDITS))
def test_population_errors(name, pop_dict, key):
    edit, frag = BAD_EDITS[name]
    with pytest.raises(InputError) as info:
        population_from_dict(_bad(pop_dict, edit), "pop.yaml", key=key)
    assert frag in str(info.value) and "pop.yaml" in str(info.value)


def test_population_file_round_trip(key, tmp_path):
    paths = write_population(key, tmp_path, seed=4)
    text = paths["population"].read_text()
    assert text.startswith("# SYNTHETIC")
    pop = load_population(paths["population"])
    assert pop.key == key and pop.raw["provenance"]["seed"] == 4
    again = write_population(key, tmp_path / "b", seed=4)
    assert again["population"].read_bytes() == paths["population"].read_bytes()
    data = yaml.safe_load(text)
    data["key"] = "nope.yaml"
    (tmp_path / "p2.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=r"nope\.yaml"):
        load_population(tmp_path / "p2.yaml")
    with pytest.raises(InputError):
        load_population(tmp_path / "missing.yaml")


JUNK = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                 st.text(max_size=5), st.lists(st.integers(-2, 2), max_size=4),
                 st.dictionaries(st.text(max_size=4), st.integers(-2, 2), max_size=3))


def _paths(obj, prefix=()):
    """Every path into the nested dicts/lists of a population model."""
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


@settings(max_examples=int(os.environ.get("LOSPW_HYPOTHESIS_EXAMPLES", "300")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_population_reader_never_crashes(pop_dict, key, data):
    """Random damage anywhere in a valid model: InputError or a valid model, nothing else."""
    d = copy.deepcopy(pop_dict)
    paths = [p for p in _paths(d) if p]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        obj = d
        try:
            for p in path[:-1]:
                obj = obj[p]
            obj[path[-1]] = data.draw(JUNK)
        except (KeyError, IndexError, TypeError):
            continue
    try:
        pop = population_from_dict(d, "pop.yaml", key=key)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    sim = simulate(pop, n=30, rng=1)
    assert len(sim.data) == 30


def test_design_routing_and_two_missing_codes(key):
    """Issue 24: items a group is not asked are blank for everyone of that group
    (careless respondents too); "niet van toepassing" has its own code."""
    from lospw.analysis.core.design import asked_mask
    from lospw.analysis.core.key import key_from_dict

    d = key.to_dict()
    d["missing_codes"] = {8: "dont_know", 9: "not_applicable"}
    vmm = list(key.scale("VMM").items)
    d["design"] = {"column": "stakeholder",
                   "asked": {i: ["bridge_builders", "managers"] for i in vmm[:2]}}
    routed = key_from_dict(d)
    p = lospw_population(routed, seed=3)
    assert p["dont_know"]["code"] == 8 and p["not_applicable"]["code"] == 9
    na_rule = p["missingness"]["mar"][0]
    assert na_rule["as"] == "not_applicable" and na_rule["group"] == "students"
    # the flaws go to items every sampled group is asked
    flawed = [i for i, spec in p["items"].items() if spec.get("flaw")]
    assert not set(flawed) & set(vmm[:2])
    sim = simulate(population_from_dict(p, key=routed), n=400, rng=5)
    data = sim.data
    asked = asked_mask(routed, data["stakeholder"])
    x = data[list(routed.items)].to_numpy(float)
    assert np.isnan(x[~asked]).all()
    assert (x == 9).sum() == sim.truth["drawn"]["n_not_applicable_cells"] > 0
    assert (x == 8).sum() == sim.truth["drawn"]["n_dont_know_cells"] > 0
    empty = np.array(sim.truth["drawn"]["empty_rows"]) - 1
    keep = ~np.isin(np.arange(len(data)), empty)
    assert sim.truth["drawn"]["n_planned_missing_cells"] == int((~asked[keep]).sum())
    careless = np.array(sim.truth["drawn"]["careless_random_rows"]) - 1
    assert np.isnan(x[careless][~asked[careless]]).all()
