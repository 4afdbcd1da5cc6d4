# Fits that sit on a numerical noise floor: lavaan 0.6.14 converges where lospw's scoring
# cannot drive the largest gradient element below its tolerance (the discrepancy and its
# gradient are noisy far above it), so lospw judges convergence as lavaan's nlminb does
# (relative function convergence, rel.tol = 1e-10, with max |gradient| <= optim.dx.tol =
# 1e-3; lospw.analysis.cfa.optimizer._at_noise_floor).
#
# The model is Holzinger-Swineford's three factors with x2 replaced by x2c, a near-copy of
# x1 (x2c = x1 + 0.01 * sin(row); SYNTHETIC), and two pairs of loadings held equal by labels:
# a Heywood case (x1's residual variance near zero) whose expected information has a
# condition number ~5e9.
#
# Data: tests/reference/data/vcov_hs.csv (written by cfa_vcov.R; read here, not rewritten).
# A case repeats the rows `stack` times (the same moments, N times `stack`) and blanks the
# cells of (row i, item j), both from 1, with (7 * i + 3 * j) %% 10 == 0 when `missing_rule`
# is true (applied before stacking; the rule of cfa_vcov.R).
#
# Run from the project root:  Rscript tests/reference/cfa_convergence.R
source("tests/reference/helpers.R")
stopifnot(packageVersion("lavaan") == "0.6.14")

vh <- read.csv(file.path(DATA_DIR, "vcov_hs.csv"))
MODEL <- paste("visual =~ x1 + a*x2c + a*x3", "textual =~ x4 + b*x5 + b*x6",
               "speed =~ x7 + x8 + x9", sep = "\n")

case <- function(missing = "listwise", stack = 1L, missing_rule = FALSE, note) {
  list(model = MODEL, data = "vcov_hs", estimator = "ML", missing = missing, stack = stack,
       missing_rule = missing_rule, note = note)
}

CASES <- list(
  labels_heywood_ml = case(note = "ML, N = 301"),
  labels_heywood_ml_stack10 = case(stack = 10L, note = "ML, the rows stacked 10 times"),
  labels_heywood_fiml_stack10 = case(missing = "ml", stack = 10L, missing_rule = TRUE,
                                     note = "FIML (missing = 'ml'), stacked 10 times")
)

case_data <- function(cs) {
  d <- vh
  if (cs$missing_rule) {
    items <- paste0("x", 1:9)
    for (j in 1:9) d[(7 * seq_len(nrow(d)) + 3 * j) %% 10 == 0, items[j]] <- NA
  }
  if (cs$stack > 1L) d <- d[rep(seq_len(nrow(d)), cs$stack), , drop = FALSE]
  d
}

out <- list(meta = c(meta("tests/reference/cfa_convergence.R"),
                     list(data = data_info("vcov_hs", vh,
                                           note = paste("x1-x9, school: REAL (HS 1939);",
                                                        "x2c, o4-o9 derived by rule")))))
for (name in names(CASES)) {
  cs <- CASES[[name]]
  res <- capture(cfa(cs$model, data = case_data(cs), estimator = cs$estimator,
                     missing = cs$missing))
  fit <- res$value
  if (inherits(fit, "captured_error")) stop(name, ": ", fit$message)
  fm <- fitMeasures(fit, c("fmin", "chisq", "df", "logl"))
  pe <- parameterEstimates(fit, remove.nonfree = FALSE)[c("lhs", "op", "rhs", "est")]
  out[[name]] <- c(cs, list(nobs = lavInspect(fit, "nobs"),
                            converged = lavInspect(fit, "converged"),
                            iterations = lavInspect(fit, "iterations"),
                            fit = as.list(unclass(fm)), parameters = pe,
                            warnings = I(res$warnings)))
  message(sprintf("%-30s converged=%s iterations=%d chisq=%.10g", name,
                  lavInspect(fit, "converged"), lavInspect(fit, "iterations"), fm[["chisq"]]))
}
write_ref(out, "cfa_convergence")
