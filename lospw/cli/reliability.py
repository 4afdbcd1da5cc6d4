"""``lospw reliability``: alpha, omega and item statistics per scale."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from lospw.analysis.classical.polychoric import CONVENTIONS
from lospw.analysis.classical.reliability import CI_METHODS
from lospw.analysis.classical.reliability import reliability as compute
from lospw.analysis.core.key import load_key
from lospw.analysis.core.options import ESTIMATORS
from lospw.analysis.validation.model_reliability import BIFACTOR_METHODS, with_model_reliability
from lospw.cli.common import console
from lospw.cli.common import number as _f
from lospw.cli.options import Inputs, estimator_option, seed_option, stage_command, treatment


@stage_command(
    click.option("--ci", type=click.Choice(CI_METHODS), default="feldt", show_default=True,
                 help="Confidence interval of alpha."),
    click.option("--n-boot", type=click.IntRange(min=50), default=1000, show_default=True,
                 help="Bootstrap resamples (with --ci bootstrap)."),
    seed_option("Seed of the bootstrap."),
    click.option("--polychoric", type=click.Choice(CONVENTIONS), default="lavaan",
                 show_default=True,
                 help="Polychoric convention of ordinal alpha: lavaan (lavCor: item thresholds, "
                      "no correction) or psych (psych::polychoric: per-pair thresholds and .5 "
                      "for empty cells when the items' response ranges differ)."),
    click.option("--bifactor", is_flag=True,
                 help="Add the bifactor indices of a general factor over all scales: omega "
                      "hierarchical, omega_hs, ECV, PUC, H, FD."),
    click.option("--bifactor-method", type=click.Choice(BIFACTOR_METHODS), default="cfa",
                 show_default=True,
                 help="cfa: fit the bifactor model (Rodriguez, Reise & Haviland, 2016); "
                      "schmid_leiman: psych::omega's exploratory solution."),
    estimator_option("Estimator of the bifactor CFA [default: WLSMV for items with at most 7 "
                     "categories, as `lospw cfa`, else ML].", ESTIMATORS, case_sensitive=False),
)
def reliability(data: str, key_file: str, inputs: Inputs, ci: str, n_boot: int, seed: int,
                polychoric: str, bifactor: bool, bifactor_method: str, estimator: str | None,
                as_json: bool) -> None:
    """Reliability of every scale of KEY on DATA: Cronbach's alpha with its CI, standardised
    and ordinal alpha, McDonald's omega, categorical omega of ordinal items (Green & Yang,
    2009), item-rest correlations, alpha and omega if an item is deleted, and the standard
    error of measurement; with --bifactor the bifactor indices. Reverse-keyed items are
    reversed."""
    key = load_key(key_file)
    sample = inputs.sample(data, key)
    missing = treatment(inputs.missing_data, "reliability")
    res = compute(sample.intake.items, key, missing=missing, ci=ci, n_boot=n_boot, rng=seed,
                  polychoric=polychoric)
    res = with_model_reliability(res, sample.intake.items, key,
                                 bifactor=bifactor_method if bifactor else None,
                                 estimator=estimator.upper() if estimator else None)
    if as_json:
        sample.echo_json(res)
        return
    sample.print_rows("Reliability")
    for name, sc in res.scales.items():
        console.print(sample.n_used(f"alpha of {name} ({missing})", sc.n, missing))
    console.print(
        f"missing = [bold]{missing}[/bold]; {int(res.ci_level * 100)}% CI: {ci}"
        + (f" ({n_boot} resamples, seed {seed})" if ci == "bootstrap" else "")
        + f"; ordinal alpha: {polychoric} polychorics"
    )
    table = Table("scale", "k", "n", "alpha", "CI", "alpha std", "alpha ord", "omega",
                  "omega ord", "SD", "SEM", title=f"Scales (missing = {missing})")
    for name, s in res.scales.items():
        lo, hi = s.alpha_ci if s.alpha_ci is not None else (None, None)
        table.add_row(name, str(len(s.items)), str(s.n), _f(s.alpha),
                      f"{_f(lo)}-{_f(hi)}" if lo is not None else "-", _f(s.alpha_std),
                      _f(s.alpha_ordinal), _f(s.omega), _f(s.omega_ordinal), _f(s.sd),
                      _f(s.sem))
    console.print(table)
    if res.bifactor is not None:
        _print_bifactor(res.bifactor)
    items = Table("scale", "item", "key", "n", "item-rest r", "alpha if deleted",
                  "omega if deleted", title="Items (keyed)")
    for name, s in res.scales.items():
        for it in s.items:
            items.add_row(name, it.item, "-" if it.sign < 0 else "+", str(it.n),
                          _f(it.item_rest), _f(it.alpha_if_deleted), _f(it.omega_if_deleted))
    console.print(items)
    if missing == "pairwise":
        console.print("pairwise: the Feldt CI uses the harmonic mean of the pairwise counts "
                      "as n (column n_ci in --json).")
    for w in res.warnings:
        console.print(f"[yellow]warning[/yellow]: {escape(str(w))}")


def _print_bifactor(b: dict) -> None:
    how = ("Schmid-Leiman (psych::omega)" if b["method"] == "schmid_leiman" else
           f"bifactor CFA, {b['estimator']}")
    if b.get("omega_h") is None:
        console.print(f"[yellow]Bifactor ({how}): no indices[/yellow] "
                      f"({escape('; '.join(w['message'] for w in b.get('warnings', [])) or 'not converged')}).")
        return
    console.print(f"[bold]Bifactor[/bold] ({how}, N = {b['n']}): omega_h {_f(b['omega_h'])}, "
                  f"omega total {_f(b['omega_total'])}, ECV {_f(b['ecv'])}, PUC "
                  f"{_f(b['puc'])}, H {_f(b['h'].get('general'))}, FD "
                  f"{_f(b['fd'].get('general'))}")
    table = Table("scale", "omega_s", "omega_hs", "ECV (scale)", "H", "FD",
                  title="Specific factors")
    for s in b["omega_s"]:
        table.add_row(escape(s), _f(b["omega_s"][s]), _f(b["omega_hs"][s]),
                      _f(b["ecv_ss"].get(s)), _f(b["h"].get(s)), _f(b["fd"].get(s)))
    console.print(table)
    for w in b.get("warnings", []):
        console.print(f"[yellow]warning[/yellow] {escape(w['code'])}: {escape(w['message'])}")
    for n in b.get("notes", []):
        console.print(f"[yellow]note[/yellow]: {escape(n)}")
