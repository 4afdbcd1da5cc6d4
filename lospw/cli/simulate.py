"""``lospw simulate``: synthetic demo data from a stated population model.

Each kind of simulation has its own module (``simulate_delphi``, ``simulate_fieldtest``),
registered here lazily.
"""

from __future__ import annotations

import click

from lospw.cli import LazyGroup

SUBCOMMANDS = {
    "delphi": ("lospw.cli.simulate_delphi", "delphi",
               "A synthetic Delphi panel (ratings per round)."),
    "fieldtest": ("lospw.cli.simulate_fieldtest", "fieldtest",
                  "A synthetic field test from a population model."),
    "population": ("lospw.cli.simulate_fieldtest", "population",
                   "The LOS-PW population model (YAML) for a key."),
}


@click.group(cls=LazyGroup, registry=SUBCOMMANDS)
def simulate() -> None:
    """Simulate synthetic demo data from a written-down population model (labelled
    synthetic wherever it appears)."""
