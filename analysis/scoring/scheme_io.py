"""The scoring-scheme file: versioned JSON, written deterministically, read defensively.

Layout (``schema_version`` 1.x; a newer major version is refused, a newer minor one is read
and its unknown fields ignored)::

    {"kind": "lospw.scoring_scheme", "schema_version": "1.0.0", "label": "...",
     "instrument": {"name": "bfi", "version": null, "key_sha256": "..."},
     "key": {... the key in its file format ...},
     "key_order": {"scales": ["A", ...], ...},   # order of the key's mappings
     "score_metric": "mean",
     "missing_rule": {"min_fraction": 0.667, "min_items": 1},
     "reliability_coefficient": "alpha", "estimator": null,
     "scales": {"A": {"items": ["-A1", ...], "n_items": 5, "min_answered": 4,
                      "reliability": 0.70, "norm_sd": 0.9, "sem": 0.49, "norm_mean": 4.6}},
     "norms": {"percentile_rank": "mid-rank", "overall": {"A": {"n": .., "values": [..],
               "counts": [..]}}, "group_column": null, "groups": {}},
     "bands": {"method": "norm_percentile_rank", "cuts": [25, 75], "labels": [...]},
     "provenance": {"file": "...", "sha256": "...", "n_read": .., "n_analysed": ..,
                    "synthetic": true, "description": "..."},
     "seeds": {}}

``scales.*.norm_sd``, ``sem`` and ``norm_mean`` are written for readers; on reading they
are recomputed from the norms and the reliabilities (and must agree).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

from lospw.analysis.core.artifacts import write_json
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import key_from_dict
from lospw.analysis.scoring.norms import Bands, NormTable
from lospw.analysis.scoring.scheme import SCHEMA_VERSION, Provenance, ScoringScheme
from lospw.analysis.scoring.scores import MissingRule

__all__ = ["KIND", "demo_scheme", "demo_scheme_path", "load_scheme", "save_scheme",
           "scheme_from_dict", "scheme_to_dict"]

KIND = "lospw.scoring_scheme"
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


def scheme_to_dict(scheme: ScoringScheme) -> dict[str, Any]:
    """The scheme as a plain dict in the file layout above."""
    key = scheme.key
    req, sems = scheme.required, scheme.sem
    scales = {}
    for s in key.scales:
        t = scheme.norms[s.name]
        scales[s.name] = {
            "items": list(s.keyed), "n_items": len(s), "min_answered": req[s.name],
            "reliability": float(scheme.reliability[s.name]), "norm_mean": t.mean,
            "norm_sd": t.sd, "sem": sems[s.name],
        }
    return {
        "kind": KIND,
        "schema_version": scheme.schema_version,
        "label": scheme.label,
        "instrument": {"name": key.instrument, "version": key.version,
                       "key_sha256": key.sha256()},
        "key": key.to_dict(),
        "key_order": _key_order(key.to_dict()),
        "score_metric": "mean",
        "missing_rule": scheme.rule.to_dict(),
        "reliability_coefficient": scheme.reliability_coefficient,
        "estimator": scheme.estimator,
        "scales": scales,
        "norms": {
            "percentile_rank": "mid-rank",
            "overall": {s: scheme.norms[s].to_dict() for s in scheme.scales},
            "group_column": scheme.group_column,
            "groups": {lv: {s: t[s].to_dict() for s in scheme.scales}
                       for lv, t in scheme.group_norms.items()},
        },
        "bands": scheme.bands.to_dict(),
        "provenance": scheme.provenance.to_dict(),
        "seeds": dict(scheme.seeds),
    }


_ORDERED = ("scales", "higher_order", "aspects", "labels")


def _key_order(key_dict: dict[str, Any]) -> dict[str, list[str]]:
    """The order of the key's mappings, which sorted-key JSON does not keep."""
    return {f: list(key_dict[f]) for f in _ORDERED if f in key_dict}


def _reorder(key_raw: dict[str, Any], order: dict[str, Any], r: _Reader) -> dict[str, Any]:
    out = dict(key_raw)
    for f, names in order.items():
        if f not in _ORDERED or not isinstance(out.get(f), dict):
            continue
        if not isinstance(names, list) or sorted(map(str, names)) != sorted(out[f]):
            raise r.fail(f"key_order.{f}", f"must list the names of key.{f} once each")
        out[f] = {n: out[f][n] for n in names}
    return out


class _Reader:
    """Typed access to the parsed JSON with one-line errors naming the field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, what: str) -> InputError:
        return InputError(
            f"{self.source}: scoring scheme field '{where}' {what}. The file is corrupt or "
            "was edited by hand; regenerate it with 'lospw scheme' (or save_scheme)."
        )

    def get(self, obj: dict, name: str, where: str, kind: type | tuple, *,
            optional: bool = False) -> Any:
        path = f"{where}.{name}" if where else name
        if name not in obj:
            if optional:
                return None
            raise self.fail(path, "is missing")
        value = obj[name]
        if value is None and optional:
            return None
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if ok and isinstance(value, float) and not math.isfinite(value):
            ok = False
        if not ok:
            names = ("a number" if float in kinds
                     else " or ".join(_NAMES.get(k, k.__name__) for k in kinds))
            raise self.fail(path, f"must be {names}; got {_show(value)}")
        return value

    def table(self, obj: Any, where: str) -> NormTable:
        if not isinstance(obj, dict):
            raise self.fail(where, f"must be an object; got {_show(obj)}")
        values = self.get(obj, "values", where, list)
        counts = self.get(obj, "counts", where, list)
        if (len(values) != len(counts)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           and math.isfinite(v) for v in values)
                or not all(isinstance(c, int) and not isinstance(c, bool) and c > 0
                           for c in counts)
                or any(b <= a for a, b in itertools.pairwise(values))):
            raise self.fail(where, "must hold increasing numbers 'values' with as many "
                                   "positive whole 'counts'")
        return NormTable(tuple(float(v) for v in values), tuple(counts))


_NAMES = {dict: "an object", list: "a list", str: "text", int: "a whole number",
          float: "a number", bool: "true or false", type(None): "null"}


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_version(version: Any, source: str) -> None:
    m = _SEMVER.match(version) if isinstance(version, str) else None
    if m is None:
        raise InputError(
            f"{source}: scoring scheme field 'schema_version' must be a version like "
            f"'1.0.0'; got {_show(version)}. The file is corrupt; regenerate it with "
            "'lospw scheme'."
        )
    major = int(m.group(1))
    ours = int(SCHEMA_VERSION.split(".")[0])
    if major > ours:
        raise InputError(
            f"{source}: the scoring scheme has format version {version}, newer than this "
            f"lospw reads ({ours}.x). Upgrade lospw, or regenerate the scheme with this "
            "version ('lospw scheme')."
        )
    if major < ours:
        raise InputError(
            f"{source}: the scoring scheme has format version {version}, older than this "
            f"lospw reads ({ours}.x). Regenerate it with 'lospw scheme'."
        )


def scheme_from_dict(data: Any, source: str = "<dict>") -> ScoringScheme:
    """Check a parsed scheme file and build the :class:`ScoringScheme`.

    Raises
    ------
    InputError
        Not a scheme, a newer major format version, a missing field or a wrong type, a key
        whose hash or scales do not match the rest of the file.
    """
    try:
        return _from_dict(data, source)
    except InputError as exc:
        if str(exc).startswith(source):
            raise
        raise InputError(f"{source}: invalid scoring scheme: {exc}") from None


def _from_dict(data: Any, source: str) -> ScoringScheme:
    r = _Reader(source)
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise InputError(
            f"{source}: not a lospw scoring scheme (no \"kind\": \"{KIND}\"). Give a file "
            "written by 'lospw scheme' or save_scheme."
        )
    _check_version(data.get("schema_version"), source)
    instrument = r.get(data, "instrument", "", dict)
    key_hash = r.get(instrument, "key_sha256", "instrument", str)
    key_raw = r.get(data, "key", "", dict)
    order = r.get(data, "key_order", "", dict, optional=True)
    if order:
        key_raw = _reorder(key_raw, order, r)
    try:
        key = key_from_dict(key_raw, f"{source}: key")
    except InputError as exc:
        raise InputError(f"{exc} The scheme file is corrupt; regenerate it.") from None
    if key.sha256() != key_hash:
        raise r.fail("instrument.key_sha256", "does not match the key in the file (the key "
                                              "was changed after the scheme was made)")
    if r.get(data, "score_metric", "", str) != "mean":
        raise r.fail("score_metric", f"must be \"mean\"; got {_show(data['score_metric'])}")
    rule_raw = r.get(data, "missing_rule", "", dict)
    rule = MissingRule(r.get(rule_raw, "min_fraction", "missing_rule", (int, float)),
                       r.get(rule_raw, "min_items", "missing_rule", int))
    scales = r.get(data, "scales", "", dict)
    reliability = {}
    for s in key.scale_names:
        entry = r.get(scales, s, "scales", dict)
        reliability[s] = float(r.get(entry, "reliability", f"scales.{s}", (int, float)))
    norms_raw = r.get(data, "norms", "", dict)
    overall = r.get(norms_raw, "overall", "norms", dict)
    norms = {s: r.table(overall.get(s), f"norms.overall.{s}") for s in key.scale_names}
    groups_raw = r.get(norms_raw, "groups", "norms", dict)
    group_norms = {}
    for level, tables in groups_raw.items():
        if not isinstance(tables, dict):
            raise r.fail(f"norms.groups.{level}", f"must be an object; got {_show(tables)}")
        group_norms[level] = {s: r.table(tables.get(s), f"norms.groups.{level}.{s}")
                              for s in key.scale_names}
    bands_raw = r.get(data, "bands", "", dict)
    bands = Bands(
        cuts=tuple(float(c) for c in r.get(bands_raw, "cuts", "bands", list)
                   if _is_number(c, r, "bands.cuts")),
        labels=tuple(str(x) for x in r.get(bands_raw, "labels", "bands", list)),
        method=r.get(bands_raw, "method", "bands", str),
    )
    prov_raw = r.get(data, "provenance", "", dict)
    prov = Provenance(
        file=r.get(prov_raw, "file", "provenance", str, optional=True),
        sha256=r.get(prov_raw, "sha256", "provenance", str, optional=True),
        n_read=r.get(prov_raw, "n_read", "provenance", int),
        n_analysed=r.get(prov_raw, "n_analysed", "provenance", int),
        synthetic=r.get(prov_raw, "synthetic", "provenance", bool),
        description=r.get(prov_raw, "description", "provenance", str, optional=True) or "",
    )
    seeds = r.get(data, "seeds", "", dict)
    for name, _seed in seeds.items():
        r.get(seeds, name, "seeds", int)
    return ScoringScheme(
        key=key, reliability=reliability, norms=norms, provenance=prov, rule=rule,
        reliability_coefficient=r.get(data, "reliability_coefficient", "", str),
        group_column=r.get(norms_raw, "group_column", "norms", str, optional=True),
        group_norms=group_norms, bands=bands,
        estimator=r.get(data, "estimator", "", str, optional=True),
        seeds=dict(seeds), label=r.get(data, "label", "", str, optional=True) or "",
        schema_version=SCHEMA_VERSION,
    )


def _is_number(value: Any, r: _Reader, where: str) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise r.fail(where, f"must hold numbers; got {_show(value)}")
    return True


class _DuplicateKey(ValueError):
    """A JSON object names a key twice (``json`` would keep the last one silently)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def load_scheme(path: str | Path) -> ScoringScheme:
    """Read a scheme file (see the module docstring); one InputError if unusable."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such scoring scheme file. Check the path.")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read the scoring scheme ({exc}).") from None
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise InputError(
            f"{p}: not a scoring scheme: the key {exc.args[0]!r} appears twice in one object "
            "(the JSON is ambiguous). Keep one, or write the scheme again with 'lospw scheme'."
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{p}: not a scoring scheme: invalid JSON at line {exc.lineno}, column "
            f"{exc.colno} ({exc.msg}). Give a file written by 'lospw scheme'."
        ) from None
    except RecursionError:
        raise InputError(f"{p}: not a scoring scheme: the JSON is nested too deeply. Give a "
                         "file written by 'lospw scheme'.") from None
    return scheme_from_dict(data, str(p))


def save_scheme(scheme: ScoringScheme, path: str | Path) -> Path:
    """Write the scheme as deterministic JSON (same scheme, same bytes)."""
    return write_json(scheme_to_dict(scheme), path)


def demo_scheme_path() -> Path:
    """Path of the shipped demo scheme (package data)."""
    return Path(__file__).resolve().parents[1] / "data" / "demo_scheme.json"


def demo_scheme() -> ScoringScheme:
    """The demo scheme shipped with lospw (norms from SYNTHETIC data)."""
    return load_scheme(demo_scheme_path())
