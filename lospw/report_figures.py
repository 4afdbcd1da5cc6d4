"""Diagrams for the report drawn with matplotlib: a Sankey-like flow, a box flow chart
(received → excluded → analysed) and a CFA path diagram.

These functions draw numbers they are given; they compute no statistic. Every function
returns the matplotlib figure; :func:`lospw.report_display.show` renders it. Labels are a
user's text (scale and item names, reasons): they are drawn as typed, never as mathtext
(``parse_math=False``, whatever the rcParams).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["FlowNode", "box_flow", "path_diagram", "sankey"]

# Text drawn from a user's strings: '$' is a dollar sign, not the start of mathtext.
_PLAIN = {"parse_math": False}


@dataclass(frozen=True)
class FlowNode:
    """A node of :func:`sankey`: its column, label, value and colour."""

    key: str
    column: int
    label: str
    value: float
    color: str = "#7f7f7f"


def _band(ax: Any, x0: float, x1: float, y0: tuple[float, float], y1: tuple[float, float],
          color: str) -> None:
    """A band from the vertical span ``y0`` at ``x0`` to ``y1`` at ``x1`` (cubic S-curve)."""
    t = np.linspace(0, 1, 60)
    s = 3 * t**2 - 2 * t**3
    x = x0 + (x1 - x0) * t
    top = y0[1] + (y1[1] - y0[1]) * s
    bottom = y0[0] + (y1[0] - y0[0]) * s
    ax.fill_between(x, bottom, top, color=color, alpha=0.35, lw=0)


def sankey(nodes: Sequence[FlowNode], links: Sequence[tuple[str, str, float]], *,
           column_titles: Sequence[str] = (), figsize: tuple[float, float] = (8.0, 4.6),
           node_width: float = 0.12, gap: float = 0.04) -> Any:
    """A Sankey-like diagram: columns of stacked nodes, bands proportional to the links.

    Parameters
    ----------
    nodes : sequence of FlowNode
        In drawing order within each column (top to bottom).
    links : sequence of (source key, target key, value)
        Bands leave a node in the order of the targets' drawing order.
    column_titles : sequence of str
        A title above each column.
    """
    import matplotlib.pyplot as plt

    by_key = {n.key: n for n in nodes}
    columns = sorted({n.column for n in nodes})
    total = max(sum(n.value for n in nodes if n.column == c) for c in columns)
    scale = 1.0 / total
    pos: dict[str, tuple[float, float]] = {}
    sources = {n.key: [s for s, d, _ in links if d == n.key] for n in nodes}
    for c in columns:
        col = [n for n in nodes if n.column == c]
        # a column fed by part of the previous one starts level with its sources' top
        tops = [pos[s][1] for n in col for s in sources[n.key] if s in pos]
        fed_partly = sum(n.value for n in col) < total and tops
        y = max(tops) if fed_partly else 1.0 + gap * (len(col) - 1) / 2
        for n in col:
            h = n.value * scale
            pos[n.key] = (y - h, y)
            y -= h + gap
    fig, ax = plt.subplots(figsize=figsize)

    def centre(key: str) -> float:
        return -(pos[key][0] + pos[key][1]) / 2

    out_y = {k: v[1] for k, v in pos.items()}
    in_y = {k: v[1] for k, v in pos.items()}
    # bands leave a node ordered by their target's height and enter ordered by their
    # source's height, so they do not cross at the nodes
    ordered = sorted(links, key=lambda link: (centre(link[0]), centre(link[1])))
    entering = {id(link): i for i, link in enumerate(
        sorted(links, key=lambda link: (centre(link[1]), centre(link[0]))))}
    enter_at: dict[int, tuple[float, float]] = {}
    for link in sorted(links, key=lambda link: entering[id(link)]):
        _, dst, value = link
        h = value * scale
        enter_at[id(link)] = (in_y[dst] - h, in_y[dst])
        in_y[dst] -= h
    for link in ordered:
        src, dst, value = link
        h = value * scale
        s, d = by_key[src], by_key[dst]
        y0 = (out_y[src] - h, out_y[src])
        out_y[src] -= h
        _band(ax, s.column + node_width / 2, d.column - node_width / 2, y0,
              enter_at[id(link)], d.color)
    for n in nodes:
        lo, hi = pos[n.key]
        ax.add_patch(plt.Rectangle((n.column - node_width / 2, lo), node_width,
                                   max(hi - lo, 0.004), color=n.color, lw=0))
        ax.text(n.column + node_width / 2 + 0.03, (lo + hi) / 2, f"{n.label}: {n.value:g}",
                va="center", ha="left", fontsize=8, **_PLAIN,
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.5})
    for c, title in zip(columns, column_titles, strict=False):
        ax.text(c, 1.0 + gap * 4, title, ha="center", va="bottom", fontsize=9,
                fontweight="bold", **_PLAIN)
    ax.set_xlim(min(columns) - 0.3, max(columns) + 0.85)
    lows = [lo for lo, _ in pos.values()]
    ax.set_ylim(min(lows) - 0.04, 1.0 + gap * 9)
    ax.axis("off")
    return fig


def _box(ax: Any, x: float, y: float, w: float, h: float, text: str, *,
         color: str = "#e8eef7", edge: str = "#33507a") -> None:
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                boxstyle="round,pad=0.01,rounding_size=0.02",
                                facecolor=color, edgecolor=edge, lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5, wrap=False, **_PLAIN)


def _arrow(ax: Any, xy0: tuple[float, float], xy1: tuple[float, float]) -> None:
    ax.annotate("", xy=xy1, xytext=xy0,
                arrowprops={"arrowstyle": "-|>", "color": "#33507a", "lw": 1.1,
                            "shrinkA": 0, "shrinkB": 0})


def box_flow(stages: Sequence[tuple[str, Sequence[tuple[str, float]]]], *,
             figsize: tuple[float, float] = (7.5, 5.0)) -> Any:
    """A CONSORT-like flow chart: a column of main boxes, each step's exclusions at its side.

    Parameters
    ----------
    stages : sequence of (main text, exclusions)
        The main boxes top to bottom (e.g. "Received\\n600 rows"); ``exclusions`` of a box
        are (reason, count) pairs listed in a side box on the arrow to the next box.
    """
    import matplotlib.pyplot as plt

    n = len(stages)
    fig, ax = plt.subplots(figsize=figsize)
    step = 1.0 / max(n - 1, 1)
    ys = [1.0 - i * step for i in range(n)]
    w, h = 0.34, 0.12
    for i, (text, side) in enumerate(stages):
        _box(ax, 0.25, ys[i], w, h, text)
        if i + 1 < n:
            _arrow(ax, (0.25, ys[i] - h / 2), (0.25, ys[i + 1] + h / 2))
        if side and i + 1 < n:
            ymid = (ys[i] + ys[i + 1]) / 2
            lines = [f"{reason}: {count:g}" for reason, count in side]
            sh = max(0.07, 0.042 * len(lines) + 0.03)
            _box(ax, 0.74, ymid, 0.46, sh, "\n".join(lines), color="#fbeaea", edge="#8c2d2d")
            _arrow(ax, (0.25, ymid), (0.51, ymid))
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(ys[-1] - 0.12, 1.12)
    ax.axis("off")
    return fig


def path_diagram(loadings: Mapping[str, Sequence[tuple[str, float]]],
                 correlations: Mapping[tuple[str, str], float] | None = None,
                 residuals: Mapping[str, float] | None = None, *,
                 title: str = "", digits: int = 2, row: float = 0.2,
                 weak: float = 0.4) -> Any:
    """A CFA path diagram: factors (ellipses) in the middle, items (boxes) on the right,
    loadings on the arrows, factor correlations as arcs on the left, residual variances
    right of the items. Drawn in inches (one data unit = one inch), ``row`` per item.

    Parameters
    ----------
    loadings : mapping factor -> [(item, standardized loading), ...]
    correlations : mapping (factor, factor) -> correlation, optional
    residuals : mapping item -> standardized residual variance, optional
    weak : float
        Loadings below this (in absolute value) are drawn in red.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Arc, Ellipse, Rectangle

    factors = list(loadings)
    gap = 0.6 * row
    # item heights, top to bottom, and each factor at the middle of its items
    y, item_y, factor_y = 0.0, {}, {}
    for f in factors:
        ys = []
        for item, _ in loadings[f]:
            y -= row
            item_y[(f, item)] = y
            ys.append(y)
        factor_y[f] = (ys[0] + ys[-1]) / 2 if ys else y
        y -= gap
    height = -y + 0.5 + (0.3 if title else 0)
    width = 7.2
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(y - 0.1, 0.4 + (0.3 if title else 0))
    ax.axis("off")
    fx, ew, eh = 3.0, 0.8, 0.42
    bx, bw = 4.9, 1.45
    red, blue = "#b3261e", "#33507a"
    for f in factors:
        ax.add_patch(Ellipse((fx, factor_y[f]), ew, eh, facecolor="#e8eef7",
                             edgecolor=blue, lw=1.1))
        ax.text(fx, factor_y[f], f, ha="center", va="center", fontsize=8.5,
                fontweight="bold", **_PLAIN)
        for item, lam in loadings[f]:
            yi = item_y[(f, item)]
            colour = red if abs(lam) < weak else blue
            ax.add_patch(Rectangle((bx, yi - row * 0.4), bw, row * 0.8, facecolor="white",
                                   edgecolor="0.35", lw=0.7))
            ax.text(bx + bw / 2, yi, item, ha="center", va="center", fontsize=6.3, **_PLAIN)
            ax.annotate("", xy=(bx, yi), xytext=(fx + ew / 2, factor_y[f]),
                        arrowprops={"arrowstyle": "-|>", "lw": 0.6, "color": colour,
                                    "shrinkA": 0, "shrinkB": 0, "mutation_scale": 6})
            ax.text(bx - 0.13, yi + 0.02, f"{lam:.{digits}f}", ha="right", va="center",
                    fontsize=6, color=colour if colour == red else "0.1",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.1})
            if residuals and item in residuals:
                ax.text(bx + bw + 0.08, yi, f"{residuals[item]:.{digits}f}", ha="left",
                        va="center", fontsize=6, color="0.35")
    if residuals:
        ax.text(bx + bw + 0.08, 0.05, "residual", ha="left", va="bottom", fontsize=6,
                color="0.35")
    ax.text(bx - 0.13, 0.05, "loading", ha="right", va="bottom", fontsize=6, color="0.35")
    if correlations:
        left = fx - ew / 2
        span = max(factor_y.values()) - min(factor_y.values()) or 1.0
        for (a, b), r in sorted(correlations.items(),
                                key=lambda kv: -abs(factor_y[kv[0][0]] - factor_y[kv[0][1]])):
            ya, yb = factor_y[a], factor_y[b]
            h = abs(ya - yb)
            w = 0.3 + 2.2 * h / span
            cy = (ya + yb) / 2
            ax.add_patch(Arc((left, cy), w, h, theta1=90, theta2=270, lw=0.6, color="0.5"))
            ax.text(left - w / 2, cy, f"{r:.{digits}f}", ha="center", va="center",
                    fontsize=6, color="0.15",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.3})
    if title:
        ax.text(0.1, 0.45, title, ha="left", va="bottom", fontsize=9, **_PLAIN)
    return fig
