"""``lospw simulate delphi``: a SYNTHETIC Delphi panel rating the bank's items."""

from __future__ import annotations

import click

from lospw.analysis.core.outdir import legacy_layout, output_folder
from lospw.cli.common import console, display_path, echo_json, json_option
from lospw.instrument.bank import DEFAULT_BANK_DIR, load_bank
from lospw.instrument.delphi.simulate import (
    DEMO_RATERS_PER_ITEM,
    ItemSpec,
    PanelModel,
    simulate_panel,
    write_panel,
)

# A panel written before output records (instrument/delphi/simulate.py: write_panel).
LEGACY_PANEL = legacy_layout("truth/item_truth.csv", [
    "README.md", "population.yaml", "synthetic_ratings_round*.csv", "truth/item_truth.csv",
    "truth/panelists.csv"])


@click.command("delphi")
@click.option("--seed", type=int, required=True, help="Seed of the random numbers (recorded).")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for the ratings, population.yaml and README (e.g. "
                   "data/raw/delphi).")
@click.option("--bank", "bank_dir", type=click.Path(file_okay=False), default=None,
              help="Item bank directory (default: the bank shipped with lospw).")
@json_option
def delphi(seed: int, out_dir: str, bank_dir: str | None, as_json: bool) -> None:
    """Simulate a SYNTHETIC Delphi panel (24 panelists in the bank's stakeholder groups,
    each rating a subset: the items their group answers or, for the content experts, any
    item; 10 raters per item) rating the bank's items that are not dropped round by round
    under the default decision rules, and write one ratings CSV per round with the panel,
    the round-1 rating form, the population model and a README."""

    bank = load_bank(bank_dir or DEFAULT_BANK_DIR)
    items = [ItemSpec(it.id, it.element, it.aspect, it.keyed, it.groups)
             for it in bank.items if it.status != "dropped"]
    panel = simulate_panel(items, seed, PanelModel(raters_per_item=DEMO_RATERS_PER_ITEM))
    command = f"lospw simulate delphi --seed {seed} -o {display_path(out_dir)}"
    if bank_dir:
        command += f" --bank {display_path(bank_dir)}"
    with output_folder(out_dir, command="simulate delphi", legacy=LEGACY_PANEL,
                       inputs=(bank_dir,)) as folder:
        files = [p.relative_to(folder) for p in write_panel(panel, folder, command)]
    if as_json:
        echo_json({"synthetic": True, "seed": seed, "rounds": list(panel.log),
                   "files": sorted(p.as_posix() for p in files)})
        return
    console.print(f"[bold]SYNTHETIC[/bold] Delphi panel, seed {seed}: "
                  f"{len(panel.panelists)} panelists, {len(items)} items.")
    for r in panel.log:
        console.print(f"round {r['round']}: {r['n_panelists']} panelists rated "
                      f"{r['n_items']} item(s): keep {r['keep']}, revise {r['revise']}, drop "
                      f"{r['drop']}; {r['verdict_reason']}")
    console.print(f"wrote {len(files)} files to {out_dir}.")
