"""Acceptance (issue 20): the README's walkthrough "Validate your own instrument", run from a
wheel installed in a fresh virtual environment outside the repository.

1. The wheel is built from this checkout and must hold the report's chapter sources and the
   example instrument; it is installed (with the pinned dependencies of
   ``requirements/lock.txt``) into a new venv in a temporary folder.
2. The commands of the README's code block are parsed from README.md and run exactly as
   written, in an empty folder outside the repository, with only that venv on ``PATH`` —
   so the README cannot drift from what lospw does.
3. The report (``lospw report ... -o OUT``) is opened page by page in headless Chromium
   (``tests/book/cdp.py``; skipped when Chromium is not installed): every page loads without
   console errors or failed loads, the report names the example instrument (TCQ-15), and no
   page's text holds a LOS-PW term — "LOS" as a word, "six-factor", "role groups", "Delphi",
   "stakeholder", "workplace" — since the run has no Delphi or other LOS-PW input.

Slow (a venv install, an analysis and a report build: 3–5 minutes on a shared 2-core
machine), marked ``acceptance``: ``make test`` (what CI runs) includes it, a plain
``pytest -m "not slow"`` does not.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.acceptance]

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Validate your own instrument"
INSTRUMENT = "TCQ-15"
# LOS-PW terms no page of a report on another instrument may hold (regex, on visible text).
FORBIDDEN = [r"\bLOS\b", r"six-factor", r"role groups", r"Delphi", r"[Ss]takeholder",
             r"[Ww]orkplace", r"Professionele"]
SHOTS = ROOT / "tests" / "artifacts" / "walkthrough"


def readme_commands() -> list[str]:
    """The commands of the first ```bash block of the README's walkthrough section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the walkthrough has no ```bash block"
    cmds = [ln.split(" #", 1)[0].strip() for ln in block.group(1).splitlines()]
    return [c for c in cmds if c and not c.startswith("#")]


def test_readme_block_is_parsed():
    cmds = readme_commands()
    assert cmds and all(c.startswith("lospw ") for c in cmds)
    assert any(shlex.split(c)[1] == "report" for c in cmds)


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    assert done.returncode == 0, f"{' '.join(cmd)}: exit {done.returncode}\n" \
        f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory) -> Path:
    """The folder where the README's commands ran (outside the repository)."""
    tmp = tmp_path_factory.mktemp("walkthrough")
    assert not tmp.resolve().is_relative_to(ROOT)
    wheels = tmp / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
          "-w", str(wheels),
          str(ROOT)])
    (wheel,) = wheels.glob("lospw-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("lospw/book/chapters/verdict.md", "lospw/book/_config.yml",
                   "lospw/book/intro.md", "lospw/examples/teamwork/key.yaml",
                   "lospw/report_build.py"):
        assert needed in names, f"the wheel lacks {needed}"
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c",
          str(ROOT / "requirements" / "lock.txt"), str(wheel)])
    work = tmp / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("LOSPW_")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin"
    for cmd in readme_commands():
        args = shlex.split(cmd)
        args[0] = str(venv / "bin" / args[0])  # the venv's lospw, never another one
        _run(args, cwd=work, env=env)
    where = _run([str(py), "-c", "import lospw; print(lospw.__file__)"], cwd=work, env=env)
    assert Path(where.stdout.strip()).resolve().is_relative_to(venv.resolve())
    return work


def _report_folder(work: Path) -> Path:
    for cmd in readme_commands():
        args = shlex.split(cmd)
        if args[1] == "report":
            return work / args[args.index("-o") + 1]
    raise AssertionError("no lospw report command in the README")


VISIBLE = """(() => ({title: document.title,
  h1: (document.querySelector('h1') || {}).innerText || '',
  text: document.body.innerText}))()"""


def test_report_is_about_the_instrument_in_chromium(walkthrough, tmp_path):
    from tests.book.cdp import Chromium, find_chromium

    report = _report_folder(walkthrough)
    assert (report / "index.html").is_file()
    pages = sorted([report / "intro.html", *report.glob("chapters/*.html")])
    assert len(pages) >= 10
    exe = find_chromium()
    if exe is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    found: dict[str, list[str]] = {}
    with Chromium(exe, tmp_path / "profile", width=1280, height=900) as browser:
        for page in pages:
            mark = len(browser.events)
            browser.open(page.as_uri())
            state = browser.evaluate(VISIBLE)
            assert browser.problems(mark) == [], page.name
            assert INSTRUMENT in state["title"], page.name
            for term in FORBIDDEN:
                if re.search(term, state["text"]) or re.search(term, state["title"]):
                    found.setdefault(term, []).append(page.name)
            if page.name == "intro.html":
                assert INSTRUMENT in state["h1"]
                assert INSTRUMENT in state["text"]
                browser.screenshot(SHOTS / "intro.png", full_page=False)
    assert found == {}, f"LOS-PW terms in the report of {INSTRUMENT}: {found}"
    chapters = {p.stem for p in report.glob("chapters/*.html")}
    assert not chapters & {"model", "bank", "delphi"}
    assert {"invariance", "aggregation", "codebook"} <= chapters  # --group and --cluster given
