"""User text in the report is inert: escaped MyST renders to the same text and no markup
(lospw/report_text.py, the tables and admonitions of lospw/report_display.py, and the book's
Sphinx extension that turns raw HTML into text). The whole path — analyze, build, browser —
is tested in tests/robustness/test_report_injection.py (slow)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest
from docutils import nodes
from docutils.core import publish_doctree, publish_string
from myst_parser.parsers.docutils_ import Parser

from lospw.report import DataNote
from lospw.report_display import admonition, table
from lospw.report_text import anchor, code, code_block, label, md_escape

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    "<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "{eval}`1+1`",
    "[l](javascript:alert(3))", "a|b", "`x`", ":name: foo", "1. item", "% comment",
    "$x^2$", "&lt;b&gt;", "\\<b>", "**bold** _em_ ~~s~~", "{{ sub }}",
    "```{raw} html", "<!-- c -->", "::::", "# heading", "> quote", "line\nbreak",
    "trailing \\", "https://example.org/x", "![i](data:image/png;base64,AAAA)",
]
SETTINGS = {"myst_enable_extensions": ["colon_fence"], "report_level": 5,
            "raw_enabled": True, "output_encoding": "unicode"}


def _doctree(md: str) -> nodes.document:
    return publish_doctree(md, parser=Parser(), settings_overrides=SETTINGS)


def _html(md: str) -> str:
    return publish_string(md, parser=Parser(), writer_name="html5", settings_overrides=SETTINGS)


def _no_markup(tree: nodes.document) -> None:
    bad = (nodes.raw, nodes.reference, nodes.image, nodes.emphasis, nodes.strong,
           nodes.literal_block, nodes.bullet_list, nodes.enumerated_list, nodes.block_quote,
           nodes.section, nodes.comment, nodes.system_message, nodes.problematic)
    found = [n for n in tree.findall() if isinstance(n, bad)]
    assert found == [], found


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_itself_in_prose(text):
    tree = _doctree(f"Before {md_escape(text)} after.\n")
    _no_markup(tree)
    assert tree.astext() == f"Before {' '.join(text.split())} after."


@pytest.mark.parametrize("text", HOSTILE)
def test_code_span_shows_the_text(text):
    tree = _doctree(f"Item {code(text)}.\n")
    lits = list(tree.findall(nodes.literal))
    assert [n.astext() for n in lits] == [" ".join(text.split())]
    assert not list(tree.findall(nodes.raw))


def test_code_block_cannot_be_closed_early():
    body = "a =~ x\n`````\n<script>alert(1)</script>\n```{eval}\n"
    tree = _doctree(code_block(body, "r") + "\nafter\n")
    blocks = list(tree.findall(nodes.literal_block))
    assert len(blocks) == 1 and blocks[0].astext() == body.rstrip("\n")
    assert not list(tree.findall(nodes.raw))


def test_table_cells_caption_and_name_hold_no_markup():
    frame = pd.DataFrame({"<b>col</b>": HOSTILE, "value": range(len(HOSTILE))})
    caption = "Scale " + md_escape("<script>alert(4)</script>") + " " + code("i`1`")
    md = table(frame, caption, DataNote(True, "<img src=x onerror=alert(5)>.csv"),
               name=anchor("tbl-items", "<S_n>")).data
    tree = _doctree(md)
    (tbl,) = tree.findall(nodes.table)
    assert tbl["ids"] == [anchor("tbl-items", "<S_n>")]
    assert not list(tree.findall(nodes.raw)) and not list(tree.findall(nodes.reference))
    rows = [[e.astext() for e in row.findall(nodes.entry)] for row in tbl.findall(nodes.row)]
    assert rows[0] == ["<b>col</b>", "value"]
    assert [r[0] for r in rows[1:]] == [" ".join(t.split()) for t in HOSTILE]
    title = next(tbl.findall(nodes.title)).astext()
    assert "<script>alert(4)</script>" in title and "i`1`" in title
    assert "<img src=x onerror=alert(5)>.csv" in title
    html = _html(md)
    assert "<script" not in html and "<img" not in html and "<b>col" not in html


def test_table_name_that_is_not_a_slug_is_made_one():
    md = table(pd.DataFrame({"a": [1]}), "c", name="tbl-items-A b\n:class: x").data
    name_line = md.splitlines()[1]
    assert name_line.startswith(":name: tbl-") and "\n" not in name_line
    assert set(name_line.removeprefix(":name: ")) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


def test_admonition_title_and_text():
    md = admonition("note", "Title <img src=x onerror=alert(6)>",
                    md_escape("<script>alert(7)</script>\n::::\n```{raw} html")).data
    tree = _doctree(md)
    assert not list(tree.findall(nodes.raw))
    (adm,) = tree.findall(nodes.admonition)
    assert "<img src=x onerror=alert(6)>" in adm.astext()


def test_anchors_are_slugs_and_distinct():
    names = ["S_n", "S-n", "s n", "A", "a", "<b>", "", "los"]
    ids = [anchor("tbl-x", n) for n in names]
    assert len(set(ids)) == len(ids)
    assert anchor("tbl-x", "los") == "tbl-x-los"
    for i in ids:
        assert set(i) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") and "--" not in i


def test_matplotlib_labels_are_drawn_as_typed():
    import matplotlib.pyplot as plt

    from lospw import report_display as D
    from lospw import report_figures as F

    D.setup()
    fig, ax = plt.subplots()
    ax.scatter([0], [0], label=label("_hidden"))
    ax.set_xticks([0], ["a$^$b"])  # invalid mathtext: would raise when drawn
    ax.set_title("$\\alpha$ & <b>")
    ax.legend()
    assert D.png(fig)[:4] == b"\x89PNG"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [" _hidden"]
    plt.rcdefaults()  # the figure helpers themselves do not rely on the rcParams
    fig = F.path_diagram({"$f$": [("a$^$b", 0.5)]}, title="$^$")
    assert D.png(fig)[:4] == b"\x89PNG"
    fig = F.box_flow([("$^$ rows\n3", [("$x", 1)]), ("end", [])])
    assert D.png(fig)[:4] == b"\x89PNG"


def _extension():
    spec = importlib.util.spec_from_file_location("lospw_book",
                                                  ROOT / "lospw" / "book" / "_ext" / "lospw_book.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_book_extension_drops_the_scripts_its_own_extensions_add():
    """myst-nb's kernel name and sphinx-thebe's configuration are raw HTML in every page with
    code: dropped (they were shown as text); a script from anywhere else stays text."""
    ext = _extension()
    tree = nodes.document(None, None)
    section = nodes.section()
    tree += section
    section += nodes.raw("", "<script>kernelName = 'python3'</script>", format="html")
    section += nodes.raw("", '\n    <script type="text/x-thebe-config">\n    { requestKernel: '
                             "true }\n    </script>\n", format="html")
    section += nodes.raw("", "<script>kernelName = 'x'; alert(1)</script>", format="html")
    ext._inert(None, tree, "page")
    assert not list(tree.findall(nodes.raw))
    assert tree.astext() == "<script>kernelName = 'x'; alert(1)</script>"


def test_book_extension_turns_raw_html_into_text_and_drops_unsafe_links():
    ext = _extension()
    tree = _doctree("Inline <img src=x onerror=alert(8)> here.\n\n<script>alert(9)</script>\n\n"
                    "[a](javascript:alert(10)) [b](https://example.org) "
                    "[c](<JaVa\tScRiPt:alert(11)>) [d](data:text/html,x)\n\nline  \nbreak\n")
    assert list(tree.findall(nodes.raw))
    ext._inert(None, tree, "page")
    raws = [n.astext() for n in tree.findall(nodes.raw) if n["format"] == "html"]
    assert raws == ["<br />\n"]  # the hard line break is kept
    refs = [n["refuri"] for n in tree.findall(nodes.reference)]
    assert refs == ["https://example.org"]
    text = tree.astext()
    assert "<img src=x onerror=alert(8)>" in text and "<script>alert(9)</script>" in text
    assert "a" in text and "c" in text
