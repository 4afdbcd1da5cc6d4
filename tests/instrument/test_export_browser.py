"""The HTML questionnaire opens in headless Chromium and its items render as pixels.

Two screenshots of the same page are compared: as exported, and with the item statements
hidden by one extra CSS rule. The statements must account for a clear share of the dark
pixels; the rest of the page (headings, circles) must render too. Skipped when Chromium is
not installed (Debian package ``chromium``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from lospw.instrument.bank import load_bank
from lospw.instrument.export import questionnaire_html

pytestmark = pytest.mark.browser

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             "/usr/bin/chromium") if p and Path(p).is_file()), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--window-size=1100,2000"]


def screenshot(html_path: Path, png_path: Path, profile: Path) -> np.ndarray:
    """Render ``html_path`` with a fresh profile and return the PNG as a float RGB array."""
    from matplotlib.image import imread

    subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png_path}",
         html_path.resolve().as_uri()],
        capture_output=True, timeout=90, check=True,
    )
    assert png_path.is_file() and png_path.stat().st_size > 1000
    return imread(png_path)[..., :3]


def ink(img: np.ndarray) -> float:
    """Share of dark pixels (luminance below one half)."""
    lum = img @ np.array([0.299, 0.587, 0.114])
    return float((lum < 0.5).mean())


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: chromium)")
@pytest.mark.parametrize("lang", ["nl"])  # en: same template; its text is checked in test_export
def test_html_items_render_in_chromium(tmp_path, lang):
    page = questionnaire_html(load_bank(), lang)
    shown, hidden = tmp_path / "shown.html", tmp_path / "hidden.html"
    shown.write_text(page, encoding="utf-8")
    hidden.write_text(page.replace("</style>", ".item-text { visibility: hidden; }</style>"),
                      encoding="utf-8")
    a = screenshot(shown, tmp_path / "shown.png", tmp_path / "profile-a")
    b = screenshot(hidden, tmp_path / "hidden.png", tmp_path / "profile-b")
    assert a.shape[:2] == (2000, 1100)
    assert ink(b) > 0.005  # the page itself renders: title, headings, answer circles
    # the item statements add visible text (each sits in a row with seven answer circles
    # under a two-line scale head, so they are a smaller share of the page than the circles)
    assert ink(a) - ink(b) > 0.005
    # the statements sit in the left half of the table, below the heading block (the
    # instructions and the group question fill the first screen of 2000 pixels in part)
    left = slice(100, 600)
    assert ink(a[300:, left]) > ink(b[300:, left]) + 0.012
