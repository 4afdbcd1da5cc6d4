"""The writing systems of identifiers: lookalike ids (a Cyrillic ``А1`` among Latin ``A1``).

An item id typed with one letter from another script looks the same as the intended id but
is a different string, so the item silently fails to match its data column, or matches a
column that is just as wrong. :func:`mixed_script_ids` finds ids whose letters come from
more than one script, and ids written in a script that differs from the other ids'. The
key and the intake report them under the warning code ``mixed_script_id``.

The script of a letter is the first word of its Unicode name (``LATIN``, ``CYRILLIC``,
``GREEK`` ...); digits, punctuation and other symbols have no script.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

from lospw.analysis.core.warnings import Note

__all__ = ["CODE", "mixed_script_ids", "scripts_of", "skeleton"]

CODE = "mixed_script_id"

# Cyrillic and Greek letters that look like Latin ones (upper and lower case).
_LOOKALIKES = str.maketrans(
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0423\u0425"
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0406\u0458\u0408\u0455\u0405"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5"
    "\u03a7\u03bf",
    "ABEKMHOPCTYXaeopcyxiIjJsSABEZHIKMNOPTYXo")


def scripts_of(text: str) -> set[str]:
    """The scripts of the letters of ``text``.

    Examples
    --------
    >>> sorted(scripts_of("A1")), sorted(scripts_of("\\u0410\\u0432")), sorted(scripts_of("x_1"))
    (['LATIN'], ['CYRILLIC'], ['LATIN'])
    """
    out = set()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            out.add(name.split(" ", 1)[0] if name else "UNKNOWN")
    return out


def skeleton(text: str) -> str:
    """``text`` with Cyrillic and Greek lookalikes made Latin, case-folded (for hints).

    Examples
    --------
    >>> skeleton("\u04101") == skeleton("a1")
    True
    """
    return unicodedata.normalize("NFC", text).translate(_LOOKALIKES).casefold()


def mixed_script_ids(ids: Iterable[str], what: str = "id") -> list[Note]:
    """One ``mixed_script_id`` note per id that mixes scripts or differs in script from the
    others.

    Examples
    --------
    >>> print(*mixed_script_ids(["A1", "A2", "\\u04101"], "item id"))
    mixed_script_id: item id '\u04101' is written in CYRILLIC letters while the other ids are LATIN (a lookalike?); retype it
    >>> mixed_script_ids(["A1", "caf\\u00e9"])
    []
    """
    ids = list(dict.fromkeys(ids))
    scripts = {i: scripts_of(i) for i in ids}
    counts = Counter(s for ss in scripts.values() for s in ss)
    main = counts.most_common(1)[0][0] if counts else None
    out = []
    for i, ss in scripts.items():
        if len(ss) > 1:
            out.append(Note(CODE, f"{what} {i!r} mixes {' and '.join(sorted(ss))} letters "
                            "(a lookalike?); retype it", {"id": i}))
        elif ss and main is not None and ss != {main}:
            out.append(Note(CODE, f"{what} {i!r} is written in {next(iter(ss))} letters while "
                            f"the other ids are {main} (a lookalike?); retype it", {"id": i}))
    return out
