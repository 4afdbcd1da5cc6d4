"""Sphinx tweaks for the lospw report (loaded through ``local_extensions`` in _config.yml).

Jupyter Book 1.0 always loads sphinx-thebe, which adds its configuration script twice to
every page (``const THEBE_JS_URL`` declared twice: a SyntaxError in the browser console) and
points at a CDN. The report is read offline and runs no live code, so the thebe scripts and
style are removed from every page, and any other script added twice is kept once.
"""

from __future__ import annotations

from typing import Any


def _is_thebe(asset: Any) -> bool:
    name = str(getattr(asset, "filename", "") or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in name.lower() or "THEBE_JS_URL" in body


def _key(asset: Any) -> tuple[str, str]:
    return (str(getattr(asset, "filename", "") or ""),
            str(getattr(asset, "attributes", {}).get("body", "")))


def _clean(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
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


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _clean, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
