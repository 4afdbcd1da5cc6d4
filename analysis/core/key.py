"""The key: the minimal description of an instrument that every analysis needs.

A key names the scales, the items of each scale with their keyed direction, the response
scale, optional missing-value codes, optional higher-order groups of scales and an optional
item-to-aspect map. It follows the convention of ``psych::scoreItems``: a minus sign before
an item marks it reverse-keyed. The same format serves the LOS-PW instrument (its key is
generated from the item bank) and any other instrument, written by hand::

    instrument: bfi
    response_scale: {min: 1, max: 6}
    missing_codes: [-9]
    scales:
      A: [-A1, A2, A3, A4, A5]
      C: [C1, C2, C3, -C4, -C5]
    higher_order:
      stability: [A, C]
    aspects:
      A1: warmth

:func:`load_key` reads and checks such a file into a frozen :class:`Key`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from lospw.analysis.core.artifacts import write_text
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.idscripts import mixed_script_ids
from lospw.analysis.core.yamlio import as_bool, as_id, load_yaml

__all__ = ["MAX_CATEGORIES", "Key", "ResponseScale", "Scale", "key_from_dict", "load_key"]

#: The most categories a categorical response scale may have (0-1000 is the largest).
MAX_CATEGORIES = 1001

_TOP_LEVEL = (
    "instrument",
    "version",
    "description",
    "response_scale",
    "missing_codes",
    "scales",
    "higher_order",
    "aspects",
    "labels",
)


@dataclass(frozen=True)
class ResponseScale:
    """The range of valid answers.

    Parameters
    ----------
    min, max : float
        Lowest and highest valid value (integers unless ``continuous``).
    continuous : bool
        False for integer categories (Likert items), True for continuous scores.

    Examples
    --------
    >>> rs = ResponseScale(1, 5)
    >>> rs.categories
    (1, 2, 3, 4, 5)
    >>> rs.reverse(np.array([1, 2, 5]))
    array([5, 4, 1])
    """

    min: float
    max: float
    continuous: bool = False

    @property
    def categories(self) -> tuple[int, ...] | None:
        """The integer categories, or None for a continuous scale."""
        if self.continuous:
            return None
        return tuple(range(int(self.min), int(self.max) + 1))

    @property
    def n_categories(self) -> int | None:
        """How many categories (None for a continuous scale)."""
        return None if self.continuous else int(self.max) - int(self.min) + 1

    def reverse(self, values: Any) -> Any:
        """Reverse-score values: ``min + max - x`` (NaN stays NaN)."""
        return self.min + self.max - values if self.continuous else (
            int(self.min) + int(self.max) - values
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"min": _num(self.min), "max": _num(self.max)}
        if self.continuous:
            out["continuous"] = True
        return out


@dataclass(frozen=True)
class Scale:
    """One scale: its name and its items, each with a sign (+1 or -1)."""

    name: str
    items: tuple[str, ...]
    signs: tuple[int, ...]

    @property
    def reverse_items(self) -> tuple[str, ...]:
        """The reverse-keyed items, in key order."""
        return tuple(i for i, s in zip(self.items, self.signs, strict=True) if s < 0)

    @property
    def keyed(self) -> tuple[str, ...]:
        """Items as written in a key: ``-A1`` for reverse-keyed ones."""
        return tuple(
            ("-" if s < 0 else "") + i for i, s in zip(self.items, self.signs, strict=True)
        )

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Key:
    """A validated, immutable key. Build it with :func:`load_key` or :func:`key_from_dict`.

    Attributes
    ----------
    instrument : str
        Name of the instrument.
    response_scale : ResponseScale
    scales : tuple of Scale
        In key order.
    missing_codes : tuple of float
        Values that mean "no answer" (converted to NaN on intake).
    higher_order : tuple of (str, tuple of str)
        Groups of scales for second-order and grouped models, in key order.
    aspects : tuple of (str, str)
        Item -> aspect pairs (content coverage), in key order.
    labels : tuple of (str, str)
        Item -> label pairs (item text for reports).
    version : str or None
    description : str or None
    source : str
        Where the key came from (a path or ``"<dict>"``); not part of equality or hash.
    """

    instrument: str
    response_scale: ResponseScale
    scales: tuple[Scale, ...]
    missing_codes: tuple[float, ...] = ()
    higher_order: tuple[tuple[str, tuple[str, ...]], ...] = ()
    aspects: tuple[tuple[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    version: str | None = None
    description: str | None = None
    source: str = field(default="<dict>", compare=False)

    # -- look-ups -----------------------------------------------------------------------
    @property
    def scale_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scales)

    @property
    def items(self) -> tuple[str, ...]:
        """All items, scale by scale, in key order."""
        return tuple(i for s in self.scales for i in s.items)

    @property
    def reverse_items(self) -> tuple[str, ...]:
        return tuple(i for s in self.scales for i in s.reverse_items)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def scale(self, name: str) -> Scale:
        """The scale called ``name``."""
        for s in self.scales:
            if s.name == name:
                return s
        raise InputError(
            f"The key has no scale {name!r}; its scales are {', '.join(self.scale_names)}."
        )

    def scale_of(self, item: str) -> str:
        """The scale an item belongs to."""
        for s in self.scales:
            if item in s.items:
                return s.name
        raise InputError(f"The key has no item {item!r}. Check the item id against the key.")

    def sign(self, item: str) -> int:
        """+1 for a positively keyed item, -1 for a reverse-keyed one."""
        s = self.scale(self.scale_of(item))
        return s.signs[s.items.index(item)]

    @property
    def signs(self) -> dict[str, int]:
        """Item -> sign for every item."""
        return {i: g for s in self.scales for i, g in zip(s.items, s.signs, strict=True)}

    @property
    def aspect_map(self) -> dict[str, str]:
        return dict(self.aspects)

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def higher_order_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.higher_order)

    # -- data -----------------------------------------------------------------------------
    def reverse_score(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return a copy of ``frame`` with the reverse-keyed items reversed.

        Only the key's reverse-keyed items that are columns of ``frame`` change; other
        columns are copied unchanged. NaN stays NaN.

        Examples
        --------
        >>> key = key_from_dict({"response_scale": {"min": 1, "max": 5},
        ...                      "scales": {"S": ["a", "-b"]}})
        >>> key.reverse_score(pd.DataFrame({"a": [1, 2], "b": [1, 5]}))["b"].tolist()
        [5, 1]
        """
        out = frame.copy()
        for item in self.reverse_items:
            if item in out.columns:
                out[item] = self.response_scale.reverse(out[item])
        return out

    def scoring_matrix(self) -> pd.DataFrame:
        """Items x scales matrix of +1 / -1 / 0 (``psych::make.keys`` convention)."""
        mat = np.zeros((self.n_items, len(self.scales)), dtype=int)
        index = {item: k for k, item in enumerate(self.items)}
        for j, s in enumerate(self.scales):
            for item, sign in zip(s.items, s.signs, strict=True):
                mat[index[item], j] = sign
        return pd.DataFrame(mat, index=list(self.items), columns=list(self.scale_names))

    # -- export ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The key in its file format (a plain dict, YAML- and JSON-ready)."""
        out: dict[str, Any] = {"instrument": self.instrument}
        if self.version is not None:
            out["version"] = self.version
        if self.description is not None:
            out["description"] = self.description
        out["response_scale"] = self.response_scale.to_dict()
        if self.missing_codes:
            out["missing_codes"] = [_num(c) for c in self.missing_codes]
        out["scales"] = {s.name: list(s.keyed) for s in self.scales}
        if self.higher_order:
            out["higher_order"] = {g: list(m) for g, m in self.higher_order}
        if self.aspects:
            out["aspects"] = dict(self.aspects)
        if self.labels:
            out["labels"] = dict(self.labels)
        return out

    def to_yaml(self) -> str:
        """The key as YAML text that :func:`load_key` reads back to an equal key."""
        return yaml.safe_dump(
            self.to_dict(), sort_keys=False, allow_unicode=True, default_flow_style=None,
            width=100,
        )

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_yaml` to ``path`` (temporary file, then rename) and return it."""

        return write_text(self.to_yaml(), path)

    def sha256(self) -> str:
        """Hash of the key's content (not of its file layout): same key, same hash."""
        canon = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()

    def summary(self) -> dict[str, Any]:
        """What ``lospw key check`` prints."""
        return {
            "instrument": self.instrument,
            "source": self.source,
            "sha256": self.sha256(),
            "response_scale": self.response_scale.to_dict(),
            "missing_codes": [_num(c) for c in self.missing_codes],
            "n_scales": len(self.scales),
            "n_items": self.n_items,
            "n_reverse_keyed": len(self.reverse_items),
            "scales": {
                s.name: {"n_items": len(s), "items": list(s.items),
                         "reverse_keyed": list(s.reverse_items)}
                for s in self.scales
            },
            "higher_order": {g: list(m) for g, m in self.higher_order},
            "has_aspects": bool(self.aspects),
            "warnings": self.warnings(),
        }

    def warnings(self) -> list[str]:
        """Conditions worth a look that do not make the key invalid (``code: message``):
        ``mixed_script_id`` for an item or scale id with lookalike letters."""
        return (mixed_script_ids(self.items, "item id")
                + mixed_script_ids(self.scale_names, "scale name"))


def _num(x: float) -> int | float:
    """Write whole numbers as int so YAML/JSON output stays tidy."""
    return int(x) if float(x).is_integer() else float(x)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{where}: must be a number; got {value!r}. Write a number, e.g. 1.")
    try:
        x = float(value)
    except OverflowError:  # an integer beyond the float range (400 nines)
        raise InputError(f"{where}: must be a finite number; got a whole number of "
                         f"{value.bit_length()} bits. Write a smaller number.") from None
    if not math.isfinite(x):
        raise InputError(f"{where}: must be a finite number; got {value!r}.")
    return x


def _mapping(value: Any, where: str, example: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise InputError(
            f"{where}: must be a mapping; got {_kind(value)}. Write it as {example}."
        )
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"a {type(value).__name__}"


def _parse_response_scale(raw: Any, src: str) -> ResponseScale:
    where = f"{src}: response_scale"
    if raw is None:
        raise InputError(
            f"{where}: missing. Add e.g. 'response_scale: {{min: 1, max: 5}}'."
        )
    raw = _mapping(raw, where, "{min: 1, max: 5}")
    unknown = sorted(set(map(str, raw)) - {"min", "max", "continuous"})
    if unknown:
        raise InputError(
            f"{where}: unknown field {unknown[0]!r}; the fields are min, max and continuous."
        )
    for part in ("min", "max"):
        if part not in raw:
            raise InputError(f"{where}: '{part}' is missing. Add e.g. {{min: 1, max: 5}}.")
    lo = _number(raw["min"], f"{where}.min")
    hi = _number(raw["max"], f"{where}.max")
    continuous = as_bool(raw.get("continuous", False), f"{where}.continuous")
    if lo >= hi:
        raise InputError(
            f"{where}: min must be below max; got min {_num(lo)} and max {_num(hi)}. "
            "Swap or correct them."
        )
    if not continuous and not (lo.is_integer() and hi.is_integer()):
        raise InputError(
            f"{where}: min and max of a categorical scale must be whole numbers; got "
            f"{_num(lo)} and {_num(hi)}. Use whole numbers or add 'continuous: true'."
        )
    if not continuous and hi - lo + 1 > MAX_CATEGORIES:
        raise InputError(
            f"{where}: {_num(lo)}-{_num(hi)} makes {hi - lo + 1:,.0f} categories; a "
            f"categorical scale has at most {MAX_CATEGORIES:,}. Correct min/max, or add "
            "'continuous: true' for a score on a continuous range."
        )
    return ResponseScale(lo, hi, continuous)


def _parse_scales(raw: Any, src: str) -> tuple[Scale, ...]:
    where = f"{src}: scales"
    if raw is None:
        raise InputError(f"{where}: missing. Add e.g. 'scales: {{A: [A1, -A2, A3]}}'.")
    raw = _mapping(raw, where, "{A: [A1, -A2, A3]}")
    if not raw:
        raise InputError(f"{where}: no scales. Add at least one scale with its items.")
    scales: list[Scale] = []
    owner: dict[str, str] = {}
    for raw_name, raw_items in raw.items():
        name = as_id(raw_name, f"{where} (a scale name)")
        here = f"{where}.{name}"
        if raw_items is None or (isinstance(raw_items, list) and not raw_items):
            raise InputError(f"{here}: the scale has no items. Give it at least one item.")
        if not isinstance(raw_items, list):
            raise InputError(
                f"{here}: must be a list of items; got {_kind(raw_items)}. "
                "Write e.g. [A1, -A2, A3]."
            )
        items: list[str] = []
        signs: list[int] = []
        for k, entry in enumerate(raw_items):
            text = as_id(entry, f"{here}[{k}]")
            sign = 1
            if text[0] in "+-":
                sign = -1 if text[0] == "-" else 1
                text = text[1:].strip()
            if not text:
                raise InputError(f"{here}[{k}]: a sign without an item. Write e.g. -A2.")
            if text[0] in "+-":
                raise InputError(f"{here}[{k}]: two signs in {entry!r}. Write one, e.g. -A2.")
            if text in owner:
                other = owner[text]
                msg = (
                    f"twice in scale {name}" if other == name
                    else f"in both scale {other} and scale {name}"
                )
                raise InputError(
                    f"{here}[{k}]: duplicate item {text!r}: it is listed {msg}. "
                    "List each item once, in one scale."
                )
            owner[text] = name
            items.append(text)
            signs.append(sign)
        scales.append(Scale(name, tuple(items), tuple(signs)))
    return tuple(scales)


def key_from_dict(data: Any, source: str = "<dict>") -> Key:
    """Check a key given as a mapping (as read from YAML) and build a :class:`Key`.

    Parameters
    ----------
    data : mapping
        The key's content, in the file format described in the module docstring.
    source : str
        Name used in error messages (the file path, usually).

    Returns
    -------
    Key

    Raises
    ------
    InputError
        With one line naming the place, the problem and the fix.

    Examples
    --------
    >>> key = key_from_dict({"instrument": "demo", "response_scale": {"min": 1, "max": 5},
    ...                      "scales": {"S": ["a", "-b", "c"]}})
    >>> key.reverse_items
    ('b',)
    >>> key_from_dict({"response_scale": {"min": 5, "max": 1}, "scales": {"S": ["a"]}})
    Traceback (most recent call last):
    ...
    lospw.analysis.core.errors.InputError: <dict>: response_scale: min must be below max; got min 5 and max 1. Swap or correct them.
    """
    src = source
    if not isinstance(data, Mapping):
        raise InputError(
            f"{src}: a key must be a mapping with 'response_scale' and 'scales'; got "
            f"{_kind(data)}. See the key format in the README."
        )
    for k in data:
        if not isinstance(k, str) or k not in _TOP_LEVEL:
            raise InputError(
                f"{src}: unknown field {str(k)!r}; a key has the fields "
                f"{', '.join(_TOP_LEVEL)}. Check the spelling."
            )
    instrument = data.get("instrument", "instrument")
    instrument = as_id(instrument, f"{src}: instrument")
    version = data.get("version")
    version = None if version is None else str(version)
    description = data.get("description")
    description = None if description is None else str(description)

    rs = _parse_response_scale(data.get("response_scale"), src)
    scales = _parse_scales(data.get("scales"), src)
    all_items = {i for s in scales for i in s.items}
    scale_names = [s.name for s in scales]

    codes_raw = data.get("missing_codes") or []
    if not isinstance(codes_raw, list):
        codes_raw = [codes_raw]
    codes: list[float] = []
    for k, c in enumerate(codes_raw):
        x = _number(c, f"{src}: missing_codes[{k}]")
        if rs.min <= x <= rs.max and (rs.continuous or x.is_integer()):
            raise InputError(
                f"{src}: missing_codes[{k}]: the code {_num(x)} lies inside the response "
                f"scale {_num(rs.min)}-{_num(rs.max)} and would turn real answers into "
                "missing values. Use a code outside the scale, e.g. -9 or 99."
            )
        if x in codes:
            raise InputError(f"{src}: missing_codes[{k}]: the code {_num(x)} is listed twice.")
        codes.append(x)

    higher: list[tuple[str, tuple[str, ...]]] = []
    ho_raw = data.get("higher_order")
    if ho_raw is not None:
        ho_raw = _mapping(ho_raw, f"{src}: higher_order", "{core: [LOS, GOC]}")
        used: dict[str, str] = {}
        for g_raw, members_raw in ho_raw.items():
            group = as_id(g_raw, f"{src}: higher_order (a group name)")
            here = f"{src}: higher_order.{group}"
            if group in scale_names:
                raise InputError(
                    f"{here}: the group has the same name as a scale. Rename the group."
                )
            if not isinstance(members_raw, list) or not members_raw:
                raise InputError(
                    f"{here}: must be a non-empty list of scales; got {_kind(members_raw)}."
                )
            members: list[str] = []
            for k, m in enumerate(members_raw):
                name = as_id(m, f"{here}[{k}]")
                if name not in scale_names:
                    raise InputError(
                        f"{here}[{k}]: unknown scale {name!r}; the scales are "
                        f"{', '.join(scale_names)}. Use one of them."
                    )
                if name in used:
                    raise InputError(
                        f"{here}[{k}]: scale {name!r} is already in group {used[name]!r}. "
                        "Put each scale in one group."
                    )
                used[name] = group
                members.append(name)
            higher.append((group, tuple(members)))

    def item_map(field_name: str, example: str) -> tuple[tuple[str, str], ...]:
        raw = data.get(field_name)
        if raw is None:
            return ()
        raw = _mapping(raw, f"{src}: {field_name}", example)
        pairs: list[tuple[str, str]] = []
        for i_raw, v_raw in raw.items():
            item = as_id(i_raw, f"{src}: {field_name} (an item id)")
            if item not in all_items:
                raise InputError(
                    f"{src}: {field_name}.{item}: unknown item {item!r}: it is in no scale. "
                    "Add it to a scale or remove it here."
                )
            if not isinstance(v_raw, str) or not v_raw.strip():
                raise InputError(
                    f"{src}: {field_name}.{item}: must be text; got {_kind(v_raw)}. "
                    "Quote it if needed."
                )
            pairs.append((item, v_raw.strip()))
        return tuple(pairs)

    aspects = item_map("aspects", "{A1: warmth}")
    labels = item_map("labels", "{A1: 'Am indifferent to the feelings of others.'}")

    return Key(
        instrument=instrument,
        response_scale=rs,
        scales=scales,
        missing_codes=tuple(codes),
        higher_order=tuple(higher),
        aspects=aspects,
        labels=labels,
        version=version,
        description=description,
        source=src,
    )


def load_key(path: str | Path) -> Key:
    """Read and check a key file (YAML).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Key

    Raises
    ------
    InputError
        When the file is missing, is not valid YAML, or breaks a rule of the key format;
        the one-line message names the file, the place and the fix.
    """
    data = load_yaml(path)
    return key_from_dict(data, str(path))
