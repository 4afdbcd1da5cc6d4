"""User text made inert for the report: MyST markup, HTML anchors and matplotlib labels.

Every string that reaches the report from a user's files — the key's instrument, scale and
item names and labels, the ``--group`` / ``--cluster`` columns and their values, file names,
criteria names, warning messages — is written into MyST Markdown, which renders raw HTML,
roles (``{eval}``), links (``[x](javascript:...)``) and directives. So a chapter passes such
a string through one of these before it goes into Markdown:

- :func:`md_escape` for prose, captions, titles and table cells (backslash before every ASCII
  punctuation character, one line): it reads as the same text and is never markup;
- :func:`code` for an inline code span and :func:`code_block` for a fenced block (fences longer
  than any run of backticks inside);
- :func:`anchor` for a table's or figure's ``name`` (an HTML id) built from a user string.

Figures: :data:`lospw.report_display.RC` switches matplotlib's mathtext off
(``text.parse_math``), so ``$...$`` in a label is drawn as typed; :func:`label` keeps a label
that starts with ``_`` in a legend. As a second line of defence the book's Sphinx extension
(``lospw/book/_ext/lospw_book.py``) turns any raw HTML node into text and drops ``javascript:``
links (DESIGN.md, "User text in the report").
"""

from __future__ import annotations

import hashlib
import re
import string
from typing import Any

__all__ = ["anchor", "code", "code_block", "label", "md_escape"]

# CommonMark: "Any ASCII punctuation character may be backslash-escaped"; escaped, each is
# literal text (no HTML, role, link, emphasis, table pipe, directive or option).
_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_TICKS = re.compile("`+")
_SLUG = re.compile(r"[^a-z0-9]+")


def md_escape(text: Any) -> str:
    """Text safe inside MyST markup: one line, every ASCII punctuation character escaped.

    Examples
    --------
    >>> md_escape("a*b_c | {x}")
    'a\\\\*b\\\\_c \\\\| \\\\{x\\\\}'
    >>> md_escape("<img src=x onerror=alert(1)>")
    '\\\\<img src\\\\=x onerror\\\\=alert\\\\(1\\\\)\\\\>'
    >>> md_escape("two\\nlines")
    'two lines'
    """
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _fence(text: str, at_least: int) -> str:
    longest = max((len(m) for m in _TICKS.findall(text)), default=0)
    return "`" * max(at_least, longest + 1)


def code(text: Any) -> str:
    """An inline code span showing ``text`` literally (for prose, not for table cells).

    The fence is one backtick longer than the longest run of backticks in the text, and
    padded by a space each side (CommonMark strips one), so the span cannot be closed early.

    Examples
    --------
    >>> code("x1")
    '` x1 `'
    >>> code("a`b")
    '`` a`b ``'
    """
    one_line = " ".join(str(text).split())
    fence = _fence(one_line, 1)
    return f"{fence} {one_line} {fence}"


def code_block(text: Any, language: str = "") -> str:
    """A fenced code block showing ``text`` literally, closed by a fence no line can match.

    Examples
    --------
    >>> code_block("x =~ a + b", "r")
    '```r\\nx =~ a + b\\n```\\n'
    >>> code_block("`````", "r").splitlines()[0]
    '``````r'
    """
    body = str(text).rstrip("\n")
    fence = _fence(body, 3)
    return f"{fence}{language}\n{body}\n{fence}\n"


def anchor(prefix: str, text: Any) -> str:
    """An HTML id ``prefix-slug`` for a table or figure named after a user string.

    A name that is already a lowercase slug is kept; any other gets the first 8 hex digits
    of its SHA-256 appended, so two names that slug alike (``S_n``, ``S-n``) stay distinct.

    Examples
    --------
    >>> anchor("tbl-items", "los")
    'tbl-items-los'
    >>> anchor("tbl-items", "<b>S_n</b>")
    'tbl-items-b-s-n-b-dc6fe7c5'
    """
    raw = str(text)
    slug = _SLUG.sub("-", raw.lower()).strip("-")
    if slug == raw and slug:
        return f"{prefix}-{slug}"
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:8]
    return f"{prefix}-{slug}-{digest}" if slug else f"{prefix}-{digest}"


def label(text: Any) -> str:
    """A matplotlib label that is drawn as given: one not starting with ``_`` (which legends
    hide), with mathtext off by :data:`lospw.report_display.RC`.

    Examples
    --------
    >>> label("_x"), label("$a$")
    (' _x', '$a$')
    """
    s = str(text)
    return " " + s if s.startswith("_") else s
