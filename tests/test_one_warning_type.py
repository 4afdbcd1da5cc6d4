"""One warning type, carried as data; each option constant defined once.

Read from the source of ``lospw.analysis`` and ``lospw`` (CLI, report) as installed (the
modules of ``tests/test_architecture.py``; ``lospw.instrument`` keeps its own wording-check
problems), see docs/decisions/0003-one-warning-type.md:

* a named condition is a :class:`lospw.analysis.core.warnings.Note` (code, message, context)
  from where it is found to the JSON, the tables and the report: every ``warnings`` field of
  a class holds Notes, no other class is a (code, message) record, only
  :class:`~lospw.analysis.core.errors.LospwWarning` subclasses Python's ``Warning`` (and it
  carries a Note);
* nothing parses a warning back from text: no ``"[code] text"`` prefix tests, no
  ``partition(": ")`` / ``split("] ")`` of messages, no regular expression that captures a
  code;
* the estimators, screening modes and missing-data policies are defined once
  (``core/options.py``, ``core/missing.py``) and imported everywhere: no other module spells
  their values out as a tuple or list.
"""

from __future__ import annotations

import ast
import re

import pytest

from lospw.analysis.core import missing, options
from lospw.analysis.core.errors import LospwWarning
from lospw.analysis.core.warnings import Note
from tests.test_architecture import MODULES

TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()
         if not name.startswith("lospw.instrument")}

#: The constants, each defined once, in the module that owns it.
CONSTANTS = {
    "ESTIMATORS": ("lospw.analysis.core.options", options.ESTIMATORS),
    "SCREEN_MODES": ("lospw.analysis.core.options", options.SCREEN_MODES),
    "MISSING_DATA": ("lospw.analysis.core.missing", missing.MISSING_DATA),
    "RUN_MISSING": ("lospw.analysis.core.missing", missing.RUN_MISSING),
    "MISSING_POLICIES": ("lospw.analysis.core.missing", missing.MISSING_POLICIES),
    "MODEL_MISSING": ("lospw.analysis.core.missing", missing.MODEL_MISSING),
}

#: Module -> why it may format a "[code] message" line (display only, never read back).
DISPLAY_ONLY = {
    "lospw.analysis.core.errors": "the text of a LospwWarning for Python's warning display",
    "lospw.analysis.core.degenerate": "the one-line message of a DegenerateDataError (an error "
                                      "that skips a stage; its code is also its .code)",
}


def _walk():
    for name, tree in TREES.items():
        for node in ast.walk(tree):
            yield name, node


def _text(node: ast.AST) -> str | None:
    """The leading literal text of a string or f-string node."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
        return ""
    return None


def _strings(node: ast.AST) -> tuple[str, ...] | None:
    """The values of a tuple or list literal of strings (None for anything else)."""
    if not isinstance(node, (ast.Tuple, ast.List)) or not node.elts:
        return None
    out = tuple(e.value for e in node.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return out if len(out) == len(node.elts) else None


# -- one warning type ---------------------------------------------------------------------------
def test_every_warnings_field_holds_notes():
    bad = []
    for name, node in _walk():
        if not isinstance(node, ast.ClassDef):
            continue
        for stmt in node.body:
            target = (stmt.target if isinstance(stmt, ast.AnnAssign) else
                      stmt if isinstance(stmt, ast.FunctionDef)
                      and any(isinstance(d, ast.Name) and d.id == "property"
                              for d in stmt.decorator_list) else None)
            if target is None:
                continue
            field = target.id if isinstance(target, ast.Name) else getattr(target, "name", "")
            ann = stmt.annotation if isinstance(stmt, ast.AnnAssign) else stmt.returns
            if field == "warnings" and "Note" not in ast.unparse(ann):
                bad.append(f"{name}.{node.name}.warnings: {ast.unparse(ann)}")
    assert not bad, "warnings fields must hold Note objects:\n" + "\n".join(bad)


def test_note_is_the_only_code_message_record_and_warning_class():
    records, warning_classes = [], []
    for name, node in _walk():
        if not isinstance(node, ast.ClassDef):
            continue
        fields = {s.target.id for s in node.body
                  if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
        if {"code", "message"} <= fields:
            records.append(f"{name}.{node.name}")
        if any(ast.unparse(b).endswith("Warning") for b in node.bases):
            warning_classes.append(f"{name}.{node.name}")
    assert records == ["lospw.analysis.core.warnings.Note"]
    assert warning_classes == ["lospw.analysis.core.errors.LospwWarning"]
    note = Note("heywood_case", "x1 ~~ x1 < 0")
    assert LospwWarning(note).note is note and LospwWarning("a", "b").note == Note("a", "b")


def test_notes_are_records_in_json():
    n = Note("design", "3 cell(s) not asked", {"column": "school"})
    assert n.to_dict() == {"code": "design", "message": "3 cell(s) not asked",
                           "context": {"column": "school"}}
    assert Note("a", "b").to_dict() == {"code": "a", "message": "b", "context": {}}
    assert Note.from_dict(n.to_dict()) == n and hash(n) == hash(Note.from_dict(n.to_dict()))


# -- never parsed back from text ---------------------------------------------------------------
def _parses_a_warning(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    method, args = node.func.attr, node.args
    first = _text(args[0]) if args else None
    if method in ("startswith", "removeprefix") and first is not None and first.startswith("["):
        return f"{method}({ast.unparse(args[0])})"
    if method in ("partition", "rpartition", "split", "rsplit", "index", "find") \
            and first in (": ", "] ", "]"):
        return f"{method}({first!r})"
    if method in ("compile", "match", "fullmatch", "search") and first is not None \
            and re.search(r"\\\[\(\[a-z\]|\^\(\[a-z\]\[a-z0-9_\]\*\)", first):
        return f"re.{method}({first!r})"
    return None


def test_no_module_parses_a_warning_back_from_text():
    bad = [f"{name}:{node.lineno}: {why}" for name, node in _walk()
           if (why := _parses_a_warning(node)) is not None]
    assert not bad, ("a warning is a Note: read its .code / .message, never its text:\n"
                     + "\n".join(bad))


def test_no_analysis_module_formats_a_code_into_text():
    """No "[code] message" string is made to be carried (the CLI prints what it likes)."""
    bad = []
    for name, node in _walk():
        if isinstance(node, ast.JoinedStr) and name.startswith("lospw.analysis") \
                and name not in DISPLAY_ONLY and len(node.values) > 2:
            a, b, c = node.values[:3]
            if (isinstance(a, ast.Constant) and a.value == "[" and isinstance(b, ast.FormattedValue)
                    and isinstance(c, ast.Constant) and str(c.value).startswith("]")):
                bad.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    assert not bad, "\n".join(bad)


def test_the_finder_finds_a_parse():
    tree = ast.parse('w.startswith(f"[{code}]")\ncode, _, text = note.partition(": ")\n'
                     're.compile(r"^\\[([a-z][a-z0-9_]*)\\]")\n')
    assert sum(_parses_a_warning(n) is not None for n in ast.walk(tree)) == 3


# -- each constant defined once -----------------------------------------------------------------
def test_each_constant_is_defined_once():
    where: dict[str, list[str]] = {c: [] for c in CONSTANTS}
    for name, tree in TREES.items():
        for stmt in tree.body:
            targets = (stmt.targets if isinstance(stmt, ast.Assign) else
                       [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
            for t in targets:
                if isinstance(t, ast.Name) and t.id in where:
                    where[t.id].append(name)
    assert where == {c: [home] for c, (home, _) in CONSTANTS.items()}


@pytest.mark.parametrize("constant", sorted(CONSTANTS))
def test_no_module_spells_a_constant_out(constant):
    home, value = CONSTANTS[constant]
    bad = [f"{name}:{node.lineno}: {ast.unparse(node)}" for name, node in _walk()
           if name != home and (found := _strings(node)) is not None
           and set(found) == set(value)]
    assert not bad, (f"import {constant} from {home} instead of writing its values:\n"
                     + "\n".join(bad))
