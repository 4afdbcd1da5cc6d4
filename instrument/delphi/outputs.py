"""Write the Delphi stage's artifacts into one directory (deterministic bytes).

Layout (``DIR`` is the ``-o`` directory)::

    DIR/items.csv, items.json         statistics, decision and reason per item per round
    DIR/rounds.csv, rounds.json       per round: panel, S-CVI, Kendall's W, counts, verdict
    DIR/stability.csv                 per item between rounds: Wilcoxon, change in agreement
    DIR/attrition.csv                 panelists who left / joined, per group
    DIR/final.csv                     per item: last round, decision, new bank status
    DIR/groups/items.csv, rounds.csv, stability.csv    the same per stakeholder group
    DIR/audit.json, audit.csv         the audit trail, comments anonymised
    DIR/feedback/round-<r>/P01.html   one sheet per panelist per round (pseudonyms)
    DIR/feedback/round-<r>.csv        the same sheets in one table
    DIR/feedback/pseudonyms.csv       pseudonym -> panelist id (keep it apart)
    DIR/bank/                         with a bank: the NEW bank version (input untouched)
    DIR/key.yaml                      with a bank: the key of the retained items
    DIR/summary.json                  inputs (name, sha256), rules, outcome, label, and the
                                      panel design: raters per item and items per panelist
                                      per round, items rated by fewer than target_raters

Panelist ids appear only in ``feedback/pseudonyms.csv``; everything else names panelists
by pseudonym.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from lospw.analysis.core.artifacts import sha256_file, write_csv, write_json, write_text
from lospw.instrument.bank import write_bank
from lospw.instrument.delphi.assign import panel_design, rater_coverage
from lospw.instrument.delphi.audit import audit_table, audit_trail
from lospw.instrument.delphi.decide import DelphiResult
from lospw.instrument.delphi.feedback import write_feedback

__all__ = ["bank_version", "write_outputs"]

log = logging.getLogger(__name__)


def bank_version(version: str, last_round: int) -> str:
    """The version of the bank a Delphi stage writes: ``<version>+delphi.r<last round>``.

    Examples
    --------
    >>> bank_version("0.1.0", 2)
    '0.1.0+delphi.r2'
    """
    return f"{version}+delphi.r{last_round}"


def _shown(path: str) -> str:
    """The file name only: artifacts never depend on how the path was typed."""
    return Path(path).name


def write_outputs(result: DelphiResult, directory: str | Path, *, bank: Any = None,
                  new_version: str | None = None, label: str | None = None,
                  lang: str = "nl") -> dict[str, Any]:
    """Write every artifact of ``result`` into ``directory``; return the summary written.

    Parameters
    ----------
    result : DelphiResult
    directory : str or Path
    bank : lospw.instrument.bank.Bank, optional
        The input bank: gives item texts and element / aspect to the audit trail and the
        feedback, and is written as a new version with the Delphi statuses, with the key of
        its retained items. The input bank's files are never touched.
    new_version : str, optional
        Version of the new bank (default :func:`bank_version`).
    label : str, optional
        A line shown on every feedback sheet and in the summary (e.g. "SYNTHETIC demo").
    lang : {"nl", "en"}
        Language of the item texts on the feedback sheets.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    files += [write_csv(result.items, out / "items.csv"),
              write_json(result.items, out / "items.json"),
              write_csv(result.rounds, out / "rounds.csv"),
              write_json(result.rounds, out / "rounds.json"),
              write_csv(result.stability, out / "stability.csv"),
              write_csv(result.attrition, out / "attrition.csv"),
              write_csv(result.final, out / "final.csv")]
    if result.ratings.has_group:
        files += [write_csv(result.items_by_group, out / "groups" / "items.csv"),
                  write_csv(result.rounds_by_group, out / "groups" / "rounds.csv"),
                  write_csv(result.stability_by_group, out / "groups" / "stability.csv")]
    info: dict[str, dict[str, Any]] | None = None
    texts: dict[str, str] | None = None
    if bank is not None:
        info = {it.id: {"element": it.element, "aspect": it.aspect, "keyed": it.keyed,
                        "status_before": it.status, "nl": it.nl, "en": it.en}
                for it in bank.items}
        texts = {it.id: it.text(lang) for it in bank.items}
    trail = audit_trail(result, info)
    files += [write_json(trail, out / "audit.json"),
              write_csv(audit_table(trail), out / "audit.csv")]
    files += write_feedback(result, out / "feedback", texts, label)

    outcome = result.summary()
    outcome.pop("items")
    summary: dict[str, Any] = {
        "label": label,
        "inputs": [{"file": _shown(p), "sha256": sha256_file(p)}
                   for p in result.ratings.sources],
        "ratings": {**result.ratings.to_dict(),
                    "sources": [_shown(p) for p in result.ratings.sources]},
        "rules_source": _shown(result.rules.source),
        "rules": result.rules.to_dict(),
        "outcome": outcome,
        "design": {
            "target_raters": result.rules.target_raters,
            "rounds": panel_design(result.ratings).to_dict(orient="records"),
            "items_below_target": rater_coverage(
                result.ratings, result.rules.target_raters).to_dict(orient="records"),
        },
    }
    if bank is not None:

        last = int(result.rounds["round"].iloc[-1])
        version = new_version or bank_version(bank.version, last)
        new = bank.with_statuses(result.statuses, version=version)
        files += write_bank(new, out / "bank")
        counts = {s: sum(1 for it in new.items if it.status == s)
                  for s in ("candidate", "revised", "retained", "dropped")}
        summary["bank"] = {"input_version": bank.version, "new_version": version,
                           "statuses": counts}
        if counts["retained"]:
            key = new.key()
            files.append(write_text(key.to_yaml(), out / "key.yaml"))
            summary["bank"]["key"] = {"file": "key.yaml", "sha256": key.sha256(),
                                      "n_items": key.n_items,
                                      "scales": {s.name: len(s.items) for s in key.scales}}
        else:
            log.warning("no item was retained; no key.yaml written")
            summary["bank"]["key"] = None
    files.append(write_json(summary, out / "summary.json"))
    summary["files"] = sorted(p.relative_to(out).as_posix() for p in files)
    return summary
