# Reference values for analysis/validation/validity.py: HTMT (semTools::htmt), composite reliability
# (semTools::compRelSEM) and AVE (semTools::AVE), with the lavaan estimates they use.
# Run from the project root:  Rscript tests/reference/validity.R
# Writes tests/reference/validity.json. R 4.x, lavaan 0.6-14, semTools 0.5-6.
suppressPackageStartupMessages({library(lavaan); library(semTools); library(jsonlite)})

bfi <- read.csv("tests/data/bfi.csv")
rev_items <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
bfi_rev <- bfi
bfi_rev[rev_items] <- 7 - bfi_rev[rev_items]          # keyed items: 1 + 6 - x
bfi_model <- '
A =~ A1 + A2 + A3 + A4 + A5
C =~ C1 + C2 + C3 + C4 + C5
E =~ E1 + E2 + E3 + E4 + E5
N =~ N1 + N2 + N3 + N4 + N5
O =~ O1 + O2 + O3 + O4 + O5
'
hs <- read.csv("tests/data/holzinger_swineford_1939.csv")
hs_model <- '
visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
'

mat <- function(m) {
  m <- unclass(m)
  list(rows = rownames(m), cols = colnames(m), values = unname(as.matrix(m)))
}

htmt_all <- function(model, data) {
  list(
    htmt2_abs = mat(htmt(model, data)),                                   # semTools default
    htmt_abs = mat(htmt(model, data, htmt2 = FALSE)),                     # Henseler 2015, |r|
    htmt_signed = mat(htmt(model, data, htmt2 = FALSE, absolute = FALSE)) # Henseler 2015, r
  )
}

fit_part <- function(model, data, missing) {
  fit <- cfa(model, data = data, missing = missing)
  est <- lavInspect(fit, "est")
  ss <- lavInspect(fit, "sampstat")
  list(
    missing = missing,
    n_obs = lavInspect(fit, "nobs"),
    lambda = mat(est$lambda),
    phi = mat(lavInspect(fit, "cov.lv")),
    cor_lv = mat(lavInspect(fit, "cor.lv")),
    std_lambda = mat(lavInspect(fit, "std")$lambda),
    sampstat_cov = mat(ss$cov),
    comp_rel = as.list(unclass(compRelSEM(fit))),
    ave = as.list(unclass(AVE(fit)))
  )
}

out <- list(
  versions = list(lavaan = as.character(packageVersion("lavaan")),
                  semTools = as.character(packageVersion("semTools"))),
  bfi = list(
    note = "bfi with the key's reverse-keyed items reversed (7 - x); missing = listwise in htmt",
    htmt = htmt_all(bfi_model, bfi_rev),
    htmt_raw_abs = mat(htmt(bfi_model, bfi)),   # absolute=TRUE: reversing does not matter
    htmt_pairwise = mat(htmt(bfi_model, bfi_rev, missing = "pairwise")),  # lavCor pairwise
    listwise = fit_part(bfi_model, bfi_rev, "listwise"),
    fiml = fit_part(bfi_model, bfi_rev, "ml")
  ),
  hs = list(
    htmt = htmt_all(hs_model, hs),
    listwise = fit_part(hs_model, hs, "listwise")
  )
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/validity.json")
