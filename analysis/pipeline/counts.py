"""How many rows each stage of ``lospw analyze`` used: one line per stage for the terminal
and the manifest (``n_used``), with a note when a stage used fewer than 90% of the analysed
rows, naming the option that would keep them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LOW_SHARE", "stage_count"]

#: A stage that uses fewer than this share of the analysed rows says so.
LOW_SHARE = 0.90


def _n(n: float, total: int, fix: str | None) -> str:
    text = f"n = {n:.0f} of {total}" if float(n).is_integer() else f"n = {n:.1f} of {total}"
    if total and n < LOW_SHARE * total:
        text += f" ({n / total:.0%}, fewer than {LOW_SHARE:.0%}"
        text += f"; {fix} keeps them)" if fix else ")"
    return text


def _fix(ctx: Any, kind: str) -> str | None:
    o = ctx.options
    if o.missing == "listwise":
        return "--missing-data available"
    return None


def _analysed(ctx: Any) -> int:
    if "screening" in ctx.results:
        return ctx.results["screening"][0].n_analysed
    return ctx.results["intake"].n_analysed


def stage_count(name: str, result: Any, ctx: Any) -> str | None:
    """The rows a finished stage used, as one line (None when it does not apply)."""
    if name == "intake":
        return f"rows read {result.n_read}, rows analysed {result.n_analysed}"
    if name == "screening":
        data, scr = result
        flagged = getattr(scr, "n_flagged_any", None)
        return (f"rows analysed {data.n_analysed}"
                + (f" ({flagged} flagged)" if flagged is not None else ""))
    total = _analysed(ctx)
    if name == "reliability":
        return "; ".join(f"{s} {_n(sc.n, total, _fix(ctx, 'rel'))}"
                         for s, sc in result.scales.items())
    if name == "items":
        return "; ".join(f"{s} {_n(sc.n_inter_item, total, _fix(ctx, 'rel'))}"
                         for s, sc in result.scales.items())
    if name == "dimensionality":
        n = getattr(result, "n", None)
        if n is None:
            return None
        if ctx.options.missing != "listwise":
            return (f"EFA: every row used pairwise (effective n = {n}, the harmonic mean of "
                    "the pairwise counts)")
        return f"EFA {_n(n, total, _fix(ctx, 'efa'))}"
    if name == "cfa":
        fits = getattr(result, "fits", {}) or {}
        ns = {getattr(r, "n_obs", None) for r in fits.values()} - {None}
        if not ns:
            return None
        return f"CFA {_n(min(ns), total, _fix(ctx, 'cfa'))}"
    if name == "invariance":
        sizes = result.result.group_sizes
        return (f"{_n(sum(sizes.values()), total, _fix(ctx, 'cfa'))} in groups "
                + ", ".join(f"{g} {n}" for g, n in sizes.items()))
    if name == "validity":
        n = getattr(result, "n_obs", None)
        return None if n is None else f"CFA {_n(n, total, _fix(ctx, 'cfa'))}"
    return None
