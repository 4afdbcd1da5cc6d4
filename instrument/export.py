"""Questionnaire exports of the item bank: codebook CSV, LimeSurvey TSV, printable HTML.

All three take the items with the chosen statuses (default: every item that is not
``dropped``) in bank order, use the item id as the variable name, and are deterministic
(same bank, same bytes). Items are grouped per element into parts with neutral headings
("Deel 1" / "Part 1"), so respondents do not see the construct names; the codebook keeps the
mapping.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.artifacts import write_csv, write_text
from analysis.csv_safe import rows_text
from analysis.errors import InputError
from instrument import model
from instrument.bank import LANGUAGES, STATUSES, Bank, BankItem

__all__ = [
    "ACTIVE_STATUSES",
    "FORMATS",
    "LIMESURVEY_COLUMNS",
    "codebook_frame",
    "export",
    "limesurvey_rows",
    "limesurvey_tsv",
    "questionnaire_html",
]

ACTIVE_STATUSES: tuple[str, ...] = ("candidate", "revised", "retained")
FORMATS: tuple[str, ...] = ("codebook", "limesurvey", "html")
_PART = {"nl": "Deel", "en": "Part"}
_OF = {"nl": "van", "en": "of"}


def _chosen(bank: Bank, statuses: Iterable[str] | None) -> list[BankItem]:
    wanted = tuple(statuses) if statuses else ACTIVE_STATUSES
    for s in wanted:
        if s not in STATUSES:
            raise InputError(f"The status must be one of {', '.join(STATUSES)}; got {s!r}.")
    items = [it for it in bank.items if it.status in wanted]
    if not items:
        raise InputError(
            f"No items with status {', '.join(wanted)} in bank {bank.version}; nothing to "
            "export. Choose another --status."
        )
    return items


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise InputError(f"The language must be one of nl, en; got {lang!r}.")
    return lang


def _parts(items: list[BankItem]) -> list[tuple[model.Element, list[BankItem]]]:
    """Items grouped per element, in model order (elements without items left out)."""
    return [(el, [it for it in items if it.element == el.id]) for el in model.ELEMENTS
            if any(it.element == el.id for it in items)]


# -- codebook ---------------------------------------------------------------------------------
CODEBOOK_COLUMNS = ("variable", "element", "element_label", "aspect", "aspect_label", "label",
                    "keyed", "reverse_scored", "status", "seed", "value_labels", "missing_code",
                    "missing_label", "label_nl", "label_en")


def codebook_frame(bank: Bank, lang: str = "nl",
                   statuses: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per item: variable name, element, aspect, label, value labels, keyed, missing.

    Examples
    --------
    >>> from instrument.bank import load_bank
    >>> cb = codebook_frame(load_bank(), "en")
    >>> row = cb.iloc[0]
    >>> row["variable"], row["element"], row["aspect"], int(row["keyed"]), int(row["missing_code"])
    ('LOSgoals1', 'LOS', 'goals', 1, 9)
    >>> cb.loc[0, "value_labels"]
    '1=Strongly disagree; 2=Disagree; 3=Neither agree nor disagree; 4=Agree; 5=Strongly agree'
    """
    lang = _lang(lang)
    labels = bank.scale.value_labels(lang)
    value_labels = "; ".join(f"{v}={t}" for v, t in labels.items())
    rows = []
    for it in _chosen(bank, statuses):
        el = model.element(it.element)
        asp = model.aspect(it.element, it.aspect)
        rows.append({
            "variable": it.id, "element": it.element, "element_label": getattr(el, lang),
            "aspect": it.aspect, "aspect_label": getattr(asp, lang), "label": it.text(lang),
            "keyed": it.keyed, "reverse_scored": it.keyed < 0, "status": it.status,
            "seed": it.seed, "value_labels": value_labels,
            "missing_code": bank.scale.missing_code,
            "missing_label": bank.scale.missing_label(lang), "label_nl": it.nl,
            "label_en": it.en,
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


def limesurvey_rows(bank: Bank, lang: str = "nl",
                    statuses: Iterable[str] | None = None) -> list[dict[str, str]]:
    """The rows of the LimeSurvey TSV as dicts (column -> cell), before writing.

    Layout (one survey, base language ``lang``, the other language as additional language):

    * ``S`` rows: base language, additional language, group-by-group format, anonymous
      responses without date stamps or IP addresses;
    * ``SL`` rows per language: title, description, welcome text (the instructions), end text;
    * per language, base language first and in the same order for the other: one ``G`` row
      per element ("Deel 1" ...), then per item one ``Q`` row of type ``L`` (list, radio)
      whose code (``name``) is the item id - so LimeSurvey's response exports use the item
      ids as variable names - followed by ``A`` rows for the codes 1-5 and the
      "weet niet / niet van toepassing" code.

    Questions are not mandatory (a respondent may skip), the answers are shown in six
    columns (attribute ``display_columns``), and relevance is ``1`` (always shown).
    """
    lang = _lang(lang)
    langs = [lang, *(x for x in LANGUAGES if x != lang)]
    items = _chosen(bank, statuses)
    parts = _parts(items)
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
    for lg in langs:
        labels = [*bank.scale.value_labels(lg).values(), bank.scale.missing_label(lg)]
        codes = [*(str(v) for v in bank.scale.value_labels(lg)), str(bank.scale.missing_code)]
        qid = 0
        for g, (_el, part) in enumerate(parts, start=1):
            row(id=g, **{"class": "G", "type_scale": g, "name": f"{_PART[lg]} {g}",
                         "text": "", "relevance": "1", "language": lg})
            for it in part:
                qid += 1
                row(id=qid, **{"class": "Q", "type_scale": "L", "name": it.id,
                               "relevance": "1", "text": it.text(lg), "language": lg,
                               "mandatory": "N", "other": "N", "same_default": "0",
                               "display_columns": "6" if lg == lang else ""})
                for code, label in zip(codes, labels, strict=True):
                    row(id=qid, **{"class": "A", "type_scale": "0", "name": code,
                                   "text": label, "language": lg})
    return rows


def limesurvey_tsv(bank: Bank, lang: str = "nl",
                   statuses: Iterable[str] | None = None) -> str:
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
             for col in LIMESURVEY_COLUMNS] for r in limesurvey_rows(bank, lang, statuses)]
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
tr { break-inside: avoid; }
@media print { body { margin: 0; } }
"""


def questionnaire_html(bank: Bank, lang: str = "nl",
                       statuses: Iterable[str] | None = None) -> str:
    """A printable, self-contained HTML questionnaire in ``lang`` (no scripts, no links).

    One table per part (element), one row per item: number, statement (with its item id in
    small print, for data entry of paper forms), and a circle to tick for each scale point
    and for "weet niet / niet van toepassing".
    """
    lang = _lang(lang)
    items = _chosen(bank, statuses)
    parts = _parts(items)
    e = html.escape
    head_cells = "".join(f"<th>{v}<br>{e(t)}</th>"
                         for v, t in bank.scale.value_labels(lang).items())
    head_cells += f"<th>{e(bank.scale.missing_label(lang))}</th>"
    n_opts = bank.scale.max - bank.scale.min + 2
    stmt = {"nl": "Uitspraak", "en": "Statement"}[lang]
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(bank.title.get(lang, bank.instrument))}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(bank.title.get(lang, bank.instrument))}</h1>",
        f'<p class="meta">{e(bank.instrument)} &middot; item bank {e(bank.version)} &middot; '
        f"{len(items)} items</p>",
    ]
    if bank.instructions.get(lang):
        out.append(f'<p class="intro">{e(bank.instructions[lang])}</p>')
    number = 0
    for g, (_el, part) in enumerate(parts, start=1):
        out.append(f'<section class="part" id="part{g}">')
        out.append(f"<h2>{_PART[lang]} {g} {_OF[lang]} {len(parts)}</h2>")
        out.append(f'<table><thead><tr><th></th><th class="stmt">{stmt}</th>{head_cells}'
                   "</tr></thead><tbody>")
        for it in part:
            number += 1
            opts = '<td class="opt"><span></span></td>' * n_opts
            out.append(
                f'<tr class="item" id="{e(it.id)}"><td class="no">{number}.</td>'
                f'<td class="stmt"><span class="item-text">{e(it.text(lang))}</span>'
                f'<span class="id">{e(it.id)}</span></td>{opts}</tr>'
            )
        out.append("</tbody></table></section>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


# -- dispatcher -------------------------------------------------------------------------------
def export(bank: Bank, fmt: str, path: str | Path, lang: str = "nl",
           statuses: Iterable[str] | None = None) -> Path:
    """Write ``bank`` in format ``fmt`` (codebook, limesurvey or html) to ``path``."""
    if fmt == "codebook":
        return write_csv(codebook_frame(bank, lang, statuses), path)
    if fmt == "limesurvey":
        return write_text(limesurvey_tsv(bank, lang, statuses), path)
    if fmt == "html":
        return write_text(questionnaire_html(bank, lang, statuses), path)
    raise InputError(f"The format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
