# When lavaan 0.6.14 gives no standard errors ("Could not compute standard errors! The
# information matrix could not be inverted", i.e. R's solve() refuses the information), for
# complete-data ML (expected information) and FIML (missing = "ml", observed information):
# a fixed variance of 1e300 or 1e10, a factor twice on the same items, an under-identified
# model, and the Holzinger-Swineford 3-factor model as the control. The missing cells are
# set by a rule (no random numbers), which tests/analysis/cfa/test_fiml.py repeats: cell
# (row i, item j), both from 1, is missing when (7 * i + 3 * j) %% 10 == 0 (10% of cells).
# Run from the project root:  Rscript tests/reference/cfa_se_failed.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
stopifnot(packageVersion("lavaan") == "0.6.14")
out_file <- "tests/reference/cfa_se_failed.json"
hs <- read.csv("tests/data/holzinger_swineford_1939.csv")
d <- hs[, paste0("x", 1:9)]
for (j in 1:9) d[(7 * seq_len(nrow(d)) + 3 * j) %% 10 == 0, j] <- NA
MODELS <- list(
  control = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9",
  residual_1e300 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nx1 ~~ 1e300*x1",
  factor_1e10 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~~ 1e10*visual",
  same_items_twice = "f =~ x1 + x2 + x3\ng =~ x1 + x2 + x3",
  two_indicators = "f =~ x1 + x2")
cases <- list(meta = list(script = "tests/reference/cfa_se_failed.R",
                          R = R.version.string,
                          lavaan = as.character(packageVersion("lavaan")),
                          missing_rule = "(7 * row + 3 * item) %% 10 == 0, both from 1"))
for (name in names(MODELS)) for (miss in c("listwise", "ml")) {
  said <- character(0)
  fit <- withCallingHandlers(
    cfa(MODELS[[name]], data = d, estimator = "ML", missing = miss),
    warning = function(w) {
      said <<- c(said, gsub("\\s+", " ", conditionMessage(w)))
      invokeRestart("muffleWarning")
    })
  pe <- parameterEstimates(fit, remove.nonfree = TRUE)
  cases[[paste(name, miss, sep = "_")]] <- list(
    model = MODELS[[name]], missing = miss, converged = lavInspect(fit, "converged"),
    nobs = lavInspect(fit, "nobs"),
    se_failed = any(grepl("Could not compute standard errors", said)),
    se_all_finite = all(is.finite(pe$se)), warnings = I(said))
  cat("computed", name, miss, "\n")
}
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
           out_file)
cat("wrote", out_file, "\n")
