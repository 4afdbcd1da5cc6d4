"""The registry of named conditions (analysis/core/warnings.py) holds every code in use."""

from __future__ import annotations

import re

from lospw.analysis.core.warnings import DEGENERATE, WARNING_CODES, describe, registry_table
from tests.conftest import ROOT

# The shapes in which stages write a code: Note("code", ...), LospwWarning("code", ...), the
# pipeline's warn("code", ...), and flags {"code": "..."}.
PATTERNS = (
    r"\bNote\(\s*\"([a-z][a-z0-9_]+)\"",
    r"LospwWarning\(\s*\"([a-z][a-z0-9_]+)\"",
    r"(?<![.\w])warn\(\s*\"([a-z][a-z0-9_]+)\"",
    r"DegenerateDataError\(\s*\"([a-z][a-z0-9_]+)\"",
    r"\"code\": f?\"([a-z][a-z0-9_]+)\"",
)


def _used_codes() -> dict[str, str]:
    used: dict[str, str] = {}
    for folder in ("analysis", "instrument", "lospw"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            # the item bank's wording checks have their own codes (instrument/bankcheck.py)
            for pattern in PATTERNS[:2] if folder == "instrument" else PATTERNS:
                for m in re.finditer(pattern, text):
                    used.setdefault(m.group(1), str(path.relative_to(ROOT)))
    used.pop("code", None)  # the "[code] message" placeholder in docstrings
    return used


def test_every_code_in_use_is_registered():
    missing = {c: where for c, where in _used_codes().items() if c not in WARNING_CODES
               and not c.startswith("htmt_at_or_above_")}
    assert not missing, ("add these codes, with their meaning, to "
                         f"analysis/core/warnings.py WARNING_CODES: {missing}")


def test_registry_entries_are_complete():
    for code, entry in WARNING_CODES.items():
        assert entry.code == code and re.fullmatch(r"[a-z][a-z0-9_]+", code)
        assert entry.handling in ("warning", "flag", "refused")
        assert entry.meaning.endswith(".") and entry.stages and entry.action
    assert len(registry_table()) == len(WARNING_CODES)
    assert describe("no_such_code") == "no_such_code"
    assert all(c in WARNING_CODES for c in DEGENERATE)
