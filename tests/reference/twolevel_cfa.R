# Reference values for issue 22.1 -- two-level CFA (lavaan `cluster =`, `level: 1` /
# `level: 2` blocks), ML for continuous items.
#
# Run from the project root:  Rscript tests/reference/twolevel_cfa.R
# Writes tests/reference/twolevel_cfa.json and the data it used:
#   tests/reference/data/demo_twolevel.csv          lavaan's Demo.twolevel, as shipped
#   tests/reference/data/demo_twolevel_mcar.csv     the same with 10% of y1-y6 cells blanked
#                                                   (MCAR, seeded) -- SYNTHETIC missingness
#   tests/reference/data/fieldtest_twolevel.csv     data/raw/fieldtest/responses.csv as
#                                                   analysed (SYNTHETIC field test)
#   tests/reference/data/twolevel_likert.csv        SYNTHETIC clustered Likert data, 60
#                                                   clusters (key: twolevel_likert_key.yaml)
#
# Cases (the key of Demo.twolevel is the one of semTools' compRelSEM example:
# f1 = y1 y2 y3, f2 = y4 y5 y6):
#   lavaan_example         lavaan's documented two-level SEM (?Demo.twolevel, the lavaan
#                          tutorial "Multilevel SEM"): factor with covariates at each level
#   configural             the key's factors at both levels, loadings free at each level
#   cross_level_invariant  the key's factors at both levels, loadings equal across levels
#                          (labels), the model of semTools' compRelSEM example; "same
#                          structure at both levels" in the strict (Jak 2013) sense
#   one_between            the key's factors within, ONE factor for all items between
#   shared_saturated_within  within level saturated, the key's factors between (Lai 2021's
#                          shared-construct model, compRelSEM example "mod.sat1")
#   *_mcar                 the same models on the MCAR data with missing = "ml" (FIML)
# Identification: lavaan's default (first loading of each factor fixed to 1, factor
# variances free); the standardized solution (std.lv, std.all) is in every parameter row.
# Estimator: ML (lavaan's only estimator for two-level continuous data in 0.6-14); default
# missing = "listwise"; "ml" where stated. Standard errors: lavaan default (expected
# information for complete data, observed for missing = "ml" -- see options$information).
source("tests/reference/helpers.R")
suppressPackageStartupMessages(library(yaml))

SEED <- 20260722
set.seed(SEED)

two_level_syntax <- function(within, between) {
  paste0("level: 1\n", within, "\nlevel: 2\n", between, "\n")
}
factor_lines <- function(scales, labels = FALSE) {
  vapply(names(scales), function(f) {
    it <- scales[[f]]
    rhs <- if (labels) c(it[1], paste0("L_", it[-1], "*", it[-1])) else it
    sprintf("%s =~ %s", f, paste(rhs, collapse = " + "))
  }, "")
}
saturated_lines <- function(items) {
  vapply(seq_along(items), function(i) {
    sprintf("%s ~~ %s", items[i], paste(items[i:length(items)], collapse = " + "))
  }, "")
}

models_from_key <- function(scales) {
  items <- unlist(scales, use.names = FALSE)
  w <- paste(factor_lines(scales), collapse = "\n")
  list(
    configural = two_level_syntax(w, w),
    cross_level_invariant = two_level_syntax(
      paste(factor_lines(scales, TRUE), collapse = "\n"),
      paste(factor_lines(scales, TRUE), collapse = "\n")),
    one_between = two_level_syntax(w, sprintf("B =~ %s", paste(items, collapse = " + "))),
    shared_saturated_within = two_level_syntax(paste(saturated_lines(items), collapse = "\n"),
                                               w)
  )
}

describe_fit <- function(fit, model, options) {
  conv <- lavInspect(fit, "converged")
  out <- list(model = model, options = options, converged = conv,
              iterations = lavInspect(fit, "iterations"),
              nobs = lavInspect(fit, "nobs"),
              nclusters = lavInspect(fit, "nclusters"),
              average_cluster_size = lavInspect(fit, "average.cluster.size"),
              information = lavInspect(fit, "options")$information,
              observed_information = lavInspect(fit, "options")$observed.information,
              h1_information = lavInspect(fit, "options")$h1.information)
  if (!conv) return(out)
  pc <- capture(lavInspect(fit, "post.check"))
  out$post_check_ok <- isTRUE(pc$value)
  out$post_check_warnings <- pc$warnings
  out$fit_measures <- fit_measures(fit)
  out$parameters <- param_rows(fit)
  # ICC per variable: between variance / (within + between) of the unrestricted (h1) model
  out$icc <- as.list(unclass(lavInspect(fit, "icc")))
  h1 <- lavInspect(fit, "h1")
  out$h1 <- list(within = list(cov = matrix_json(h1$within$cov),
                               mean = matrix_json(h1$within$mean)),
                 between = list(cov = matrix_json(h1[[2]]$cov), mean = matrix_json(h1[[2]]$mean)))
  imp <- lavInspect(fit, "implied")
  out$implied <- list(within = list(cov = matrix_json(imp$within$cov),
                                    mean = matrix_json(imp$within$mean)),
                      between = list(cov = matrix_json(imp[[2]]$cov),
                                     mean = matrix_json(imp[[2]]$mean)))
  out$loglik <- list(h0 = unname(fitMeasures(fit, "logl")),
                     h1 = unname(fitMeasures(fit, "unrestricted.logl")))
  out
}

run_case <- function(model, data, cluster, missing = "listwise", fun = "cfa") {
  opts <- list(estimator = "ML", cluster = cluster, missing = missing,
               call = sprintf('%s(model, data = DATA, cluster = "%s", missing = "%s")',
                              fun, cluster, missing))
  res <- capture(do.call(fun, list(model = model, data = data, cluster = cluster,
                                   missing = missing)))
  if (inherits(res$value, "captured_error")) {
    return(list(model = model, options = opts, converged = FALSE,
                error = res$value$message, warnings = res$warnings))
  }
  out <- describe_fit(res$value, model, opts)
  out$warnings <- res$warnings
  out
}

cases <- list()
datasets <- list()

## 1. Demo.twolevel (lavaan's own data) -------------------------------------------------
demo <- export_csv(lavaan::Demo.twolevel, "demo_twolevel")
datasets$demo_twolevel <- data_info("demo_twolevel", demo,
                                    "lavaan::Demo.twolevel as shipped with lavaan",
                                    cluster = "cluster")
demo_key <- list(f1 = c("y1", "y2", "y3"), f2 = c("y4", "y5", "y6"))
lavaan_example <- '
level: 1
    fw =~ y1 + y2 + y3
    fw ~ x1 + x2 + x3
level: 2
    fb =~ y1 + y2 + y3
    fb ~ w1 + w2
'
cases$demo_lavaan_example <- c(list(data = "demo_twolevel"),
                               run_case(lavaan_example, demo, "cluster", fun = "sem"))
for (m in names(mods <- models_from_key(demo_key))) {
  cases[[paste0("demo_", m)]] <- c(list(data = "demo_twolevel", key = demo_key),
                                   run_case(mods[[m]], demo, "cluster"))
}

# MCAR: each y1-y6 cell blank with probability .10 (seeded)
mcar <- lavaan::Demo.twolevel
ys <- unlist(demo_key)
mask <- matrix(runif(nrow(mcar) * length(ys)) < 0.10, nrow(mcar))
for (j in seq_along(ys)) mcar[[ys[j]]][mask[, j]] <- NA
mcar <- export_csv(mcar, "demo_twolevel_mcar")
datasets$demo_twolevel_mcar <- data_info(
  "demo_twolevel_mcar", mcar,
  "Demo.twolevel with each y1-y6 cell blanked with probability .10 (MCAR, SYNTHETIC missingness; seed in meta)",
  cluster = "cluster")
for (m in c("configural", "cross_level_invariant", "one_between")) {
  cases[[paste0("demo_", m, "_mcar")]] <- c(list(data = "demo_twolevel_mcar", key = demo_key),
                                            run_case(mods[[m]], mcar, "cluster", "ml"))
}
# listwise on the MCAR data too (lavaan's default missing handling)
cases$demo_configural_mcar_listwise <- c(list(data = "demo_twolevel_mcar", key = demo_key),
                                         run_case(mods$configural, mcar, "cluster"))

## 2. The synthetic field test: 10 workplaces --------------------------------------------
key <- yaml::read_yaml("data/raw/fieldtest/key.yaml")
ft <- read.csv("data/raw/fieldtest/responses.csv", stringsAsFactors = FALSE)
ft_scales <- lapply(key$scales, function(s) sub("^-", "", s))
ft_items <- unlist(ft_scales, use.names = FALSE)
ft_rev <- unlist(lapply(key$scales, function(s) sub("^-", "", s[grepl("^-", s)])),
                 use.names = FALSE)
for (v in ft_items) {
  x <- ft[[v]]
  x[x %in% key$missing_codes] <- NA                        # "weet niet" (9) -> missing
  if (v %in% ft_rev) x <- key$response_scale$min + key$response_scale$max - x
  ft[[v]] <- x
}
empty <- rowSums(!is.na(ft[ft_items])) == 0
ft <- ft[!empty, c("respondent_id", "workplace", "stakeholder", ft_items)]
ft <- export_csv(ft, "fieldtest_twolevel")
datasets$fieldtest_twolevel <- data_info(
  "fieldtest_twolevel", ft,
  paste("SYNTHETIC. data/raw/fieldtest/responses.csv with the key's missing code 9 set to",
        "blank, reverse-keyed items reversed (6 - x), the 3 empty rows dropped; no other",
        "screening (careless respondents kept)."),
  cluster = "workplace")
ft_mods <- models_from_key(ft_scales)
# The full six-factor model with missing = "ml" is not run: lavaan 0.6-14 had not returned
# after 12 minutes on this machine. Listwise (343 complete rows) runs ~3 minutes and does not
# converge.
cases$fieldtest_configural_listwise <- c(list(data = "fieldtest_twolevel", key = ft_scales),
                                         run_case(ft_mods$configural, ft, "workplace"))
los <- ft_scales["LOS"]
los_mods <- models_from_key(los)
cases$fieldtest_LOS_configural_ml <- c(list(data = "fieldtest_twolevel", key = los),
                                       run_case(los_mods$configural, ft, "workplace", "ml"))
cases$fieldtest_LOS_configural_listwise <- c(list(data = "fieldtest_twolevel", key = los),
                                             run_case(los_mods$configural, ft, "workplace"))

## 3. SYNTHETIC clustered Likert data, 60 clusters ---------------------------------------
# Latent responses y* = lambda (eta_W + eta_B) + e_W + e_B; eta_W ~ N(0, (1 - icc) Phi_W),
# eta_B ~ N(0, icc Phi_B) with factor ICC .20; e_W ~ N(0, 1 - lambda^2), e_B ~ N(0, .05);
# cut into 1..5 at thresholds (-1.8, -0.9, 0.1, 1.2) + a per-item shift U(-.3, .3);
# reverse-keyed items (P5, Q2) are answered in reverse (6 - x); 3% of cells blank (MCAR).
n_clusters <- 60
sizes <- sample(8:20, n_clusters, replace = TRUE)
lik_scales <- list(P = paste0("P", 1:5), Q = paste0("Q", 1:5))
lik_items <- unlist(lik_scales, use.names = FALSE)
lam <- c(.75, .70, .65, .60, .70, .70, .65, .75, .60, .70)
fac <- rep(1:2, each = 5)
icc <- .20
phi_w <- matrix(c(1, .4, .4, 1), 2)
phi_b <- matrix(c(1, .6, .6, 1), 2)
n <- sum(sizes)
cl <- rep(seq_len(n_clusters), sizes)
eta_w <- matrix(rnorm(n * 2), n) %*% chol((1 - icc) * phi_w)
eta_b <- (matrix(rnorm(n_clusters * 2), n_clusters) %*% chol(icc * phi_b))[cl, ]
e_b <- matrix(rnorm(n_clusters * 10, sd = sqrt(.05)), n_clusters)[cl, ]
ystar <- (eta_w + eta_b)[, fac] * rep(lam, each = n) +
  matrix(rnorm(n * 10), n) %*% diag(sqrt(1 - lam^2)) + e_b
thr <- c(-1.8, -0.9, 0.1, 1.2)
shift <- runif(10, -.3, .3)
lik <- sapply(1:10, function(j) findInterval(ystar[, j], thr + shift[j]) + 1)
colnames(lik) <- lik_items
rev_lik <- c("P5", "Q2")
lik[, rev_lik] <- 6 - lik[, rev_lik]
lik[matrix(runif(length(lik)) < .03, nrow(lik))] <- NA
lik_df <- data.frame(respondent_id = seq_len(n), workplace = sprintf("W%02d", cl), lik,
                     stringsAsFactors = FALSE)
raw_lik <- export_csv(lik_df, "twolevel_likert")
writeLines(c("# SYNTHETIC key for tests/reference/data/twolevel_likert.csv (twolevel_cfa.R)",
             "instrument: twolevel_likert",
             "response_scale: {min: 1, max: 5}",
             "scales:",
             "  P: [P1, P2, P3, P4, -P5]",
             "  Q: [Q1, -Q2, Q3, Q4, Q5]"),
           file.path(DATA_DIR, "twolevel_likert_key.yaml"))
datasets$twolevel_likert <- data_info(
  "twolevel_likert", raw_lik,
  paste("SYNTHETIC clustered Likert data (1-5), 60 workplaces; raw answers: the",
        "reverse-keyed items P5 and Q2 are stored as answered and reversed (6 - x) before",
        "fitting; key in twolevel_likert_key.yaml."),
  cluster = "workplace")
datasets$twolevel_likert$key <- "tests/reference/data/twolevel_likert_key.yaml"
datasets$twolevel_likert$population <- list(
  loadings = setNames(as.list(lam), lik_items), factor_icc = icc,
  phi_within = phi_w, phi_between = phi_b, between_residual_variance = .05,
  thresholds = thr, threshold_shift = setNames(as.list(shift), lik_items),
  cluster_sizes = sizes)
lik_keyed <- raw_lik
lik_keyed[rev_lik] <- 6 - lik_keyed[rev_lik]
lik_mods <- models_from_key(lik_scales)
for (m in c("configural", "cross_level_invariant", "one_between")) {
  cases[[paste0("likert_", m, "_ml")]] <- c(
    list(data = "twolevel_likert", key = lik_scales, reversed = rev_lik),
    run_case(lik_mods[[m]], lik_keyed, "workplace", "ml"))
}
cases$likert_configural_listwise <- c(
  list(data = "twolevel_likert", key = lik_scales, reversed = rev_lik),
  run_case(lik_mods$configural, lik_keyed, "workplace"))

conv <- vapply(cases, function(x) isTRUE(x$converged), TRUE)
message("converged: ", paste(names(conv), conv, sep = "=", collapse = ", "))

write_ref(list(
  meta = meta("tests/reference/twolevel_cfa.R", SEED, c("yaml", "digest")),
  notes = list(
    icc = paste("icc = lavInspect(fit, 'icc'): per observed variable, between variance /",
                "(within + between variance), both from the unrestricted two-level model (h1)."),
    srmr = paste("fitMeasures srmr_within / srmr_between: SRMR per level; 'srmr' is their sum",
                 "in lavaan 0.6-14."),
    fieldtest = paste("10 workplaces: with missing = 'ml' lavaan 0.6-14 fails (\"Model",
                      "estimation FAILED! Returning starting values\"; baseline fails too);",
                      "listwise, the one-scale model converges to a Heywood case (negative",
                      "between-level variances) and its unrestricted (h1) log-likelihood is",
                      "BELOW the model's (h1 -3499.6 < h0 -3492.4), so lavaan reports chisq 0:",
                      "the saturated two-level model is not estimable with 10 clusters either.",
                      "The six-factor model does not converge. See the fieldtest_* cases'",
                      "converged / warnings / post_check / loglik.",
                      "Hox & Maas (2001) and Hox, Moerbeek & van de Schoot (2018) advise >= 50",
                      "clusters for unbiased between-level estimates and SEs (>= 100 for",
                      "between-level variances); the synthetic likert data have 60.")),
  datasets = datasets,
  cases = cases), "twolevel_cfa")
