"""Workplace profile charts: a dot plot of the scale means with their 95% intervals.

One chart per group (workplace): each scale on its own row, the group's mean as a dot with
its 95% interval, the mean of all respondents as a grey tick for comparison. A hollow dot
marks a scale where aggregation is not justified (see :mod:`lospw.analysis.scoring.aggregate`). Written
as PNG and SVG with matplotlib's Agg backend; the same input gives the same bytes (fixed SVG
hash salt, no date in the metadata).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

__all__ = ["profile_figure", "safe_name", "write_profile_charts"]

# text.parse_math off: a '$' in a group or scale name is drawn as typed (mathtext would
# render it, or fail on '$^$'; issue 17)
_RC = {"svg.hashsalt": "lospw", "svg.fonttype": "path", "font.size": 9,
       "font.family": "DejaVu Sans", "path.simplify": True, "text.parse_math": False}


def safe_name(text: str) -> str:
    """A file-name-safe version of a group label.

    Examples
    --------
    >>> safe_name("PW Zorg & Welzijn/2")
    'PW_Zorg_Welzijn_2'
    """
    out = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("._")
    return out or "group"


def profile_figure(profile: pd.DataFrame, *, title: str, low: float, high: float,
                   overall: Mapping[str, float] | None = None, note: str = ""):
    """The dot-plot figure of one group's profile (a ``matplotlib.figure.Figure``).

    Parameters
    ----------
    profile : DataFrame
        Rows of :attr:`AggregationResult.profiles` for one group (``scale, n, mean, ci_lo,
        ci_hi, aggregate_ok``), in the order the scales should appear (top to bottom).
    title : str
    low, high : float
        The response scale (x axis).
    overall : mapping, optional
        Scale -> mean of all respondents, drawn as a grey tick.
    note : str
        A line under the chart (e.g. that the data are synthetic).
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    scales = list(profile["scale"])
    k = len(scales)
    height = 1.5 + 0.4 * k
    fig = Figure(figsize=(6.4, height), dpi=100)
    fig.subplots_adjust(left=0.2, right=0.97, top=1 - 0.4 / height, bottom=1.05 / height)
    ax = fig.add_subplot()
    ys = list(range(k))[::-1]
    color = "#1f4e79"
    for y, (_, row) in zip(ys, profile.iterrows(), strict=True):
        ok = bool(row["aggregate_ok"])
        if pd.notna(row["ci_lo"]):
            ax.plot([row["ci_lo"], row["ci_hi"]], [y, y], color=color, lw=2,
                    solid_capstyle="butt")
        if overall is not None and pd.notna(overall.get(row["scale"])):
            ax.plot([overall[row["scale"]]], [y], "|", ms=14, mew=2, color="#999999")
        if pd.notna(row["mean"]):
            ax.plot([row["mean"]], [y], "o", ms=7, color=color, mfc=color if ok else "white",
                    mew=1.5)
    ax.set_yticks(ys)
    ax.set_yticklabels([f"{s} (n={int(n)})" for s, n in zip(scales, profile["n"], strict=True)])
    pad = 0.03 * (high - low)
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(-0.7, k - 0.3)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel("mean score with 95% interval", fontsize=8)
    ax.set_title(title, loc="left", fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [Line2D([], [], marker="o", ls="", color=color, label="aggregation justified"),
               Line2D([], [], marker="o", ls="", color=color, mfc="white",
                      label="not justified (rwg(j) < .70, AD > c/6 or n < 2)")]
    if overall is not None:
        handles.append(Line2D([], [], marker="|", ls="", ms=10, mew=2, color="#999999",
                              label="all respondents"))
    fig.legend(handles=handles, loc="lower left", ncol=3, fontsize=7, frameon=False,
               bbox_to_anchor=(0.0, 0.12 / height), handletextpad=0.2, columnspacing=1.0)
    if note:
        fig.text(0.99, 0.99, note, fontsize=7, color="#a00000", ha="right", va="top")
    return fig


def write_profile_charts(profiles: pd.DataFrame, folder: str | Path, *, low: float,
                         high: float, scales: Sequence[str],
                         overall: Mapping[str, float] | None = None, by: str = "group",
                         note: str = "") -> list[Path]:
    """One PNG and one SVG per group in ``folder``; returns the paths written (sorted).

    File names are ``profile_<group>.png`` / ``.svg`` with the group label made
    file-name-safe (a number is added when two labels map to the same name).
    """
    import matplotlib

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    with matplotlib.rc_context(_RC):
        for group in sorted(profiles["group"].astype(str).unique()):
            part = profiles[profiles["group"].astype(str) == group].set_index("scale")
            part = part.loc[[s for s in scales if s in part.index]].reset_index()
            n_max = int(part["n"].max()) if len(part) else 0
            fig = profile_figure(part, title=f"{by} {group} (n = {n_max})", low=low,
                                 high=high, overall=overall, note=note)
            stem = base = f"profile_{safe_name(group)}"
            i = 2
            while stem in used:
                stem, i = f"{base}_{i}", i + 1
            used.add(stem)
            png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
            fig.savefig(png, format="png", metadata={"Software": None})
            fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
            written += [png, svg]
    return sorted(written)
