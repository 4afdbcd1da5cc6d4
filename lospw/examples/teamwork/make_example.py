"""Regenerate the SYNTHETIC TCQ-15 example: the simulated responses and three messy exports.

TCQ-15 (Teamwork Climate Questionnaire) is a fictitious instrument; nobody answered it.
This script

1. runs ``lospw simulate fieldtest --population population.yaml --seed 20260301
   -o simulated.csv`` (the simulation proper: factors, teams, roles, 5% blank answers,
   don't-know code 9, a weak item, a few careless respondents), then
2. adds what the population format cannot express, drawn with seed 20260302: survey
   metadata (submit dates, tokens, e-mail addresses, free-text remarks), six incomplete
   responses (stopped after page 0, 1 or 2 of 4: later answers, team and role blank) and
   four duplicate rows (the same ``id`` exported twice), and
3. writes the same 250 rows as a researcher would get them: ``limesurvey.csv``
   (LimeSurvey "CSV, semicolon"), ``spss.sav`` (SPSS, user-missing 9) and ``excel.xlsx``
   (title above the header, decimal commas, a hidden sheet), with a key (or column map)
   for each.

Every file is byte-identical on every run with the pinned numpy / pandas / pyreadstat /
openpyxl (time stamps inside the .sav and .xlsx files are fixed to the export date).
Run it from anywhere with the lospw environment's Python::

    python lospw/examples/teamwork/make_example.py
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import yaml
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
DATA_SEED = 20260301
EXPORT_SEED = 20260302
EXPORT_DATE = dt.datetime(2026, 3, 1, 9, 30, 0)
TITLE = "Teamwork Climate Questionnaire (TCQ-15) — export 2026-03-01 — SYNTHETIC DATA"

#: canonical scale -> (LimeSurvey question, SPSS prefix); pages 1-3 hold Q1-Q3, page 4
#: holds team, role and the remarks.
SCALES = {"COM": ("Q1", "BET"), "CRD": ("Q2", "SAM"), "WLD": ("Q3", "WDR")}
LAST_PAGE = 4
ANSWERS = {1: "strongly disagree", 2: "disagree", 3: "neither agree nor disagree",
           4: "agree", 5: "strongly agree", 9: "don't know"}
INCOMPLETE_PAGES = (0, 1, 1, 2, 2, 2)   # last page submitted by the incomplete respondents
N_DUPLICATES = 4
REMARKS = (
    "Meer overleg, minder mail.",
    "The new planning tool helps; the handovers still do not.",
    'Question 14 was unclear: "switch off" from what?',
    "Too many meetings,\nnot enough time for the actual work.",
    "Goed team, maar de werkdruk is hoog, vooral in december.",
    'Our lead said "just do it", so we did.',
    "n/a",
    "Two remarks:\n1) more staff\n2) fewer forms",
    "Café-style stand-ups worked well.",
    "Prima; geen opmerkingen.",
    "Teamoverleg om 8:00 is te vroeg, zeker voor parttimers.",
    "Handovers, handovers, handovers…",
)


def keyed_items(spec: list[str] | dict) -> list[str]:
    """The keyed items of a scale of key.yaml: its list, or the ``items`` of its long form
    (with ``label`` and ``direction``)."""
    return spec["items"] if isinstance(spec, dict) else spec


def item_names(key: dict) -> dict[str, dict[str, str]]:
    """Canonical item -> its name in each export (LimeSurvey, SPSS)."""
    out: dict[str, dict[str, str]] = {}
    for scale, spec in key["scales"].items():
        q, prefix = SCALES[scale]
        for k, keyed in enumerate(keyed_items(spec), start=1):
            item = keyed.lstrip("-")
            out[item] = {"limesurvey": f"{q}[SQ{k:03d}]", "spss": f"{prefix}{k}"}
    return out


def simulate() -> pd.DataFrame:
    """Run ``lospw simulate fieldtest`` (the committed command) and read its output."""
    subprocess.run(
        [sys.executable, "-m", "lospw", "simulate", "fieldtest", "--population",
         "population.yaml", "--seed", str(DATA_SEED), "-o", "simulated.csv"],
        cwd=HERE, check=True, stdout=subprocess.DEVNULL,
    )
    return pd.read_csv(HERE / "simulated.csv", dtype={"id": int, "team": str, "role": str})


def respondents(sim: pd.DataFrame, items: list[str], careless_rows: list[int]) -> pd.DataFrame:
    """The 250 export rows: metadata, incomplete responses and duplicates added."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(EXPORT_SEED)))
    n = len(sim)
    df = sim.copy()
    df["team"] = df["team"].str.replace("PW", "T", regex=False)
    start = dt.datetime(2026, 2, 2, 8, 0, 0)
    offsets = np.sort(rng.integers(0, 25 * 24 * 3600, size=n))
    df["submitdate"] = [start + dt.timedelta(seconds=int(s)) for s in offsets]
    df["lastpage"] = LAST_PAGE
    df["startlanguage"] = np.where(rng.random(n) < 0.8, "nl", "en")
    df["seed"] = rng.integers(10**8, 2**31 - 1, size=n)
    alphabet = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"))
    df["token"] = ["".join(alphabet[rng.integers(0, len(alphabet), size=15)]) for _ in range(n)]
    df["email"] = [f"participant.{i}@example.org" for i in df["id"]]
    df["remarks"] = ""
    honest = np.setdiff1d(np.arange(n), np.asarray(careless_rows) - 1)
    with_remark = rng.choice(honest, size=2 * len(REMARKS), replace=False)
    for k, row in enumerate(with_remark):
        df.loc[row, "remarks"] = REMARKS[k % len(REMARKS)]
    # incomplete responses: they stopped after page p; later pages are blank
    stopped = np.sort(rng.choice(np.setdiff1d(honest, with_remark), size=len(INCOMPLETE_PAGES),
                                 replace=False))
    scale_items = {s: [i for i in items if i.startswith(s)] for s in SCALES}
    for row, page in zip(stopped, INCOMPLETE_PAGES, strict=True):
        for scale in list(SCALES)[page:]:
            df.loc[row, scale_items[scale]] = np.nan
        df.loc[row, ["team", "role"]] = None
        df.loc[row, "lastpage"] = page
        df.loc[row, "submitdate"] = pd.NaT
        df.loc[row, "interviewtime"] = round(df.loc[row, "interviewtime"] * (page + 0.2)
                                             / LAST_PAGE, 1)
    # duplicates: complete rows exported twice (two overlapping export batches merged)
    complete = np.setdiff1d(honest, np.concatenate([stopped, with_remark]))
    dup = np.sort(rng.choice(complete, size=N_DUPLICATES, replace=False))
    df = pd.concat([df, df.iloc[dup]], ignore_index=True)
    return df


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def write_limesurvey(df: pd.DataFrame, names: dict[str, dict[str, str]]) -> None:
    """LimeSurvey 'CSV, semicolon': every field quoted, UTF-8 with BOM, answer codes."""
    items = list(names)
    meta = ["id", "submitdate", "lastpage", "startlanguage", "seed", "token", "email"]
    tail = ["team", "role", "remarks", "interviewtime"]
    header = [*meta, *(names[i]["limesurvey"] for i in items), *tail]
    fields = [*meta, *items, *tail]
    # written by hand, as LimeSurvey does: every field in double quotes, quotes doubled
    def line(cells: list[str]) -> str:
        return ";".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n"

    text = line(header) + "".join(line([_cell(v) for v in rec])
                                  for rec in df[fields].itertuples(index=False))
    (HERE / "limesurvey.csv").write_bytes(text.encode("utf-8-sig"))


def write_spss(df: pd.DataFrame, names: dict[str, dict[str, str]], labels: dict[str, str]
               ) -> None:
    """SPSS .sav: Dutch-style names, variable and value labels, user-missing 9."""
    items = list(names)
    teams = sorted(t for t in df["team"].dropna().unique())
    team_code = {t: k for k, t in enumerate(teams, start=1)}
    roles = {"member": 1, "lead": 2}
    out = pd.DataFrame({
        "id": df["id"].astype(float),
        "team": df["team"].map(team_code).astype(float),
        "rol": df["role"].map(roles).astype(float),
    })
    for i in items:
        out[names[i]["spss"]] = df[i].astype(float)
    out["opmerking"] = df["remarks"].astype(str)
    out["duur"] = df["interviewtime"].astype(float)
    spss_items = [names[i]["spss"] for i in items]
    column_labels = {"id": "Response ID", "team": "Team", "rol": "Role in the team",
                     "opmerking": "Remarks (free text)", "duur": "Interview time (seconds)"}
    column_labels.update({names[i]["spss"]: labels[i] for i in items})
    value_labels = {"team": {float(k): t for t, k in team_code.items()},
                    "rol": {float(k): r for r, k in roles.items()}}
    value_labels.update({v: {float(c): t for c, t in ANSWERS.items()} for v in spss_items})
    path = HERE / "spss.sav"
    pyreadstat.write_sav(
        out, str(path), file_label="TCQ-15 SYNTHETIC example",
        column_labels=column_labels, variable_value_labels=value_labels,
        missing_ranges={v: [9] for v in spss_items},
        variable_measure={**{v: "ordinal" for v in spss_items}, "team": "nominal",
                          "rol": "nominal", "id": "scale", "duur": "scale",
                          "opmerking": "nominal"},
        note=["SYNTHETIC example data (fictitious instrument TCQ-15).",
              "Nobody answered these questions; see README.md."],
    )
    # the SPSS header stores the creation date and time (bytes 92-108): fix them
    data = bytearray(path.read_bytes())
    data[92:101] = EXPORT_DATE.strftime("%d %b %y").encode("ascii")
    data[101:109] = EXPORT_DATE.strftime("%H:%M:%S").encode("ascii")
    path.write_bytes(bytes(data))


def write_excel(df: pd.DataFrame, names: dict[str, dict[str, str]], labels: dict[str, str]
                ) -> None:
    """XLSX: a title and a blank row above the header, decimal commas, a hidden sheet."""
    items = list(names)
    wb = Workbook()
    ws = wb.active
    ws.title = "Responses"
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=14)
    header = ["respondent_id", "team", "role", "submitted", *items, "duration_min", "remarks"]
    ws.append([])  # row 2 stays blank
    ws.append(header)
    for c in ws[3]:
        c.font = Font(bold=True)
    for rec in df.itertuples(index=False):
        r = rec._asdict()
        minutes = f"{r['interviewtime'] / 60:.1f}".replace(".", ",")
        submitted = None if pd.isna(r["submitdate"]) else r["submitdate"].to_pydatetime()
        ws.append([int(r["id"]), r["team"] if isinstance(r["team"], str) else None,
                   r["role"] if isinstance(r["role"], str) else None, submitted]
                  + [None if np.isnan(r[i]) else int(r[i]) for i in items]
                  + [minutes, r["remarks"] or None])
    for row in ws.iter_rows(min_row=4, min_col=4, max_col=4):
        row[0].number_format = "dd-mm-yyyy hh:mm"
    codes = wb.create_sheet("codes")
    codes.sheet_state = "hidden"
    codes.append(["item", "scale", "text"])
    for i in items:
        codes.append([i, i[:3], labels[i]])
    codes.append([])
    codes.append(["code", "answer"])
    for c, t in ANSWERS.items():
        codes.append([c, t])
    wb.properties.creator = "lospw make_example.py"
    wb.properties.title = "TCQ-15 SYNTHETIC example export"
    wb.properties.created = wb.properties.modified = EXPORT_DATE
    buf = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    # rewrite the archive with a fixed time stamp on every member
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=EXPORT_DATE.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    (HERE / "excel.xlsx").write_bytes(out.getvalue())


def write_keys(key: dict, names: dict[str, dict[str, str]]) -> None:
    """key_limesurvey.yaml, key_spss.yaml and map_limesurvey.yaml from key.yaml (title,
    authors, scale labels and directions as there; the items renamed)."""
    def scale(spec: list[str] | dict, kind: str) -> list[str] | dict:
        items = [("-" if i.startswith("-") else "") + names[i.lstrip("-")][kind]
                 for i in keyed_items(spec)]
        return {**spec, "items": items} if isinstance(spec, dict) else items

    def renamed(kind: str, header: str, drop_missing: bool = False) -> str:
        k = dict(key)
        k["scales"] = {s: scale(spec, kind) for s, spec in key["scales"].items()}
        labels = {names[i][kind]: t for i, t in k.pop("labels").items()}
        if drop_missing:
            k.pop("missing_codes")
        body = yaml.safe_dump(k, sort_keys=False, allow_unicode=True, width=92,
                              default_flow_style=None)
        body += yaml.safe_dump({"labels": labels}, sort_keys=False, allow_unicode=True,
                               width=200, default_flow_style=False)
        return header + body

    gen = "# Generated by make_example.py from key.yaml; do not edit (edit key.yaml).\n"
    (HERE / "key_limesurvey.yaml").write_text(renamed(
        "limesurvey", "# TCQ-15 key for limesurvey.csv: items named as LimeSurvey exports "
        "them (Q1[SQ001] ...).\n# The ids contain brackets, so they are quoted.\n" + gen),
        encoding="utf-8")
    (HERE / "key_spss.yaml").write_text(renamed(
        "spss", "# TCQ-15 key for spss.sav: Dutch-style variable names (BET = betrokkenheid,"
        "\n# SAM = samenwerking, WDR = werkdruk). No missing_codes: the .sav file itself "
        "declares 9\n# as user-missing on every item.\n" + gen, drop_missing=True),
        encoding="utf-8")
    cmap = yaml.safe_dump({i: n["limesurvey"] for i, n in names.items()}, sort_keys=False)
    (HERE / "map_limesurvey.yaml").write_text(
        "# Column map for `lospw intake limesurvey.csv --key key.yaml --map "
        "map_limesurvey.yaml`:\n# key item -> LimeSurvey column.\n" + gen + cmap,
        encoding="utf-8")


def main() -> None:
    key = yaml.safe_load((HERE / "key.yaml").read_text(encoding="utf-8"))
    names = item_names(key)
    labels = key["labels"]
    sim = simulate()
    truth = json.loads((HERE / "simulated.truth.json").read_text(encoding="utf-8"))
    careless = truth["drawn"]["careless_random_rows"] + truth["drawn"]["careless_straightline_rows"]
    df = respondents(sim, list(names), careless)
    write_limesurvey(df, names)
    write_spss(df, names, labels)
    write_excel(df, names, labels)
    write_keys(key, names)
    print(f"SYNTHETIC TCQ-15 example: {len(df)} rows ({df['id'].nunique()} ids) written to {HERE}")


if __name__ == "__main__":
    main()
