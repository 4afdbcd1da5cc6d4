"""The docstring examples of every module of the installed package, run as tests.

The repository keeps ``analysis/``, ``instrument/`` and ``lospw/`` at the top, but they are one
package when installed (``lospw.analysis``, ``lospw.instrument``). pytest's own
``--doctest-modules`` would import ``analysis/...`` files under the top-level name
``analysis`` — a second copy of every module, with its own classes. Here every module is
imported by its package name, and each docstring with examples is one test, as
``--doctest-modules`` made it (same option flags: ``ELLIPSIS``).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

ROOTS = ("lospw", "lospw.analysis", "lospw.instrument")


def _module_names() -> list[str]:
    names: set[str] = set()
    for root in ROOTS:
        package = importlib.import_module(root)
        names.add(root)
        for info in pkgutil.walk_packages(package.__path__, root + "."):
            names.add(info.name)
    return sorted(names)


def _doctests() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for name in _module_names():
        module = importlib.import_module(name)
        found.extend(t for t in finder.find(module, name) if t.examples)
    return sorted(found, key=lambda t: t.name)


DOCTESTS = _doctests()


def test_every_module_with_examples_is_found():
    """The walk reaches every wing (a new subpackage cannot fall out of the doctests)."""
    prefixes = {t.name.rsplit(".", 2)[0] for t in DOCTESTS}
    for wing in ("lospw.analysis.core", "lospw.analysis.cfa", "lospw.analysis.classical",
                 "lospw.instrument.delphi", "lospw.cli"):
        assert any(p.startswith(wing) for p in prefixes), wing


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_docstring_examples(test: doctest.DocTest) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    test.globs = dict(test.globs)  # each docstring starts from the module's globals
    out: list[str] = []
    result = runner.run(test, out=out.append, clear_globs=False)
    assert result.failed == 0, "".join(out)
