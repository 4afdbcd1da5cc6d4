# Reference fits of the competing models that analysis/validation/models.py generates (the syntax
# below is its output, copied verbatim; tests check it still is). Each model is fitted once
# with lavaan's cfa() defaults plus estimator / missing as stated, to prove lavaan accepts the
# syntax and to give the Python comparison table its reference values.
# Run from the project root:  Rscript tests/reference/models.R
# Writes tests/reference/models.json. lavaan 0.6-14.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
FIT <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
         "rmsea.ci.upper", "srmr", "aic", "bic", "logl")
FIT_SCALED <- c("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
                "cfi.robust", "tli.robust", "rmsea.robust", "cfi.scaled", "tli.scaled",
                "rmsea.scaled")
run <- function(models, data, nested, estimator = "ML", missing = "listwise",
                ordered = NULL) {
  fits <- lapply(models, function(m) cfa(m, data = data, estimator = estimator,
                                         ordered = ordered,
                                         missing = missing))
  res <- lapply(names(models), function(n) {
    f <- fits[[n]]
    list(syntax = models[[n]], converged = lavInspect(f, "converged"),
         proper = suppressWarnings(lavInspect(f, "post.check")),
         fit = as.list(fitMeasures(f, c(FIT, if (estimator != "ML") FIT_SCALED))))
  })
  names(res) <- names(models)
  # chi-square difference tests of the nested pairs (restricted, general) the generator lists
  pairs <- list()
  for (p in nested) {
    if (!(p[1] %in% names(fits) && p[2] %in% names(fits))) next
    # ML: plain; MLR: Satorra-Bentler 2001; WLSMV: lavaan's default (satorra.2000)
    method <- if (estimator == "MLR") "satorra.bentler.2001" else "default"
    a <- lavTestLRT(fits[[p[1]]], fits[[p[2]]], method = method)
    pairs[[length(pairs) + 1]] <- list(restricted = p[1], general = p[2],
      chisq_diff = a[2, "Chisq diff"], df_diff = a[2, "Df diff"], pvalue = a[2, "Pr(>Chisq)"])
  }
  list(estimator = estimator, missing = missing, models = res, differences = pairs)
}

NESTED <- list(c("one_factor", "bifactor"), c("one_factor", "correlated"), c("one_factor", "second_order"), c("second_order", "bifactor"), c("second_order", "correlated"))
hs_models <- list(
  one_factor = '
general =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9
',
  correlated = '
visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
',
  second_order = '
visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
general =~ visual + textual + speed
',
  bifactor = '
general =~ NA*x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9
visual =~ NA*x1 + x2 + x3
textual =~ NA*x4 + x5 + x6
speed =~ NA*x7 + x8 + x9
general ~~ 1*general
visual ~~ 1*visual
textual ~~ 1*textual
speed ~~ 1*speed
general ~~ 0*visual + 0*textual + 0*speed
visual ~~ 0*textual + 0*speed
textual ~~ 0*speed
')
bfi_models <- list(
  one_factor = '
general =~ A1 + A2 + A3 + A4 + A5 + C1 + C2 + C3 + C4 + C5 + E1 + E2 + E3 + E4 + E5 + N1 + N2 + N3 + N4 + N5 + O1 + O2 + O3 + O4 + O5
',
  correlated = '
A =~ A1 + A2 + A3 + A4 + A5
C =~ C1 + C2 + C3 + C4 + C5
E =~ E1 + E2 + E3 + E4 + E5
N =~ N1 + N2 + N3 + N4 + N5
O =~ O1 + O2 + O3 + O4 + O5
',
  second_order = '
A =~ A1 + A2 + A3 + A4 + A5
C =~ C1 + C2 + C3 + C4 + C5
E =~ E1 + E2 + E3 + E4 + E5
N =~ N1 + N2 + N3 + N4 + N5
O =~ O1 + O2 + O3 + O4 + O5
general =~ A + C + E + N + O
',
  bifactor = '
general =~ NA*A1 + A2 + A3 + A4 + A5 + C1 + C2 + C3 + C4 + C5 + E1 + E2 + E3 + E4 + E5 + N1 + N2 + N3 + N4 + N5 + O1 + O2 + O3 + O4 + O5
A =~ NA*A1 + A2 + A3 + A4 + A5
C =~ NA*C1 + C2 + C3 + C4 + C5
E =~ NA*E1 + E2 + E3 + E4 + E5
N =~ NA*N1 + N2 + N3 + N4 + N5
O =~ NA*O1 + O2 + O3 + O4 + O5
general ~~ 1*general
A ~~ 1*A
C ~~ 1*C
E ~~ 1*E
N ~~ 1*N
O ~~ 1*O
general ~~ 0*A + 0*C + 0*E + 0*N + 0*O
A ~~ 0*C + 0*E + 0*N + 0*O
C ~~ 0*E + 0*N + 0*O
E ~~ 0*N + 0*O
N ~~ 0*O
')
hs <- read.csv("tests/data/holzinger_swineford_1939.csv")
bfi <- read.csv("tests/data/bfi.csv")
rev_items <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
bfi[rev_items] <- 7 - bfi[rev_items]          # the key's reverse-keyed items: 1 + 6 - x
lospw_models <- list(
  one_factor = '
general =~ LOS1 + LOS2 + LOS3 + LOS4 + GOC1 + GOC2 + GOC3 + GOC4 + SRI1 + SRI2 + SRI3 + SRI4 + VMM1 + VMM2 + VMM3 + VMM4 + LeA1 + LeA2 + LeA3 + LeA4 + VOR1 + VOR2 + VOR3 + VOR4
',
  grouped = '
core =~ LOS1 + LOS2 + LOS3 + LOS4 + GOC1 + GOC2 + GOC3 + GOC4
instrumental =~ SRI1 + SRI2 + SRI3 + SRI4 + VMM1 + VMM2 + VMM3 + VMM4
interpersonal =~ LeA1 + LeA2 + LeA3 + LeA4 + VOR1 + VOR2 + VOR3 + VOR4
',
  correlated = '
LOS =~ LOS1 + LOS2 + LOS3 + LOS4
GOC =~ GOC1 + GOC2 + GOC3 + GOC4
SRI =~ SRI1 + SRI2 + SRI3 + SRI4
VMM =~ VMM1 + VMM2 + VMM3 + VMM4
LeA =~ LeA1 + LeA2 + LeA3 + LeA4
VOR =~ VOR1 + VOR2 + VOR3 + VOR4
',
  second_order = '
LOS =~ LOS1 + LOS2 + LOS3 + LOS4
GOC =~ GOC1 + GOC2 + GOC3 + GOC4
SRI =~ SRI1 + SRI2 + SRI3 + SRI4
VMM =~ VMM1 + VMM2 + VMM3 + VMM4
LeA =~ LeA1 + LeA2 + LeA3 + LeA4
VOR =~ VOR1 + VOR2 + VOR3 + VOR4
core =~ 1*LOS + 1*GOC
instrumental =~ 1*SRI + 1*VMM
interpersonal =~ 1*LeA + 1*VOR
',
  bifactor = '
general =~ NA*LOS1 + LOS2 + LOS3 + LOS4 + GOC1 + GOC2 + GOC3 + GOC4 + SRI1 + SRI2 + SRI3 + SRI4 + VMM1 + VMM2 + VMM3 + VMM4 + LeA1 + LeA2 + LeA3 + LeA4 + VOR1 + VOR2 + VOR3 + VOR4
LOS =~ NA*LOS1 + LOS2 + LOS3 + LOS4
GOC =~ NA*GOC1 + GOC2 + GOC3 + GOC4
SRI =~ NA*SRI1 + SRI2 + SRI3 + SRI4
VMM =~ NA*VMM1 + VMM2 + VMM3 + VMM4
LeA =~ NA*LeA1 + LeA2 + LeA3 + LeA4
VOR =~ NA*VOR1 + VOR2 + VOR3 + VOR4
general ~~ 1*general
LOS ~~ 1*LOS
GOC ~~ 1*GOC
SRI ~~ 1*SRI
VMM ~~ 1*VMM
LeA ~~ 1*LeA
VOR ~~ 1*VOR
general ~~ 0*LOS + 0*GOC + 0*SRI + 0*VMM + 0*LeA + 0*VOR
LOS ~~ 0*GOC + 0*SRI + 0*VMM + 0*LeA + 0*VOR
GOC ~~ 0*SRI + 0*VMM + 0*LeA + 0*VOR
SRI ~~ 0*VMM + 0*LeA + 0*VOR
VMM ~~ 0*LeA + 0*VOR
LeA ~~ 0*VOR
')
NESTED_LOSPW <- list(c("one_factor", "grouped"), c("one_factor", "correlated"), c("one_factor", "second_order"), c("one_factor", "bifactor"), c("grouped", "correlated"), c("second_order", "correlated"))
# SYNTHETIC data for the LOS-PW-shaped key: simulated from a second-order population
# (first-order loadings .7, residual variances .51, second-order loadings .8, group
# correlations .5), n = 600, seed 7; GOC2 is stored reverse-keyed (6 - x is not applied:
# continuous simulated scores, so the key's sign only documents the item).
pop <- paste(
  "LOS =~ .7*LOS1 + .7*LOS2 + .7*LOS3 + .7*LOS4", "GOC =~ .7*GOC1 + .7*GOC2 + .7*GOC3 + .7*GOC4",
  "SRI =~ .7*SRI1 + .7*SRI2 + .7*SRI3 + .7*SRI4", "VMM =~ .7*VMM1 + .7*VMM2 + .7*VMM3 + .7*VMM4",
  "LeA =~ .7*LeA1 + .7*LeA2 + .7*LeA3 + .7*LeA4", "VOR =~ .7*VOR1 + .7*VOR2 + .7*VOR3 + .7*VOR4",
  "core =~ .8*LOS + .8*GOC", "instrumental =~ .8*SRI + .8*VMM",
  "interpersonal =~ .8*LeA + .8*VOR",
  "core ~~ .5*instrumental + .5*interpersonal", "instrumental ~~ .5*interpersonal",
  sep = "\n")
set.seed(7)
lospw_data <- simulateData(pop, sample.nobs = 600)
out <- list(
  versions = list(lavaan = as.character(packageVersion("lavaan"))),
  hs_ml = run(hs_models, hs, NESTED),
  bfi_ml = run(bfi_models, bfi, NESTED),
  bfi_ml_fiml = run(bfi_models, bfi, NESTED, missing = "ml"),
  bfi_mlr = run(bfi_models, bfi, NESTED, estimator = "MLR"),
  bfi_wlsmv = run(bfi_models, bfi, NESTED, estimator = "WLSMV",
                  ordered = c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5),
                              paste0("N", 1:5), paste0("O", 1:5))),
  lospw_like_ml = run(lospw_models, lospw_data, NESTED_LOSPW)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/models.json")
