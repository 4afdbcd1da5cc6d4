"""Tests for lospw.instrument.model: the six elements, their aspects and roles."""

from __future__ import annotations

import pytest

from lospw.analysis.core.errors import InputError
from lospw.instrument import model


def test_six_elements_in_the_articles_order():
    assert [e.id for e in model.ELEMENTS] == ["LOS", "GOC", "SRI", "VMM", "LeA", "VOR"]


def test_los_aspects_are_figure_2_plus_the_inquiring_side():
    los = model.element("LOS")
    assert [a.nl for a in los.aspects[:5]] == [
        "continu en wederkerig delen van (leer)doelen",
        "continu en wederkerig delen van kennis",
        "elkaar constructief kritisch bevragen",
        "geven en ontvangen van feedback",
        "reflectie en reflexiviteit",
    ]
    # "lerend en ONDERZOEKEND samenwerken": research questions from practice, student
    # research, using findings to improve the service (§3.1, §4.1, Figuur 1)
    assert los.aspect_ids[5:] == ("inquiry", "improvement")
    assert all("§3.1" in a.seed for a in los.aspects[5:])


def test_stakeholder_groups_and_referents():
    assert [g.id for g in model.GROUPS] == ["students", "professionals", "bridge_builders",
                                            "lecturer_researchers", "managers", "clients"]
    codes = [g.code for g in model.GROUPS]
    assert len(set(codes)) == 6 and all(c.isalnum() and len(c) <= 5 for c in codes)
    assert model.group("clients").nl == "cliënten" and model.REFERENTS == ("workplace", "self")
    with pytest.raises(InputError, match="Unknown stakeholder group 'pupils'"):
        model.group("pupils")


@pytest.mark.parametrize("el", model.ELEMENTS, ids=lambda e: e.id)
def test_every_element_is_complete(el):
    assert 5 <= len(el.aspects) <= 8
    assert el.nl and el.en and el.seed.startswith("§")
    ids = [a.id for a in el.aspects]
    assert len(set(ids)) == len(ids)
    for a in el.aspects:
        assert a.id.isalpha() and a.id.islower()
        assert a.nl and a.en and a.seed, f"{a.qualified} lacks a name or a seed section"
        assert a.element == el.id


def test_roles_give_the_higher_order_structure():
    assert model.higher_order() == {
        "core": ["LOS", "GOC"],
        "instrumental": ["SRI", "VMM"],
        "interpersonal": ["LeA", "VOR"],
    }


def test_lookups_fail_clearly():
    with pytest.raises(InputError, match="the elements are LOS, GOC"):
        model.element("XYZ")
    with pytest.raises(InputError, match="its aspects are goals"):
        model.aspect("LOS", "nope")
    assert model.aspect("VOR", "trust").element == "VOR"


def test_to_dict_is_plain_data():
    import json

    data = model.to_dict()
    assert len(json.loads(json.dumps(data))["elements"]) == 6
    assert len(data["groups"]) == 6 and data["referents"] == ["workplace", "self"]
