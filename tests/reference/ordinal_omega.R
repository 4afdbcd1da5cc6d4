# Reference values for issue 23.3 -- categorical omega (Green & Yang, 2009) for WLSMV
# one-factor models, as semTools::compRelSEM computes it.
#
# Run from the project root:  Rscript tests/reference/ordinal_omega.R
# Writes tests/reference/ordinal_omega.json. Data: tests/data/bfi.csv (= psychTools::bfi),
# keyed as tests/fixtures/keys/bfi.yaml (reverse-keyed items 7 - x), per scale the rows
# with all five of the scale's items answered (lavaan's default listwise for ordered data
# fitted one scale at a time); the JSON records n per scale.
#
# Fit: cfa("<scale> =~ i1 + ... + i5", ordered = TRUE (all items), estimator = "WLSMV",
#          std.lv = TRUE)  -- delta parameterization (lavaan default).
# semTools 0.5-6 compRelSEM semantics (read from its source, semTools:::omegaCat):
#   ord.scale = TRUE  (default): Green & Yang (2009, eq. 21) omega for the SUM OF THE
#     ORDINAL item scores:
#       omega = sum_{j,j'} [ sum_{c,c'} Phi2(t_jc, t_j'c'; R*_jj') - sum_c Phi(t_jc) sum_c' Phi(t_j'c') ]
#             / sum_{j,j'} [ sum_{c,c'} Phi2(t_jc, t_j'c'; P_jj')  - sum_c Phi(t_jc) sum_c' Phi(t_j'c') ]
#     with t_jc the thresholds of item j (lavaan's estimates; all equal in a one-group model
#     to the sample thresholds), R* = Lambda Phi Lambda' (the common part, lambda_j lambda_j'
#     incl. the diagonal lambda_j^2) and P the latent-response correlation matrix: with
#     obs.var = TRUE (default) the sample polychoric correlations (lavInspect "sampstat"),
#     with obs.var = FALSE the model-implied correlations (lavInspect "fitted"), diagonal 1.
#     Phi2(a, b; r) is the bivariate standard normal CDF, Phi the univariate one.
#     (In the delta parameterization the latent-response scales are 1, so no rescaling.)
#   ord.scale = FALSE: omega on the continuous latent-response scale,
#       sum(Lambda Phi Lambda') / sum(P)      (P as above by obs.var)
#   tau.eq = TRUE, ord.scale = TRUE: coefficient alpha of the integer item scores
#       (= psych::alpha on the listwise data); tau.eq = TRUE, ord.scale = FALSE: "ordinal
#       alpha" (Zumbo et al. 2007) from P.
# A hand computation of both omegas (formula above, mvtnorm::pmvnorm for Phi2) is recorded
# beside semTools' values as a check of the formula.
source("tests/reference/helpers.R")
suppressPackageStartupMessages({library(semTools); library(mvtnorm)})

BFI_KEY <- list(A = c("A1", "A2", "A3", "A4", "A5"), C = c("C1", "C2", "C3", "C4", "C5"),
                E = c("E1", "E2", "E3", "E4", "E5"), N = c("N1", "N2", "N3", "N4", "N5"),
                O = c("O1", "O2", "O3", "O4", "O5"))
BFI_REV <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")

bfi <- read.csv("tests/data/bfi.csv")
bfi[BFI_REV] <- 7 - bfi[BFI_REV]

p2 <- function(a, b, r) {
  if (r >= 1 - 1e-12) return(pnorm(min(a, b)))   # perfectly correlated (diagonal of P)
  mvtnorm::pmvnorm(upper = c(a, b), corr = matrix(c(1, r, r, 1), 2),
                   algorithm = mvtnorm::Miwa(steps = 128))[1]
}
green_yang <- function(common, P, thr) {
  k <- ncol(P); num <- 0; den <- 0
  for (j in 1:k) for (jp in 1:k) {
    t1 <- thr[[j]]; t2 <- thr[[jp]]
    s_num <- 0; s_den <- 0
    for (a in t1) for (b in t2) {
      s_num <- s_num + p2(a, b, common[j, jp])
      s_den <- s_den + p2(a, b, P[j, jp])
    }
    m <- sum(pnorm(t1)) * sum(pnorm(t2))
    num <- num + s_num - m
    den <- den + s_den - m
  }
  num / den
}

scales <- list()
for (s in names(BFI_KEY)) {
  it <- BFI_KEY[[s]]
  d <- bfi[complete.cases(bfi[it]), c("id", it)]
  model <- sprintf("%s =~ %s", s, paste(it, collapse = " + "))
  res <- capture(cfa(model, data = d[it], ordered = it, estimator = "WLSMV", std.lv = TRUE))
  fit <- res$value
  rel <- function(...) unname(compRelSEM(fit, ...)[s])
  L <- lavInspect(fit, "est")$lambda
  common <- L %*% t(L)
  P_obs <- lavInspect(fit, "sampstat")$cov
  P_fit <- lavInspect(fit, "fitted")$cov
  th <- lavInspect(fit, "est")$tau
  thr <- lapply(it, function(v) th[grepl(paste0("^", v, "\\|"), rownames(th)), 1])
  scales[[s]] <- list(
    items = it, reversed = intersect(it, BFI_REV), n = lavInspect(fit, "nobs"),
    categories = lapply(setNames(it, it), function(v) sort(unique(d[[v]]))),
    model = model,
    options = list(estimator = "WLSMV", ordered = it, std.lv = TRUE,
                   parameterization = "delta", missing = "listwise"),
    converged = lavInspect(fit, "converged"), warnings = res$warnings,
    fit_measures = fit_measures(fit), parameters = param_rows(fit),
    polychoric = matrix_json(P_obs),
    compRelSEM = list(
      omega_ord_scale_TRUE = rel(ord.scale = TRUE),
      omega_ord_scale_FALSE = rel(ord.scale = FALSE),
      omega_ord_scale_TRUE_obs_var_FALSE = rel(ord.scale = TRUE, obs.var = FALSE),
      omega_ord_scale_FALSE_obs_var_FALSE = rel(ord.scale = FALSE, obs.var = FALSE),
      alpha_ord_scale_TRUE = rel(tau.eq = TRUE, ord.scale = TRUE),
      alpha_ord_scale_FALSE = rel(tau.eq = TRUE, ord.scale = FALSE)),
    by_hand = list(
      green_yang_obs_var = green_yang(common, P_obs, thr),
      green_yang_fitted = green_yang(common, P_fit, thr),
      latent_obs_var = sum(common) / sum(P_obs),
      latent_fitted = sum(common) / sum(P_fit),
      psych_alpha_raw = psych::alpha(d[it], check.keys = FALSE, warnings = FALSE)$total$raw_alpha),
    n_rule = "rows of tests/data/bfi.csv with all of the scale's items answered")
}

write_ref(list(
  meta = meta("tests/reference/ordinal_omega.R", NULL, c("digest")),
  key = list(scales = BFI_KEY, reversed = BFI_REV, reverse_rule = "7 - x (1..6 scale)"),
  semantics = paste(
    "semTools 0.5-6 compRelSEM(fit) defaults: obs.var = TRUE, tau.eq = FALSE, ord.scale = TRUE.",
    "For all-ordinal factors ord.scale = TRUE gives Green & Yang's (2009) categorical omega",
    "(semTools:::omegaCat): numerator from the model's common part Lambda Phi Lambda' and the",
    "thresholds, denominator from the sample polychoric matrix (obs.var = TRUE) or the",
    "model-implied one (obs.var = FALSE). ord.scale = FALSE: sum(Lambda Phi Lambda') / sum(P).",
    "Values are per factor, named by the factor."),
  scales = scales), "ordinal_omega")
