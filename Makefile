# lospw — the map of the pipeline. `make help` lists the targets; `make all` runs everything.
# Stage targets are real files under data/derived/ and book/_build/, so a second `make all`
# redoes nothing; change an input (data, bank, key, code) and only what depends on it reruns.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
LOSPW := $(BIN)/lospw
INSTALLED := $(VENV)/.installed
DERIVED := data/derived
# Tests CI runs: everything but the slow marker, except the acceptance tests (slow, but CI
# runs them: tests/acceptance); `make test-all` runs every test.
PYTEST_ARGS ?= -m "not slow or acceptance"

# Every stage reruns when the code it runs changes.
SRC := $(shell find analysis instrument lospw -name '*.py' -o -name '*.yaml' | sort)

.PHONY: help install all data delphi analysis book test test-all lint bench clean

help: ## List the targets (this text).
	@echo "lospw — make targets (run 'make all' then 'make test' on a fresh clone):"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

install: $(INSTALLED) ## Create .venv and install lospw with pinned dependencies (idempotent).

$(INSTALLED): pyproject.toml requirements/lock.txt
	@echo "==> install: creating $(VENV) and installing lospw (pinned by requirements/lock.txt)"
	@test -x "$(PY)" || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements/lock.txt -e '.[dev]'
	@touch $@

# ---- stage: the model and the item bank ---------------------------------------------------
MODEL_JSON := $(DERIVED)/model/model.json

$(MODEL_JSON): $(INSTALLED) $(SRC)
	@echo "==> data: writing the LOS-in-PW model (elements, aspects, roles) to $@"
	@mkdir -p $(@D)
	$(PY) -m lospw.instrument.model > $@.tmp && mv $@.tmp $@

BANK_OUT := $(DERIVED)/bank
BANK_VALIDATE := $(BANK_OUT)/validate.json
BANK_EXPORTS := $(BANK_OUT)/codebook.csv $(BANK_OUT)/limesurvey_nl.txt \
  $(BANK_OUT)/questionnaire_nl.html $(BANK_OUT)/questionnaire_en.html \
  $(BANK_OUT)/questionnaire_nl_clients.html

$(BANK_VALIDATE): $(INSTALLED) $(SRC)
	@echo "==> data: checking the item bank (schema, >= 3 items per aspect, nl + en) into $@"
	@mkdir -p $(@D)
	$(LOSPW) bank validate --json > $@.tmp && mv $@.tmp $@

# Exports wait for a passing validation; the stem names format and language.
$(BANK_OUT)/codebook.csv: $(BANK_VALIDATE)
	$(LOSPW) bank export --format codebook --lang nl -o $@
$(BANK_OUT)/limesurvey_%.txt: $(BANK_VALIDATE)
	$(LOSPW) bank export --format limesurvey --lang $* -o $@
$(BANK_OUT)/questionnaire_%.html: $(BANK_VALIDATE)
	$(LOSPW) bank export --format html --lang $* -o $@
# One stakeholder group's questionnaire (its modules only, no group question).
$(BANK_OUT)/questionnaire_nl_clients.html: $(BANK_VALIDATE)
	$(LOSPW) bank export --format html --lang nl --group clients -o $@

# ---- stage: intake of the SYNTHETIC field test (data/raw/fieldtest, see its README) --------
# The raw field test is committed; `make demo-data` (below) is the one target that rewrites it.
FIELDTEST_DIR := data/raw/fieldtest
FIELDTEST_DATA := $(FIELDTEST_DIR)/responses.csv
FIELDTEST_KEY := $(FIELDTEST_DIR)/key.yaml
FIELDTEST_POP := $(FIELDTEST_DIR)/population.yaml
INTAKE_DIR := $(DERIVED)/fieldtest
INTAKE_JSON := $(INTAKE_DIR)/intake.json

# The field test is long data (three waves, one row per respondent and wave): the intake and
# the scheme take the first wave (later waves are logged as later_wave); `make analysis`
# analyses every wave.
FIELDTEST_WAVE := --wave wave

# One run writes responses.csv, exclusions.csv, cell_log.csv, screening.csv and intake.json
# (into a temporary folder that replaces INTAKE_DIR whole when done: analysis/core/outdir.py).
$(INTAKE_JSON): $(INSTALLED) $(SRC) $(FIELDTEST_DATA) $(FIELDTEST_KEY)
	@echo "==> data: intake and careless-responding screening of the SYNTHETIC field test (wave 1) -> $(INTAKE_DIR)"
	$(LOSPW) intake $(FIELDTEST_DATA) --key $(FIELDTEST_KEY) --id respondent_id $(FIELDTEST_WAVE) \
	  --keep workplace --keep stakeholder \
	  --screen exclude -o $(INTAKE_DIR)

DATA_TARGETS := $(MODEL_JSON) $(BANK_VALIDATE) $(BANK_EXPORTS) $(INTAKE_JSON)

data: $(DATA_TARGETS) ## Model, item bank checks, synthetic field test and its intake.

# ---- stage: Delphi consensus on the SYNTHETIC demo panel (data/raw/delphi, see its README) ---
DELPHI_DIR := $(DERIVED)/delphi
DELPHI_RATINGS := $(sort $(wildcard data/raw/delphi/*.csv))
DELPHI_KEY := $(DELPHI_DIR)/key.yaml
DELPHI_ITEMS := $(DELPHI_DIR)/items.csv
DELPHI_BANK := $(DELPHI_DIR)/bank/_bank.yaml

# One run writes all three (grouped target; the folder is replaced whole when the run is
# done); the new bank version never overwrites instrument/bank.
$(DELPHI_ITEMS) $(DELPHI_KEY) $(DELPHI_BANK) &: $(INSTALLED) $(SRC) $(DELPHI_RATINGS)
	@echo "==> delphi: content validity and decisions on the SYNTHETIC demo panel -> $(DELPHI_DIR)"
	$(LOSPW) delphi $(DELPHI_RATINGS) --bank instrument/bank -o $(DELPHI_DIR) \
	  --label "SYNTHETIC demo panel (data/raw/delphi/README.md): not evidence about the items"

DELPHI_TARGETS := $(DELPHI_ITEMS) $(DELPHI_KEY) $(DELPHI_BANK)
delphi: $(DELPHI_TARGETS) ## Delphi consensus stage on the synthetic demo panel.

# ---- convenience: regenerate the committed SYNTHETIC field test ------------------------------
# From the Delphi stage's retained items (override: make demo-data DEMO_KEY=path/to/key.yaml,
# e.g. a bank key from `lospw bank key --status candidate -o ...`).
DEMO_KEY ?= $(DELPHI_KEY)
DEMO_POPULATION_SEED := 20261128
DEMO_DATA_SEED := 20261129
.PHONY: demo-data
demo-data: $(INSTALLED) $(DEMO_KEY) ## Regenerate the SYNTHETIC field test in data/raw/fieldtest (the only target writing data/raw).
	$(LOSPW) simulate population --key $(DEMO_KEY) --seed $(DEMO_POPULATION_SEED) -n 600 \
	  -o $(FIELDTEST_DIR)
	$(LOSPW) simulate fieldtest --population $(FIELDTEST_POP) --seed $(DEMO_DATA_SEED) \
	  -o $(FIELDTEST_DATA)
	echo $(DEMO_DATA_SEED) > $(FIELDTEST_DIR)/SEED

# ---- convenience: Monte Carlo sample-size plan on the SYNTHETIC demo population (issue 11) --
# Slow (500 replications per N); not part of `make all`. The result does not depend on
# PLAN_JOBS; `lospw plan --scheduler tcp://HOST:8786` runs it on a Dask cluster instead.
PLAN_DIR := $(DERIVED)/plan
PLAN_POPULATION ?= data/raw/fieldtest/population.yaml
PLAN_OPTIONS ?= --n 150 300 600 --reps 500 --estimator MLR --seed 1  # MLR, as `make analysis`
PLAN_JOBS ?= 2
.PHONY: plan
plan: $(INSTALLED) ## Monte Carlo sample-size plan on the synthetic demo population (slow; PLAN_OPTIONS, PLAN_JOBS).
	$(LOSPW) plan --population $(PLAN_POPULATION) $(PLAN_OPTIONS) --jobs $(PLAN_JOBS) -o $(PLAN_DIR)

ANALYSIS_TARGETS :=

# ---- stage: the scoring scheme (issue 9) ---------------------------------------------------
# Derived from the synthetic demo field test once its files exist; `make demo-scheme` then
# copies it over the demo scheme shipped in the package (analysis/data/demo_scheme.json).
# The shipped scheme was made this way (before the field test existed it was an interim one
# from tests/fixtures/scoring/).
FIELDTEST_DATA ?= data/raw/fieldtest/responses.csv
FIELDTEST_KEY ?= data/raw/fieldtest/key.yaml
FIELDTEST_SEED ?= $(shell cat data/raw/fieldtest/SEED 2>/dev/null || echo 0)
SCHEME_JSON := $(DERIVED)/scoring/demo_scheme.json
SHIPPED_SCHEME := analysis/data/demo_scheme.json

ifneq ($(wildcard $(FIELDTEST_DATA)),)
$(SCHEME_JSON): $(FIELDTEST_DATA) $(FIELDTEST_KEY) $(INSTALLED) $(SRC)
	@echo "==> analysis: deriving the DEMO scoring scheme (SYNTHETIC norms) into $@"
	@mkdir -p $(@D)
	$(LOSPW) scheme $(FIELDTEST_DATA) --key $(FIELDTEST_KEY) --group stakeholder --synthetic $(FIELDTEST_WAVE) \
	  --seed fieldtest=$(FIELDTEST_SEED) -o $@ \
	  --label "DEMO scheme: norms from the SYNTHETIC demo field test ($(notdir $(FIELDTEST_DATA)), seed $(FIELDTEST_SEED)); not for interpreting real respondents."
ANALYSIS_TARGETS += $(SCHEME_JSON)
endif

.PHONY: demo-scheme
demo-scheme: $(if $(wildcard $(FIELDTEST_DATA)),$(SCHEME_JSON)) ## Regenerate the shipped demo scheme from the synthetic field test.
	@test -f $(SCHEME_JSON) || { echo "demo-scheme: $(FIELDTEST_DATA) not found; the demo field test is not there yet"; exit 2; }
	cp $(SCHEME_JSON) $(SHIPPED_SCHEME)

# ---- stage: the whole validation, lospw analyze (issue 13) -----------------------------------
# The Delphi stage's retained items (its key) on the SYNTHETIC demo field test, with the
# stakeholder group (invariance, group norms) and the workplace (aggregation). The run writes
# a temporary folder that replaces DIR whole when it is complete, so manifest.json (with
# complete: true) is the target: it exists only after a complete run.
ANALYSIS_DIR := $(DERIVED)/analysis
ANALYSIS_MANIFEST := $(ANALYSIS_DIR)/manifest.json
ANALYSIS_DATA ?= data/raw/fieldtest/responses.csv
# The Delphi stage's retained items (its key, bank 0.2.0) on the field test simulated from
# them (`make demo-data`): the key's design routes items by the stakeholder group, so the
# items a group is not asked are planned missingness (not non-response, not careless), and
# the two items only clients are asked (no clients in the demo sample) are left out.
ANALYSIS_KEY ?= $(DELPHI_KEY)
# FIML: the planned missingness and the "weet niet" answers depend on the stakeholder group
# (MAR), so complete cases would be a biased sliver. Invariance compares students (the group
# with the planted shifted item) with the other stakeholders together, on the items both
# were asked: four groups with 80-220 respondents each are fitted but unstable.
# --wave: `make demo-data` draws three waves (long data); the cross-sectional stages analyse
# wave 1, the wave stages (longitudinal, trajectories) every wave. On single-wave data the
# wave stages are skipped, saying why.
ANALYSIS_OPTIONS ?= --group stakeholder --cluster workplace --id respondent_id --wave wave \
  --screen exclude --estimator MLR --missing fiml --seed 1 \
  --invariance-groups students,professionals+bridge_builders+managers

ifneq ($(wildcard $(ANALYSIS_DATA)),)
$(ANALYSIS_MANIFEST): $(INSTALLED) $(SRC) $(ANALYSIS_DATA) $(ANALYSIS_KEY)
	@echo "==> analysis: the whole validation of the SYNTHETIC field test -> $(ANALYSIS_DIR)"
	$(LOSPW) analyze $(ANALYSIS_DATA) --key $(ANALYSIS_KEY) $(ANALYSIS_OPTIONS) -o $(ANALYSIS_DIR)
ANALYSIS_TARGETS += $(ANALYSIS_MANIFEST)
endif

analysis: $(ANALYSIS_TARGETS) ## The whole validation on the synthetic demo field test.
	@$(if $(ANALYSIS_TARGETS),true,echo "==> analysis: stage not built yet (issue 13); nothing to do")

# ---- the report ----------------------------------------------------------------------------
# `lospw report DIR -o OUT` builds the report of any `lospw analyze` folder from the chapter
# sources shipped in the package (lospw/book/, read through lospw/report*.py). The demo's
# report is that command on the demo run plus the LOS-PW development chapters its inputs
# provide (--model, --bank, --delphi). `make book RESULTS=DIR` builds the report of another
# run (DIR's instrument only: no development chapters), rebuilding unconditionally.
BOOK_OUT := book/_build/html
BOOK_HTML := $(BOOK_OUT)/index.html
BOOK_SRC := $(shell find lospw/book -type f ! -path '*/__pycache__/*' | sort) \
  $(wildcard lospw/report*.py)
REPORT_OPTIONS ?= --title "LOS in PW: development and validation of a questionnaire" \
  --author "lospw developers" --model $(dir $(MODEL_JSON)) --bank $(BANK_OUT) --delphi $(DELPHI_DIR)

RESULTS ?=
.PHONY: FORCE
FORCE:

$(BOOK_HTML): $(INSTALLED) $(BOOK_SRC) $(if $(RESULTS),FORCE,$(DATA_TARGETS) $(DELPHI_TARGETS) $(ANALYSIS_TARGETS))
	@echo "==> book: building the report of $(if $(RESULTS),$(RESULTS),$(ANALYSIS_DIR)) into $(BOOK_OUT)"
	@# an output folder of an older make book (no lospw record) is make's own: cleared first
	@test -f $(BOOK_OUT)/.lospw-output.json || rm -rf book/_build
	$(LOSPW) report $(if $(RESULTS),$(RESULTS),$(ANALYSIS_DIR) $(REPORT_OPTIONS)) -o $(BOOK_OUT)
	@# a RESULTS=DIR report is dated 1970, so the next plain `make book` rebuilds the demo's
	@$(if $(RESULTS),touch -d @0 $@,touch $@)

book: $(BOOK_HTML) ## Build the report (HTML, offline) from the artifacts.

all: install data delphi analysis book ## Everything: install, run the pipeline, build the book.
	@echo "==> all: done. Report: $(BOOK_HTML)"

# ---- checks --------------------------------------------------------------------------------
# The browser test (tests/book) opens the built report, so `make test` builds it first.
test: $(INSTALLED) $(BOOK_HTML) ## Run the test suite (installs and builds the report first when needed; slow tests deselected).
	$(PY) -m pytest $(PYTEST_ARGS)

test-all: $(INSTALLED) $(BOOK_HTML) ## Run every test, the slow ones too.
	$(PY) -m pytest

lint: $(INSTALLED) ## ruff check.
	$(BIN)/ruff check .

bench: $(INSTALLED) ## Time lospw against lavaan/psych side by side (needs R; see bench/README.md).
	$(PY) bench/run.py

.PHONY: fuzz repro
fuzz: $(INSTALLED) ## Every malformed-input corpus and the full property tests; counts per reader.
	LOSPW_FUZZ=full $(PY) -m pytest -q -p no:randomly tests/robustness \
	  tests/analysis/intake/test_intake_properties.py tests/analysis/scoring/test_scheme_fuzz.py \
	  tests/analysis/planning/test_simulate.py -k "not recovery"

repro: $(INSTALLED) ## make clean && make all twice; compare every artifact (data/derived/repro_manifest.json).
	$(PY) tests/robustness/make_twice.py

clean: ## Remove derived artifacts and the built book (keeps .venv).
	rm -rf $(DERIVED) book/_build
