# Reference values for issue 22.2 -- multilevel composite reliability (Lai, 2021) as
# semTools::compRelSEM(fit, config =, shared =) computes it.
#
# Run from the project root AFTER twolevel_cfa.R (it refits that script's models on that
# script's exported data; model syntax is read from tests/reference/twolevel_cfa.json):
#   Rscript tests/reference/multilevel_reliability.R
# Writes tests/reference/multilevel_reliability.json.
#
# semTools 0.5-6 semantics (read from its source; Lai 2021, Psychological Methods 26(1),
# 90-102). Sigma_W, Sigma_B = within / between covariance matrices of the composite's items:
# with obs.var = TRUE (default) those of the unrestricted two-level model (lavInspect
# "sampstat" = "h1"), with obs.var = FALSE the model-implied ones. Lambda_W Phi_W Lambda_W'
# and Lambda_B Phi_B Lambda_B' are the common parts of the factor at each level (the factor
# must have the SAME NAME at both levels for config=). sum() = sum of all matrix elements.
#   config = "f" (configural construct: the person-level composite):
#     omega_W  = sum(Lambda_W Phi_W Lambda_W') / sum(Sigma_W)
#                (reliability of the cluster-mean-centred composite)
#     omega_2L = [sum(Lambda_W Phi_W Lambda_W') + sum(Lambda_B Phi_B Lambda_B')]
#                / [sum(Sigma_W) + sum(Sigma_B)]
#                (reliability of the raw composite; semTools warns when loadings differ
#                across levels: "omega_2L for configural constructs assumes invariance")
#   shared = "f" (shared construct: the cluster-mean composite):
#     omega_B  = sum(Lambda_B Phi_B Lambda_B') / [sum(Sigma_W) * c + sum(Sigma_B)]
#     IRR      = sum(Sigma_B) / [sum(Sigma_W) * c + sum(Sigma_B)]
#     c = mean(1 / n_j) over clusters = 1 / (harmonic mean cluster size),
#     lavInspect(fit, "cluster.size"). omega_B is the reliability of the cluster mean of
#     the composite (measurement + rater/sampling error); IRR is the ICC(2)-type reliability
#     of the cluster mean with respect to sampling error only.
#   Default (no config/shared): Geldhof et al. (2014) per level,
#     sum(Lambda_l Phi_l Lambda_l') / sum(Sigma_l), l = within, between.
# Every value is also computed by hand from the lavInspect matrices (by_hand) as a check.
source("tests/reference/helpers.R")
suppressPackageStartupMessages(library(semTools))

A <- fromJSON("tests/reference/twolevel_cfa.json", simplifyVector = FALSE)

read_keyed <- function(case) {
  d <- read.csv(file.path("tests/reference/data", paste0(case$data, ".csv")),
                stringsAsFactors = FALSE)
  rev <- unlist(case$reversed)
  if (length(rev)) d[rev] <- 6 - d[rev]        # twolevel_likert: 1..5 scale
  d
}

refit <- function(case_name) {
  case <- A$cases[[case_name]]
  d <- read_keyed(case)
  fun <- if (grepl("^sem\\(", case$options$call)) "sem" else "cfa"
  fit <- do.call(fun, list(model = case$model, data = d, cluster = case$options$cluster,
                           missing = case$options$missing))
  stopifnot(abs(fitMeasures(fit, "chisq") - case$fit_measures$chisq) < 1e-8)
  list(fit = fit, case = case)
}

sum_common <- function(fit, level, f) {
  est <- lavInspect(fit, "est")[[level]]
  L <- est$lambda[, f, drop = FALSE]
  items <- rownames(L)[L[, 1] != 0]
  L <- L[items, , drop = FALSE]
  phi <- lavInspect(fit, "cov.lv")[[level]][f, f]
  list(items = items, common = sum(L %*% phi %*% t(L)))
}

by_hand <- function(fit, f, obs.var = TRUE) {
  S <- lavInspect(fit, if (obs.var) "sampstat" else "implied")
  w <- sum_common(fit, 1, f); b <- tryCatch(sum_common(fit, 2, f), error = function(e) NULL)
  items <- w$items
  sw <- sum(S[[1]]$cov[items, items]); sb <- sum(S[[2]]$cov[items, items])
  c_ <- mean(1 / lavInspect(fit, "cluster.size"))
  out <- list(omega_W = w$common / sw, sum_Sigma_W = sw, sum_Sigma_B = sb,
              inverse_harmonic_cluster_size = c_, IRR = sb / (sw * c_ + sb))
  if (!is.null(b)) {
    out$omega_2L <- (w$common + b$common) / (sw + sb)
    out$omega_B <- b$common / (sw * c_ + sb)
  }
  out
}

as_plain <- function(x) {
  if (is.data.frame(x)) return(lapply(split(x, seq_len(nrow(x))), function(r) as.list(r)))
  if (is.matrix(x)) return(matrix_json(x))
  if (is.list(x)) return(lapply(x, as_plain))
  as.list(unclass(x))
}

rel_case <- function(case_name, config = character(0), shared = character(0),
                     hand = character(0)) {
  r <- refit(case_name)
  fit <- r$fit
  call_rel <- function(...) {
    res <- capture(compRelSEM(fit, ...))
    v <- res$value
    if (inherits(v, "captured_error")) return(list(error = v$message, warnings = res$warnings))
    list(value = as_plain(v), warnings = res$warnings)
  }
  out <- list(twolevel_case = case_name, data = r$case$data, model = r$case$model,
              options = r$case$options,
              cluster_size = list(n_clusters = lavInspect(fit, "nclusters"),
                                  harmonic_mean = 1 / mean(1 / lavInspect(fit, "cluster.size")),
                                  mean = mean(lavInspect(fit, "cluster.size"))),
              geldhof_default = call_rel())
  if (length(config)) {
    out$config <- call_rel(config = config)
    out$config_obs_var_FALSE <- call_rel(config = config, obs.var = FALSE)
    out$config_tau_eq <- call_rel(config = config, tau.eq = TRUE)
    if (length(config) > 1) out$config_total <- call_rel(config = config, return.total = TRUE)
  }
  if (length(shared)) {
    out$shared <- call_rel(shared = shared)
    out$shared_obs_var_FALSE <- call_rel(shared = shared, obs.var = FALSE)
    out$shared_tau_eq <- call_rel(shared = shared, tau.eq = TRUE)
    if (length(shared) > 1) out$shared_total <- call_rel(shared = shared, return.total = TRUE)
  }
  if (length(config) && length(shared)) out$config_and_shared <- call_rel(config = config, shared = shared)
  out$by_hand <- lapply(setNames(hand, hand), function(f) by_hand(fit, f))
  out$by_hand_obs_var_FALSE <- lapply(setNames(hand, hand), function(f) by_hand(fit, f, FALSE))
  out
}

fs <- c("f1", "f2")
ps <- c("P", "Q")
cases <- list(
  demo_cross_level_invariant = rel_case("demo_cross_level_invariant", fs, fs, fs),
  demo_configural = rel_case("demo_configural", fs, fs, fs),
  demo_shared_saturated_within = rel_case("demo_shared_saturated_within", shared = fs),
  demo_cross_level_invariant_mcar = rel_case("demo_cross_level_invariant_mcar", fs, fs, fs),
  likert_cross_level_invariant_ml = rel_case("likert_cross_level_invariant_ml", ps, ps, ps),
  likert_configural_ml = rel_case("likert_configural_ml", ps, ps, ps)
)

write_ref(list(
  meta = meta("tests/reference/multilevel_reliability.R", NULL, c("digest")),
  source = "models and data of tests/reference/twolevel_cfa.json (cases named in twolevel_case)",
  semantics = list(
    omega_W = "sum(L_W Phi_W L_W') / sum(Sigma_W)",
    omega_2L = "(sum(L_W Phi_W L_W') + sum(L_B Phi_B L_B')) / (sum(Sigma_W) + sum(Sigma_B))",
    omega_B = "sum(L_B Phi_B L_B') / (sum(Sigma_W) * mean(1/n_j) + sum(Sigma_B))",
    IRR = "sum(Sigma_B) / (sum(Sigma_W) * mean(1/n_j) + sum(Sigma_B))",
    Sigma = "obs.var = TRUE: unrestricted (h1) within/between covariances; FALSE: model-implied",
    level2_reliability_of_cluster_mean = paste(
      "omega_B (shared=) is the reliability of the cluster mean of the composite with",
      "respect to item and rater/sampling error; IRR is its ICC(2)-type counterpart (sampling",
      "error only) with the harmonic mean cluster size")),
  cases = cases), "multilevel_reliability")
