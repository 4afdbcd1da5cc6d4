"""Long data at intake: one row per respondent and wave (the wave column), read with
``id_within`` so that an id repeated across waves is one person per wave. The first wave is
what the cross-sectional analyses see; later-wave rows go to the exclusion log with the
reason ``later_wave`` (``lospw analyze --wave`` analyses them in its wave stages)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from lospw.analysis.core.errors import InputError
from lospw.analysis.intake.responses import IntakeResult

__all__ = ["first_wave", "first_wave_rows"]


def first_wave_rows(waves: pd.Series) -> list[Any]:
    """Rows of the data NOT in the first wave (numeric order when the waves are numbers;
    rows without a wave count as later).

    >>> first_wave_rows(pd.Series([2, 1, 1, 3], index=[1, 2, 3, 4]))
    [1, 4]
    """
    num = pd.to_numeric(waves, errors="coerce")
    if num.notna().all():
        return list(waves.index[num != num.min()])
    labels = waves.astype(str)
    first = sorted(labels[waves.notna()].unique())[0] if waves.notna().any() else None
    return list(waves.index[(labels != first) | waves.isna()])


def first_wave(res: IntakeResult, column: str, source: str = "the data",
               detail: str = "a later wave; lospw analyze --wave analyses every wave"
               ) -> IntakeResult:
    """The first wave of long data read with ``id_within=column``: later-wave rows move to
    the exclusion log with the reason ``later_wave`` (``lospw analyze --wave`` analyses
    them in its wave stages; ``lospw intake --wave`` and ``lospw scheme --wave`` leave them
    out). ``detail`` is the exclusion log's detail of those rows.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> from lospw.analysis.intake.responses import responses_from_frame
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...                      "scales": {"S": ["a", "b"]}})
    >>> long = pd.DataFrame({"id": [1, 2, 1], "wave": [1, 1, 2], "a": [3, 4, 5],
    ...                      "b": [2, 2, 1]})
    >>> res = first_wave(responses_from_frame(long, key, id_column="id", id_within="wave"),
    ...                  "wave")
    >>> res.n_analysed, res.excluded_by_reason()
    (2, {'later_wave': 1})

    Raises
    ------
    InputError
        When the data have no such column.
    """
    if column not in res.meta.columns:
        others = ", ".join(map(str, res.meta.columns)) or "none"
        raise InputError(f"{source}: no wave column {column!r}; the non-item columns are "
                         f"{others}. Name one of them with --wave.")
    later = first_wave_rows(res.meta[column])
    return res.exclude({int(r): ("later_wave", detail) for r in later})
