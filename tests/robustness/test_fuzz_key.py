"""Property tests: damaged key files load or give one InputError; a loaded key round-trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from lospw.analysis.core.key import load_key
from lospw.analysis.core.yamlio import load_yaml_text
from tests.conftest import FIXTURES
from tests.robustness._fuzz import SETTINGS, apply_mutations, expect_one_line, mutations, text_edits

GOOD = [FIXTURES / "keys" / n for n in ("bfi.yaml", "holzinger.yaml", "lospw_handmade.yaml")]
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in GOOD}
DOCS = {n: load_yaml_text(t) for n, t in TEXTS.items()}
BFI = DOCS["bfi.yaml"]


def _usable(key, tmp) -> None:
    """A key that loads works: summary, YAML round trip, reverse-scoring a small frame."""
    key.summary()
    again = load_key(key.save(tmp / "again.yaml"))
    assert again == key and again.sha256() == key.sha256()
    rs = key.response_scale
    frame = pd.DataFrame(np.full((2, key.n_items), float(rs.min)), columns=list(key.items))
    out = key.reverse_score(frame)
    assert out.shape == frame.shape


@SETTINGS
@given(edits=mutations(BFI))
def test_mutated_key_structure(tmp_path_factory, edits):
    import yaml

    tmp = tmp_path_factory.mktemp("k")
    path = tmp / "key.yaml"
    path.write_text(yaml.safe_dump(apply_mutations(BFI, edits), allow_unicode=True),
                    encoding="utf-8")
    key = expect_one_line("key", load_key, path)
    if key is not None:
        _usable(key, tmp)


@SETTINGS
@given(name=st.sampled_from(sorted(TEXTS)), data=st.data())
def test_damaged_key_text(tmp_path_factory, name, data):
    text = data.draw(text_edits(TEXTS[name]))
    tmp = tmp_path_factory.mktemp("k")
    path = tmp / "key.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    key = expect_one_line("key", load_key, path)
    if key is not None:
        _usable(key, tmp)


@SETTINGS
@given(blob=st.binary(max_size=200))
def test_random_bytes_as_key(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("k") / "key.yaml"
    path.write_bytes(blob)
    expect_one_line("key", load_key, path)
