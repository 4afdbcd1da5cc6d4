"""Property tests: random malformed tables thrown at the response reader.

The promise: every input either raises :class:`InputError` (one line) or is read with every
data row accounted for (analysed or in the exclusion log); no other exception, ever.
"""

from __future__ import annotations

import csv
import io
import math
import os

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict
from lospw.analysis.intake.responses import read_responses, responses_from_frame

KEY = key_from_dict({"instrument": "t", "response_scale": {"min": 1, "max": 5},
                     "missing_codes": [9, -1], "scales": {"S": ["a", "b", "-c"]}})

NAMES = st.sampled_from(["id", "a", "b", "c", "x", "A", "", " a ", "S[a]", "a;b", "tijd"])
TEXT = st.text(alphabet=st.sampled_from(list("ab1,;\t\"' .\n\r-é€9")), max_size=6)
CELL = st.one_of(
    st.none(),
    st.integers(-3, 12).map(str),
    st.integers(1, 5).map(str),
    st.sampled_from(["", " ", "NA", "weet niet", "3,5", "2.0", "1e0", "inf", "nan", "#NULL!",
                     "=1+1", "9", "-1", "A1"]),
    TEXT,
)
OPTIONS = st.fixed_dictionaries({
    "out_of_range": st.sampled_from(["missing", "exclude"]),
    "non_numeric": st.sampled_from(["error", "missing", "exclude"]),
    "duplicate_ids": st.sampled_from(["exclude", "keep_first", "error"]),
    "missing_values": st.sampled_from([(), ("weet niet",), (99, "A1")]),
})
# LOSPW_HYPOTHESIS_EXAMPLES=3000 for a longer hunt (300 per test by default).
EXAMPLES = int(os.environ.get("LOSPW_HYPOTHESIS_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

TRIED = {"n": 0}


def _check(res, expected_rows: int | None = None) -> None:
    assert res.n_read == res.n_analysed + res.n_excluded
    rows = sorted([*res.items.index.tolist(), *res.exclusions["row"].tolist()])
    assert rows == list(range(1, res.n_read + 1))  # each row exactly once
    if expected_rows is not None:
        assert res.n_read == expected_rows
    vals = res.items.to_numpy()
    ok = vals[~np.isnan(vals)]
    assert np.all((ok >= 1) & (ok <= 5) & (ok == np.round(ok)))
    assert set(res.exclusions["reason"]) <= {"malformed_row", "empty_row", "non_numeric",
                                             "out_of_range", "duplicate_id"}


@SETTINGS
@given(header=st.one_of(
           st.lists(NAMES, min_size=1, max_size=6),
           st.lists(NAMES, max_size=3).flatmap(lambda x: st.permutations(["a", "b", "c", *x]))),
       rows=st.lists(st.lists(CELL, min_size=0, max_size=7), max_size=12),
       delimiter=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
       with_id=st.booleans(), options=OPTIONS)
def test_random_csv_tables(tmp_path_factory, header, rows, delimiter, encoding, with_id,
                           options):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow(["" if c is None else c for c in r])
    text = buf.getvalue()
    path = tmp_path_factory.mktemp("h") / "data.csv"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes(text.encode("utf-8"))
    id_column = "id" if with_id and "id" in header else None
    TRIED["n"] += 1
    try:
        res = read_responses(path, KEY, id_column=id_column, **options)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    _check(res)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_random_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("b") / "data.csv"
    path.write_bytes(b"a,b,c\n" + data if data[:1] != b"P" else data)
    TRIED["n"] += 1
    try:
        res = read_responses(path, KEY, non_numeric="missing")
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    _check(res)


FRAME_CELL = st.one_of(st.none(), st.just(pd.NA), st.just(pd.NaT),
                       st.floats(allow_nan=True, allow_infinity=True),
                       st.integers(-10, 10), TEXT, st.booleans())


@SETTINGS
@given(columns=st.lists(st.sampled_from(["id", "a", "b", "c", "x"]), min_size=3, max_size=6,
                        unique=True),
       data=st.data(), options=OPTIONS)
def test_random_frames(columns, data, options):
    n = data.draw(st.integers(0, 10))
    frame = pd.DataFrame({c: data.draw(st.lists(FRAME_CELL, min_size=n, max_size=n))
                          for c in columns}, dtype=object)
    TRIED["n"] += 1
    try:
        res = responses_from_frame(frame, KEY, id_column="id" if "id" in columns else None,
                                   **options)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    _check(res, expected_rows=n)
    for r in res.items.index:  # an analysed cell is the number that was given
        for item in ("a", "b", "c"):
            v = res.items.loc[r, item]
            cell = frame.loc[r - 1, item]
            if not math.isnan(v):
                assert float(str(cell).replace(",", ".")) == v
