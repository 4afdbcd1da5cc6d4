"""Sphinx tweaks for the lospw report (loaded through ``local_extensions`` in _config.yml).

Jupyter Book 1.0 always loads sphinx-thebe, which adds its configuration script twice to
every page (``const THEBE_JS_URL`` declared twice: a SyntaxError in the browser console) and
points at a CDN. The report is read offline and runs no live code, so the thebe scripts and
style are removed from every page, and any other script added twice is kept once.

User text in the report (lospw/report_text.py): the chapters escape every user string
before it goes into Markdown. As a second line of defence every page's doctree is made inert
before it is written: raw HTML (which MyST passes through from Markdown) becomes text, and a
link whose scheme is not http, https or mailto (``javascript:``, ``data:``, ...) loses its
target. The chapters themselves use neither.

The report's title and authors (``lospw report --title/--author`` or the key's) reach the
page templates as ``docstitle``, ``root_title`` and ``pagetitle`` (page titles) and ``author``,
which the themes insert without escaping (navbar, sidebar home link, footer); they are
HTML-escaped here (as :class:`markupsafe.Markup`, so a template's own ``|e`` does not
escape them twice).
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from markupsafe import Markup, escape

# A hard line break (MyST writes it as raw HTML) is the one raw HTML kept.
_KEPT_RAW = frozenset({"<br />\n"})
# Raw HTML the book's own extensions put into every page with code: sphinx-thebe's kernel
# configuration and the notebook's kernel name. The report runs no live code (thebe is off),
# so they are dropped rather than shown as text; any other raw HTML becomes text.
_EXTENSION_SCRIPT = re.compile(
    r"\s*<script(?: type=\"text/x-thebe-config\">|>kernelName = '[\w.-]*'</script>\s*$)")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Browsers ignore ASCII whitespace and control characters inside a scheme ("java\tscript:").
_IGNORED = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
# Context values the themes print unescaped (see the module doc).
_PLAIN_TEXT = ("docstitle", "root_title", "pagetitle", "author", "project")


def _is_thebe(asset: Any) -> bool:
    name = str(getattr(asset, "filename", "") or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in name.lower() or "THEBE_JS_URL" in body


def _key(asset: Any) -> tuple[str, str]:
    return (str(getattr(asset, "filename", "") or ""),
            str(getattr(asset, "attributes", {}).get("body", "")))


def _clean(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    for name in _PLAIN_TEXT:
        value = context.get(name)
        if isinstance(value, str) and not isinstance(value, Markup):
            context[name] = escape(value)
    for name in ("script_files", "css_files"):
        if name not in context:
            continue
        seen: set[tuple[str, str]] = set()
        kept = []
        for asset in context[name]:
            if _is_thebe(asset) or _key(asset) in seen:
                continue
            seen.add(_key(asset))
            kept.append(asset)
        context[name][:] = kept


def _unsafe_uri(uri: str) -> bool:
    m = _SCHEME.match(_IGNORED.sub("", uri).lower())
    return m is not None and m.group(1) not in _SAFE_SCHEMES


def _inert(app: Any, doctree: nodes.document, docname: str) -> None:
    """Raw HTML becomes text and unsafe links lose their target (see the module doc)."""
    for raw in list(doctree.findall(nodes.raw)):
        if "html" in raw.get("format", "").split() and _EXTENSION_SCRIPT.match(raw.astext()):
            raw.parent.remove(raw)  # thebe's configuration, the kernel name: not text either
        elif "html" in raw.get("format", "").split() and raw.astext() not in _KEPT_RAW:
            text = raw.astext()
            inline = isinstance(raw.parent, nodes.TextElement)
            raw.replace_self(nodes.Text(text) if inline else nodes.paragraph(text, text))
    for ref in list(doctree.findall(nodes.reference)):
        if _unsafe_uri(ref.get("refuri", "")):
            ref.replace_self(nodes.inline(ref.astext(), "", *ref.children))


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _clean, priority=900)
    app.connect("doctree-resolved", _inert, priority=900)  # after sphinx-thebe's nodes
    return {"parallel_read_safe": True, "parallel_write_safe": True}
