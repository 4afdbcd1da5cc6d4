"""Print how many malformed inputs each reader was given in this session (issue 12 asks to
report the number per reader). Run ``pytest tests/robustness tests/analysis/test_intake_properties.py
tests/analysis/test_scheme_fuzz.py`` for the full count."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    from tests.robustness._fuzz import TRIED

    counts = dict(TRIED)
    intake = sys.modules.get("tests.analysis.test_intake_properties")
    if intake is not None and intake.TRIED["n"]:
        counts["responses"] = counts.get("responses", 0) + intake.TRIED["n"]
    fuzz = sys.modules.get("tests.analysis.test_scheme_fuzz")
    if fuzz is not None:
        stats = [r for r in terminalreporter.stats.get("passed", [])
                 if "test_scheme_fuzz" in r.nodeid]
        if stats:  # 150 examples (its max_examples); the test counts none itself
            counts["scheme"] = counts.get("scheme", 0) + 150
    if not counts:
        return
    failed = len(terminalreporter.stats.get("failed", []))
    terminalreporter.write_sep("-", "malformed inputs tried per reader")
    for name in sorted(counts):
        terminalreporter.write_line(f"  {name:<14} {counts[name]:>6}")
    terminalreporter.write_line(
        f"  {'total':<14} {sum(counts.values()):>6}  ({failed} failed test(s): "
        + ("none produced a traceback or lost a row)" if not failed else "see above)"))
