# When lavaan 0.6.14 warns that "the variance-covariance matrix of the estimated parameters
# (vcov) does not appear to be positive definite! The smallest eigenvalue (= ...) is close
# to zero / smaller than zero" (lav_model_vcov, after the standard errors): cases where it
# does and where it does not, for each place lospw computes the covariance of the estimates
# (ML, MLR, WLSMV, FIML, multi-group with equality constraints, two-level).
#
# lavaan's rule (lav_model_vcov, check.vcov = TRUE by default): VarCov = NVarCov / N over
# ALL free parameters (a parameter held equal to another counts on its own); its eigenvalues,
# less the neq smallest (neq = rank of the Jacobian of the equality constraints; labels and
# group.equal are equality constraints in 0.6.14, ceq.simple = FALSE), must all be at least
# .Machine$double.eps^(3/4) (about 1.8e-12), else the warning. Only a converged fit gets a
# vcov. The JSON holds, per case, lavaan's warning (given or not, its text) and the smallest
# eigenvalue by that rule, computed here from fit@vcov$vcov and fit@Model@con.jac as
# lav_model_vcov does (and checked against the warning), and the lowest neq + 3 eigenvalues
# of that vcov before any is dropped.
#
# Data (all derived by rule, no random numbers):
#   tests/reference/data/vcov_hs.csv    Holzinger-Swineford 1939 (tests/data, REAL) x1-x9 and
#       school, plus x2c = x1 + 0.01 * sin(row) (a near-collinear twin of x1; SYNTHETIC) and
#       o4-o9, x4-x9 cut at their tertiles (codes 1-3).
#   demo_twolevel.csv (written by twolevel_cfa.R; lavaan's Demo.twolevel).
# A case takes the first `rows` rows (all when null), repeats them `stack` times (a larger
# sample with the same moments: the vcov shrinks as 1/N while the estimates stay), and blanks
# the cells of (row i, item j), both from 1, with (7 * i + 3 * j) %% 10 == 0 when
# `missing_rule` is true (the rule of cfa_se_failed.R; applied before stacking).
#
# Run from the project root:  Rscript tests/reference/cfa_vcov.R
source("tests/reference/helpers.R")
stopifnot(packageVersion("lavaan") == "0.6.14")

hs <- read.csv("tests/data/holzinger_swineford_1939.csv")
vh <- hs[, c(paste0("x", 1:9), "school")]
vh$x2c <- vh$x1 + 0.01 * sin(seq_len(nrow(vh)))
for (j in 4:9) {
  v <- hs[[paste0("x", j)]]
  vh[[paste0("o", j)]] <- as.integer(cut(v, quantile(v, c(0, 1 / 3, 2 / 3, 1)),
                                         include.lowest = TRUE))
}
vh <- export_csv(vh, "vcov_hs")
tl <- read.csv(file.path(DATA_DIR, "demo_twolevel.csv"))

HS3 <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
HS3C <- "visual =~ x1 + x2c + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ONE <- "f =~ x4 + x5 + x6 + x7 + x8 + x9"
ONE_O <- "f =~ o4 + o5 + o6 + o7 + o8 + o9"
TWO2 <- "f =~ x1 + x2\ng =~ x7 + x8"
TL <- "level: 1\nfw =~ y1 + y2 + y3\nlevel: 2\nfb =~ y1 + y2 + y3"
TL_EQ <- paste0("level: 1\nfw =~ y1 + a*y2 + b*y3\nlevel: 2\nfb =~ y1 + a*y2 + b*y3")

case <- function(model, data = "vcov_hs", estimator = "ML", missing = "listwise",
                 rows = NULL, stack = 1L, missing_rule = FALSE, group = NULL,
                 group_equal = character(0), cluster = NULL, note) {
  list(model = model, data = data, estimator = estimator, missing = missing, rows = rows,
       stack = stack, missing_rule = missing_rule, group = group,
       group_equal = I(group_equal), cluster = cluster, note = note)
}

CASES <- list(
  control_ml = case(HS3, note = "the Holzinger-Swineford 3-factor model: no warning"),
  control_mlr = case(HS3, estimator = "MLR", note = "the same under MLR"),
  control_wlsmv = case(ONE_O, estimator = "WLSMV", note = "ordered tertiles, N = 301"),
  heywood_underidentified_ml = case(
    TWO2, note = paste("two two-indicator factors, empirically under-identified (their",
                       "correlation is near zero) with negative residual variances (Heywood",
                       "case): standard errors, no vcov warning")),
  heywood_underidentified_fiml = case(TWO2, missing = "ml", missing_rule = TRUE,
                                      note = "the same under FIML"),
  collinear_ml = case(HS3C, note = paste("a near-collinear pair (x1, x2c): smallest",
                                         "eigenvalue ~8e-12, above the threshold")),
  collinear_ml_stack10 = case(HS3C, stack = 10L,
                              note = "the same at N = 3010: ~8e-13, below: warning"),
  collinear_mlr_stack10 = case(HS3C, estimator = "MLR", stack = 10L,
                               note = "MLR at N = 3010: warning"),
  collinear_labels_stack10 = case(
    "visual =~ x1 + x2c + x3\ntextual =~ x4 + b*x5 + b*x6\nspeed =~ x7 + x8 + x9",
    stack = 10L,
    note = paste("one group, two loadings held equal by a label (one equality constraint,",
                 "whose zero eigenvalue lavaan drops first), N = 3010: warning")),
  collinear_group_equal_stack20 = case(
    HS3C, stack = 20L, group = "school", group_equal = c("loadings", "intercepts"),
    note = paste("two groups, loadings and intercepts equal (15 equality constraints),",
                 "N = 6020: warning. lavaan's vcov here (MASS::ginv of the augmented",
                 "information, tolerance eps^(3/4)) gives one constraint direction a",
                 "variance of ~8e-9 instead of 0, so dropping the 15 smallest eigenvalues",
                 "drops the true smallest (7.98e-13, the second-smallest of",
                 "lowest_eigenvalues) and lavaan reports the next (8.48e-13)")),
  control_group_equal = case(HS3, group = "school", group_equal = c("loadings", "intercepts"),
                             note = "the same constraints without the twin: no warning"),
  mlr_n10 = case(ONE, estimator = "MLR", rows = 10L,
                 note = "MLR, 10 rows for 12 parameters: the sandwich is singular: warning"),
  mlr_n15 = case(ONE, estimator = "MLR", rows = 15L, note = "MLR, 15 rows: no warning"),
  fiml_mlr_n15 = case(ONE, estimator = "MLR", missing = "ml", rows = 15L, missing_rule = TRUE,
                      note = "MLR + FIML, 15 rows for 18 parameters: warning"),
  fiml_mlr_n25 = case(ONE, estimator = "MLR", missing = "ml", rows = 25L, missing_rule = TRUE,
                      note = "MLR + FIML, 25 rows: no warning"),
  wlsmv_n20 = case(ONE_O, estimator = "WLSMV", rows = 20L,
                   note = "WLSMV, 20 rows for 18 parameters: warning"),
  wlsmv_n30 = case(ONE_O, estimator = "WLSMV", rows = 30L, note = "WLSMV, 30 rows: no warning"),
  two_indicators_fiml = case(
    "f =~ x1 + x2", missing = "ml", missing_rule = TRUE,
    note = paste("a two-indicator factor (not identified): lavaan inverts the observed",
                 "information and warns (smallest eigenvalue < 0); lospw judges the",
                 "information singular first (se_failed, decision 0030)")),
  twolevel_control = case(TL, data = "demo_twolevel", cluster = "cluster",
                          note = "two-level, Demo.twolevel y1-y3: no warning"),
  twolevel_equal_loadings = case(TL_EQ, data = "demo_twolevel", cluster = "cluster",
                                 note = "two-level, loadings equal across levels (labels)")
)

case_data <- function(cs) {
  d <- if (cs$data == "vcov_hs") vh else tl
  if (!is.null(cs$rows)) d <- d[seq_len(cs$rows), , drop = FALSE]
  if (cs$missing_rule) {
    items <- paste0("x", 1:9)
    for (j in 1:9) d[(7 * seq_len(nrow(d)) + 3 * j) %% 10 == 0, items[j]] <- NA
  }
  if (cs$stack > 1L) d <- d[rep(seq_len(nrow(d)), cs$stack), , drop = FALSE]
  d
}

# lavaan's own rule, as lav_model_vcov applies it (see the header).
smallest_eigenvalue <- function(fit) {
  V <- fit@vcov$vcov
  ev <- eigen(V, symmetric = TRUE, only.values = TRUE)$values
  lowest <- head(rev(ev), 3L)
  H <- fit@Model@con.jac
  neq <- 0L
  if (nrow(H) > 0L) {
    ceq <- attr(H, "ceq.idx")
    if (length(ceq) > 0L) neq <- qr(H[ceq, , drop = FALSE])$rank
    if (neq > 0L) ev <- rev(ev)[-seq_len(neq)]
    lowest <- head(sort(eigen(V, symmetric = TRUE, only.values = TRUE)$values), neq + 3L)
  }
  list(value = min(ev), neq = neq, nfree = nrow(V), lowest = lowest)
}

out <- list(meta = c(meta("tests/reference/cfa_vcov.R"),
                     list(threshold = .Machine$double.eps^(3 / 4),
                          data = data_info("vcov_hs", vh,
                                           note = paste("x1-x9, school: REAL (HS 1939);",
                                                        "x2c, o4-o9 derived by rule")))))
for (name in names(CASES)) {
  cs <- CASES[[name]]
  d <- case_data(cs)
  args <- list(model = cs$model, data = d, estimator = cs$estimator, missing = cs$missing)
  if (cs$estimator == "WLSMV") args$ordered <- TRUE
  if (!is.null(cs$group)) {
    args$group <- cs$group
    args$group.equal <- cs$group_equal
  }
  if (!is.null(cs$cluster)) args$cluster <- cs$cluster
  res <- capture(do.call("cfa", args))
  fit <- res$value
  if (inherits(fit, "captured_error")) stop(name, ": ", fit$message)
  vc <- grep("(vcov) does not appear to be positive definite", res$warnings, fixed = TRUE,
             value = TRUE)
  conv <- lavInspect(fit, "converged")
  se <- grepl("Could not compute standard errors", paste(res$warnings, collapse = " "))
  ev <- if (conv && !se) smallest_eigenvalue(fit) else list(value = NA, neq = NA, nfree = NA,
                                                            lowest = NULL)
  if (!is.na(ev$value)) stopifnot((length(vc) > 0) == (ev$value < out$meta$threshold))
  out[[name]] <- c(cs, list(nobs = lavInspect(fit, "nobs"), npar = lavInspect(fit, "npar"),
                            converged = conv, se_failed = se, vcov_warning = length(vc) > 0,
                            smallest_eigenvalue = ev$value, neq = ev$neq,
                            nfree = ev$nfree, lowest_eigenvalues = I(ev$lowest),
                            warnings = I(res$warnings)))
  message(sprintf("%-32s warning=%-5s min=%s", name, length(vc) > 0, ev$value))
}
write_ref(out, "cfa_vcov")
