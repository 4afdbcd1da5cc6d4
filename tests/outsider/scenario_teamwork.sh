#!/usr/bin/env bash
# Outsider scenario for issue 20: a researcher validates their own instrument with lospw.
#
# Runs today's lospw on the SYNTHETIC TCQ-15 example (lospw/examples/teamwork: a fictitious
# 3-scale, 15-item questionnaire; LimeSurvey, SPSS and Excel exports of the same 250 rows)
# the way a new user would, and records what happens: every command's exit status, its
# output, the n each analysis used, and the LOS-PW text in the report built from the run.
# It fixes nothing and asserts nothing: tests/outsider/FINDINGS.md reads its output.
#
# Usage:  tests/outsider/scenario_teamwork.sh [WORKDIR]
#   WORKDIR      where everything is written (default: a new /tmp/scenario_teamwork.XXXX);
#                the example folder is copied there, the repository is only read
#   BOOK=0       skip `make book RESULTS=...` (it runs the LOS-PW pipeline first: ~4 min
#                on a fresh checkout; it builds into the repository's book/_build)
#   WHEEL=0      skip building a wheel and installing it in a fresh venv (~2 min)
#   LOSPW=path   the lospw to run (default: the repository's .venv/bin/lospw)
#
# Output: WORKDIR/log/<step>.log (command, output, exit status), WORKDIR/summary.tsv (one
# line per step), WORKDIR/numbers.txt (rows read / analysed and n per analysis), and for
# the book WORKDIR/book_grep.tsv. Deterministic apart from timings.
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOSPW=${LOSPW:-$REPO/.venv/bin/lospw}
PY=${PY:-$REPO/.venv/bin/python}
BOOK=${BOOK:-1}
WHEEL=${WHEEL:-1}
W=${1:-$(mktemp -d /tmp/scenario_teamwork.XXXX)}
mkdir -p "$W/log"
W=$(cd "$W" && pwd)
D=$W/data
rm -rf "$D" && cp -r "$REPO/lospw/examples/teamwork" "$D"
: > "$W/summary.tsv"
export NO_COLOR=1 COLUMNS=100

# step NAME COMMAND...: run COMMAND in $W, log it, record exit status and first error line
step() {
    local name=$1; shift
    local log=$W/log/$name.log t0 t1 rc first
    printf '$ %s\n' "$*" > "$log"
    t0=$(date +%s.%N)
    (cd "$W" && "$@") >> "$log" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    printf '[exit %s]\n' "$rc" >> "$log"
    first=$(grep -m1 -E '^(lospw: error|Error|Traceback)|unexpected error' "$log" | cut -c1-160)
    printf '%s\t%s\t%.1f\t%s\n' "$name" "$rc" "$(awk "BEGIN {print $t1 - $t0}")" "$first" \
        >> "$W/summary.tsv"
    printf '%-28s exit %-3s %s\n' "$name" "$rc" "$first"
}

echo "== scenario: lospw on the TCQ-15 example (SYNTHETIC) in $W"
"$LOSPW" --version > "$W/log/version.log" 2>&1
git -C "$REPO" rev-parse HEAD >> "$W/log/version.log" 2>/dev/null

# -- 0. Drafting a key from an export (issue 20, point 6) ---------------------------------
step k0_key_init_spss       "$LOSPW" key init data/spss.sav
step k0_key_init_ls         "$LOSPW" key init data/limesurvey.csv

# -- 1. Excel: a title row and a blank row above the header ------------------------------
step x1_intake_excel        "$LOSPW" intake data/excel.xlsx --key data/key.yaml
step x2_intake_excel_sheet  "$LOSPW" intake data/excel.xlsx --key data/key.yaml --sheet Responses
step x3_intake_header_row   "$LOSPW" intake data/excel.xlsx --key data/key.yaml --header-row 3
step x4_analyze_excel       "$LOSPW" analyze data/excel.xlsx --key data/key.yaml -o an_excel

# -- 2. LimeSurvey CSV (';', BOM, Q1[SQ001] columns, id / token / email) -----------------
step l1_intake_ls_key       "$LOSPW" intake data/limesurvey.csv --key data/key.yaml
step l2_intake_ls_map       "$LOSPW" intake data/limesurvey.csv --key data/key.yaml \
                                --map data/map_limesurvey.yaml -o intake_ls
step l3_intake_ls_map_id    "$LOSPW" intake data/limesurvey.csv --key data/key.yaml \
                                --map data/map_limesurvey.yaml --id id -o intake_ls_id
step l4_reliability_ls_map  "$LOSPW" reliability data/limesurvey.csv --key data/key.yaml \
                                --map data/map_limesurvey.yaml
step l5_reliability_ls      "$LOSPW" reliability data/limesurvey.csv --key data/key_limesurvey.yaml
step l6_cfa_ls              "$LOSPW" cfa data/limesurvey.csv --key data/key_limesurvey.yaml
step l7_analyze_ls          "$LOSPW" analyze data/limesurvey.csv --key data/key_limesurvey.yaml \
                                -o an_ls --group role --cluster team
step l8_analyze_intake_out  "$LOSPW" analyze intake_ls/responses.csv --key data/key.yaml \
                                -o an_intake --group role --cluster team
step l9_cfa_intake_out      "$LOSPW" cfa intake_ls/responses.csv --key data/key.yaml

# -- 3. SPSS .sav (BET/SAM/WDR names, value labels, user-missing 9) -----------------------
step s1_intake_spss         "$LOSPW" intake data/spss.sav --key data/key_spss.yaml -o intake_spss
step s2_reliability_spss    "$LOSPW" reliability data/spss.sav --key data/key_spss.yaml
step s3_efa_spss            "$LOSPW" efa data/spss.sav --key data/key_spss.yaml
step s4_cfa_spss            "$LOSPW" cfa data/spss.sav --key data/key_spss.yaml
step s5_cfa_spss_fiml       "$LOSPW" cfa data/spss.sav --key data/key_spss.yaml --estimator mlr \
                                --missing fiml
step s6_invariance_spss     "$LOSPW" invariance data/spss.sav --key data/key_spss.yaml --group rol
step s7_invariance_groups   "$LOSPW" invariance data/spss.sav --key data/key_spss.yaml --group rol \
                                --invariance-groups 1,2
step s8_invariance_map      "$LOSPW" invariance data/limesurvey.csv --key data/key.yaml --group role \
                                --map data/map_limesurvey.yaml
step s9_analyze_spss        "$LOSPW" analyze data/spss.sav --key data/key_spss.yaml -o an_spss \
                                --group rol --cluster team

# -- 4. The clean simulated file (control: no export mess) -------------------------------
step c1_analyze_sim         "$LOSPW" analyze data/simulated.csv --key data/key.yaml -o an_sim \
                                --group role --cluster team
step c2_analyze_sim_fiml    "$LOSPW" analyze data/simulated.csv --key data/key.yaml -o an_sim_fiml \
                                --group role --cluster team --missing fiml
step c3_invariance_sim      "$LOSPW" invariance data/simulated.csv --key data/key.yaml --group role
step c4_invariance_sim_fiml "$LOSPW" invariance data/simulated.csv --key data/key.yaml --group role \
                                --missing fiml --top-scores 0
# one small group: the first 6 members (by id) relabelled 'trainee' (derived here, not shipped)
"$PY" - "$D/simulated.csv" "$W/three_roles.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
role = rows[0].index("role")
moved = 0
for r in rows[1:]:
    if r[role] == "member" and moved < 6:
        r[role], moved = "trainee", moved + 1
csv.writer(open(sys.argv[2], "w", newline="", encoding="utf-8"), lineterminator="\n").writerows(rows)
EOF
step c5_invariance_trainee  "$LOSPW" invariance three_roles.csv --key data/key.yaml --group role \
                                --missing fiml --top-scores 0
step c6_analyze_trainee     "$LOSPW" analyze three_roles.csv --key data/key.yaml -o an_trainee \
                                --group role --missing fiml

# -- 5. Scoring ---------------------------------------------------------------------------
step k1_score_no_key        "$LOSPW" score data/simulated.csv -o score_default.csv
step k2_score_demo_data     "$LOSPW" score "$REPO/data/raw/fieldtest/responses.csv" -o score_demo.csv
step k3_scheme              "$LOSPW" scheme data/simulated.csv --key data/key.yaml -o scheme.json
# wave 2: every workload answer 2 points higher (WLD3, reverse-keyed, 2 lower); the rest equal
"$PY" - "$D/simulated.csv" "$W/wave2.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
head = rows[0]
for r in rows[1:]:
    for c, by in (("WLD1", 2), ("WLD2", 2), ("WLD3", -2), ("WLD4", 2), ("WLD5", 2)):
        j = head.index(c)
        if r[j] not in ("", "9"):
            r[j] = str(min(5, max(1, int(r[j]) + by)))
csv.writer(open(sys.argv[2], "w", newline="", encoding="utf-8"), lineterminator="\n").writerows(rows)
EOF
step k4_score_change        "$LOSPW" score wave2.csv --scheme scheme.json --baseline data/simulated.csv \
                                -o score_wave2.csv
step k5_score_xlsx          "$LOSPW" score data/simulated.csv --key data/key.yaml -o scores.xlsx
step k6_score_map           "$LOSPW" score data/limesurvey.csv --key data/key.yaml \
                                --map data/map_limesurvey.yaml -o score_ls.csv

# -- numbers: rows read / analysed and the n of every analysis ----------------------------
"$PY" - "$W" > "$W/numbers.txt" <<'EOF'
import csv, json, sys
from pathlib import Path
w = Path(sys.argv[1])

def load(p):
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None

for run in ("an_ls", "an_spss", "an_sim", "an_sim_fiml", "an_trainee", "an_intake"):
    d = w / run
    m = load(d / "manifest.json")
    if m is None:
        print(f"{run}: no manifest"); continue
    print(f"{run}: missing={m.get('missing')} estimator={m.get('estimator')} "
          f"synthetic={m.get('synthetic')}")
    for s in m["stages"]:
        print(f"  stage {s['name']:<15} {s['status']:<8} {s.get('reason') or ''}"[:150])
    i = load(d / "intake" / "intake.json")
    if i:
        print(f"  intake: read {i['n_read']}, analysed {i['n_analysed']}, excluded "
              f"{i['n_excluded']} {i['excluded_by_reason']}; id column {i['id_column']!r}; "
              f"cells changed {i['n_cells_changed']}")
    it = load(d / "items" / "items.json")
    if it:
        print(f"  items: n={it['n']} missing={it['missing']}")
    r = load(d / "reliability" / "reliability.json")
    if r:
        print("  reliability: " + ", ".join(f"{k} n={v['n']}" for k, v in r["scales"].items())
              + f" (missing={r['missing']})")
    e = load(d / "dimensionality" / "efa.json")
    if e:
        print(f"  efa: n={e['n']} missing={e['missing']}")
    c = load(d / "cfa" / "correlated.json")
    if c:
        print(f"  cfa correlated: n_obs={c['n_obs']} n_excluded={c['n_excluded']} "
              f"missing={c['missing']} estimator={c['estimator']}")
    v = load(d / "validity" / "validity.json")
    if v:
        print(f"  validity: n_obs={v['n_obs']} n_htmt={v['n_htmt']} missing={v['missing']}")
    iv = load(d / "invariance" / "invariance.json")
    if iv:
        print(f"  invariance: groups {iv['group_sizes']} excluded {iv['excluded']} "
              f"highest={iv['highest_level']} estimable="
              + ",".join(str(s['estimable']) for s in iv['steps']))
for name in ("intake_ls", "intake_ls_id", "intake_spss"):
    i = load(w / name / "intake.json")
    if i:
        cells = sum(1 for _ in open(w / name / "cell_log.csv", encoding="utf-8")) - 1
        print(f"{name}: read {i['n_read']}, analysed {i['n_analysed']}, excluded "
              f"{i['excluded_by_reason']}; id column {i['id_column']!r}; left out "
              f"{i['columns_left_out']}; cell_log rows {cells}; notes {i['notes']}")
p = w / "score_wave2_change.csv"
if p.exists():
    counts = {}
    for r in csv.DictReader(open(p, encoding="utf-8")):
        counts[(r["scale"], r["reliable"])] = counts.get((r["scale"], r["reliable"]), 0) + 1
    print("score change labels (scale, label): n =", dict(sorted(counts.items())))
p = w / "scores.xlsx"
if p.exists():
    print("scores.xlsx starts with", p.read_bytes()[:4], "(an xlsx file starts with b'PK')")
EOF
# where the first 'rows not analysed' warning appears in the analyze output
for run in c1_analyze_sim s9_analyze_spss; do
    printf '%s: first rows_dropped warning on output line %s of %s\n' "$run" \
        "$(grep -n -m1 'rows_dropped' "$W/log/$run.log" | cut -d: -f1)" \
        "$(wc -l < "$W/log/$run.log")" >> "$W/numbers.txt"
done
printf 'README: %s heading(s) "Validate your own instrument"\n' \
    "$(grep -ci '^#.*validate your own instrument' "$REPO/README.md")" >> "$W/numbers.txt"
cat "$W/numbers.txt"

# -- 6. The report: make book RESULTS=DIR -------------------------------------------------
if [ "$BOOK" = 1 ]; then
    step b1_make_book make -C "$REPO" book RESULTS="$W/an_sim"
    rm -rf "$W/book_html" && cp -r "$REPO/book/_build/html" "$W/book_html"
    {
        printf 'pattern\tfiles\thits\n'
        for p in "LOS" "LOS in PW" "LOS-PW" "six-factor" "role groups" "Delphi" "Professionele" \
                 "stakeholder" "TCQ-15" "Teamwork"; do
            printf '%s\t%s\t%s\n' "$p" \
                "$(grep -rl --include='*.html' -F -- "$p" "$W/book_html" | wc -l)" \
                "$(grep -ro --include='*.html' -F -- "$p" "$W/book_html" | wc -l)"
        done
        printf 'title\t%s\n' "$(grep -o '<title>[^<]*</title>' "$W/book_html/intro.html")"
        printf 'chapters\t%s\n' "$(ls "$W/book_html/chapters" | tr '\n' ' ')"
    } > "$W/book_grep.tsv"
    cat "$W/book_grep.tsv"
fi

# -- 7. An installed lospw (wheel in a fresh venv, run outside the repository) -------------
if [ "$WHEEL" = 1 ]; then
    rm -rf "$W/src" "$W/wheel" "$W/venv" && mkdir -p "$W/src" "$W/wheel"
    git -C "$REPO" archive --format=tar HEAD | tar -x -C "$W/src"
    step w1_build_wheel "$PY" -m pip wheel --quiet --no-deps --no-build-isolation -w "$W/wheel" "$W/src"
    unzip -l "$W"/wheel/*.whl > "$W/log/wheel_contents.txt"
    printf 'wheel: %s files under book/, %s under lospw/examples/teamwork/\n' \
        "$(grep -c ' book/' "$W/log/wheel_contents.txt")" \
        "$(grep -c 'lospw/examples/teamwork/' "$W/log/wheel_contents.txt")" | tee -a "$W/numbers.txt"
    step w2_venv python3 -m venv "$W/venv"
    step w3_pip_install "$W/venv/bin/pip" install --quiet --disable-pip-version-check \
        -c "$REPO/requirements/lock.txt" "$W"/wheel/*.whl
    EXI=$("$W/venv/bin/python" -c 'import lospw, pathlib; print(pathlib.Path(lospw.__file__).parent / "examples" / "teamwork")' 2>/dev/null)
    step w4_installed_analyze "$W/venv/bin/lospw" analyze "$EXI/simulated.csv" --key "$EXI/key.yaml" \
        -o "$W/an_installed" --group role --cluster team
    step w5_installed_report_cmd "$W/venv/bin/lospw" report "$W/an_installed" -o "$W/report_installed"
    step w6_installed_make_book make -C "$W" book RESULTS="$W/an_installed"
fi

echo "== done: $W/summary.tsv, $W/numbers.txt, logs in $W/log"
