"""``lospw example NAME -o DIR``: copy an example instrument that ships with lospw."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from lospw.analysis.core.outdir import output_folder
from lospw.cli.common import console, display_path

#: The example instruments shipped in lospw/examples/ (name -> what it is).
EXAMPLES = {"teamwork": "TCQ-15, the fictitious Teamwork Climate Questionnaire: its key and "
                        "SYNTHETIC responses as CSV, LimeSurvey, SPSS and Excel exports"}
_ROOT = Path(__file__).resolve().parents[1] / "examples"


@click.command()
@click.argument("name", type=click.Choice(sorted(EXAMPLES)))
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder to copy the example into (new or empty).")
def example(name: str, out: str) -> None:
    """Copy the example instrument NAME (its key, data exports and README) into OUT.

    teamwork: TCQ-15, a fictitious 15-item questionnaire with SYNTHETIC responses; the
    README's walkthrough "Validate your own instrument" starts from it.
    """
    src = _ROOT / name
    with output_folder(out, command="example") as tmp:
        for f in sorted(src.iterdir()):
            if f.is_file() and not f.name.startswith((".", "__")):
                shutil.copyfile(f, tmp / f.name)
    console.print(f"Example {name} ({EXAMPLES[name]}) copied to {display_path(out)}; "
                  f"see {display_path(Path(out) / 'README.md')}.", markup=False)
