"""Questionnaire exports of the item bank: codebook CSV, LimeSurvey TSV, printable HTML.

All three take the items with the chosen statuses (default: every item that is not
``dropped``), use the item id as the variable name, and are deterministic (same bank, same
bytes). The questionnaire is put together from the bank's *modules* (a core that every
stakeholder group answers, and modules for some groups, e.g. managers and bridge builders,
or clients in plain language): parts follow module by module and, within a module, element
by element, with neutral headings ("Deel 1" / "Part 1") so respondents do not see the
construct names; the codebook keeps the mapping.

Without a target group the export is the whole questionnaire with routing: it starts with
the group question ("Wat is uw rol in deze werkplaats?"), and every part of a module that
not all groups answer is shown only to its groups (a LimeSurvey relevance equation on the
group question; a "Voor: ..." line on paper). With ``group=`` the export is the
questionnaire of that one group: its modules only, no group question.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lospw.analysis.core.artifacts import write_csv, write_text
from lospw.analysis.core.csv_safe import rows_text
from lospw.analysis.core.errors import InputError
from lospw.instrument import model
from lospw.instrument.bank import (
    GROUP_QUESTION_CODE,
    LANGUAGES,
    STATUSES,
    Bank,
    BankItem,
    Module,
    ScaleInfo,
)

__all__ = [
    "ACTIVE_STATUSES",
    "CODEBOOK_COLUMNS",
    "FORMATS",
    "GROUP_QUESTION",
    "GROUP_QUESTION_CODE",
    "LIMESURVEY_COLUMNS",
    "Part",
    "codebook_frame",
    "export",
    "limesurvey_rows",
    "limesurvey_tsv",
    "parts",
    "questionnaire_html",
]

ACTIVE_STATUSES: tuple[str, ...] = ("candidate", "revised", "retained")
FORMATS: tuple[str, ...] = ("codebook", "limesurvey", "html")
# The routing question's text (its code, GROUP_QUESTION_CODE, is the bank's).
GROUP_QUESTION = {"nl": "Wat is uw rol in deze werkplaats?",
                  "en": "What is your role in this workplace?"}
_PART = {"nl": "Deel", "en": "Part"}
_OF = {"nl": "van", "en": "of"}
_FOR = {"nl": "Voor", "en": "For"}
_ABOUT = {"nl": "Over u", "en": "About you"}


@dataclass(frozen=True)
class Part:
    """One part of the questionnaire: the items of one element in one module."""

    module: Module
    element: model.Element
    items: tuple[BankItem, ...]
    first_of_module: bool


def _chosen(bank: Bank, statuses: Iterable[str] | None,
            group: str | None = None) -> list[BankItem]:
    wanted = tuple(statuses) if statuses else ACTIVE_STATUSES
    for s in wanted:
        if s not in STATUSES:
            raise InputError(f"The status must be one of {', '.join(STATUSES)}; got {s!r}.")
    if group is not None:
        model.group(group)
    items = [it for it in bank.items if it.status in wanted
             and (group is None or group in it.groups)]
    if not items:
        who = "" if group is None else f" for group {group}"
        raise InputError(
            f"No items with status {', '.join(wanted)}{who} in bank {bank.version}; nothing "
            "to export. Choose another --status or --group."
        )
    return items


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise InputError(f"The language must be one of nl, en; got {lang!r}.")
    return lang


def parts(bank: Bank, statuses: Iterable[str] | None = None,
          group: str | None = None) -> list[Part]:
    """The parts of the questionnaire: module by module, element by element (model order);
    within a part the items of the default response scale first, then those of the next
    scale (so respondents switch scales as seldom as possible), each in bank order; parts
    without items are left out.

    Raises
    ------
    InputError
        When a chosen item belongs to no module (its groups are those of no module).
    """
    items = _chosen(bank, statuses, group)
    for it in items:
        if bank.module_of(it) is None:
            raise InputError(
                f"Item {it.id}: its groups ({', '.join(it.groups) or 'none'}) are those of no "
                "module, so the questionnaire cannot route it. Run 'lospw bank validate'."
            )
    rank = {sc.name: k for k, sc in enumerate(bank.scales)}
    out: list[Part] = []
    for m in bank.modules:
        first = True
        for el in model.ELEMENTS:
            mine = tuple(sorted((it for it in items if it.element == el.id
                                 and bank.module_of(it) == m),
                                key=lambda it: rank[bank.scale_of(it).name]))
            if mine:
                out.append(Part(m, el, mine, first))
                first = False
    return out


def _answers(bank: Bank, scale: ScaleInfo, lang: str) -> list[tuple[str, str]]:
    """(code, label) of every answer option: the scale points, then the missing codes."""
    return ([(str(v), t) for v, t in scale.value_labels(lang).items()]
            + [(str(m.code), m.label(lang)) for m in bank.missing])


def _group_labels(groups: Iterable[str], lang: str) -> str:
    return ", ".join(getattr(model.group(g), lang) for g in groups)


def _routed(module: Module, group: str | None) -> bool:
    """Whether the module's parts need a condition (not every group answers them)."""
    everyone = {g.id for g in model.GROUPS}
    return group is None and set(module.groups) != everyone


# -- codebook ---------------------------------------------------------------------------------
CODEBOOK_COLUMNS = ("variable", "element", "element_label", "aspect", "aspect_label", "label",
                    "keyed", "reverse_scored", "status", "seed", "module", "groups",
                    "referent", "response_scale", "value_labels", "missing_values",
                    "label_nl", "label_en")


def codebook_frame(bank: Bank, lang: str = "nl", statuses: Iterable[str] | None = None,
                   group: str | None = None) -> pd.DataFrame:
    """One row per item, in questionnaire order: variable name, element, aspect, label,
    module and groups, referent, response scale with its value labels, the missing codes.

    Examples
    --------
    >>> from lospw.instrument.bank import load_bank
    >>> cb = codebook_frame(load_bank(), "en")
    >>> row = cb.iloc[0]
    >>> row["variable"], row["module"], row["response_scale"], row["missing_values"]
    ('LOSknowledge1', 'core', 'agreement', "8=Don't know; 9=Not applicable")
    >>> cb.loc[0, "value_labels"]
    '1=Strongly disagree; 2=Disagree; 3=Neither agree nor disagree; 4=Agree; 5=Strongly agree'
    """
    lang = _lang(lang)
    missing = "; ".join(f"{m.code}={m.label(lang)}" for m in bank.missing)
    rows = []
    for part in parts(bank, statuses, group):
        el = part.element
        for it in part.items:
            asp = model.aspect(it.element, it.aspect)
            sc = bank.scale_of(it)
            rows.append({
                "variable": it.id, "element": it.element, "element_label": getattr(el, lang),
                "aspect": it.aspect, "aspect_label": getattr(asp, lang),
                "label": it.text(lang), "keyed": it.keyed, "reverse_scored": it.keyed < 0,
                "status": it.status, "seed": it.seed, "module": part.module.id,
                "groups": " ".join(it.groups), "referent": it.referent,
                "response_scale": sc.name,
                "value_labels": "; ".join(f"{v}={t}" for v, t in sc.value_labels(lang).items()),
                "missing_values": missing, "label_nl": it.nl, "label_en": it.en,
            })
    return pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS))


# -- LimeSurvey -------------------------------------------------------------------------------
# The base columns of LimeSurvey's tab-separated survey structure, in the order its own
# exporter writes them (tsvSurveyExport in application/helpers/export_helper.php; manual page
# "Tab Separated Value survey structure"), followed by the one question attribute we set.
LIMESURVEY_BASE_COLUMNS: tuple[str, ...] = (
    "id", "related_id", "class", "type/scale", "name", "relevance", "text", "help",
    "language", "validation", "mandatory", "other", "default", "same_default",
)
LIMESURVEY_COLUMNS: tuple[str, ...] = (*LIMESURVEY_BASE_COLUMNS, "display_columns")
# Free-text columns: the only cells whose content comes from the bank's prose.
_LS_FREE_TEXT = ("text", "help")


def _relevance(groups: Iterable[str]) -> str:
    """The ExpressionScript condition "the group question is one of ``groups``"."""
    code = GROUP_QUESTION_CODE
    return " or ".join(f"{code}.NAOK == '{model.group(g).code}'" for g in groups)


def limesurvey_rows(bank: Bank, lang: str = "nl", statuses: Iterable[str] | None = None,
                    group: str | None = None) -> list[dict[str, str]]:
    """The rows of the LimeSurvey TSV as dicts (column -> cell), before writing.

    Layout (one survey, base language ``lang``, the other language as additional language):

    * ``S`` rows: base language, additional language, group-by-group format, anonymous
      responses without date stamps or IP addresses;
    * ``SL`` rows per language: title, description, welcome text (the instructions), end text;
    * per language, base language first and in the same order for the other: without a
      target ``group``, first a ``G`` row "Over u" holding the mandatory group question
      (code ``stakeholder``, type ``L``, one answer per stakeholder group with its short
      code); then one ``G`` row per part ("Deel 1" ...) - its ``relevance`` is the module's
      condition on the group question (``stakeholder.NAOK == "man" or ...``; ``1`` for a
      module every group answers, and always with a target group), its text the module's
      intro on the module's first part - and per item one ``Q`` row of type ``L`` (list,
      radio) whose code (``name``) is the item id - so LimeSurvey's response exports use the
      item ids as variable names - followed by ``A`` rows for the points of the item's
      response scale and the missing codes ("weet niet" 8, "niet van toepassing" 9).

    Items are not mandatory (a respondent may skip), their answers are shown in one row
    (attribute ``display_columns``), and their own relevance is ``1``: routing happens per
    part.
    """
    lang = _lang(lang)
    langs = [lang, *(x for x in LANGUAGES if x != lang)]
    plan = parts(bank, statuses, group)
    rows: list[dict[str, str]] = []

    def row(**cells: object) -> None:
        rows.append({c: str(cells.get(c.replace("/", "_"), "")) for c in LIMESURVEY_COLUMNS})

    for name, value in (("language", lang), ("additional_languages", " ".join(langs[1:])),
                        ("format", "G"), ("anonymized", "Y"), ("datestamp", "N"),
                        ("ipaddr", "N")):
        row(**{"class": "S", "name": name, "text": value})
    end = {"nl": "Hartelijk dank voor het invullen.", "en": "Thank you for taking part."}
    for lg in langs:
        for name, value in (("surveyls_title", bank.title.get(lg, bank.instrument)),
                            ("surveyls_description", f"{bank.instrument} {bank.version}"),
                            ("surveyls_welcometext", bank.instructions.get(lg, "")),
                            ("surveyls_endtext", end[lg])):
            row(**{"class": "SL", "name": name, "text": value, "language": lg})
    n_cols = len(_answers(bank, bank.scale, lang))
    for lg in langs:
        gid = qid = 0
        if group is None:
            gid += 1
            qid += 1
            row(id=gid, **{"class": "G", "type_scale": gid, "name": _ABOUT[lg], "text": "",
                           "relevance": "1", "language": lg})
            row(id=qid, **{"class": "Q", "type_scale": "L", "name": GROUP_QUESTION_CODE,
                           "relevance": "1", "text": GROUP_QUESTION[lg], "language": lg,
                           "mandatory": "Y", "other": "N", "same_default": "0",
                           "display_columns": "1" if lg == lang else ""})
            for g in model.GROUPS:
                row(id=qid, **{"class": "A", "type_scale": "0", "name": g.code,
                               "text": getattr(g, lg), "language": lg})
        for k, part in enumerate(plan, start=1):
            gid += 1
            routed = _routed(part.module, group)
            intro = part.module.intro(lg) if part.first_of_module else None
            row(id=gid, **{"class": "G", "type_scale": gid, "name": f"{_PART[lg]} {k}",
                           "text": intro or "", "language": lg,
                           "relevance": _relevance(part.module.groups) if routed else "1"})
            for it in part.items:
                qid += 1
                row(id=qid, **{"class": "Q", "type_scale": "L", "name": it.id,
                               "relevance": "1", "text": it.text(lg), "language": lg,
                               "mandatory": "N", "other": "N", "same_default": "0",
                               "display_columns": str(n_cols) if lg == lang else ""})
                for code, label in _answers(bank, bank.scale_of(it), lg):
                    row(id=qid, **{"class": "A", "type_scale": "0", "name": code,
                                   "text": label, "language": lg})
    return rows


def limesurvey_tsv(bank: Bank, lang: str = "nl", statuses: Iterable[str] | None = None,
                   group: str | None = None) -> str:
    """The questionnaire in LimeSurvey's tab-separated survey-structure format (.txt).

    Import it in LimeSurvey via "Create survey > Import" (a ``.txt`` file). The text starts
    with a UTF-8 byte order mark, as LimeSurvey's own export does, so spreadsheets open it
    with the right encoding; LimeSurvey strips it on import.

    Spreadsheet formulas: the file is meant to be opened and edited in a spreadsheet, so
    cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or CR)
    are neutralised with a leading apostrophe - but only in the free-text columns
    (``text``, ``help``), whose content is prose from the bank. The other columns carry
    LimeSurvey syntax that must reach LimeSurvey unchanged: ``relevance`` holds
    ExpressionScript equations, ``validation`` regular expressions, and ``class``,
    ``type/scale``, ``name``, ``mandatory`` ... codes; an apostrophe there would break the
    survey logic. Those cells are generated here (never taken from user prose) and none
    starts with a formula character. Tabs and line breaks inside a cell are replaced by
    spaces (LimeSurvey reads one row per line); quotes are escaped the CSV way, which
    LimeSurvey's reader (``fgetcsv`` with ``"`` as enclosure) undoes.
    """
    free = [col in _LS_FREE_TEXT for col in LIMESURVEY_COLUMNS]
    rows = [[" ".join(r[col].split()) if col in _LS_FREE_TEXT else r[col]
             for col in LIMESURVEY_COLUMNS] for r in limesurvey_rows(bank, lang, statuses, group)]
    header = [list(LIMESURVEY_COLUMNS)]
    return "\ufeff" + rows_text(header + rows, sep="\t", neutralise=free)


# -- HTML -------------------------------------------------------------------------------------
_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #111; margin: 2em auto;
       max-width: 60em; line-height: 1.4; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
p.meta { color: #555; font-size: 0.85em; margin-top: 0; }
p.intro { margin: 1em 0 1.5em; }
h2 { font-size: 1.15em; margin: 1.6em 0 0.4em; break-after: avoid; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #bbb; padding: 0.45em 0.3em; vertical-align: middle; }
th { font-size: 0.75em; font-weight: normal; text-align: center; width: 5.2em; color: #333; }
th.stmt { text-align: left; width: auto; }
td.no { width: 2.2em; color: #666; font-size: 0.85em; text-align: right; }
td.opt { text-align: center; }
td.opt span { display: inline-block; width: 1em; height: 1em; border: 1.5px solid #333;
              border-radius: 50%; }
td.stmt .id { display: block; color: #999; font-size: 0.7em; }
p.for { font-size: 0.85em; color: #333; margin: 0 0 0.4em; font-style: italic; }
p.module-intro { margin: 0.2em 0 0.6em; }
section.group-question ul { list-style: none; padding-left: 0; }
section.group-question li { margin: 0.25em 0; }
span.box { display: inline-block; width: 0.9em; height: 0.9em; border: 1.5px solid #333;
           vertical-align: middle; margin-right: 0.4em; }
table + table { margin-top: 0.8em; }
tr { break-inside: avoid; }
@media print { body { margin: 0; } }
"""


def _scale_head(bank: Bank, scale: ScaleInfo, lang: str, stmt: str) -> str:
    e = html.escape
    cells = "".join(f"<th>{v}<br>{e(t)}</th>" for v, t in scale.value_labels(lang).items())
    cells += "".join(f"<th>{e(m.label(lang))}</th>" for m in bank.missing)
    return f'<thead><tr><th></th><th class="stmt">{stmt}</th>{cells}</tr></thead>'


def questionnaire_html(bank: Bank, lang: str = "nl", statuses: Iterable[str] | None = None,
                       group: str | None = None) -> str:
    """A printable, self-contained HTML questionnaire in ``lang`` (no scripts, no links).

    Without a target group it starts with the group question, and every part that not all
    groups answer says for whom it is ("Voor: managers, bruggenbouwers"). One section per
    part, with the module's intro at its first part; within a part one table per run of
    items on the same response scale (its labels as column heads), one row per item:
    number, statement (with its item id in small print, for data entry of paper forms), and
    a circle to tick for each scale point and each missing code ("weet niet", "niet van
    toepassing").
    """
    lang = _lang(lang)
    plan = parts(bank, statuses, group)
    n_items = sum(len(p.items) for p in plan)
    e = html.escape
    stmt = {"nl": "Uitspraak", "en": "Statement"}[lang]
    title = bank.title.get(lang, bank.instrument)
    who = "" if group is None else f" &middot; {e(getattr(model.group(group), lang))}"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="meta">{e(bank.instrument)} &middot; item bank {e(bank.version)}{who} '
        f"&middot; {n_items} items</p>",
    ]
    if bank.instructions.get(lang):
        out.append(f'<p class="intro">{e(bank.instructions[lang])}</p>')
    if group is None:
        opts = "".join(f'<li><span class="box"></span> {e(getattr(g, lang))}</li>'
                       for g in model.GROUPS)
        out.append(f'<section class="group-question"><h2>{_ABOUT[lang]}</h2>'
                   f"<p>{e(GROUP_QUESTION[lang])}</p><ul>{opts}</ul></section>")
    number = 0
    for k, part in enumerate(plan, start=1):
        out.append(f'<section class="part" id="part{k}">')
        out.append(f"<h2>{_PART[lang]} {k} {_OF[lang]} {len(plan)}</h2>")
        if _routed(part.module, group):
            out.append(f'<p class="for">{_FOR[lang]}: '
                       f"{e(_group_labels(part.module.groups, lang))}</p>")
        intro = part.module.intro(lang) if part.first_of_module else None
        if intro:
            out.append(f'<p class="module-intro">{e(intro)}</p>')
        runs: list[tuple[ScaleInfo, list[BankItem]]] = []
        for it in part.items:
            sc = bank.scale_of(it)
            if runs and runs[-1][0] == sc:
                runs[-1][1].append(it)
            else:
                runs.append((sc, [it]))
        for sc, run in runs:
            n_opts = sc.max - sc.min + 1 + len(bank.missing)
            out.append(f"<table>{_scale_head(bank, sc, lang, stmt)}<tbody>")
            for it in run:
                number += 1
                opts = '<td class="opt"><span></span></td>' * n_opts
                out.append(
                    f'<tr class="item" id="{e(it.id)}"><td class="no">{number}.</td>'
                    f'<td class="stmt"><span class="item-text">{e(it.text(lang))}</span>'
                    f'<span class="id">{e(it.id)}</span></td>{opts}</tr>'
                )
            out.append("</tbody></table>")
        out.append("</section>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


# -- dispatcher -------------------------------------------------------------------------------
def export(bank: Bank, fmt: str, path: str | Path, lang: str = "nl",
           statuses: Iterable[str] | None = None, group: str | None = None) -> Path:
    """Write ``bank`` in format ``fmt`` (codebook, limesurvey or html) to ``path``; with
    ``group``, the questionnaire of that stakeholder group only."""
    if fmt == "codebook":
        return write_csv(codebook_frame(bank, lang, statuses, group), path)
    if fmt == "limesurvey":
        return write_text(limesurvey_tsv(bank, lang, statuses, group), path)
    if fmt == "html":
        return write_text(questionnaire_html(bank, lang, statuses, group), path)
    raise InputError(f"The format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
