"""``lospw scheme``: derive a scoring scheme (norms, reliability, SEM) from a norm sample."""

from __future__ import annotations

import warnings

import click
from rich.markup import escape
from rich.table import Table

from lospw.analysis.core.errors import InputError, LospwWarning
from lospw.analysis.core.key import load_key
from lospw.analysis.core.outdir import output_files
from lospw.analysis.scoring.derive import COEFFICIENTS, derive_scheme
from lospw.analysis.scoring.scheme_io import save_scheme, scheme_to_dict
from lospw.analysis.scoring.scores import MissingRule
from lospw.cli.common import console, echo_json, require_complete_input
from lospw.cli.options import Inputs, intake_block, stage_command, wave_option


def _seeds(values: tuple[str, ...]) -> dict[str, int]:
    out = {}
    for v in values:
        name, _, num = v.partition("=")
        if not name or not num.strip().isdigit():
            raise InputError(f"--seed must look like NAME=NUMBER (e.g. fieldtest=20240501); "
                             f"got {v!r}.")
        out[name.strip()] = int(num)
    return out


@stage_command(
    click.option("-o", "--out", "out_file", required=True, type=click.Path(dir_okay=False),
                 help="The scheme file to write (JSON)."),
    click.option("--group", help="Column with the norm groups (e.g. stakeholder group)."),
    click.option("--min-group-n", type=click.IntRange(min=2), default=30, show_default=True,
                 help="Smallest group that gets norms of its own."),
    click.option("--coefficient", type=click.Choice(COEFFICIENTS), default="alpha",
                 show_default=True, help="Reliability coefficient behind the SEM."),
    click.option("--min-fraction", type=click.FloatRange(0, 1), default=2 / 3,
                 show_default="2/3", help="Share of a scale's items a score needs."),
    click.option("--estimator", help="Estimator of the validation that chose the structure."),
    click.option("--synthetic", is_flag=True, help="The norm data are simulated (demo)."),
    click.option("--seed", "seeds", multiple=True, help="NAME=NUMBER of a run behind the data."),
    click.option("--label", default="", help="A note shown wherever the scheme is used."),
    wave_option,
    key_help="The key file (YAML) of the validated instrument.",
)
def scheme(data: str, key_file: str, out_file: str, group: str | None, min_group_n: int,
           coefficient: str, min_fraction: float, estimator: str | None, synthetic: bool,
           seeds: tuple[str, ...], label: str, wave: str | None, inputs: Inputs,
           as_json: bool) -> None:
    """Derive a scoring scheme from DATA (the norm sample) and KEY: scales, keyed items,
    missing-items rule, reliability and SEM per scale, norms overall and per --group,
    interpretation bands and provenance. 'lospw score DATA --scheme OUT' then scores new
    data with it."""
    require_complete_input(key_file)
    key = load_key(key_file)
    intake, _ = inputs.load(data, key, wave=wave)
    if synthetic and not label:
        label = (f"DEMO scheme: norms from SYNTHETIC data ({intake.source.split('/')[-1]}); "
                 "not for interpreting real respondents.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LospwWarning)
        s = derive_scheme(intake, key, group=group, min_group_n=min_group_n,
                          reliability_coefficient=coefficient, rule=MissingRule(min_fraction),
                          estimator=estimator, synthetic=synthetic, seeds=_seeds(seeds),
                          label=label)
    notes = [w.message.note for w in caught if isinstance(w.message, LospwWarning)]
    with output_files([out_file], inputs=(data, key_file)):
        path = save_scheme(s, out_file)
    d = scheme_to_dict(s)
    if as_json:
        echo_json({"written": path.as_posix(), "warnings": [n.to_dict() for n in notes], "scheme": d,
                   "intake": intake_block(intake)})
        return
    console.print(f"[bold]Scoring scheme[/bold] for {key.instrument} from {data} "
                  f"({intake.n_analysed} analysed of {intake.n_read}): {path.as_posix()}")
    if label:
        console.print(label)
    t = Table("scale", "items", "needed", "n norm", "mean", "SD", coefficient, "SEM")
    for name, sc in d["scales"].items():
        t.add_row(name, str(sc["n_items"]), str(sc["min_answered"]),
                  str(d["norms"]["overall"][name]["n"]), f"{sc['norm_mean']:.2f}",
                  f"{sc['norm_sd']:.2f}", f"{sc['reliability']:.3f}", f"{sc['sem']:.3f}")
    console.print(t)
    for n in notes:
        console.print(f"[yellow]warning[/yellow]: {escape(n.message)}")
    if group:
        kept = ", ".join(d["norms"]["groups"]) or "none"
        console.print(f"group norms by {group}: {kept} (groups under {min_group_n} have none)")
