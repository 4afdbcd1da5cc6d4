"""``lospw simulate fieldtest`` and ``lospw simulate population``: the SYNTHETIC field test.

``population`` writes the LOS-PW population model (``population.yaml``) and the key it uses
(``key.yaml``) into a folder; ``fieldtest`` draws a data set from any population model and
writes the CSV with ``<stem>.truth.json`` beside it.
"""

from __future__ import annotations

from pathlib import Path

import click

from lospw.analysis.core.key import load_key
from lospw.analysis.core.outdir import output_files
from lospw.analysis.planning.population import load_population
from lospw.analysis.planning.simulate import SYNTHETIC_NOTE, simulate, write_simulation
from lospw.analysis.planning.simulate_waves import simulate_waves
from lospw.cli.common import console, echo_json, json_option
from lospw.instrument.fieldtest import write_population


@click.command()
@click.option("--population", "population_file", required=True,
              type=click.Path(dir_okay=False),
              help="The population model (YAML; format in analysis/planning/population.py).")
@click.option("--seed", required=True, type=click.IntRange(min=0),
              help="Seed of the random draws (recorded in the truth file).")
@click.option("-n", "n", type=click.IntRange(min=1), default=None,
              help="Sample size (default: the model's n).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The data file to write (.csv); <stem>.truth.json is written beside it.")
@json_option
def fieldtest(population_file: str, seed: int, n: int | None, output: str,
              as_json: bool) -> None:
    """Simulate a SYNTHETIC field test from a written-down population model."""
    pop = load_population(population_file)
    if "waves" in pop.raw:       # later waves of the same respondents (long data)
        sim = simulate_waves(pop, n=n, rng=seed)
    else:
        sim = simulate(pop, n=n, rng=seed)
    out = Path(output)
    truth = out.with_name(out.stem + ".truth.json")
    with output_files([out], unnamed=[truth], inputs=(population_file,),
                      command="simulate fieldtest") as staged:
        written = write_simulation(sim, staged(out), population_path=population_file)
    paths = {k: out.with_name(Path(v).name) for k, v in written.items()}
    d = sim.truth["drawn"]
    summary = {
        "synthetic": True, "note": SYNTHETIC_NOTE, "seed": seed, "n": sim.truth["n"],
        "n_items": len(pop.items), "group_counts": d["group_counts"],
        "n_careless_random": len(d["careless_random_rows"]),
        "n_careless_straightline": len(d["careless_straightline_rows"]),
        "n_empty_rows": len(d["empty_rows"]), "n_blank_cells": d["n_blank_cells"],
        "n_dont_know_cells": d["n_dont_know_cells"],
        "flaws": sim.truth["population"]["flaws"],
        "files": {k: Path(v).name for k, v in paths.items()},
    }
    if "waves" in sim.truth:
        summary["respondents_per_wave"] = sim.truth["waves"]["respondents_per_wave"]
    if as_json:
        echo_json(summary)
        return
    console.print(
        f"SYNTHETIC field test: {summary['n']} respondents x {summary['n_items']} items "
        f"(seed {seed}) -> {output}; true values in {paths['truth'].name}"
    )
    if "respondents_per_wave" in summary:
        console.print("  waves: " + ", ".join(map(str, summary["respondents_per_wave"]))
                      + " respondents (long data: one row per respondent and wave)")
    console.print(f"  planted: {summary['n_careless_random']} random and "
                  f"{summary['n_careless_straightline']} straight-lining respondents, "
                  f"{summary['n_empty_rows']} empty rows; flaws " + "; ".join(
                      f"{k}: {', '.join(v)}" for k, v in summary["flaws"].items() if v))


@click.command()
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False),
              help="A LOS-PW key: the Delphi stage's retained items, or the bank's "
              "(lospw bank key).")
@click.option("--seed", required=True, type=click.IntRange(min=0),
              help="Seed of the item-level draws (recorded in the model).")
@click.option("-n", "n", type=click.IntRange(min=1), default=600, show_default=True,
              help="The model's default sample size.")
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False),
              help="Folder for population.yaml and key.yaml.")
@json_option
def population(key_file: str, seed: int, n: int, outdir: str, as_json: bool) -> None:
    """Write the LOS-PW population model for a key (SYNTHETIC; instrument/fieldtest.py)."""

    key = load_key(key_file)
    folder = Path(outdir)
    files = [folder / "population.yaml", folder / "key.yaml"]
    with output_files([], unnamed=files, inputs=(key_file,),
                      command="simulate population") as staged:
        written = write_population(key, staged(files[0]).parent, seed=seed, n=n,
                                   source=Path(key_file).name)
    paths = {k: folder / Path(v).name for k, v in written.items()}
    pop = load_population(paths["population"])  # read back: the file is checked
    summary = {"synthetic": True, "seed": seed, "n_items": len(pop.items),
               "flaws": pop.flaws(), "files": {k: Path(v).name for k, v in paths.items()}}
    if as_json:
        echo_json(summary)
        return
    console.print(f"SYNTHETIC population model for {len(pop.items)} items (seed {seed}) -> "
                  f"{paths['population']} (key: {paths['key']})")
