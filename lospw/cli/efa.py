"""``lospw efa``: KMO, Bartlett, parallel analysis, MAP, EFA and congruence with the key."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from lospw.analysis.core.key import load_key
from lospw.analysis.efa.efa import CORRELATIONS
from lospw.analysis.efa.efa import efa as compute
from lospw.analysis.efa.extraction import EXTRACTIONS
from lospw.analysis.efa.rotation import ROTATIONS
from lospw.cli.common import console
from lospw.cli.options import Inputs, seed_option, stage_command, treatment


@stage_command(
    click.option("--cor", type=click.Choice(CORRELATIONS), default="pearson", show_default=True,
                 help="Correlations to analyse."),
    click.option("--rotation", type=click.Choice(ROTATIONS), default="oblimin",
                 show_default=True, help="Oblique rotation."),
    click.option("--method", type=click.Choice(EXTRACTIONS), default="minres",
                 show_default=True, help="Factor extraction (psych's fm)."),
    click.option("--nfactors", type=click.IntRange(min=1), default=None,
                 help="Factors to extract [default: the number of scales in the key]."),
    click.option("--n-iter", type=click.IntRange(min=1), default=20, show_default=True,
                 help="Simulated data sets in the parallel analysis."),
    seed_option("Seed of the parallel analysis."),
    key_help="The key file (YAML): the items and the intended structure.",
)
def efa(data: str, key_file: str, cor: str, rotation: str, method: str, nfactors: int | None,
        inputs: Inputs, n_iter: int, seed: int, as_json: bool) -> None:
    """Dimensionality of KEY's items on DATA: KMO, Bartlett's test, parallel analysis
    (factors and components), Velicer's MAP, an oblique EFA and Tucker's congruence of each
    factor with the key's scales. Items are analysed as answered (not reverse-keyed); the
    key's signs enter the congruence."""
    key = load_key(key_file)
    sample = inputs.sample(data, key)
    missing = treatment(inputs.missing_data, "efa")
    res = compute(sample.intake.items, key, nfactors=nfactors, cor=cor, missing=missing,
                  method=method, rotation=rotation, rng=seed, n_iter=n_iter)
    if as_json:
        sample.echo_json(res)
        return
    sample.print_rows("EFA")
    if missing == "listwise":
        console.print(sample.n_used("EFA (listwise)", res.n, missing))
    else:
        console.print(f"EFA: every row used pairwise (effective n = {res.n} of "
                      f"{sample.intake.n_analysed}, the harmonic mean of the pairwise counts)")
    console.print(f"{cor} correlations, missing = [bold]{missing}[/bold]")
    b = res.bartlett
    console.print(f"KMO (MSA) = {res.kmo.msa:.3f}; lowest item MSA "
                  f"{min(res.kmo.msa_items.values()):.3f} "
                  f"({min(res.kmo.msa_items, key=res.kmo.msa_items.get)})")
    pval = "p < .001" if b.pvalue < 0.001 else f"p = {b.pvalue:.3f}"
    console.print(f"Bartlett: chi2 = {b.chisq:.1f}, df = {b.df}, {pval}")
    pa = res.parallel
    console.print(f"Parallel analysis ({pa.n_iter} simulated sets, seed {seed}, "
                  f"{int(pa.quant * 100)}th percentile): {pa.n_factors} factors, "
                  f"{pa.n_components} components")
    console.print(f"Velicer's MAP: minimum at {res.map.n_components} components")
    table = Table("item", *res.loadings.columns, "h2",
                  title=f"{method} {rotation} loadings ({res.nfactors} factors)")
    for item, row in res.loadings.iterrows():
        cells = [(f"[bold]{v:.2f}[/bold]" if abs(v) >= 0.3 else f"{v:.2f}") for v in row]
        table.add_row(str(item), *cells, f"{res.communalities[item]:.2f}")
    console.print(table)
    phi = Table("", *res.phi.columns, title="Factor correlations")
    for f, row in res.phi.iterrows():
        phi.add_row(str(f), *(f"{v:.2f}" for v in row))
    console.print(phi)
    if res.congruence is not None:
        cong = Table("scale", "factor", "Tucker congruence",
                     title=f"Congruence with the key (mean {res.congruence.mean:.3f})")
        for s, v in res.congruence.by_scale.items():
            cong.add_row(s, v["factor"] or "-",
                         "-" if v["congruence"] is None else f"{v['congruence']:.3f}")
        console.print(cong)
    for w in res.warnings:
        console.print(f"[yellow]warning[/yellow]: {escape(str(w))}")
