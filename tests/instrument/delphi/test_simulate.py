"""The synthetic Delphi panel: reproducible, and the committed demo data recover the model."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from lospw.instrument.bank import load_bank
from lospw.instrument.delphi.decide import run_delphi
from lospw.instrument.delphi.ratings import read_ratings
from lospw.instrument.delphi.rules import load_rules
from lospw.instrument.delphi.simulate import (
    DEMO_RATERS_PER_ITEM,
    ItemSpec,
    PanelModel,
    simulate_panel,
    write_panel,
)

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "data" / "raw" / "delphi"
ITEMS = [ItemSpec(f"{e}{a}{k}", e, a) for e in ("LOS", "GOC") for a in ("x", "y")
         for k in range(1, 5)]


def test_same_seed_same_panel_other_seed_other_panel():
    a, b = simulate_panel(ITEMS, 3), simulate_panel(ITEMS, 3)
    pd.testing.assert_frame_equal(a.ratings, b.ratings)
    assert a.seed == 3 and a.log == b.log
    c = simulate_panel(ITEMS, 4)
    assert not a.ratings.equals(c.ratings)


def test_panel_follows_the_model():
    p = simulate_panel(ITEMS, 5)
    first = p.rounds[0]
    assert first["panelist"].nunique() == sum(PanelModel().groups.values()) == 24
    assert dict(first.drop_duplicates("panelist")["group"].value_counts()) == PanelModel().groups
    # every aspect has a strong item; ratings on the scale; rounds re-rate only revised items
    assert (p.truth.groupby(["element", "aspect"])["type"].apply(
        lambda t: (t == "strong").any())).all()
    assert first["relevance"].dropna().between(1, 4).all()
    for prev, nxt in zip(p.log, p.log[1:], strict=False):
        assert nxt["n_items"] == prev["revise"]
    left = p.panelists["left_after_round"]
    assert (left > 0).sum() == sum(PanelModel().leave_after[: len(p.log) - 1])


def test_panel_rates_subsets_by_group_and_expertise():
    items = [ItemSpec(f"{e}{a}{k}", e, a, 1, groups)
             for e, a, groups in (("LOS", "x", ("students", "professionals")),
                                  ("VMM", "y", ("managers",)), ("VOR", "z", ("clients",)))
             for k in range(1, 4)]
    p = simulate_panel(items, 5, PanelModel(raters_per_item=6))
    first = p.rounds[0]
    assert (first.groupby("item").size() == 6).all()
    groups = dict(zip(p.panelists["panelist"], p.panelists["group"], strict=True))
    experts = {"bridge_builders", "lecturer_researchers"}
    for item, g in first.groupby("item"):
        allowed = set(next(it.groups for it in items if it.id == item)) | experts
        assert {groups[q] for q in g["panelist"]} <= allowed
    # the managers' items get the three managers and three experts
    vmm = first[first["item"] == "VMMy1"]
    assert (vmm["group"] == "managers").sum() >= 1
    assert p.design is not None and p.design.to_dict()["raters_per_item"] == 6


def test_write_panel_labels_the_data_synthetic(tmp_path):
    p = simulate_panel(ITEMS, 5)
    files = write_panel(p, tmp_path, "lospw simulate delphi --seed 5 -o X")
    names = sorted(f.relative_to(tmp_path).as_posix() for f in files)
    assert "README.md" in names and "population.yaml" in names
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "--seed 5" in readme
    pop = (tmp_path / "population.yaml").read_text(encoding="utf-8")
    assert "synthetic: true" in pop and "seed: 5" in pop
    assert sorted(q.name for q in tmp_path.glob("*.csv")) == [
        f"synthetic_ratings_round{r['round']}.csv" for r in p.log]
    assert "design/panel.csv" in names and "design/rating_form_round1.csv" in names


# --- the committed demo panel (data/raw/delphi) ----------------------------------------------
@pytest.fixture(scope="module")
def demo():
    rules = load_rules()
    bank = load_bank()
    files = sorted(DEMO.glob("*.csv"))
    ratings = read_ratings(files, rules.scale, rules.clarity, bank.ids(), "the bank")
    return bank, run_delphi(ratings, rules, by_group=False)


def test_demo_readme_says_synthetic():
    text = (DEMO / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text and "lospw simulate delphi --seed 9" in text


def test_demo_outcome_keeps_one_to_three_items_per_aspect(demo):
    bank, res = demo
    assert res.verdict == "stop" and 2 <= len(res.rounds) <= 3
    retained = [bank.item(i) for i, s in res.statuses.items() if s == "retained"]
    assert 50 <= len(retained) <= 65
    per_aspect = Counter(it.qualified_aspect for it in retained)
    all_aspects = {it.qualified_aspect for it in bank.items}
    assert set(per_aspect) == all_aspects  # the field test needs every aspect
    assert max(per_aspect.values()) <= 3
    assert sum(it.keyed < 0 for it in retained) >= 3  # reverse scoring stays exercised
    assert set(res.attrition.loc[res.attrition["group"] == "(all)", "n_left"]) <= {1, 2, 3}
    assert res.ratings.to_dict()["n_missing_ratings"] > 0


def test_demo_design_gives_every_item_enough_raters(demo):
    from lospw.instrument.delphi.assign import rater_coverage

    bank, res = demo
    first = res.ratings.frame[res.ratings.frame["round"] == 1]
    per_item = first.groupby("item").size()
    # rows (ratings given or left empty): the design's 10, less a rare absent rating
    assert per_item.max() == DEMO_RATERS_PER_ITEM and per_item.min() >= res.rules.target_raters
    assert rater_coverage(res.ratings, res.rules.target_raters).empty
    # each panelist rated only items their group answers, or was a content expert
    experts = {"bridge_builders", "lecturer_researchers"}
    for row in first.itertuples():
        assert row.group in experts or row.group in bank.item(row.item).groups
    form = pd.read_csv(DEMO / "design" / "rating_form_round1.csv")
    assert form.groupby("item").size().eq(DEMO_RATERS_PER_ITEM).all()
    assert form["relevance"].isna().all() and len(form) >= len(first)


def test_demo_recovers_the_latent_types(demo):
    _, res = demo
    truth = pd.read_csv(DEMO / "truth" / "item_truth.csv")
    m = res.final.merge(truth, on="item")
    by_type = m.groupby("type")["status"].apply(lambda s: (s == "retained").mean())
    assert by_type["strong"] == 1.0 and by_type["weak"] == 0.0
    assert by_type["unclear"] > by_type["moderate"]


def test_demo_files_are_reproducible(tmp_path):
    bank = load_bank()
    items = [ItemSpec(it.id, it.element, it.aspect, it.keyed, it.groups) for it in bank.items
             if it.status != "dropped"]
    panel = simulate_panel(items, 9, PanelModel(raters_per_item=DEMO_RATERS_PER_ITEM))
    files = write_panel(panel, tmp_path, "lospw simulate delphi --seed 9 -o data/raw/delphi")
    for f in files:
        rel = f.relative_to(tmp_path)
        assert f.read_bytes() == (DEMO / rel).read_bytes(), rel
