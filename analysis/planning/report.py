"""Artifacts of a sample-size plan: tables (CSV, JSON) and a figure (PNG, SVG).

:func:`write_plan` writes into one folder

* ``plan.json``: everything (configuration with the seed and the seed rule, population file
  name and SHA-256, criteria, the per-N summary, the loadings table, population values,
  the recommendation and notes on what is compared);
* ``plan_summary.csv``: one row per N; ``plan_loadings.csv``: one row per N and loading;
  ``plan_replications.csv``: one row per replication;
* ``plan.png`` / ``plan.svg``: the criteria against N (matplotlib Agg; fixed SVG hash salt,
  no dates, so the same plan gives the same bytes; drawn side by side with ``jobs`` >= 2).

Nothing here depends on how the replications were computed (workers, cluster), so the same
plan gives byte-identical files however it was run.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from lospw.analysis.core.artifacts import write_csv, write_json
from lospw.analysis.core.parallel import local_start, run_tasks

__all__ = ["load_plotting", "plan_figure", "write_plan"]

# text.parse_math off: a '$' in a group or scale name is drawn as typed (mathtext would
# render it, or fail on '$^$'; issue 17)
_RC = {"svg.hashsalt": "lospw", "svg.fonttype": "path", "font.size": 8,
       "font.family": "DejaVu Sans", "path.simplify": True, "text.parse_math": False}


def load_plotting() -> None:
    """Import what :func:`write_plan` draws with (matplotlib's figure and its PNG and SVG
    back-ends, about 0.4 s), e.g. while a plan's workers compute."""
    import matplotlib.figure  # noqa: F401
    from matplotlib.backends import backend_agg, backend_svg  # noqa: F401


def plan_figure(result: Any):
    """The figure of a plan (a ``matplotlib.figure.Figure``): one panel per criterion."""
    from matplotlib.figure import Figure

    s = result.summary
    crit = result.config["criteria"]
    ns = s["n"].to_numpy(float)
    rec = result.recommended.get("n")
    fig = Figure(figsize=(9.6, 6.0), dpi=100)
    axes = fig.subplots(2, 3).ravel()

    def panel(ax, title: str, ylim=(0, 1.02)) -> None:
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("N")
        ax.set_xticks(ns)
        ax.set_xticklabels([str(int(n)) for n in ns])
        ax.set_ylim(*ylim)
        ax.grid(alpha=0.3)
        if rec is not None:
            ax.axvline(rec, color="0.4", lw=1, ls=":")

    ax = axes[0]
    ax.plot(ns, s["converged"], "o-", label="converged")
    ax.plot(ns, s["proper"], "s-", label="proper")
    ax.plot(ns, s["alt_converged"], "^--", label="alternative converged", alpha=0.7)
    ax.axhline(crit["convergence"], color="tab:red", lw=0.8, ls="--")
    panel(ax, "Convergence and proper solutions")
    ax.legend(fontsize=7, loc="lower right")
    ax = axes[1]
    for name in ("cfi", "tli", "rmsea", "srmr"):
        ax.plot(ns, s[f"fit_{name}"], "o-", label=name.upper(), ms=3)
    ax.plot(ns, s["fit_all"], "k-", lw=2, label="all four")
    panel(ax, "Share meeting fit cut-offs")
    ax.legend(fontsize=7, loc="lower right")
    ax = axes[2]
    ax.plot(ns, s["power"], "o-", label="Monte Carlo")
    if np.isfinite(s["power_normal_theory"].to_numpy(float)).any():
        ax.plot(ns, s["power_normal_theory"], "x:", label="normal theory")
    ax.axhline(crit["power"], color="tab:red", lw=0.8, ls="--")
    panel(ax, f"Power: χ² difference vs {result.config['alternative']['name']}")
    ax.legend(fontsize=7, loc="lower right")
    ax = axes[3]
    lo, hi = crit["coverage"]
    ax.axhspan(lo, hi, color="tab:green", alpha=0.12)
    ax.plot(ns, s["coverage_mean"], "o-", label="mean")
    ax.fill_between(ns, s["coverage_min"], s["coverage_max"], alpha=0.25, label="min-max")
    low = np.nanmin(np.r_[s["coverage_min"].to_numpy(float), lo])
    panel(ax, "95% CI coverage of loadings (free)", ylim=(min(0.8, low - 0.02), 1.005))
    ax.legend(fontsize=7, loc="lower right")
    ax = axes[4]
    ax.plot(ns, s["rel_bias_std_max"], "o-", label="max |rel. bias|")
    ax.plot(ns, s["rel_bias_std_mean"], "s-", label="mean |rel. bias|")
    ax.axhline(crit["relative_bias"], color="tab:red", lw=0.8, ls="--")
    top = np.nanmax(np.r_[s["rel_bias_std_max"].to_numpy(float), crit["relative_bias"]])
    panel(ax, "Relative bias of std. loadings", ylim=(0, 1.15 * top))
    ax.legend(fontsize=7, loc="upper right")
    ax = axes[5]
    ax.axis("off")
    pop = result.config["population"]
    lines = [f"estimator {result.config['estimator']}, {result.config['reps']} "
             f"replications per N, seed {result.config['seed']}",
             f"population: {pop.get('file', '(in memory)')}, {pop['n_items']} items",
             f"alternative: {result.config['alternative']['name']}"]
    if rec is not None:
        lines += [f"recommended N = {rec}", f"collect N = {result.recommended['n_collect']} "
                  f"(unusable share {result.recommended['unusable_share']:.3f})"]
    else:
        lines += ["no recommended N:", *textwrap.wrap(result.recommended["reason"], 48)]
    lines += ["", "SYNTHETIC: replications simulated", "from a written-down population model"]
    ax.text(0.0, 1.0, "\n".join(lines), va="top", ha="left", fontsize=8, transform=ax.transAxes)
    fig.suptitle("Monte Carlo sample-size plan (SYNTHETIC population model)", fontsize=10)
    fig.tight_layout()
    return fig


def write_plan(result: Any, folder: str | Path, *, jobs: int = 1) -> list[Path]:
    """Write the plan's tables and figure into ``folder``; returns the paths (sorted).

    With ``jobs`` >= 2 where workers are forked (:func:`lospw.analysis.core.parallel.
    local_start`), two copies of this process draw the PNG and the SVG at the same time
    while this one writes the tables; the bytes are the same either way.
    """
    import matplotlib

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / "plan.png", folder / "plan.svg"
    with matplotlib.rc_context(_RC):
        fig = plan_figure(result)
        figures = [("png", png), ("svg", svg)]
        if jobs > 1 and local_start() == "fork":
            paths: list[Path] = []
            run_tasks(_save_figure, figures, shared=fig, jobs=2,
                      meanwhile=lambda: paths.extend(_write_tables(result, folder)))
        else:
            paths = _write_tables(result, folder)
            for fmt, path in figures:
                _save_figure(fig, fmt, path)
    return sorted([*paths, png, svg])


#: Metadata left out of the figures, so that the same plan gives the same bytes.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


def _save_figure(fig: Any, fmt: str, path: Path) -> Path:
    fig.savefig(path, format=fmt, metadata=_METADATA[fmt])
    return path


def _write_tables(result: Any, folder: Path) -> list[Path]:
    return [write_json(result.to_dict(), folder / "plan.json"),
            write_csv(result.summary, folder / "plan_summary.csv"),
            write_csv(result.loadings, folder / "plan_loadings.csv"),
            write_csv(result.replications, folder / "plan_replications.csv")]
