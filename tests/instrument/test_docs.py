"""docs/aspects.md, the aspect derivation the Delphi panel gets, covers the model."""

from __future__ import annotations

import re
from pathlib import Path

from lospw.instrument import model

DOC = Path(__file__).resolve().parents[2] / "docs" / "aspects.md"


def sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## (\w+) — .*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_element_and_aspect_is_derived_with_quotes():
    by_element = sections()
    assert list(by_element) == [e.id for e in model.ELEMENTS]
    for el in model.ELEMENTS:
        body = by_element[el.id]
        for a in el.aspects:
            assert f"`{a.id}`" in body, f"{a.qualified} missing from docs/aspects.md"
        # every aspect with its own heading quotes the article at least once
        for block in re.split(r"^### ", body, flags=re.M)[1:]:
            aspect = re.match(r"`(\w+)`", block).group(1)
            assert aspect in el.aspect_ids, f"{el.id}: unknown aspect {aspect}"
            assert block.count("„") >= 1, f"{el.id}.{aspect} cites no sentence"
            assert re.search(r"(§\d|Figuur \d)", block), f"{el.id}.{aspect} names no section"


def test_the_derived_aspects_have_headings():
    by_element = sections()
    headed = {(el, m) for el, body in by_element.items()
              for m in re.findall(r"^### `(\w+)`", body, flags=re.M)}
    derived = {(e.id, a.id) for e in model.ELEMENTS for a in e.aspects
               if not (e.id == "LOS" and a.seed.startswith("Figuur 2"))}
    assert derived == headed
