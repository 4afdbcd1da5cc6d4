"""``lospw simulate``: synthetic demo data from a stated population model.

Each kind of simulation has its own module (``simulate_delphi``, ``simulate_fieldtest``),
registered here lazily.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

SUBCOMMANDS = {
    "delphi": ("lospw.cli.simulate_delphi", "delphi",
               "A synthetic Delphi panel (ratings per round)."),
    "fieldtest": ("lospw.cli.simulate_fieldtest", "fieldtest",
                  "A synthetic field test from a population model."),
    "population": ("lospw.cli.simulate_fieldtest", "population",
                   "The LOS-PW population model (YAML) for a key."),
}


class _Lazy(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [n for n, (m, _, _) in SUBCOMMANDS.items() if importlib.util.find_spec(m)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        entry = SUBCOMMANDS.get(name)
        if entry is None or importlib.util.find_spec(entry[0]) is None:
            return None
        return getattr(importlib.import_module(entry[0]), entry[1])


@click.group(cls=_Lazy)
def simulate() -> None:
    """Simulate synthetic demo data from a written-down population model (labelled
    synthetic wherever it appears)."""
