"""Decisions of the Delphi stage: keep / revise / drop per item and round, stop / go on.

:func:`decide_item` applies the rules to one item's statistics, :func:`round_verdict`
decides whether the panel stops after a round, and :func:`run_delphi` runs the whole stage
on checked ratings and returns a frozen :class:`DelphiResult`. Decisions are made on the
whole panel's statistics; the per-group tables describe, they do not decide.

The final decision of an item is its decision in the last round that rated it; it maps to
the bank statuses ``keep -> retained``, ``revise -> revised``, ``drop -> dropped`` (so a
revised item that a later round kept ends ``retained``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lospw.instrument.delphi.ratings import Ratings
from lospw.instrument.delphi.rules import Rules
from lospw.instrument.delphi.tables import (
    attrition_table,
    item_table,
    round_table,
    stability_table,
)

__all__ = ["DECISIONS", "STATUS", "DelphiResult", "decide_item", "round_verdict",
           "run_delphi"]

DECISIONS = ("keep", "revise", "drop")
STATUS = {"keep": "retained", "revise": "revised", "drop": "dropped"}


def _cut(x: float, decimals: int | None) -> float:
    """``x`` rounded half away from zero to ``decimals`` places, for comparisons only."""
    if decimals is None or math.isnan(x):
        return x
    f = 10.0**decimals
    return math.copysign(math.floor(abs(x) * f + 0.5 + 1e-9) / f, x)


def _f(x: float) -> str:
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def decide_item(s: Mapping[str, Any], rules: Rules) -> tuple[str, str]:
    """Keep, revise or drop one item from its statistics in one round.

    Parameters
    ----------
    s : mapping
        The item's statistics (:func:`lospw.instrument.delphi.tables.item_statistics`).
    rules : Rules

    Returns
    -------
    (decision, reason)
        ``decision`` in :data:`DECISIONS`; ``reason`` one line with the figures and the
        thresholds that decided.

    Notes
    -----
    Method ``cvi``: keep when ``I-CVI >= keep.i_cvi_min`` and ``kappa* > keep.kappa_above``
    (and, if asked, ``CVR >= CVR_crit``); otherwise revise when ``I-CVI >=
    revise.i_cvi_min`` and ``kappa* >= revise.kappa_min``; otherwise drop. Method
    ``rand_ucla``: revise on disagreement; keep when the median is ``>= appropriate_min``;
    drop when it is ``<= inappropriate_max``; revise otherwise. Either way a kept item whose
    clarity index is below ``clarity.revise_below`` is revised, and an item with fewer than
    ``min_raters`` ratings is revised. Statistics are rounded to ``compare_decimals``
    before the comparison.

    Examples
    --------
    >>> from lospw.instrument.delphi.rules import load_rules
    >>> decide_item({"n": 10, "i_cvi": 0.8, "kappa": 0.7908, "clarity_n": 0}, load_rules())
    ('keep', 'relevant: I-CVI 0.80 >= 0.78 and kappa* 0.79 > 0.74')
    >>> decide_item({"n": 10, "i_cvi": 0.5, "kappa": 0.3, "clarity_n": 0}, load_rules())[0]
    'drop'
    """
    n = int(s.get("n", 0))
    if n < rules.min_raters:
        return "revise", (f"too few ratings: n = {n} < min_raters {rules.min_raters}; "
                          "rate it again")
    d = rules.compare_decimals
    if rules.method == "rand_ucla":
        ru = rules.rand_ucla
        med = s["median"]
        if s.get("disagreement"):
            decision, reason = "revise", (
                f"disagreement: IPR {_f(s['ipr'])} > IPRAS {_f(s['ipras'])} (uncertain)")
        elif med >= ru.appropriate_min:
            decision, reason = "keep", (
                f"appropriate: median {med:g} >= {ru.appropriate_min:g} without disagreement")
        elif med <= ru.inappropriate_max:
            decision, reason = "drop", (
                f"inappropriate: median {med:g} <= {ru.inappropriate_max:g} without "
                "disagreement")
        else:
            decision, reason = "revise", (
                f"uncertain: median {med:g} between {ru.inappropriate_max:g} and "
                f"{ru.appropriate_min:g}")
    else:
        icvi, kap = _cut(s["i_cvi"], d), _cut(s["kappa"], d)
        ok_i = icvi >= rules.keep_i_cvi_min
        ok_k = kap > rules.keep_kappa_above
        ok_cvr = True
        cvr_note = ""
        if rules.keep_cvr_critical:
            crit = s.get("cvr_critical", math.nan)
            ok_cvr = not math.isnan(crit) and _cut(s["cvr"], d) >= _cut(crit, d)
            cvr_note = f" and CVR {_f(s['cvr'])} >= {_f(crit)}"
        if ok_i and ok_k and ok_cvr:
            decision, reason = "keep", (
                f"relevant: I-CVI {_f(s['i_cvi'])} >= {rules.keep_i_cvi_min:.2f} and kappa* "
                f"{_f(s['kappa'])} > {rules.keep_kappa_above:.2f}{cvr_note}")
        elif icvi >= rules.revise_i_cvi_min and kap >= rules.revise_kappa_min:
            why = [f"I-CVI {_f(s['i_cvi'])}", f"kappa* {_f(s['kappa'])}"]
            if rules.keep_cvr_critical and ok_i and ok_k:
                why.append(f"CVR {_f(s['cvr'])} < critical {_f(s.get('cvr_critical'))}")
            decision, reason = "revise", (
                f"doubtful relevance: {', '.join(why)} below the keep thresholds (I-CVI >= "
                f"{rules.keep_i_cvi_min:.2f}, kappa* > {rules.keep_kappa_above:.2f}) but at "
                f"or above the revise thresholds ({rules.revise_i_cvi_min:.2f}, "
                f"{rules.revise_kappa_min:.2f})")
        else:
            low = []
            if icvi < rules.revise_i_cvi_min:
                low.append(f"I-CVI {_f(s['i_cvi'])} < {rules.revise_i_cvi_min:.2f}")
            if kap < rules.revise_kappa_min:
                low.append(f"kappa* {_f(s['kappa'])} < {rules.revise_kappa_min:.2f}")
            decision, reason = "drop", "not relevant: " + " and ".join(low)
    if decision == "keep" and int(s.get("clarity_n", 0) or 0) > 0:
        ci = s["clarity_index"]
        if _cut(ci, d) < rules.clarity_revise_below:
            why = reason.split(": ", 1)[-1]
            decision, reason = "revise", (
                f"unclear wording: clarity index {_f(ci)} < {rules.clarity_revise_below:.2f} "
                f"although relevant ({why}); reword it")
    return decision, reason


def round_verdict(round_no: int, decisions: pd.Series, stability: pd.DataFrame | None,
                  rules: Rules, is_first: bool) -> tuple[str, str]:
    """Stop or go on after a round.

    Parameters
    ----------
    round_no : int
    decisions : Series
        The round's decisions (keep / revise / drop), one per item rated.
    stability : DataFrame or None
        The stability rows of the items rated in the previous round and this one
        (:func:`lospw.instrument.delphi.tables.stability_table`); None after the first round.
    rules : Rules
    is_first : bool
        Whether this is the panel's first round (no stability yet).

    Returns
    -------
    (verdict, reason)
        ``verdict`` is ``"stop"`` or ``"go_on"``.

    Examples
    --------
    >>> from lospw.instrument.delphi.rules import load_rules
    >>> round_verdict(1, pd.Series(["keep", "revise"]), None, load_rules(), True)
    ('go_on', 'go on: 1 item to revise and rate again in round 2')
    """
    st = rules.stop
    n_rev = int((decisions == "revise").sum())
    if round_no >= st.max_rounds:
        return "stop", f"stop: round {round_no} is the last allowed (max_rounds {st.max_rounds})"
    if st.consensus and n_rev == 0:
        return "stop", f"stop: consensus, every item rated in round {round_no} is kept or dropped"
    if st.stability and not is_first and stability is not None and len(stability):
        share = float(stability["stable"].mean())
        if share >= st.stable_share - 1e-12:
            return "stop", (
                f"stop: stability, {share:.0%} of the {len(stability)} items rated again are "
                f"stable (no significant change at alpha {st.alpha:g}, agreement change "
                f"<= {st.max_agreement_change:.0%}; needed {st.stable_share:.0%})")
    noun = "item" if n_rev == 1 else "items"
    return "go_on", f"go on: {n_rev} {noun} to revise and rate again in round {round_no + 1}"


@dataclass(frozen=True)
class DelphiResult:
    """Everything the Delphi stage computed; tables are tidy frames.

    Attributes
    ----------
    items : DataFrame
        Per round and item: the statistics, ``decision`` and ``reason``.
    rounds : DataFrame
        Per round: panel size, S-CVI/Ave, S-CVI/UA, Kendall's W, decision counts,
        ``n_left`` / ``n_joined`` since the previous round, ``verdict`` and
        ``verdict_reason``.
    stability : DataFrame
        Per item between consecutive rounds (Wilcoxon, change in % agreement, ``stable``).
    attrition : DataFrame
        Panelists who left or joined, per group and in all.
    items_by_group, rounds_by_group, stability_by_group : DataFrame
        The same statistics per stakeholder group (empty without a group column).
    final : DataFrame
        Per item: ``last_round``, ``decision`` there, ``status`` for the bank and the
        ``reason``.
    rules : Rules
    ratings : Ratings
    """

    items: pd.DataFrame
    rounds: pd.DataFrame
    stability: pd.DataFrame
    attrition: pd.DataFrame
    items_by_group: pd.DataFrame
    rounds_by_group: pd.DataFrame
    stability_by_group: pd.DataFrame
    final: pd.DataFrame
    rules: Rules
    ratings: Ratings

    @property
    def statuses(self) -> dict[str, str]:
        """Item -> new bank status (retained / revised / dropped)."""
        return dict(zip(self.final["item"], self.final["status"], strict=True))

    @property
    def verdict(self) -> str:
        """The verdict after the last round: ``stop`` or ``go_on``."""
        return str(self.rounds["verdict"].iloc[-1])

    def summary(self) -> dict[str, Any]:
        """The ``--json`` shape: ``{"items": [...], "rounds": [...]}`` plus the outcome."""
        item_cols = ["round", "item", "n", "i_cvi", "kappa", "cvr", "median", "iqr",
                     "agreement", "decision"]
        round_cols = ["round", "n_panelists", "s_cvi_ave", "s_cvi_ua", "kendall_w",
                      "n_keep", "n_revise", "n_drop", "verdict"]
        counts = self.final["status"].value_counts()
        return {
            "items": self.items[item_cols].to_dict(orient="records"),
            "rounds": self.rounds[round_cols].to_dict(orient="records"),
            "final": {s: int(counts.get(s, 0)) for s in ("retained", "revised", "dropped")},
            "verdict": self.verdict,
            "verdict_reason": str(self.rounds["verdict_reason"].iloc[-1]),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": self.rules.to_dict(),
            "ratings": self.ratings.to_dict(),
            "items": self.items, "rounds": self.rounds, "stability": self.stability,
            "attrition": self.attrition, "final": self.final,
        }


def run_delphi(ratings: Ratings, rules: Rules, by_group: bool = True) -> DelphiResult:
    """Statistics, decisions and verdicts of every round of a Delphi panel.

    Parameters
    ----------
    ratings : Ratings
        Checked ratings (:func:`lospw.instrument.delphi.ratings.read_ratings`).
    rules : Rules
    by_group : bool
        Also compute the per-group tables (left empty when False).

    Returns
    -------
    DelphiResult
    """
    items = item_table(ratings, rules)
    decided = [decide_item(row, rules) for row in items.to_dict(orient="records")]
    items["decision"] = [d for d, _ in decided]
    items["reason"] = [r for _, r in decided]
    stability = stability_table(ratings, items, rules)
    attrition = attrition_table(ratings)
    rounds = round_table(ratings, items)
    all_rows = attrition[attrition["group"] == "(all)"].set_index("round_to")
    verdicts = []
    counts: dict[str, list[int]] = {d: [] for d in DECISIONS}
    left, joined = [], []
    for k, r in enumerate(rounds["round"]):
        dec = items.loc[items["round"] == r, "decision"]
        for d in DECISIONS:
            counts[d].append(int((dec == d).sum()))
        st = stability[stability["round_to"] == r] if k else None
        verdicts.append(round_verdict(int(r), dec, st, rules, is_first=k == 0))
        left.append(int(all_rows.loc[r, "n_left"]) if r in all_rows.index else 0)
        joined.append(int(all_rows.loc[r, "n_joined"]) if r in all_rows.index else 0)
    for d in DECISIONS:
        rounds[f"n_{d}"] = counts[d]
    rounds["n_left"] = left
    rounds["n_joined"] = joined
    rounds["verdict"] = [v for v, _ in verdicts]
    rounds["verdict_reason"] = [r for _, r in verdicts]
    last = items.sort_values("round", kind="stable").groupby("item", sort=False).tail(1)
    rank = {item: k for k, item in enumerate(ratings.items)}
    final = pd.DataFrame({
        "item": last["item"].to_numpy(),
        "last_round": last["round"].to_numpy(),
        "decision": last["decision"].to_numpy(),
        "status": last["decision"].map(STATUS).to_numpy(),
        "reason": last["reason"].to_numpy(),
    })
    final = final.sort_values("item", key=lambda s: s.map(rank), kind="stable")
    if by_group:
        items_g = item_table(ratings, rules, by_group=True)
        rounds_g = round_table(ratings, items_g, by_group=True)
        stability_g = stability_table(ratings, items_g, rules, by_group=True)
    else:
        items_g = rounds_g = stability_g = pd.DataFrame()
    return DelphiResult(
        items=items, rounds=rounds, stability=stability, attrition=attrition,
        items_by_group=items_g, rounds_by_group=rounds_g, stability_by_group=stability_g,
        final=final.reset_index(drop=True), rules=rules, ratings=ratings,
    )
