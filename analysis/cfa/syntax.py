"""Parse the subset of lavaan model syntax that the CFA engine fits.

Supported (lavaan's ``?model.syntax``): ``=~`` (measurement; a latent variable on the
right-hand side makes a second-order factor), ``~~`` (variances and covariances), ``~``
(regressions among latent variables), ``~ 1`` (intercepts and latent means), ``|``
(thresholds, ``x | t1 + t2``), ``~*~`` (the scaling factor of an ordered item in the delta
parameterization, ``x ~*~ x``), ``==`` (equality of two labels), and the modifiers
``1*x`` (fixed value), ``NA*x`` (free), ``a*x`` or ``"a"*x`` (label; a shared label
means an equality constraint), ``start(0.5)*x`` and per-group vectors ``c(a1, a2)*x``,
``c(1, NA)*x``. The same term written twice in one statement is one parameter whose
modifiers are merged, as lavaan does: ``f =~ c(NA, NA)*x + c(l1, l2)*x`` (how
``semTools::measEq.syntax`` writes a value and a label). Comments start with ``#`` or
``!``; statements end at a newline or ``;`` and continue onto the next line when a line ends
in an operator or ``+``. Anything else (``:=``, ``<``, ``>``, ``<~``, ``%``,
observed-variable regressions handled later) is refused with a one-line
:class:`~lospw.analysis.core.errors.InputError`.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

from lospw.analysis.core.errors import InputError

__all__ = ["Statement", "indicators_and_factors", "parse_model", "split_levels"]

# longest first: the order matters when one operator is a prefix of another
_OPERATORS = ("=~", "~~", "==", ":=", "<~", "~*~", "|", "<", ">", "%", "~")
_SUPPORTED = {"=~", "~~", "~", "|", "==", "~*~"}
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class Statement:
    """One parsed term: ``lhs op rhs`` with its modifiers.

    Attributes
    ----------
    lhs, op, rhs : str
        ``op`` is one of ``=~ ~~ ~ ~1 | ~*~ ==``; for ``~1`` the ``rhs`` is ``""``.
    fixed : tuple or None
        Fixed values, one or one per group; ``None`` inside means ``NA`` (free).
    label : tuple or None
        Labels, one or one per group (``""`` for no label in that group).
    start : tuple or None
        Starting values, one or one per group.
    line : int
        1-based line number in the model text (for messages).
    """

    lhs: str
    op: str
    rhs: str
    fixed: tuple[float | None, ...] | None = None
    label: tuple[str, ...] | None = None
    start: tuple[float | None, ...] | None = None
    line: int = 0


def _split_top(text: str, sep: str) -> list[str]:
    """Split ``text`` at ``sep`` outside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _find_operator(stmt: str) -> tuple[str, int]:
    best = None
    for op in _OPERATORS:
        pos = stmt.find(op)
        if pos < 0:
            continue
        # the first operator in the text wins; at equal position the longer one
        if best is None or pos < best[1] or (pos == best[1] and len(op) > len(best[0])):
            best = (op, pos)
    if best is None:
        raise InputError(f"model syntax: no operator in {stmt!r}. Write e.g. 'f =~ x1 + x2'.")
    # '~~' and '~*~' contain '~'; '=~' contains '~': handled by preferring the longer match
    return best


def _value(tok: str, where: str) -> float | str | None:
    tok = tok.strip()
    if tok in ("NA", "na"):
        return None
    if _NUMBER.match(tok):
        value = float(tok)
        if not math.isfinite(value):
            raise InputError(f"model syntax {where}: the number {tok!r} is too large to be a "
                             "value (it overflows to infinity). Write a finite number.")
        return value
    if len(tok) >= 2 and tok[0] == tok[-1] and tok[0] in "\"'":
        return tok[1:-1]
    if _NAME.match(tok):
        return tok
    raise InputError(f"model syntax {where}: cannot read the modifier {tok!r}. Use a number, "
                     "NA, a label or c(...).")


def _modifier(tok: str, where: str) -> tuple[str, tuple]:
    """Classify one modifier as ('fixed'|'label'|'start', values)."""
    tok = tok.strip()
    m = re.match(r"^(start|c)\((.*)\)$", tok)
    if m and m.group(1) == "start":
        inner = m.group(2).strip()
        inner_m = re.match(r"^c\((.*)\)$", inner)
        vals = [_value(t, where) for t in (inner_m.group(1) if inner_m else inner).split(",")]
        if any(isinstance(v, str) for v in vals):
            raise InputError(f"model syntax {where}: start() takes numbers; got {tok!r}.")
        return "start", tuple(vals)
    vals = [_value(t, where) for t in (m.group(2).split(",") if m else [tok])]
    if all(isinstance(v, str) for v in vals):
        return "label", tuple(vals)
    if any(isinstance(v, str) for v in vals):
        raise InputError(f"model syntax {where}: a modifier mixes labels and numbers ({tok!r}); "
                         "give labels and values in separate modifiers.")
    return "fixed", tuple(vals)


def _statements(text: str) -> list[tuple[str, int]]:
    """Comment-free statements with the line each starts on; continuation lines joined."""
    out: list[tuple[str, int]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = re.split(r"[#!]", raw, maxsplit=1)[0]
        for piece in line.split(";"):
            piece = "".join(piece.split())
            if not piece:
                continue
            continues = out and (
                out[-1][0].endswith(("+", "*", "=~", "~~", "~", "|", "=="))
                or piece.startswith("+")
            )
            if continues:
                out[-1] = (out[-1][0] + piece, out[-1][1])
            else:
                out.append((piece, lineno))
    return out


def parse_model(text: str) -> list[Statement]:
    """Parse lavaan model syntax into a flat list of :class:`Statement`.

    Parameters
    ----------
    text : str
        The model, e.g. ``"visual =~ x1 + x2 + x3"``.

    Returns
    -------
    list of Statement
        One per term, in the order written; ``f1 + f2 =~ x`` expands to two.

    Raises
    ------
    InputError
        Empty model, unknown operator, unreadable modifier, bad variable name.

    Examples
    --------
    >>> st = parse_model("visual =~ x1 + a*x2 + 0.5*x3  # comment\\nvisual ~~ 1*visual")
    >>> [(s.lhs, s.op, s.rhs, s.fixed, s.label) for s in st]   # doctest: +NORMALIZE_WHITESPACE
    [('visual', '=~', 'x1', None, None), ('visual', '=~', 'x2', None, ('a',)),
     ('visual', '=~', 'x3', (0.5,), None), ('visual', '~~', 'visual', (1.0,), None)]
    >>> parse_model("x1 ~ 1")[0].op
    '~1'
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("The model syntax is empty. Give at least one 'factor =~ items' line.")
    result: list[Statement] = []
    for stmt, lineno in _statements(text):
        where = f"line {lineno}"
        op, pos = _find_operator(stmt)
        if op not in _SUPPORTED:
            raise InputError(f"model syntax {where}: the operator {op!r} is not supported by "
                             "lospw's CFA engine (supported: =~ ~~ ~ ~1 | ~*~ ==).")
        lhs_text, rhs_text = stmt[:pos], stmt[pos + len(op):]
        if not lhs_text or not rhs_text:
            raise InputError(f"model syntax {where}: {stmt!r} needs something on both sides of "
                             f"{op!r}.")
        if op == "==":
            a, b = lhs_text, rhs_text
            if not (_NAME.match(a) and _NAME.match(b)):
                raise InputError(f"model syntax {where}: '==' takes two labels; got {stmt!r}.")
            result.append(Statement(a, "==", b, line=lineno))
            continue
        lhs_names = lhs_text.split("+")
        for name in lhs_names:
            if not _NAME.match(name):
                raise InputError(f"model syntax {where}: {name!r} is not a valid variable name.")
        terms: dict[str, dict[str, tuple]] = {}
        for term in _split_top(rhs_text, "+"):
            if not term:
                raise InputError(f"model syntax {where}: empty term in {stmt!r}.")
            parts = _split_top(term, "*")
            var = parts[-1]
            mods = terms.setdefault(var, {})   # a repeated term merges its modifiers
            for tok in parts[:-1]:
                kind, vals = _modifier(tok, where)
                if kind in mods:
                    raise InputError(f"model syntax {where}: two {kind} modifiers on {var!r} "
                                     f"in {stmt!r}. Give one value, one label, one start.")
                mods[kind] = vals
        for var, mods in terms.items():
            the_op, rhs = op, var
            if op == "~" and var == "1":
                the_op, rhs = "~1", ""
            elif not _NAME.match(var):
                raise InputError(f"model syntax {where}: {var!r} is not a valid variable name.")
            if op == "|" and not re.match(r"^t\d+$", var):
                raise InputError(f"model syntax {where}: thresholds are named t1, t2, ...; got "
                                 f"{var!r}.")
            if op == "=~" and rhs in lhs_names:
                raise InputError(f"model syntax {where}: {rhs!r} cannot measure itself "
                                 f"({stmt!r}). Name the factor differently from its items.")
            if op == "~*~" and lhs_names != [rhs]:
                raise InputError(f"model syntax {where}: a scaling factor is written "
                                 f"'x ~*~ x' (the same item on both sides); got {stmt!r}.")
            for lhs in lhs_names:
                result.append(Statement(lhs, the_op, rhs, mods.get("fixed"), mods.get("label"),
                                        mods.get("start"), lineno))
    return result


def indicators_and_factors(statements: list[Statement]) -> tuple[list[str], list[str]]:
    """The observed indicators and the latent variables of a model, in order of appearance.

    Latent variables are the left-hand sides of ``=~``; indicators the right-hand sides that
    are not latent (a latent right-hand side makes a second-order factor).

    Examples
    --------
    >>> indicators_and_factors(parse_model("g =~ f1 + f2\\nf1 =~ a + b\\nf2 =~ c + d"))
    (['a', 'b', 'c', 'd'], ['g', 'f1', 'f2'])
    """
    lv = list(dict.fromkeys(s.lhs for s in statements if s.op == "=~"))
    ov = list(dict.fromkeys(s.rhs for s in statements if s.op == "=~" and s.rhs not in lv))
    return ov, lv


_LEVEL = re.compile(r"^\s*level\s*:\s*([A-Za-z0-9_.]+)\s*(?:[#!].*)?$", re.IGNORECASE)
_LEVEL_NAMES = {"1": 1, "within": 1, "2": 2, "between": 2}


def split_levels(text: str) -> tuple[str, str] | None:
    """Split two-level syntax into its ``level: 1`` and ``level: 2`` blocks.

    lavaan writes a two-level model as two blocks, each opened by a line ``level: 1``
    (the within level, also ``level: within``) or ``level: 2`` (between, ``level:
    between``). Each returned block keeps the original line numbering (the other block's
    lines are blanked), so :func:`parse_model` reports the user's line numbers.

    Parameters
    ----------
    text : str
        The model syntax.

    Returns
    -------
    (within, between) or None
        None when the text has no ``level:`` line (a single-level model).

    Raises
    ------
    InputError
        Statements before the first ``level:`` line, an unknown or repeated level, or a
        block missing.

    Examples
    --------
    >>> w, b = split_levels("level: 1\\n f =~ y1 + y2 + y3\\nlevel: 2\\n f =~ y1 + y2 + y3")
    >>> [s.line for s in parse_model(b)]
    [4, 4, 4]
    >>> split_levels("f =~ y1 + y2 + y3") is None
    True
    """
    if not isinstance(text, str):
        return None
    lines = text.splitlines()
    heads = [(i, _LEVEL.match(line)) for i, line in enumerate(lines)]
    heads = [(i, m.group(1)) for i, m in heads if m]
    if not heads:
        return None
    blocks: dict[int, list[str]] = {}
    first = heads[0][0]
    before = [ln for ln in lines[:first] if re.split(r"[#!]", ln, maxsplit=1)[0].strip()]
    if before:
        raise InputError(f"model syntax line {lines.index(before[0]) + 1}: a two-level model "
                         "starts with 'level: 1'; every statement belongs to a level block.")
    bounds = [*heads, (len(lines), "")]
    for (start, name), (end, _) in itertools.pairwise(bounds):
        level = _LEVEL_NAMES.get(name.lower())
        if level is None:
            raise InputError(f"model syntax line {start + 1}: unknown level {name!r}; write "
                             "'level: 1' (within) or 'level: 2' (between).")
        if level in blocks:
            raise InputError(f"model syntax line {start + 1}: level {level} is given twice. "
                             "Write each level's block once.")
        block = [""] * len(lines)
        block[start + 1:end] = lines[start + 1:end]
        blocks[level] = block
    for level in (1, 2):
        body = blocks.get(level)
        if body is None or not any(re.split(r"[#!]", ln, maxsplit=1)[0].strip() for ln in body):
            raise InputError(f"model syntax: the 'level: {level}' block is missing or empty. "
                             "A two-level model needs a within (level: 1) and a between "
                             "(level: 2) block.")
    return "\n".join(blocks[1]), "\n".join(blocks[2])
