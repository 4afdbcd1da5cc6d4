"""The parameter table: every model parameter as one row, as lavaan's ``parTable()``.

:func:`build_partable` turns parsed syntax (:mod:`lospw.analysis.cfa.syntax`) plus the options of
lavaan's ``cfa()`` into the full table: the user's rows first, then the default rows lavaan
adds (thresholds, residual variances, latent variances, covariances among exogenous latent
variables, scaling factors, intercepts and latent means), repeated per group. Defaults follow
``lavaan::cfa`` 0.6.14 (``lav_partable_flat``): the first loading of each factor fixed to 1
(unless ``std_lv``), residual variances and latent (co)variances free, intercepts free and
latent means fixed to 0 when there is a mean structure. Equality constraints come from shared
labels, ``==`` lines and ``group_equal`` (lavaan's ``lav_partable_labels``); each set of equal
free parameters maps to ONE entry of the estimation vector (column ``x``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from lospw.analysis.cfa.syntax import Statement
from lospw.analysis.core.errors import InputError

__all__ = ["GROUP_EQUAL", "ParTable", "build_partable"]

GROUP_EQUAL = ("loadings", "intercepts", "means", "thresholds", "regressions", "residuals",
               "residual.covariances", "lv.variances", "lv.covariances")


@dataclass(frozen=True)
class ParTable:
    """A lavaan-like parameter table plus the variable names it defines.

    Attributes
    ----------
    table : DataFrame
        One row per parameter: ``id lhs op rhs group user free ustart label plabel x``.
        ``free`` numbers the free rows 1.. as lavaan does (0 = fixed); ``x`` is the 0-based
        index into the estimation vector (-1 = fixed); rows held equal share one ``x``.
    ov_names, lv_names : tuple of str
        Observed and latent variables in lavaan's order.
    ordered : tuple of str
        The ordered (categorical) observed variables.
    ngroups : int
    meanstructure : bool
    parameterization : {"delta", "theta"}
        How ordered items are scaled (lavaan's ``parameterization``): ``delta`` makes the
        scaling factors (``~*~``) parameters and the residual variances of y* computed;
        ``theta`` the reverse.
    """

    table: pd.DataFrame
    ov_names: tuple[str, ...]
    lv_names: tuple[str, ...]
    ordered: tuple[str, ...]
    ngroups: int
    meanstructure: bool
    parameterization: str = "delta"

    @property
    def nx(self) -> int:
        """Length of the estimation vector (free parameters after equality constraints)."""
        x = self.table["x"].to_numpy()
        return int(x.max()) + 1 if (x >= 0).any() else 0

    @property
    def npar(self) -> int:
        """Free parameters after equality constraints (lavaan's fitMeasures ``npar``)."""
        return self.nx


def _canon(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    if op == "~~" and rhs < lhs:
        return (rhs, op, lhs)
    return (lhs, op, rhs)


def _expand(values: tuple | None, ngroups: int, st: Statement, what: str) -> list | None:
    if values is None:
        return None
    if len(values) == 1:
        return list(values) * ngroups
    if len(values) != ngroups:
        raise InputError(
            f"model syntax line {st.line}: the {what} modifier of '{st.lhs} {st.op} {st.rhs}' "
            f"has {len(values)} values but there are {ngroups} groups. Give one value or one "
            "per group."
        )
    return list(values)


def _variables(statements: Sequence[Statement], observed: Sequence[str] = ()
               ) -> tuple[list[str], list[str]]:
    lv = list(dict.fromkeys(s.lhs for s in statements if s.op == "=~"))
    if not lv and not observed:
        raise InputError("The model defines no latent variable. Write at least one "
                         "'factor =~ item1 + item2 + ...' line.")
    ov = list(dict.fromkeys(s.rhs for s in statements if s.op == "=~" and s.rhs not in lv))
    ov += [v for v in dict.fromkeys(observed) if v not in ov and v not in lv]
    for s in statements:
        if s.op == "~":
            for v in (s.lhs, s.rhs):
                if v not in lv:
                    raise InputError(
                        f"model syntax line {s.line}: '{s.lhs} ~ {s.rhs}' regresses on or "
                        f"predicts the observed variable {v!r}; the CFA engine supports "
                        "regressions among latent variables only."
                    )
        elif s.op in ("~~", "~1", "|"):
            for v in (s.lhs, s.rhs) if s.op == "~~" else (s.lhs,):
                if v not in lv and v not in ov:
                    raise InputError(
                        f"model syntax line {s.line}: {v!r} is neither a latent variable nor "
                        "an indicator of one. Add it to a factor or remove the line."
                    )
    return ov, lv


def build_partable(statements: Sequence[Statement], *, ngroups: int = 1, std_lv: bool = False,
                   meanstructure: bool = False, orthogonal: bool = False,
                   ordered: dict[str, int] | None = None,
                   group_equal: Sequence[str] = (),
                   group_partial: Sequence[str] = (),
                   parameterization: str = "delta",
                   observed: Sequence[str] = ()) -> ParTable:
    """Build the full parameter table with lavaan ``cfa()`` defaults.

    Parameters
    ----------
    statements : list of Statement
        From :func:`lospw.analysis.cfa.syntax.parse_model`.
    ngroups : int
        Number of groups; the table repeats per group.
    std_lv : bool
        Identify factors by fixing their variances to 1 (loadings all free) instead of
        fixing the first loading to 1.
    meanstructure : bool
        Add intercepts (free) and latent means (fixed to 0; free in groups 2.. when
        intercepts or thresholds are equal across groups and means are not).
    orthogonal : bool
        Fix the default covariances among exogenous latent variables to 0.
    ordered : dict
        Ordered observed variable -> number of thresholds.
    group_equal : sequence of str
        lavaan's ``group.equal`` names (see :data:`GROUP_EQUAL`).
    group_partial : sequence of str
        Parameters exempt from ``group_equal``, e.g. ``"x3 ~ 1"``, ``"visual =~ x2"``.
    parameterization : {"delta", "theta"}
        For ordered items (lavaan's option): in ``delta`` the scaling factors ``~*~`` are
        fixed to 1 (free in groups 2.. when thresholds are equal) and the residual variances
        are computed; in ``theta`` the residual variances are fixed to 1 (free in groups 2..
        when thresholds are equal) and the scaling factors are computed.
    observed : sequence of str
        Observed variables of the model besides the factors' indicators (a level of a
        two-level model may name items only in ``~~`` lines, e.g. a saturated level); with
        them a model without latent variables is accepted.

    Returns
    -------
    ParTable

    Examples
    --------
    >>> from lospw.analysis.cfa.syntax import parse_model
    >>> pt = build_partable(parse_model("f =~ a + b + c"))
    >>> pt.table[["lhs", "op", "rhs", "free", "ustart"]].to_string(index=False)
    ... # doctest: +NORMALIZE_WHITESPACE
    'lhs op rhs free ustart\\n f =~ a 0 1.0\\n f =~ b 1 NaN\\n f =~ c 2 NaN\\n a ~~ a 3 NaN\\n
      b ~~ b 4 NaN\\n c ~~ c 5 NaN\\n f ~~ f 6 NaN'
    >>> pt.npar
    6
    """
    ordered = dict(ordered or {})
    if parameterization not in ("delta", "theta"):
        raise InputError(f"The 'parameterization' option must be 'delta' or 'theta'; got "
                         f"{parameterization!r}.")
    bad = [g for g in group_equal if g not in GROUP_EQUAL]
    if bad:
        raise InputError(f"The 'group_equal' option takes {', '.join(GROUP_EQUAL)}; got "
                         f"{', '.join(map(repr, bad))}.")
    eq_statements = [s for s in statements if s.op == "=="]
    statements = [s for s in statements if s.op != "=="]
    ov, lv = _variables(statements, observed)
    ord_names = [v for v in ov if v in ordered]
    v_ind = {s.rhs for s in statements if s.op == "=~"}
    eqs_y = {s.lhs for s in statements if s.op == "~"}
    eqs_x = {s.rhs for s in statements if s.op == "~"}
    lv_x = [f for f in lv if f not in v_ind and f not in eqs_y]
    lv_y = [f for f in lv if f in eqs_y and f not in v_ind and f not in eqs_x]
    meanstructure = meanstructure or any(s.op == "~1" for s in statements) or bool(ord_names)
    for s in statements:
        if s.op == "~*~" and s.lhs not in ord_names:
            raise InputError(f"model syntax line {s.line}: '{s.lhs} ~*~ {s.rhs}' sets the "
                             f"scaling factor of {s.lhs!r}, which is not an ordered item; "
                             "scaling factors exist for ordered items (WLSMV) only.")
        if s.op == "~*~" and parameterization == "theta":
            raise InputError(f"model syntax line {s.line}: '{s.lhs} ~*~ {s.rhs}' sets a "
                             "scaling factor, which the theta parameterization computes; set "
                             f"the residual variance instead ('{s.lhs} ~~ {s.lhs}').")

    # user rows (duplicates are an error: lavaan ignores them with a warning)
    user_rows: list[tuple[str, str, str]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for s in statements:
        key = _canon(s.lhs, s.op, s.rhs)
        if key in seen:
            raise InputError(f"model syntax line {s.line}: '{s.lhs} {s.op} {s.rhs}' is given "
                             "twice. Keep one.")
        seen[key] = len(user_rows)
        user_rows.append((s.lhs, s.op, s.rhs))

    default: list[tuple[str, str, str]] = []
    for o in ord_names:
        default += [(o, "|", f"t{k}") for k in range(1, ordered[o] + 1)]
    default += [(v, "~~", v) for v in ov + lv]
    default += [(a, "~~", b) for a, b in combinations(lv_x, 2)]
    default += [(a, "~~", b) for a, b in combinations(lv_y, 2)]
    default += [(o, "~*~", o) for o in ord_names]
    if meanstructure:
        default += [(v, "~1", "") for v in ov + lv]
    default = [d for d in default if _canon(*d) not in seen]

    rows = user_rows + default
    n = len(rows)
    lhs = np.array([r[0] for r in rows], dtype=object)
    op = np.array([r[1] for r in rows], dtype=object)
    rhs = np.array([r[2] for r in rows], dtype=object)
    user = np.array([1] * len(user_rows) + [0] * len(default))
    free = np.ones(n, dtype=int)
    ustart = np.full(n, np.nan)
    lvset, ordset = set(lv), set(ord_names)

    def fix(mask: np.ndarray, value: float) -> None:
        free[mask] = 0
        ustart[mask] = value

    is_default = user == 0
    if std_lv:
        fix((op == "~~") & (lhs == rhs) & np.isin(lhs, lv), 1.0)
    else:
        first: dict[str, int] = {}
        for i in range(n):
            if op[i] == "=~" and lhs[i] not in first:
                first[lhs[i]] = i
        fix(np.isin(np.arange(n), list(first.values())), 1.0)
    # auto.fix.single: a factor with one indicator -> that indicator's residual variance = 0
    counts = pd.Series([r for r, o in zip(lhs, op, strict=True) if o == "=~"]).value_counts()
    for f in counts.index[counts == 1]:
        ind = [rhs[i] for i in range(n) if op[i] == "=~" and lhs[i] == f]
        if ind and ind[0] not in lvset and sum(1 for i in range(n) if op[i] == "=~"
                                                 and rhs[i] == ind[0]) == 1:
            fix(is_default & (op == "~~") & (lhs == ind[0]) & (rhs == ind[0]), 0.0)
    if orthogonal:
        fix(is_default & (op == "~~") & np.isin(lhs, lv) & np.isin(rhs, lv) & (lhs != rhs), 0.0)
    if meanstructure:
        fix(is_default & (op == "~1") & np.isin(lhs, list(ordset)), 0.0)
        fix(is_default & (op == "~1") & np.isin(lhs, lv), 0.0)
    fix(is_default & (op == "~~") & (lhs == rhs) & np.isin(lhs, list(ordset)), 1.0)
    fix(is_default & (op == "~*~"), 1.0)

    # replicate per group, then free what group 2.. needs
    G = ngroups
    group = np.repeat(np.arange(1, G + 1), n)
    lhs, op, rhs = np.tile(lhs, G), np.tile(op, G), np.tile(rhs, G)
    user, free, ustart = np.tile(user, G), np.tile(free, G), np.tile(ustart, G)
    stmt_index = np.tile(np.r_[np.arange(len(user_rows)), np.full(len(default), -1)], G)
    later = group > 1
    dflt = user == 0
    if meanstructure and ("intercepts" in group_equal or "thresholds" in group_equal) \
            and "means" not in group_equal:
        m = later & dflt & (op == "~1") & np.isin(lhs, lv)
        free[m], ustart[m] = 1, np.nan
    if std_lv and "loadings" in group_equal and "lv.variances" not in group_equal:
        m = later & dflt & (op == "~~") & (lhs == rhs) & np.isin(lhs, lv)
        free[m], ustart[m] = 1, np.nan
    if "thresholds" in group_equal:
        scale = (op == "~*~") if parameterization == "delta" else \
            dflt & (op == "~~") & (lhs == rhs) & np.isin(lhs, list(ordset))
        m = later & scale
        free[m], ustart[m] = 1, np.nan

    # modifiers (per group)
    label = np.array([""] * len(lhs), dtype=object)
    for k, s in enumerate(statements):
        idx = np.flatnonzero(stmt_index == k)
        fixed = _expand(s.fixed, G, s, "fixed-value")
        start = _expand(s.start, G, s, "start")
        lab = _expand(s.label, G, s, "label")
        for g, i in enumerate(idx):
            if fixed is not None:
                if fixed[g] is None:
                    free[i], ustart[i] = 1, np.nan
                else:
                    free[i], ustart[i] = 0, fixed[g]
            if start is not None and start[g] is not None:
                ustart[i] = start[g]
            if lab is not None:
                label[i] = lab[g]

    # labels as lavaan's lav_partable_labels: equal labels = equal parameters
    LABEL = np.array([f"{a}{b}{c}" + (f".g{g}" if g > 1 else "")
                      for a, b, c, g in zip(lhs, op, rhs, group, strict=True)], dtype=object)
    if G > 1 and group_equal:
        g1 = np.zeros(len(lhs), dtype=bool)
        first = group == 1
        isov, islv = np.isin(lhs, ov), np.isin(lhs, lv)
        ge = set(group_equal)
        if "loadings" in ge:
            g1 |= first & (op == "=~")
        if "intercepts" in ge:
            g1 |= first & (op == "~1") & isov
        if "thresholds" in ge:
            g1 |= first & (op == "|") & np.isin(lhs, list(ordset))
        if "means" in ge:
            g1 |= first & (op == "~1") & islv
        if "regressions" in ge:
            g1 |= first & (op == "~")
        if "residuals" in ge:
            g1 |= first & (op == "~~") & isov & (lhs == rhs)
        if "residual.covariances" in ge:
            g1 |= first & (op == "~~") & isov & (lhs != rhs)
        if "lv.variances" in ge:
            g1 |= first & (op == "~~") & islv & (lhs == rhs)
        if "lv.covariances" in ge:
            g1 |= first & (op == "~~") & islv & (lhs != rhs)
        partial = {"".join(str(p).split()) for p in group_partial}
        g1 &= ~np.isin(LABEL, list(partial))
        for i in np.flatnonzero(g1):
            m = (lhs == lhs[i]) & (op == op[i]) & (rhs == rhs[i]) & (group > 1)
            LABEL[m] = LABEL[i]
    elif group_partial and G == 1:
        pass
    has_user_label = label != ""
    LABEL[has_user_label] = label[has_user_label]
    # '==' lines merge two labels
    for s in eq_statements:
        for name in (s.lhs, s.rhs):
            if name not in set(LABEL[has_user_label]):
                raise InputError(f"model syntax line {s.line}: '{s.lhs} == {s.rhs}' uses the "
                                 f"unknown label {name!r}. Label parameters first, e.g. "
                                 f"'f =~ {name}*x2'.")
        LABEL[LABEL == s.rhs] = s.lhs

    nrow = len(lhs)
    plabel = np.array([f".p{i + 1}." for i in range(nrow)], dtype=object)
    eq_ref = np.arange(nrow)
    _, inverse, cnt = np.unique(LABEL, return_inverse=True, return_counts=True)
    for k in np.flatnonzero(cnt > 1):
        members = np.flatnonzero(inverse == k)
        fixed_members = members[free[members] == 0]
        if len(fixed_members):
            ustart[members] = ustart[fixed_members[0]]
            free[members] = 0
        else:
            eq_ref[members] = members[0]
            no_label = members[label[members] == ""]
            label[no_label] = plabel[members[0]]

    free_num = np.zeros(nrow, dtype=int)
    free_num[free > 0] = np.arange(1, int((free > 0).sum()) + 1)
    x = np.full(nrow, -1)
    nxt = 0
    for i in range(nrow):
        if free[i] > 0:
            if eq_ref[i] == i:
                x[i] = nxt
                nxt += 1
            else:
                x[i] = x[eq_ref[i]]
    table = pd.DataFrame({
        "id": np.arange(1, nrow + 1), "lhs": lhs.astype(str), "op": op.astype(str),
        "rhs": rhs.astype(str), "group": group, "user": user, "free": free_num,
        "ustart": ustart, "label": label.astype(str), "plabel": plabel.astype(str), "x": x,
    })
    return ParTable(table, tuple(ov), tuple(lv), tuple(ord_names), G, bool(meanstructure),
                    parameterization)
