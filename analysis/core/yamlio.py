"""Safe YAML reading that keeps line numbers and refuses YAML 1.1 surprises.

PyYAML follows YAML 1.1, in which unquoted ``yes``, ``no``, ``on`` and ``off`` are booleans:
an item called ``no`` or a scale called ``ON`` silently turns into ``False`` / ``True``.
:func:`load_yaml` reads with :class:`yaml.SafeLoader` (never the full loader), but every
boolean scalar that was not spelled ``true`` / ``false`` is kept as a :class:`Yaml11Bool`,
which remembers its text and line. Readers accept it where a boolean belongs and report it
(with the line and the fix: quote it) where an identifier belongs.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import yaml

from lospw.analysis.core.errors import InputError

__all__ = ["MAX_YAML_BYTES", "Yaml11Bool", "as_bool", "as_id", "load_yaml", "load_yaml_text"]

#: The largest YAML file read. lospw's YAML files (keys, banks, criteria, rules, populations)
#: are hand-sized; the parser needs about 40 times a file's size in memory.
MAX_YAML_BYTES = 2**20


class Yaml11Bool(str):
    """An unquoted YAML 1.1 boolean word (``yes``, ``No``, ``ON`` ...) with its line."""

    line: int
    value: bool

    def __new__(cls, text: str, line: int, value: bool) -> Yaml11Bool:
        obj = super().__new__(cls, text)
        obj.line = line
        obj.value = value
        return obj


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps YAML 1.1 boolean words and rejects duplicate mapping keys and
    aliases (``*name``: no lospw file needs them, and nested aliases can expand a small
    file into billions of values - the "billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise InputError(
                f"{self.name}: line {mark.line + 1}: YAML aliases ('*name') are not supported "
                "in lospw files. Write the value out in full."
            )
        return super().compose_node(parent, index)


def _construct_bool(loader: _Loader, node: yaml.ScalarNode) -> bool | Yaml11Bool:
    text = node.value
    value = loader.construct_yaml_bool(node)
    if text.lower() in ("true", "false"):
        return value
    return Yaml11Bool(text, node.start_mark.line + 1, value)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise InputError(
                f"{loader.name}: line {key_node.start_mark.line + 1}: a mapping key must be "
                "a plain value; got a list or mapping. Write the key as text."
            ) from None
        if key in seen:
            raise InputError(
                f"{loader.name}: line {key_node.start_mark.line + 1}: the key {key!r} appears "
                f"twice (first on line {seen[key]}). Remove or rename one of them."
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def load_yaml_text(text: str, source: str = "<string>") -> Any:
    """Parse YAML text safely; see :func:`load_yaml`.

    Examples
    --------
    >>> load_yaml_text("a: [x, no]")["a"][1].line
    1
    >>> load_yaml_text("flag: true")
    {'flag': True}
    """
    if len(text) > MAX_YAML_BYTES:
        raise InputError(f"{source}: the YAML text is {len(text) / 2**20:,.1f} MB; lospw reads "
                         f"YAML files up to {MAX_YAML_BYTES // 2**20} MB. Check that it is the "
                         "right file.")
    try:
        loader = _Loader(text)  # the reader already refuses control characters here
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML text ({_one_line(exc)}). Remove control "
                         "characters such as NUL; save the file as plain UTF-8 text.") from None
    loader.name = source
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise InputError(
            f"{source}: {line}not valid YAML ({exc.problem}). Check indentation, colons "
            "and quotes around that place."
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML ({_one_line(exc)}).") from None
    except RecursionError:
        raise InputError(f"{source}: the YAML is nested too deeply to read. Check for "
                         "unbalanced brackets.") from None
    except (ValueError, OverflowError) as exc:  # a number of 5000 digits, a 13th month ...
        why = ("a whole number of more than 4300 digits" if "integer string" in str(exc)
               else _one_line(exc)[:120])
        raise InputError(f"{source}: a value cannot be read ({why}). Correct it, or quote it "
                         "to read it as text.") from None
    finally:
        loader.dispose()


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file with safe loading, line-aware errors and no YAML 1.1 booleans.

    Parameters
    ----------
    path : str or Path
        The file to read (UTF-8, a BOM is tolerated).

    Returns
    -------
    object
        The parsed document; unquoted ``yes/no/on/off`` words are :class:`Yaml11Bool`.

    Raises
    ------
    InputError
        If the file is missing, not UTF-8, not valid YAML, or has a duplicate mapping key.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file. Check the path.")
    if p.stat().st_size > MAX_YAML_BYTES:
        raise InputError(f"{path}: the file is {p.stat().st_size / 2**20:,.1f} MB; lospw reads "
                         f"YAML files up to {MAX_YAML_BYTES // 2**20} MB. Check that it is the "
                         "right file.")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{p}: not UTF-8 text. Save the file as UTF-8.") from None
    return load_yaml_text(text, str(path))


def as_bool(value: Any, where: str) -> bool:
    """Accept a boolean (or a YAML 1.1 boolean word) where a boolean belongs."""
    if isinstance(value, Yaml11Bool):
        return value.value
    if isinstance(value, bool):
        return value
    raise InputError(f"{where}: must be true or false; got {value!r}. Write true or false.")


def as_id(value: Any, where: str) -> str:
    """Accept a non-empty text identifier; refuse booleans, numbers and null with the fix.

    Examples
    --------
    >>> as_id("A1", "scales.A[0]")
    'A1'
    >>> as_id(True, "scales.A[0]")
    Traceback (most recent call last):
    ...
    lospw.analysis.core.errors.InputError: scales.A[0]: an id is needed but YAML read a boolean (True); quote it, e.g. 'true'.
    """
    if isinstance(value, Yaml11Bool):
        raise InputError(
            f"{where}: line {value.line}: the unquoted word {str(value)!r} is read as a YAML "
            f"boolean, not an id; quote it: '{value}'."
        )
    if isinstance(value, bool):
        raise InputError(
            f"{where}: an id is needed but YAML read a boolean ({value}); quote it, e.g. "
            f"'{str(value).lower()}'."
        )
    if value is None:
        raise InputError(f"{where}: an id is needed but the entry is empty. Write the id.")
    if isinstance(value, (int, float)):
        raise InputError(
            f"{where}: an id is needed but YAML read the number {value!r}; quote it: '{value}'."
        )
    if not isinstance(value, str):
        raise InputError(
            f"{where}: an id is needed; got a {type(value).__name__}. Write the id as text."
        )
    # NFC: "café" typed as e + combining accent is the same id as the precomposed one
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise InputError(f"{where}: an id is needed but the entry is blank. Write the id.")
    return text
