"""The key: the minimal description of an instrument that every analysis needs.

A key names the scales, the items of each scale with their keyed direction, the response
scale, optional missing-value codes, optional higher-order groups of scales and an optional
item-to-aspect map. It follows the convention of ``psych::scoreItems``: a minus sign before
an item marks it reverse-keyed. The same format serves the LOS-PW instrument (its key is
generated from the item bank) and any other instrument, written by hand::

    instrument: bfi
    title: Big Five Inventory (25 items)
    authors: [John, Srivastava]
    description: Agreeableness and conscientiousness items of the SAPA bfi data.
    response_scale: {min: 1, max: 6}
    missing_codes: [-9]
    scales:
      A: [-A1, A2, A3, A4, A5]
      C:
        items: [C1, C2, C3, -C4, -C5]
        label: Conscientiousness
        direction: higher_is_better
    higher_order:
      stability: [A, C]
    aspects:
      A1: warmth

Two optional forms describe how the data were collected (issue 24). ``missing_codes`` may be
a mapping that names what each code means, e.g. ``{8: dont_know, 9: not_applicable}``
(every code is missing for the statistics; the intake counts each code apart). ``design``
says which groups were asked which items (planned missingness by routing): ``column`` is the
data column holding each respondent's group, ``asked`` maps an item to the groups asked it;
items not listed were asked of everyone::

    design:
      column: role
      asked:
        A5: [staff, managers]

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
from lospw.analysis.core.warnings import Note, notes_to_dicts
from lospw.analysis.core.yamlio import as_bool, as_id, load_yaml

__all__ = [
    "DIRECTIONS",
    "MAX_CATEGORIES",
    "Key",
    "ResponseScale",
    "Scale",
    "key_from_dict",
    "load_key",
]

#: The values a scale's ``direction`` may take: which end of the scale is desirable.
DIRECTIONS = ("higher_is_better", "lower_is_better")

#: The fields of a scale written in its long form (a mapping instead of an item list).
_SCALE_FIELDS = ("items", "label", "direction")

#: The most categories a categorical response scale may have (0-1000 is the largest).
MAX_CATEGORIES = 1001

_TOP_LEVEL = (
    "instrument",
    "title",
    "authors",
    "version",
    "description",
    "response_scale",
    "missing_codes",
    "scales",
    "higher_order",
    "aspects",
    "labels",
    "design",
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
    """One scale: its name and its items, each with a sign (+1 or -1).

    Parameters
    ----------
    name : str
        The scale's id (as in the data's scale scores).
    items, signs : tuple
        The items in key order and their keyed direction (+1, or -1 for reverse-keyed).
    label : str or None
        Optional readable name for reports (``"Conscientiousness"``).
    direction : {"higher_is_better", "lower_is_better"} or None
        Optional desirable direction of the scale score; None when the key does not say
        (then a change is only "increased" or "decreased", never "improved").
    """

    name: str
    items: tuple[str, ...]
    signs: tuple[int, ...]
    label: str | None = None
    direction: str | None = None

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
    title : str or None
        Optional full title of the instrument, for reports (the ``instrument`` field is its
        short id).
    authors : tuple of str
        Optional authors of the instrument, in key order.
    source : str
        Where the key came from (a path or ``"<dict>"``); not part of equality or hash.
    missing_labels : tuple of (float, str)
        Code -> meaning (``dont_know``), when the key names them; empty otherwise.
    design_column : str or None
        The data column with each respondent's group, when the key has a ``design``.
    design : tuple of (str, tuple of str)
        Item -> the groups asked it, for the items not asked of everyone.
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
    title: str | None = None
    authors: tuple[str, ...] = ()
    source: str = field(default="<dict>", compare=False)
    missing_labels: tuple[tuple[float, str], ...] = ()
    design_column: str | None = None
    design: tuple[tuple[str, tuple[str, ...]], ...] = ()

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

    def scale_label(self, name: str) -> str:
        """The readable label of scale ``name``: its ``label`` in the key, else its name."""
        s = self.scale(name)
        return s.label if s.label is not None else s.name

    def direction(self, name: str) -> str | None:
        """The desirable direction of scale ``name`` (one of :data:`DIRECTIONS`), or None
        when the key does not state it."""
        return self.scale(name).direction

    @property
    def scale_labels(self) -> dict[str, str]:
        """Scale name -> readable label (the name where the key gives no label)."""
        return {s.name: (s.label if s.label is not None else s.name) for s in self.scales}

    @property
    def directions(self) -> dict[str, str | None]:
        """Scale name -> desirable direction (None where the key does not state it)."""
        return {s.name: s.direction for s in self.scales}

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

    @property
    def missing_label_map(self) -> dict[float, str]:
        """Missing code -> its meaning; a code the key does not name gets ``code_<code>``."""
        named = dict(self.missing_labels)
        return {c: named.get(c, f"code_{_num(c)}") for c in self.missing_codes}

    @property
    def design_map(self) -> dict[str, tuple[str, ...]]:
        """Item -> the groups asked it (only the items not asked of everyone)."""
        return dict(self.design)

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
        if self.title is not None:
            out["title"] = self.title
        if self.authors:
            out["authors"] = list(self.authors)
        if self.version is not None:
            out["version"] = self.version
        if self.description is not None:
            out["description"] = self.description
        out["response_scale"] = self.response_scale.to_dict()
        if self.missing_codes and self.missing_labels:
            out["missing_codes"] = {_num(c): lab for c, lab in self.missing_labels}
        elif self.missing_codes:
            out["missing_codes"] = [_num(c) for c in self.missing_codes]
        out["scales"] = {s.name: _scale_to_dict(s) for s in self.scales}
        if self.higher_order:
            out["higher_order"] = {g: list(m) for g, m in self.higher_order}
        if self.aspects:
            out["aspects"] = dict(self.aspects)
        if self.labels:
            out["labels"] = dict(self.labels)
        if self.design_column is not None:
            out["design"] = {"column": self.design_column,
                             "asked": {i: list(g) for i, g in self.design}}
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
            "title": self.title,
            "authors": list(self.authors),
            "description": self.description,
            "source": self.source,
            "sha256": self.sha256(),
            "response_scale": self.response_scale.to_dict(),
            "missing_codes": [_num(c) for c in self.missing_codes],
            "n_scales": len(self.scales),
            "n_items": self.n_items,
            "n_reverse_keyed": len(self.reverse_items),
            "scales": {
                s.name: {"n_items": len(s), "items": list(s.items),
                         "reverse_keyed": list(s.reverse_items),
                         "label": s.label, "direction": s.direction}
                for s in self.scales
            },
            "higher_order": {g: list(m) for g, m in self.higher_order},
            "has_aspects": bool(self.aspects),
            "warnings": notes_to_dicts(self.warnings()),
        }

    def warnings(self) -> list[Note]:
        """Conditions worth a look that do not make the key invalid:
        ``mixed_script_id`` for an item or scale id with lookalike letters."""
        return (mixed_script_ids(self.items, "item id")
                + mixed_script_ids(self.scale_names, "scale name"))


def _scale_to_dict(scale: Scale) -> list[str] | dict[str, Any]:
    """A scale in the file format: the plain item list, or the long form when the scale
    has a label or a direction."""
    if scale.label is None and scale.direction is None:
        return list(scale.keyed)
    out: dict[str, Any] = {"items": list(scale.keyed)}
    if scale.label is not None:
        out["label"] = scale.label
    if scale.direction is not None:
        out["direction"] = scale.direction
    return out


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
        label: str | None = None
        direction: str | None = None
        if isinstance(raw_items, Mapping):
            unknown = [str(f) for f in raw_items if f not in _SCALE_FIELDS]
            if unknown:
                raise InputError(
                    f"{here}: unknown field {unknown[0]!r}; a scale written as a mapping has "
                    f"the fields {', '.join(_SCALE_FIELDS)}. Check the spelling."
                )
            if "items" not in raw_items:
                raise InputError(
                    f"{here}: 'items' is missing. Write e.g. "
                    "{items: [A1, -A2, A3], label: Agreeableness}."
                )
            label = _text(raw_items.get("label"), f"{here}.label")
            direction = _direction(raw_items.get("direction"), f"{here}.direction")
            raw_items = raw_items["items"]
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
        scales.append(Scale(name, tuple(items), tuple(signs), label, direction))
    return tuple(scales)


def _text(value: Any, where: str) -> str | None:
    """Optional free text (a title, a label): None stays None, else non-empty text."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(f"{where}: must be text; got {_kind(value)}. Quote it if needed.")
    text = str(value).strip()
    if not text:
        raise InputError(f"{where}: is empty. Write the text or leave the field out.")
    return text


def _direction(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.strip() not in DIRECTIONS:
        raise InputError(
            f"{where}: must be {' or '.join(DIRECTIONS)}; got {value!r}. Write the "
            "desirable direction of the scale score, or leave the field out."
        )
    return value.strip()


def _authors(value: Any, where: str) -> tuple[str, ...]:
    """Optional authors: a list of names (one name as plain text is read as a list of one)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise InputError(
            f"{where}: must be a list of names; got {_kind(value)}. Write e.g. "
            "[A. Author, B. Author]."
        )
    names: list[str] = []
    for k, v in enumerate(value):
        name = _text(v, f"{where}[{k}]")
        if name is None:
            raise InputError(f"{where}[{k}]: an empty author. Remove it or write the name.")
        names.append(name)
    return tuple(names)


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
    title = _text(data.get("title"), f"{src}: title")
    authors = _authors(data.get("authors"), f"{src}: authors")

    rs = _parse_response_scale(data.get("response_scale"), src)
    scales = _parse_scales(data.get("scales"), src)
    all_items = {i for s in scales for i in s.items}
    scale_names = [s.name for s in scales]

    codes, code_labels = _parse_missing_codes(data.get("missing_codes"), rs, src)

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
        title=title,
        authors=authors,
        source=src,
        missing_labels=code_labels,
        **_parse_design(data.get("design"), all_items, src),
    )


def _parse_missing_codes(raw: Any, rs: ResponseScale, src: str
                         ) -> tuple[tuple[float, ...], tuple[tuple[float, str], ...]]:
    """``missing_codes`` as a list (``[8, 9]``) or a mapping code -> meaning
    (``{8: dont_know, 9: not_applicable}``): the codes, and the labels of the mapping form."""
    labels: list[str] = []
    if isinstance(raw, Mapping):
        # JSON (a scheme file) writes the codes as text keys: "8" is read back as 8
        entries = [_code_key(c) for c in raw]
        for c, lab in raw.items():
            if not isinstance(lab, str) or not lab.strip():
                raise InputError(
                    f"{src}: missing_codes.{c}: must name what the code means; got "
                    f"{_kind(lab)}. Write e.g. {{8: dont_know, 9: not_applicable}}.")
            labels.append(lab.strip())
    else:
        entries = [] if raw is None else raw if isinstance(raw, list) else [raw]
    codes: list[float] = []
    for k, c in enumerate(entries):
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
    if len(set(labels)) != len(labels):
        twice = next(lab for lab in labels if labels.count(lab) > 1)
        raise InputError(f"{src}: missing_codes: the meaning {twice!r} is given to two codes. "
                         "Give each code its own meaning.")
    return tuple(codes), tuple(zip(codes, labels, strict=False)) if labels else ()


def _code_key(code: Any) -> Any:
    """A missing code written as a mapping key; a text key that is a number is that number."""
    if isinstance(code, str):
        try:
            return int(code) if code.strip().lstrip("+-").isdigit() else float(code)
        except ValueError:
            return code
    return code


def _parse_design(raw: Any, all_items: set[str], src: str) -> dict[str, Any]:
    """``design: {column: COL, asked: {ITEM: [GROUP, ...]}}`` -> Key fields."""
    if raw is None:
        return {}
    where = f"{src}: design"
    raw = _mapping(raw, where, "{column: role, asked: {A5: [staff, managers]}}")
    unknown = sorted(set(map(str, raw)) - {"column", "asked"})
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r}; the fields are column "
                         "(the group column of the data) and asked (item -> groups).")
    if "column" not in raw:
        raise InputError(f"{where}: 'column' is missing: name the data column holding each "
                         "respondent's group, e.g. 'column: role'.")
    column = as_id(raw["column"], f"{where}.column")
    asked_raw = _mapping(raw.get("asked") or {}, f"{where}.asked", "{A5: [staff, managers]}")
    asked: list[tuple[str, tuple[str, ...]]] = []
    for i_raw, g_raw in asked_raw.items():
        item = as_id(i_raw, f"{where}.asked (an item id)")
        here = f"{where}.asked.{item}"
        if item not in all_items:
            raise InputError(f"{here}: unknown item {item!r}: it is in no scale. Add it to a "
                             "scale or remove it here.")
        if not isinstance(g_raw, list) or not g_raw:
            raise InputError(f"{here}: must list the groups asked the item; got "
                             f"{_kind(g_raw)}. Write e.g. [staff, managers].")
        groups = [as_id(g, f"{here}[{k}]") for k, g in enumerate(g_raw)]
        if len(set(groups)) != len(groups):
            raise InputError(f"{here}: a group is listed twice. List each group once.")
        asked.append((item, tuple(groups)))
    return {"design_column": column, "design": tuple(asked)}


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
