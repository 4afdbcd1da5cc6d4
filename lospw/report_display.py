"""Tables and figures for the report (lospw/book/): deterministic, and labelled when synthetic.

Figures are drawn with matplotlib's Agg backend under fixed rcParams (:data:`RC`) and
shipped to the notebook as PNG bytes written without the ``Software`` tag, so the same
artifacts give the same image file (Sphinx names it by its content hash). When the data
note says the data are synthetic, :func:`png` stamps **SYNTHETIC DATA** on the figure.
A chapter gives a figure its caption in the code cell's ``mystnb: figure:`` metadata,
ending in ``{glue:md}`note``` (the data note glued by :func:`glue_note`).

Tables are MyST ``{table}`` directives in colon fences (a caption may hold backticks) built by :func:`table` (``nb_render_markdown_format:
myst`` in ``_config.yml``): real Sphinx tables with a numbered caption that ends in the data
note. Cells are escaped, so item texts never turn into markup.

User text (names, labels, group values, file names, messages) goes into prose, captions and
titles only through :func:`md_escape`, :func:`code` or :func:`code_block`, and into a
``name`` only through :func:`anchor` (:mod:`lospw.report_text`, re-exported here);
:data:`RC` switches matplotlib's mathtext off so a ``$`` in a label is drawn as typed.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from lospw.report import DataNote, StageRecord
from lospw.report_text import anchor, code, code_block, label, md_escape

__all__ = [
    "RC",
    "admonition",
    "anchor",
    "code",
    "code_block",
    "fmt",
    "fmt_p",
    "glue_note",
    "label",
    "md_escape",
    "p_inline",
    "png",
    "setup",
    "show",
    "stage_notice",
    "table",
]

#: Fixed rcParams for every figure (no system fonts, no hash randomisation in SVG).
RC: dict[str, Any] = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 130,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "svg.hashsalt": "lospw-report",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "image.interpolation": "nearest",
    "text.parse_math": False,  # a '$' in a user's label is text, not mathtext
}
STAMP_COLOR = "#b3261e"
_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def setup() -> None:
    """Select the Agg backend and the fixed rcParams (call once per chapter)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcdefaults()
    matplotlib.rcParams.update(RC)


def png(fig: Any, note: DataNote | None = None) -> bytes:
    """The figure as PNG bytes (no metadata), stamped when ``note`` says synthetic; closes it."""
    import matplotlib.pyplot as plt

    if note is not None and note.synthetic:
        # just above the top-right corner of what is drawn (the saved image is cropped to it)
        box = fig.get_tightbbox(fig.canvas.get_renderer())
        w, h = fig.get_size_inches()
        fig.text(box.x1 / w, box.y1 / h + 0.02, note.label, ha="right", va="bottom",
                 fontsize=8.5, fontweight="bold", color="white",
                 bbox={"boxstyle": "square,pad=0.3", "facecolor": STAMP_COLOR,
                       "edgecolor": "none"})
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None}, bbox_inches="tight",
                pad_inches=0.08, facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def show(fig: Any, note: DataNote | None = None) -> None:
    """Display the figure as a PNG output of the cell (see :func:`png`)."""
    from IPython.display import Image, display

    display(Image(data=png(fig, note), format="png"))


def glue_note(name: str, note: DataNote) -> None:
    """Glue the data note's caption sentence under ``name`` for ``{glue:md}`` in captions."""
    from IPython.display import Markdown
    from myst_nb import glue

    glue(name, Markdown(note.caption), display=False)


def fmt(value: Any, digits: int = 2) -> str:
    """A number for the report: fixed decimals, integers as integers, missing as an en dash.

    Examples
    --------
    >>> fmt(0.91234), fmt(12), fmt(float("nan")), fmt(None), fmt(True), fmt(3.0, 0)
    ('0.91', '12', '–', '–', 'yes', '3')
    >>> fmt(-0.004)
    '0.00'
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        out = f"{value:.{digits}f}"
        return out[1:] if out.startswith("-") and float(out) == 0 else out
    try:
        if pd.isna(value):
            return "–"
    except (TypeError, ValueError):
        pass
    return str(value)


def fmt_p(p: Any) -> str:
    """A p-value as reported: three decimals, below .001 as "< .001".

    Examples
    --------
    >>> fmt_p(0.0312), fmt_p(1e-9), fmt_p(float("nan"))
    ('0.031', '< .001', '–')
    """
    text = fmt(p, 3)
    if text != "–" and float(p) < 0.001:
        return "< .001"
    return text


def p_inline(p: Any) -> str:
    """A p-value in prose: "p = 0.031" or "p < .001"."""
    text = fmt_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _cell(value: Any, digits: int) -> str:
    if isinstance(value, float) and not math.isnan(value) and value.is_integer() and digits == 0:
        return str(int(value))
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    return md_escape(fmt(value, digits))


def table(frame: pd.DataFrame, caption: str, note: DataNote | None = None, *,
          name: str | None = None, digits: int | Mapping[str, int] = 2,
          markup: tuple[str, ...] = ()) -> Any:
    """A numbered MyST table of ``frame`` (index dropped) with ``caption`` and the data note.

    Parameters
    ----------
    frame : DataFrame
    caption : str
        MyST markup allowed (it is not escaped).
    note : DataNote, optional
        Appended to the caption (says SYNTHETIC DATA when the data are synthetic).
    name : str, optional
        Target name for ``{numref}`` and the HTML id: a lowercase slug (build one from a
        user string with :func:`anchor`); anything else is made one by :func:`anchor`.
    digits : int or mapping column -> int
        Decimals of float cells (default 2).
    markup : tuple of str
        Columns whose cells are MyST markup already (not escaped).
    """
    from IPython.display import Markdown

    def digits_of(col: str) -> int:
        return digits.get(col, 2) if isinstance(digits, Mapping) else digits

    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(md_escape(c) for c in cols) + " |",
             "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False, name=None):
        cells = [str(v) if c in markup else _cell(v, digits_of(c))
                 for c, v in zip(cols, row, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    title = " ".join(caption.split())
    if note is not None:
        title += " " + note.caption
    head = [f"::::{{table}} {title}"]
    if name:
        head.append(f":name: {name if _NAME.fullmatch(name) else anchor('tbl', name)}")
    return Markdown("\n".join([*head, "", *lines, "::::", ""]))


def admonition(kind: str, title: str, text: str) -> Any:
    """A MyST admonition (``note``, ``warning``, ...) as a Markdown output.

    ``title`` is plain text (escaped); ``text`` is MyST markup (escape user text in it).
    """
    from IPython.display import Markdown

    return Markdown(f"::::{{admonition}} {md_escape(title)}\n:class: {kind}\n\n{text}\n::::\n")


def stage_notice(record: StageRecord) -> bool:
    """Show a warning box when a stage of ``lospw analyze`` did not run; return ``record.ok``.

    Chapters use the result to skip their cells: ``OK = D.stage_notice(R.stage("cfa"))``.
    """
    from IPython.display import display

    if not record.ok:
        display(admonition(
            "warning", f"This stage did not run ({record.status})",
            f"The `{record.name}` stage of the analysis was **{record.status}**: "
            f"{md_escape(record.reason or 'no reason recorded')}. The manifest "
            "(`manifest.json`) records it; the verdict counts what depends on it as "
            "indeterminate."))
    return record.ok
