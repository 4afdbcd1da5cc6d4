"""Small hand-made Delphi panels for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

HEADER = "round,panelist,item,relevance,group,clarity,comment\n"

# Two rounds, four panelists in two groups; bob misses item C in round 1 (empty relevance);
# carl leaves after round 1; item B is revised in round 1 and rated again in round 2.
SMALL = HEADER + """\
1,anna,A,4,student,4,
1,anna,B,2,student,2,Vaag. Mail anna@example.org
1,anna,C,3,student,3,
1,bob,A,4,professional,4,
1,bob,B,3,professional,2,
1,bob,C,,professional,,
1,carl,A,3,professional,3,
1,carl,B,2,professional,3,call 06-12345678 or ask anna
1,carl,C,4,professional,4,
1,dora,A,4,student,4,
1,dora,B,1,student,2,
1,dora,C,3,student,3,
2,anna,B,3,student,3,
2,anna,C,3,student,3,
2,bob,B,3,professional,3,
2,bob,C,4,professional,4,
2,dora,B,2,student,3,
2,dora,C,4,student,4,
"""


def write(tmp_path: Path, text: str, name: str = "ratings.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    return write(tmp_path, SMALL)
