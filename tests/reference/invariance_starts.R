# Reference values for tests/analysis/validation/test_invariance_starts.py (issue 18, point 3: the
# strict step stopped at a local optimum), from lavaan 0.6.14.
#
# Run from the project root:  Rscript tests/reference/invariance_starts.R
# Writes tests/reference/invariance_starts.json. The tests read that file; they never run R.
#
# Data: tests/data/geras.csv (psychTools::GERAS.items, 471 respondents, 50 items, two genders),
# key tests/fixtures/keys/geras.yaml (six correlated factors, marker scaling). The discrepancy
# of these models has several local minima, so each step is fitted from more than one start
# and every start's result is recorded:
#   default      cfa()'s own start;
#   simple       start = "simple" (the configural step: lavaan's default start stops at
#                chi-square 5067.6, the simple start reaches 5006.0);
#   previous     start = the previous step's fit (the strict step from the scalar fit).
# For ML and MLR: chisq, df, fmin, cfi, tli, rmsea, srmr (+ the scaled and robust indices
# for MLR), and the difference tests between the steps at their best optima.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
stopifnot(packageVersion("lavaan") == "0.6.14")

d <- read.csv("tests/data/geras.csv")
keys <- list(
  Mpers = c("V15", "V22", "V11", "V6", "V19", "V14", "V20", "V21", "V23", "V9"),
  Fpers = c("V27", "V28", "V29", "V26", "V32", "V30", "V24", "V40", "V39", "V41"),
  Mcog = c("V44", "V45", "V46", "V50", "V51", "V53", "V48"),
  Fcog = c("V55", "V58", "V59", "V60", "V54", "V63", "V57"),
  Mact = c("V69", "V73", "V71", "V68", "V75", "V72", "V67", "V74"),
  Fact = c("V89", "V92", "V81", "V80", "V90", "V83", "V84", "V86"))
model <- paste(sprintf("%s =~ %s", names(keys), sapply(keys, paste, collapse = " + ")),
               collapse = "\n")
STEPS <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
              strict = c("loadings", "intercepts", "residuals"))
FIT <- c("npar", "chisq", "df", "fmin", "cfi", "tli", "rmsea", "srmr")
ROBUST <- c("chisq.scaled", "chisq.scaling.factor", "cfi.robust", "tli.robust",
            "rmsea.robust")

fit_step <- function(eq, estimator, start = "default") {
  cfa(model, data = d, group = "gender", group.equal = eq, estimator = estimator,
      start = start)
}
measures <- function(f, estimator) {
  c(as.list(fitMeasures(f, c(FIT, if (estimator == "MLR") ROBUST))),
    converged = lavInspect(f, "converged"))
}
best <- function(fits) fits[[which.min(sapply(fits, function(f) fitMeasures(f, "fmin")))]]

run <- function(estimator) {
  out <- list()
  kept <- list()
  prev <- NULL
  for (name in names(STEPS)) {
    fits <- list(default = fit_step(STEPS[[name]], estimator))
    if (name == "configural") fits$simple <- fit_step(STEPS[[name]], estimator, "simple")
    if (!is.null(prev)) fits$previous <- fit_step(STEPS[[name]], estimator, prev)
    out[[name]] <- lapply(fits, measures, estimator = estimator)
    kept[[name]] <- prev <- best(fits)
  }
  method <- if (estimator == "MLR") "satorra.bentler.2001" else "default"
  diffs <- list()
  for (k in 2:length(kept)) {
    a <- lavTestLRT(kept[[k]], kept[[k - 1]], method = method)
    diffs[[names(kept)[k]]] <- list(chisq_diff = a[2, "Chisq diff"], df_diff = a[2, "Df diff"],
                                    pvalue = a[2, "Pr(>Chisq)"])
  }
  list(steps = out, differences = diffs)
}

res <- list(
  meta = list(lavaan = as.character(packageVersion("lavaan")),
              script = "tests/reference/invariance_starts.R", data = "tests/data/geras.csv",
              group = "gender", model = model),
  group_sizes = as.list(table(d$gender)),
  ML = run("ML"),
  MLR = run("MLR"))
write_json(res, "tests/reference/invariance_starts.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
cat("wrote tests/reference/invariance_starts.json\n")
