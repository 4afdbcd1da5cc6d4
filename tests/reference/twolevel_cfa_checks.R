# Checks on tests/reference/twolevel_cfa.json (issue 22.1): where lospw's two-level fit and
# lavaan's default output differ, lavaan itself is asked whether lospw's values are its
# own likelihood's maximum.
#
# Run from the project root AFTER twolevel_cfa.R:
#   Rscript tests/reference/twolevel_cfa_checks.R
# Writes tests/reference/twolevel_cfa_checks.json.
#
# 1. h1 under missing data. lavaan 0.6-14 fits the unrestricted two-level model (h1) for
#    missing = "ml" with lav_partable_unrestricted_chol (Sigma = L L' + 1e-4 I per level)
#    and nlminb (rel.tol = 1e-7); on the SYNTHETIC likert data nlminb stops 0.41 below the
#    maximum (the between covariance is nearly singular). Here the same partable is
#    refitted with optim.method = "BFGS" (and once more from its own end point); the
#    chi-square against that h1 is 2 (logl_h1 - logl_h0) with lavaan's own logl_h0. The
#    fitted objects' h1 and test slots are then replaced by that h1 (implied moments,
#    logl, chi-square, baseline chi-square) and lavaan's fitMeasures() and
#    lavInspect(fit, "icc") recomputed: lavaan's measures with a converged h1.
# 2. demo_one_between. lavaan's default start (marker y1) ends at a local maximum; the
#    same model with the marker on y4 (B =~ y4 + y1 + y2 + y3 + y5 + y6) is the same
#    model (another scaling of B) and reaches a higher log-likelihood. Its fit measures
#    and standardized solution are recorded (the raw estimates differ by the scaling).
source("tests/reference/helpers.R")

A <- fromJSON("tests/reference/twolevel_cfa.json", simplifyVector = FALSE)

read_case_data <- function(case) {
  d <- read.csv(file.path("tests/reference/data", paste0(case$data, ".csv")),
                stringsAsFactors = FALSE)
  rev <- unlist(case$reversed)
  if (length(rev)) d[rev] <- 6 - d[rev]
  d
}

h1_refit <- function(fit, method, start = NULL) {
  pt <- lavaan:::lav_partable_unrestricted_chol(lavdata = fit@Data, lavoptions = fit@Options,
                                                lavpta = fit@pta)
  if (!is.null(start)) pt$start <- start
  o <- fit@Options
  o$se <- "none"; o$test <- "none"; o$do.fit <- TRUE; o$h1 <- FALSE; o$baseline <- FALSE
  o$fixed.x <- FALSE; o$model.type <- "unrestricted"; o$optim.attempts <- 4L
  o$warn <- FALSE; o$check.gradient <- FALSE; o$optim.force.convergence <- TRUE
  o$optim.method <- method
  o$control <- list(maxit = 100000, reltol = 1e-14)
  lavaan(pt, slotOptions = o, slotSampleStats = fit@SampleStats, slotData = fit@Data)
}

h1_cases <- list(demo_twolevel_mcar = c("demo_configural_mcar", "demo_cross_level_invariant_mcar",
                                        "demo_one_between_mcar"),
                 twolevel_likert = c("likert_configural_ml", "likert_cross_level_invariant_ml",
                                     "likert_one_between_ml"))
h1 <- list()
for (ds in names(h1_cases)) {
  first <- A$cases[[h1_cases[[ds]][1]]]
  d <- read_case_data(first)
  fit <- cfa(first$model, data = d, cluster = first$options$cluster, missing = "ml")
  f1 <- h1_refit(fit, "BFGS")
  f2 <- h1_refit(fit, "BFGS", start = parTable(f1)$est)
  rec <- list(h1_logl_default = unname(fitMeasures(fit, "unrestricted.logl")),
              h1_logl_bfgs = f1@loglik$loglik, h1_logl_bfgs_restart = f2@loglik$loglik,
              cases = list())
  best <- max(f1@loglik$loglik, f2@loglik$loglik)
  fb <- if (f2@loglik$loglik >= f1@loglik$loglik) f2 else f1
  for (cn in h1_cases[[ds]]) {
    case <- A$cases[[cn]]
    logl <- case$fit_measures$logl
    fc <- cfa(case$model, data = d, cluster = case$options$cluster, missing = "ml")
    stopifnot(abs(fitMeasures(fc, "logl") - logl) < 1e-6)
    base_logl <- fc@h1$loglik - fc@baseline$test$standard$stat / 2
    fc@h1$implied <- list(cov = fb@implied$cov, mean = fb@implied$mean)
    fc@h1$loglik <- best
    fc@h1$loglik.group <- best
    fc@test$standard$stat <- fc@test$standard$stat.group <- 2 * (best - logl)
    fc@test$standard$pvalue <- pchisq(2 * (best - logl), fc@test$standard$df,
                                      lower.tail = FALSE)
    fc@baseline$test$standard$stat <- fc@baseline$test$standard$stat.group <-
      2 * (best - base_logl)
    rec$cases[[cn]] <- list(logl = logl, chisq_default = case$fit_measures$chisq,
                            chisq_h1_bfgs = 2 * (best - logl),
                            fit_measures_h1_bfgs = fit_measures(fc),
                            icc_h1_bfgs = as.list(unclass(lavInspect(fc, "icc"))))
  }
  h1[[ds]] <- rec
}

remark <- function(case_name) {
  case <- A$cases[[case_name]]
  d <- read_case_data(case)
  model <- sub("B =~ y1 + y2 + y3 + y4 + y5 + y6", "B =~ y4 + y1 + y2 + y3 + y5 + y6",
               case$model, fixed = TRUE)
  stopifnot(model != case$model)
  fit <- cfa(model, data = d, cluster = case$options$cluster, missing = case$options$missing)
  list(model = model, converged = lavInspect(fit, "converged"),
       logl_default_marker = case$fit_measures$logl,
       fit_measures = fit_measures(fit), parameters = param_rows(fit))
}

write_ref(list(
  meta = meta("tests/reference/twolevel_cfa_checks.R", NULL, c("digest")),
  source = "models and data of tests/reference/twolevel_cfa.json",
  h1_missing = h1,
  one_between_marker_y4 = list(demo_one_between = remark("demo_one_between"),
                               demo_one_between_mcar = remark("demo_one_between_mcar"))),
  "twolevel_cfa_checks")
