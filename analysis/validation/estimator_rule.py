"""The default estimator of every command that fits a factor model (one rule, stated).

Items with five or more ordered categories (or continuous scores) are analysed as
continuous with robust maximum likelihood (MLR; Rhemtulla, Brosseau-Liard & Savalei, 2012,
found ML-based estimation as good as categorical estimation from five categories on),
which also keeps every respondent (FIML). Items with fewer categories are analysed as
ordered with WLSMV (lavaan's ``ordered = TRUE``). Users choose otherwise with
``--estimator``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lospw.analysis.core.key import Key

__all__ = ["MIN_CONTINUOUS_CATEGORIES", "RULE", "estimator_for_data", "estimator_for_key"]

#: From this many categories on, items are treated as continuous (MLR).
MIN_CONTINUOUS_CATEGORIES = 5
RULE = (f"default estimator: MLR when items have {MIN_CONTINUOUS_CATEGORIES} or more "
        f"categories or are continuous, WLSMV when they have fewer")


def _pick(n_categories: int | None) -> str:
    return ("MLR" if n_categories is None or n_categories >= MIN_CONTINUOUS_CATEGORIES
            else "WLSMV")


def estimator_for_key(key: Key) -> str:
    """The default estimator for a key's response scale.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> k = key_from_dict({"response_scale": {"min": 1, "max": 5}, "scales": {"S": ["a"]}})
    >>> estimator_for_key(k)
    'MLR'
    >>> estimator_for_key(key_from_dict({"response_scale": {"min": 0, "max": 3},
    ...                                  "scales": {"S": ["a"]}}))
    'WLSMV'
    """
    rs = key.response_scale
    return _pick(None if rs.continuous else rs.n_categories)


def estimator_for_data(data: pd.DataFrame, variables: Sequence[str]) -> str:
    """The default estimator from the data (no key): the most categories observed among
    ``variables`` when all are whole numbers, else continuous.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 2], "b": [1, 1, 2, 2]})
    >>> estimator_for_data(df, ["a", "b"])
    'WLSMV'
    >>> estimator_for_data(df.assign(a=[1.5, 2, 3, 2]), ["a", "b"])
    'MLR'
    """
    most = 0
    for v in variables:
        col = pd.to_numeric(data[v], errors="coerce").dropna().to_numpy(dtype=float)
        if col.size and not np.all(col == np.round(col)):
            return _pick(None)
        most = max(most, len(np.unique(col)))
    return _pick(most)
