"""The options of ``lospw cfa --dynamic`` (McNeish & Wolf's dynamic fit cutoffs).

Only the options: the cutoffs are computed and printed by :mod:`lospw.cli.dynamic`, which
imports the planning code and is loaded only when ``--dynamic`` is given
(:func:`lospw.cli.load_part`).
"""

from __future__ import annotations

from typing import Any

import click

from lospw.cli.options import seed_option
from lospw.cli.workers import worker_options

__all__ = ["dynamic_options"]


def dynamic_options(func: Any) -> Any:
    """The options of the dynamic cutoffs (``--dynamic --reps --seed --jobs --scheduler``)."""
    options = [
        click.option("--dynamic", is_flag=True,
                     help="Dynamic fit cutoffs (McNeish & Wolf, 2023): simulate the fitted "
                          "model and its misspecified versions at the observed N."),
        click.option("--reps", type=click.IntRange(min=10), default=500, show_default=True,
                     help="With --dynamic: replications per population."),
        seed_option("With --dynamic: root seed of the replications."),
        worker_options("With --dynamic: local worker processes [default: 1].",
                       "With --dynamic: a Dask scheduler's address (tcp://host:8786)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func
