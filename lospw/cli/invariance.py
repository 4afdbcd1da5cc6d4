"""``lospw invariance``: configural, metric, scalar and strict invariance across groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.core.options import ESTIMATORS
from lospw.analysis.validation.estimator_rule import RULE, estimator_for_key
from lospw.analysis.validation.invariance import CRITERIA
from lospw.analysis.validation.invariance import measurement_invariance as compute
from lospw.analysis.validation.invariance_groups import choose_groups
from lospw.cli.common import console
from lospw.cli.common import number as _f
from lospw.cli.invariance_waves import decisions_table, fit_columns, run_waves
from lospw.cli.options import Inputs, estimator_option, stage_command, treatment

__all__ = ["group_options", "group_tokens", "invariance"]


def group_options(min_size_help: str, groups_help: str
                  ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options ``--min-group-size`` and ``--invariance-groups`` (of ``lospw invariance``
    and of the invariance stage of ``lospw analyze``), with each command's help."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        func = click.option("--invariance-groups", metavar="G1,G2[+G3]...",
                            help=groups_help)(func)
        return click.option("--min-group-size", type=click.IntRange(min=2), default=50,
                            show_default=True, help=min_size_help)(func)

    return decorate


def group_tokens(text: str | None) -> tuple[str, ...]:
    """The groups of ``--invariance-groups``: comma-separated, blanks stripped.

    Examples
    --------
    >>> group_tokens("lead, member+trainee,"), group_tokens(None)
    (('lead', 'member+trainee'), ())
    """
    return tuple(g.strip() for g in (text or "").split(",") if g.strip())


_SHOWN = {"delta_cfi": "ΔCFI", "delta_rmsea": "ΔRMSEA", "delta_srmr": "ΔSRMR",
          "pvalue": "Δχ² p"}


def _decided(d: dict) -> str:
    """Which changes in fit decided the step, with their cut-offs (Chen's joint rule: one
    to three of them)."""
    cut = d.get("cutoffs", {})
    return " and ".join(f"{_SHOWN.get(k, k)} {_f(d.get(k), 4)} (cut-off {_f(cut.get(k))})"
                        if isinstance(cut.get(k), float) else _SHOWN.get(k, k)
                        for k in d.get("decided_by", []))


@stage_command(
    click.option("--group", "group_col", help="The column that defines the groups."),
    click.option("--wave", help="Long data: the wave column (invariance across waves, then "
                                "latent change); the person from --id."),
    click.option("--wave-suffix", help="Wide data: WAVE=SUFFIX pairs of the item columns, e.g. "
                                       "'1=_1,2=_2' (invariance across waves)."),
    estimator_option("Estimator of every step; WLSMV uses Wu & Estabrook's (2016) steps "
                     "[default: MLR when the items have 5 or more categories, else WLSMV].",
                     ESTIMATORS),
    click.option("--criterion", type=click.Choice(CRITERIA), default="chen2007",
                 show_default=True, help="The rule that judges each step (see the docs)."),
    click.option("--max-free", type=click.IntRange(min=0), default=5, show_default=True,
                 help="At most this many parameters freed per step by the partial search."),
    click.option("--no-search", is_flag=True, help="Do not search for partial invariance."),
    group_options("Smaller groups are left out (named in a warning); with fewer than two groups "
                  "left the steps are not estimable.",
                  "The groups of --group compared, comma-separated; join levels with + to compare "
                  "them as one group (default: every level)."),
    click.option("--top-scores", type=click.IntRange(min=0), default=5, show_default=True,
                 help="List this many largest score tests per step (0: skip; they take time)."),
)
def invariance(data: str, key_file: str, group_col: str | None, wave: str | None,
               wave_suffix: str | None, estimator: str | None,
               inputs: Inputs, criterion: str, max_free: int, no_search: bool,
               min_group_size: int, invariance_groups: str | None, top_scores: int,
               as_json: bool) -> None:
    """Measurement invariance of KEY's scales across the groups in column --group of DATA:
    configural, metric (loadings), scalar (+ intercepts) and strict (+ residuals) multi-group
    CFA (with --estimator WLSMV Wu & Estabrook's steps for ordered items: configural,
    thresholds, metric, scalar, strict), chi-square difference tests, Chen (2007) / Cheung &
    Rensvold (2002) decisions and a partial-invariance search that frees the constraint with
    the largest score test. With --wave/--id (long data) or --wave-suffix (wide data):
    invariance across waves (each item's residuals correlated across waves) and the latent
    change per scale under scalar invariance."""
    key = load_key(key_file)
    if (wave or wave_suffix) and group_col:
        raise InputError("Give --group (groups) or --wave/--wave-suffix (waves), not both.")
    if wave or wave_suffix:
        run_waves(data, key, wave, wave_suffix, estimator, inputs, criterion, max_free,
                  not no_search, as_json)
        return
    if group_col is None:
        raise InputError("Name the groups (--group COL) or the waves (--wave COL with --id, or "
                         "--wave-suffix for wide data).")
    sample = inputs.sample(data, key)
    intake = sample.intake
    if group_col not in intake.meta.columns:
        cols = [c for c in intake.meta.columns]
        raise InputError(f"{data}: no group column {group_col!r}; the non-item columns are "
                         f"{', '.join(map(str, cols)) or 'none'}. Name one of them with --group.")
    rule = ""
    if estimator is None:
        estimator, rule = estimator_for_key(key), RULE
    missing = treatment(inputs.missing_data, "cfa", estimator)
    chosen = group_tokens(invariance_groups)
    if invariance_groups is not None:
        parts = [p.strip() for v in chosen for p in v.split("+")]
        if len(chosen) < 2 or "" in parts or len(set(parts)) != len(parts):
            raise InputError("--invariance-groups must name two or more groups, each level "
                             "once (join levels with '+' to compare them as one group), e.g. "
                             "'lead,member+trainee'.")
        present = set(intake.meta[group_col].dropna().astype(str))
        absent = [p for p in parts if p not in present]
        if absent:
            raise InputError(f"{data}: --invariance-groups names group(s) {', '.join(absent)} "
                             f"that column {group_col!r} does not have; its groups are "
                             f"{', '.join(sorted(present))}.")
    groups, said = choose_groups(intake.meta[group_col], invariance_groups=chosen,
                                 min_group_size=min_group_size, n_items=key.n_items)
    res = compute(intake.items, groups, key, estimator=estimator,
                  missing=missing, criterion=criterion, search=not no_search,
                  max_free=max_free, min_group_size=min_group_size, top_scores=top_scores,
                  group_name=group_col)
    if as_json:
        sample.echo_json(res, estimator=estimator, **({"estimator_rule": rule} if rule else {}),
                         group_warnings=[w.to_dict() for w in said])
        return
    sample.print_rows("Measurement invariance")
    n_in = int(sum(res.group_sizes.values()))
    console.print(sample.n_used(f"invariance ({estimator}, {missing})", n_in, missing,
                                "--invariance-groups (merging groups) or a group for every "
                                "row"))
    for w in map(str, said):
        console.print(f"[yellow]warning[/yellow]: {escape(w)}")
    sizes = ", ".join(f"{k} {v}" for k, v in res.group_sizes.items())
    console.print(f"[bold]Measurement invariance[/bold] of {key.instrument} across "
                  f"{group_col} ({sizes}); estimator {estimator}"
                  + (f" ({rule})" if rule else "") + f", missing = {missing}, "
                  f"criterion {criterion}")
    cfi, rmsea = fit_columns(estimator)
    table = Table("model", "chisq", "df", cfi, rmsea, "srmr", "freed", title="Steps")
    for s in res.steps:
        if not s["estimable"]:
            table.add_row(s["model"], "not estimable", "", "", "", "", "")
            continue
        f = s["fit"]
        table.add_row(s["model"] + ("" if s["converged"] else " (not converged)"),
                      _f(f.get("chisq")), _f(f.get("df"), 0), _f(f.get(cfi)), _f(f.get(rmsea)),
                      _f(f.get("srmr")), ", ".join(s["group_partial"]))
    console.print(table)
    console.print(decisions_table(res.decisions, criterion))
    for d in res.decisions:
        if d.get("decided_by"):
            console.print(f"{d['step']}: {d['verdict']}, decided by {_decided(d)}; ΔCFI "
                          f"alone ({_f(d.get('delta_cfi'), 4)} vs -0.010): "
                          f"{d['delta_cfi_alone']}")
    for s in res.steps:
        if s.get("score_tests"):
            top = "; ".join(f"{t['parameter']} ({t['X2']:.2f})" for t in s["score_tests"][:3])
            console.print(f"{s['model']}: largest score tests {top}; flagged (Bonferroni): "
                          f"{', '.join(s['flagged']) or 'none'}")
    for p in res.partial:
        freed = "; ".join(f"{f['parameter']} (X2 = {f['X2']:.2f})" for f in p["freed"])
        console.print(f"partial {p['step']}: freed {freed or 'nothing'} -> {p['stopped']}")
    console.print(f"highest level: [bold]{res.highest_level or 'none'}[/bold]")
    for w in res.warnings:
        console.print(f"[yellow]warning[/yellow]: {escape(str(w))}")
