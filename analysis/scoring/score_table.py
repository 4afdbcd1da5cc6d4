"""The scores table: every input row, in input order, with its scores or the reason it has none.

Rows the intake analysed carry their scores (or, per scale, ``too_few_items``); rows the
intake excluded carry empty scores and the intake's exclusion reason in every
``<scale>_reason`` column. The respondent id column comes first; without one, a ``row``
column (1-based data row of the input, header not counted) links back to the input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lospw.analysis.core.errors import InputError
from lospw.analysis.intake.responses import IntakeResult
from lospw.analysis.scoring.scores import ScoreResult, check_score_columns

__all__ = ["output_table"]

def output_table(result: ScoreResult, intake: IntakeResult, *, id_column: str | None = None,
                 keep: Sequence[str] = ()) -> pd.DataFrame:
    """Scores of the analysed rows merged back into every input row, in input order.

    Parameters
    ----------
    result : ScoreResult
        Scores of ``intake.items`` (same index).
    intake : IntakeResult
    id_column : str, optional
        Kept as the first column.
    keep : sequence of str
        Other columns of ``intake.meta`` to keep (e.g. the ``--by`` column), after the id.

    Returns
    -------
    DataFrame
        ``intake.n_read`` rows, indexed by the 1-based input row.

    Raises
    ------
    InputError
        Two columns would have the same name (:func:`~lospw.analysis.scoring.scores.check_score_columns`).
    """
    if id_column is None and "row" in keep:
        raise InputError("The data has a column named 'row', the scores table's link to the "
                         "input rows when there is no respondent id. Give the id column "
                         "(--id) or rename the 'row' column.")
    front_names = {c: f"the column {c!r} of the data" for c in keep}
    front_names.update({id_column: f"the respondent id column {id_column!r}"}
                       if id_column is not None else {"row": "the input-row column 'row'"})
    check_score_columns(result.scales, reserved=front_names)
    index = pd.RangeIndex(1, intake.n_read + 1, name="row")
    body = result.to_frame().reindex(index)
    for s in result.scales:
        body[f"{s}_n"] = body[f"{s}_n"].astype("Int64")
        if f"{s}_band" in body:
            body[f"{s}_band"] = body[f"{s}_band"].fillna("")
    ex = intake.exclusions
    ex_rows = ex["row"].astype(int).to_numpy() if len(ex) else np.array([], dtype=int)
    if len(ex):
        detail = ex["detail"].fillna("").astype(str)
        text = ("excluded: " + ex["reason"].astype(str)
                + np.where(detail != "", " (" + detail + ")", "")).to_numpy()
        for s in result.scales:
            body.loc[ex_rows, f"{s}_reason"] = text
    front: dict[str, pd.Series] = {}
    if id_column is not None:
        ids = pd.Series(pd.NA, index=index, dtype=object)
        if id_column in intake.meta.columns:
            ids.loc[intake.meta.index] = intake.meta[id_column].to_numpy()
        if len(ex):
            ids.loc[ex_rows] = ex["id"].to_numpy()
        front[id_column] = ids
    else:
        front["row"] = pd.Series(index.to_numpy(), index=index)
    for col in keep:
        if col in intake.meta.columns and col not in front:
            front[col] = intake.meta[col].reindex(index)
    return pd.concat([pd.DataFrame(front, index=index), body], axis=1)
