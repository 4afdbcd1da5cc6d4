# Reference values for issue 23.1 -- dynamic fit index (DFI) cutoffs of McNeish & Wolf, an
# INDEPENDENT implementation in R with lavaan (the `dynamic` R package is not installable
# here: not in Debian, no internet). Sources:
#   McNeish, D., & Wolf, M. G. (2023). Dynamic fit index cutoffs for confirmatory factor
#     analysis models. Psychological Methods, 28(1), 61-88. doi:10.1037/met0000425
#   McNeish, D., & Wolf, M. G. (2023). Dynamic fit index cutoffs for one-factor models.
#     Behavior Research Methods, 55, 1157-1174. doi:10.3758/s13428-022-01847-y
#   McNeish, D. (2023). Dynamic fit index cutoffs for categorical factor analysis with
#     Likert-type, ordinal, or binary responses. American Psychologist, 78(9), 1061-1075.
#   the `dynamic` package (Wolf & McNeish, github.com/melissagwolf/dynamic, version 1.1.0:
#     R/helper.R one_num / one_add / DGM_one (cfaOne), multi_num_HB / multi_add_HB /
#     DGM_Multi_HB (cfaHB), *_cat (catOne / catHB), *_nnor (nnorOne / nnorHB); the
#     95/5 - 90/10 table of the version that produced the published vignette) and
#     simstandard::sim_standardized (how `dynamic` turns a standardized model into data).
# The procedure below restates those definitions; this script re-implements them with
# lavaan and MASS, so it is a check of the Python implementation, not a copy of `dynamic`.
#
# Run from the project root:  Rscript tests/reference/dynamic_cutoffs.R   (~15-25 min CPU)
# Writes tests/reference/dynamic_cutoffs.json and tests/reference/data/dynamic_reps.csv
# (every replication's fit indices, for distribution-level comparisons).
# Each case has its own seed (SEED + its number), so cases can run in separate processes
# with the same result: DFI_CASES=hs_3factor,bfi_N_onefactor Rscript ... runs those cases
# only and keeps each one's result in $DFI_PARTS (default /tmp/dfi_parts); a run without
# DFI_CASES reuses the parts found there (delete the folder to recompute everything) and
# writes the JSON once every case is done.
#
# PROCEDURE
#  1. Fit the analysed model (lavaan cfa defaults; the estimator of the case). Its
#     STANDARDIZED solution (std.all: loadings, factor correlations, residual correlations)
#     is the population (`dynamic`: cfa_lavmod -> standardizedSolution). As in
#     simstandard, every observed variable has variance 1: residual variances are
#     theta_i = 1 - [Lambda Phi Lambda']_ii, and a residual correlation r_ij becomes the
#     covariance r_ij sqrt(theta_i theta_j). Sigma_0 = Lambda Phi Lambda' + Theta (the
#     fitted model's standardized implied correlation matrix).
#  2. Misspecified populations, one per level (below): Lambda (or the residual
#     correlations) gain the omitted parameters and theta is recomputed as in step 1, so
#     every variable keeps variance 1 (simstandard's rule).
#  3. For each population (correct = level 0, and each level): reps data sets of N = the
#     analysed data's N (`dynamic` caps N at 2000; here N is never capped: all cases have
#     N < 2000 except bfi N, see `n_cap_note`), and fit the ANALYSED model (its syntax,
#     std.lv = TRUE, se = "none": the fit indices do not depend on either) with the case's
#     estimator; record SRMR and the estimator's RMSEA / CFI:
#       ML     srmr, rmsea, cfi                 data: multivariate normal (cfaOne / cfaHB)
#       MLR    srmr, rmsea.robust, cfi.robust   data: the analysed rows transformed to the
#              population covariance (Bollen-Stine / Yuan-Hayashi-Bentler as semTools
#              bsBootMiss transformation 1: Y = Xc U_S^-1 U_Sigma + mean, Xc the centred
#              rows, U the upper Cholesky factors, S = Xc'Xc / N), resampled N rows with
#              replacement (nnorOne / nnorHB: keeps the data's non-normality)
#       WLSMV  srmr, rmsea.scaled, cfi.scaled   data: multivariate normal latent responses
#              cut at the fitted (standardized) thresholds into categories 1..C
#              (catOne / catHB); fitted with ordered = all items
#     Non-converged fits are dropped (counted).
#  4. Cutoff per level and index (quantiles: R's quantile(type = 7)), the rule of the paper
#     and of the `dynamic` version behind the published vignette:
#     SRMR, RMSEA (lower = better):
#       95/5 rule: cut = q_.05(misspecified); it holds if q_.95(correct) < cut, i.e. 95% of
#       the misspecified replications are worse than the cut while 95% of the correct ones
#       are better. Else the 90/10 rule: cut = q_.10(misspecified), holds if
#       q_.90(correct) < cut. Else none (null): the distributions overlap too much.
#     CFI (higher = better): 95/5: cut = q_.95(misspecified), holds if q_.05(correct) > cut;
#       else 90/10 with q_.90 / q_.10; else none.
#     (`dynamic` 1.1.0 (2024) prints a sensitivity table instead: the largest power p in
#     .95, .94, ..., .50 with q_(1-p)(misspecified) >= q_.95(correct); for well separated
#     distributions both give q_.05(misspecified). Both shares are recorded here.)
#  5. Monte Carlo SE of each cutoff: SD over B = 1000 bootstrap resamples of the replications
#     (both distributions resampled with replacement, the quantile of the rule that was
#     applied recomputed); also the share of bootstrap resamples in which that rule held.
#
# MISSPECIFICATION LEVELS (from the `dynamic` source; "eligible" items load on one factor
# only and have no residual covariance in the model)
#  One factor (cfaOne): the m eligible items sorted by |loading|, ascending (ties: model
#   order); they are paired in that order (2nd with 1st, 4th with 3rd, ...), using 2 items
#   if m = 4, 4 if m = 5, else 2 floor(m / 2). Levels: m = 4: one level of 1 pair;
#   m = 5: 1 and 2 pairs; m >= 6: L3 = floor(m / 2), L2 = floor(2 L3 / 3), L1 = floor(L3 / 3)
#   pairs. Each pair gets an omitted residual correlation of .30. Fewer than 4 eligible
#   items: no cutoffs.
#  Multi factor (cfaHB), k factors, k - 1 levels: for each factor its eligible item with
#   the lowest |loading|; these are ordered by (factor has > 2 items first, then |loading|)
#   and the first k - 1 taken. Coefficient H of every factor, H = 1 / (1 + 1 /
#   sum(l^2 / (1 - l^2))) over its standardized loadings. Going through the chosen items in
#   order of |loading|, each cross-loads on the factor with the highest H among those whose
#   pair with the item's own factor has not been used by an earlier item (ties: model
#   order; `dynamic` breaks them with a random jitter < .001). Magnitude: the item's own
#   |loading|, capped at .95 (sqrt(l^2 f^2 + 1 - l^2) - |l f|) (f = the correlation of the
#   two factors) so the item's residual variance stays positive; the sign is positive.
#   Level L adds the first L of these cross-loadings, in the order (factor has > 2 items
#   first, then |loading|) (`dynamic` sorts this last step by the signed loading; equal for
#   positive loadings).
#
# PUBLISHED VALUES: the `dynamic` vignette (vignettes/CFA.Rmd, output images One.png and
# Four.png, 2022, 500 reps) gives cutoffs for two of the cases below; they are recorded
# under `published` and should agree within Monte Carlo error.
source("tests/reference/helpers.R")
suppressPackageStartupMessages(library(MASS))

SEED <- 20260724
REPS <- as.integer(Sys.getenv("DFI_REPS", "500"))   # smoke test: DFI_REPS=20
BOOT <- 1000
ONLY <- Filter(nzchar, strsplit(Sys.getenv("DFI_CASES", ""), ",")[[1]])
PARTS <- Sys.getenv("DFI_PARTS", "/tmp/dfi_parts")
dir.create(PARTS, showWarnings = FALSE, recursive = TRUE)

INDICES <- list(ML = c(srmr = "srmr", rmsea = "rmsea", cfi = "cfi"),
                MLR = c(srmr = "srmr", rmsea = "rmsea.robust", cfi = "cfi.robust"),
                WLSMV = c(srmr = "srmr", rmsea = "rmsea.scaled", cfi = "cfi.scaled"))

# -- the standardized population of a fitted model -------------------------------------------
std_population <- function(fit) {
  s <- standardizedSolution(fit, type = "std.all", se = FALSE, zstat = FALSE,
                            pvalue = FALSE, ci = FALSE)
  ov <- lavNames(fit, "ov")
  lv <- lavNames(fit, "lv")
  L <- matrix(0, length(ov), length(lv), dimnames = list(ov, lv))
  ld <- s[s$op == "=~", ]
  for (i in seq_len(nrow(ld))) L[ld$rhs[i], ld$lhs[i]] <- ld$est.std[i]
  Phi <- diag(length(lv)); dimnames(Phi) <- list(lv, lv)
  R <- diag(length(ov)); dimnames(R) <- list(ov, ov)        # residual correlations
  cv <- s[s$op == "~~" & s$lhs != s$rhs, ]
  for (i in seq_len(nrow(cv))) {
    a <- cv$lhs[i]; b <- cv$rhs[i]
    if (a %in% lv) { Phi[a, b] <- Phi[b, a] <- cv$est.std[i] }
    else { R[a, b] <- R[b, a] <- cv$est.std[i] }
  }
  th <- s[s$op == "|", ]
  thresholds <- lapply(setNames(ov, ov), function(v) th$est.std[th$lhs == v])
  list(L = L, Phi = Phi, R = R, ov = ov, lv = lv, thresholds = thresholds)
}

# simstandard's rule: unit variances, residual correlations scaled by the residual SDs
implied <- function(L, Phi, R) {
  common <- L %*% Phi %*% t(L)
  theta <- 1 - diag(common)
  if (any(theta <= 0)) stop("a residual variance is not positive")
  Theta <- R * sqrt(outer(theta, theta))
  common + Theta
}

eligible_items <- function(pop) {
  n_load <- rowSums(pop$L != 0)
  in_cov <- rowSums(pop$R != 0) > 1
  pop$ov[n_load == 1 & !in_cov]
}

one_factor_levels <- function(pop) {
  f <- pop$lv
  el <- eligible_items(pop)
  el <- el[order(abs(pop$L[el, f]))]              # ascending |loading|; order() is stable
  m <- length(el)
  if (m < 4) stop("fewer than 4 eligible items")
  used <- if (m == 4) 2 else if (m == 5) 4 else 2 * floor(m / 2)
  pairs <- lapply(seq_len(used / 2), function(k) el[c(2 * k, 2 * k - 1)])
  counts <- if (m == 4) 1 else if (m == 5) c(1, 2) else {
    l3 <- floor(m / 2); c(floor(l3 / 3), floor(2 * l3 / 3), l3)
  }
  lapply(seq_along(counts), function(level) {
    R <- pop$R
    use <- pairs[seq_len(counts[level])]
    for (pr in use) R[pr[1], pr[2]] <- R[pr[2], pr[1]] <- 0.30
    list(level = level,
         misspecification = sprintf("%d omitted residual correlation(s) of .30: %s",
                                    length(use), paste(vapply(use, paste, "", collapse = " ~~ "),
                                                       collapse = ", ")),
         added = lapply(use, function(pr) list(op = "~~", lhs = pr[1], rhs = pr[2], value = 0.30)),
         sigma = implied(pop$L, pop$Phi, R))
  })
}

coef_h <- function(l) { l <- l[l != 0]; 1 / (1 + 1 / sum(l^2 / (1 - l^2))) }

multi_factor_levels <- function(pop) {
  lv <- pop$lv; k <- length(lv); L <- pop$L
  el <- eligible_items(pop)
  own <- setNames(lv[apply(L[el, , drop = FALSE] != 0, 1, which)], el)
  n_orig <- colSums(L != 0)
  cand <- do.call(rbind, lapply(lv, function(f) {
    its <- el[own[el] == f]
    if (!length(its)) return(NULL)
    i <- its[which.min(abs(L[its, f]))]              # first on ties
    data.frame(item = i, factor = f, loading = L[i, f], priority = if (n_orig[f] > 2) 0 else 1,
               stringsAsFactors = FALSE)
  }))
  if (is.null(cand) || nrow(cand) < k - 1) stop("not enough eligible items")
  cand <- cand[order(cand$priority, abs(cand$loading)), ][seq_len(k - 1), ]
  H <- vapply(lv, function(f) coef_h(L[, f]), 0)
  used <- character(0)
  cand$target <- NA_character_
  for (r in order(abs(cand$loading))) {
    f <- cand$factor[r]
    others <- setdiff(lv, f)
    pair <- vapply(others, function(g) paste(sort(c(f, g)), collapse = "|"), "")
    ok <- others[!pair %in% used]
    g <- ok[which.max(H[ok])]                        # first (model order) on ties
    cand$target[r] <- g
    used <- c(used, paste(sort(c(f, g)), collapse = "|"))
  }
  cand$phi <- mapply(function(a, b) pop$Phi[a, b], cand$factor, cand$target)
  l <- cand$loading; ph <- cand$phi
  cand$max_allowed <- 0.95 * (sqrt(l^2 * ph^2 + 1 - l^2) - abs(l * ph))
  cand$magnitude <- pmin(abs(l), cand$max_allowed)
  lapply(seq_len(k - 1), function(level) {
    Ll <- L
    use <- cand[seq_len(level), ]
    for (r in seq_len(nrow(use))) Ll[use$item[r], use$target[r]] <- use$magnitude[r]
    list(level = level,
         misspecification = sprintf("%d omitted cross-loading(s): %s", level,
                                    paste(sprintf("%s on %s (%.3f)", use$item, use$target,
                                                  use$magnitude), collapse = ", ")),
         added = lapply(seq_len(nrow(use)), function(r)
           list(op = "=~", lhs = use$target[r], rhs = use$item[r], value = use$magnitude[r])),
         sigma = implied(Ll, pop$Phi, pop$R))
  })
}

# -- data of one replication -------------------------------------------------------------------
bollen_stine <- function(X, Sigma) {
  Xc <- scale(as.matrix(X), scale = FALSE)
  S <- crossprod(Xc) / nrow(Xc)
  Xc %*% solve(chol(S)) %*% chol(Sigma)            # column means 0 (fit indices ignore them)
}

draw <- function(sigma, n, estimator, pop, transformed) {
  if (estimator == "MLR") {
    d <- transformed[sample.int(nrow(transformed), n, replace = TRUE), , drop = FALSE]
  } else {
    d <- mvrnorm(n, rep(0, ncol(sigma)), sigma)
    if (estimator == "WLSMV") {
      for (v in colnames(d)) d[, v] <- 1 + findInterval(d[, v], pop$thresholds[[v]])
    }
  }
  colnames(d) <- colnames(sigma)
  as.data.frame(d)
}

simulate_fits <- function(sigma, model, n, estimator, pop, transformed, reps) {
  ind <- INDICES[[estimator]]
  out <- matrix(NA_real_, reps, 4, dimnames = list(NULL, c(names(ind), "converged")))
  for (r in seq_len(reps)) {
    d <- draw(sigma, n, estimator, pop, transformed)
    f <- tryCatch(suppressWarnings(
      cfa(model, data = d, std.lv = TRUE, se = "none", estimator = estimator,
          ordered = if (estimator == "WLSMV") pop$ov else NULL)),
      error = function(e) NULL)
    if (is.null(f) || !lavInspect(f, "converged")) { out[r, "converged"] <- 0; next }
    out[r, ] <- c(unname(fitMeasures(f, ind)), 1)
  }
  out
}

# -- the rule ----------------------------------------------------------------------------------
rule_cut <- function(correct, miss, index, p) {
  q <- function(x, pr) quantile(x, pr, names = FALSE, type = 7)
  if (index == "cfi") list(cut = q(miss, p), ok = q(correct, 1 - p) > q(miss, p))
  else list(cut = q(miss, 1 - p), ok = q(correct, p) < q(miss, 1 - p))
}

sensitivity_1_1_0 <- function(correct, miss, index) {
  # dynamic 1.1.0: largest power p in .95, .94, ..., .50 with q_(1-p)(miss) >= q_.95(correct)
  q <- function(x, pr) quantile(x, pr, names = FALSE, type = 7)
  for (p in seq(95, 50) / 100) {
    if (index == "cfi") { if (q(miss, p) <= q(correct, .05)) return(list(cut = q(miss, p), power = p)) }
    else if (q(miss, 1 - p) >= q(correct, .95)) return(list(cut = q(miss, 1 - p), power = p))
  }
  list(cut = NULL, power = NULL)
}

cutoff <- function(correct, miss, index) {
  correct <- correct[!is.na(correct)]; miss <- miss[!is.na(miss)]
  better <- function(x, cut) if (index == "cfi") mean(x > cut) else mean(x < cut)
  r95 <- rule_cut(correct, miss, index, .95)
  r90 <- rule_cut(correct, miss, index, .90)
  rule <- if (r95$ok) "95/5" else if (r90$ok) "90/10" else "none"
  use <- if (rule == "90/10") r90 else r95
  p <- if (rule == "90/10") .90 else .95
  boot <- replicate(BOOT, {
    rb <- rule_cut(sample(correct, replace = TRUE), sample(miss, replace = TRUE), index, p)
    c(rb$cut, rb$ok)
  })
  list(cutoff = if (rule == "none") NULL else use$cut, rule = rule,
       cut_95 = r95$cut, holds_95 = r95$ok, cut_90 = r90$cut, holds_90 = r90$ok,
       share_correct_better_than_cut = better(correct, use$cut),
       share_misspecified_worse_than_cut = 1 - better(miss, use$cut),
       mc_se = sd(boot[1, ]), bootstrap_share_rule_holds = mean(boot[2, ]),
       dynamic_1_1_0 = sensitivity_1_1_0(correct, miss, index))
}

summ <- function(x) {
  x <- x[!is.na(x)]
  c(list(mean = mean(x), sd = sd(x)),
    as.list(setNames(quantile(x, c(.01, .05, .10, .25, .5, .75, .90, .95, .99), names = FALSE),
                     c("q01", "q05", "q10", "q25", "q50", "q75", "q90", "q95", "q99"))))
}

CASE_NO <- 0L
run_dynamic <- function(name, model, data, estimator, note, published = NULL) {
  CASE_NO <<- CASE_NO + 1L
  part <- file.path(PARTS, sprintf("%s_%d.rds", name, REPS))
  if (length(ONLY) && !(name %in% ONLY)) return(NULL)
  if (!length(ONLY) && file.exists(part)) return(readRDS(part))
  set.seed(SEED + CASE_NO)
  out <- run_dynamic_case(name, model, data, estimator, note, published)
  saveRDS(out, part)
  out
}

run_dynamic_case <- function(name, model, data, estimator, note, published) {
  all_reps <- list()
  fit <- cfa(model, data = data, estimator = estimator,
             ordered = if (estimator == "WLSMV") names(data) else NULL)
  n <- lavInspect(fit, "nobs")
  pop <- std_population(fit)
  type <- if (length(pop$lv) == 1) "one_factor" else "multi_factor"
  levels <- if (type == "one_factor") one_factor_levels(pop) else multi_factor_levels(pop)
  sigma0 <- implied(pop$L, pop$Phi, pop$R)
  if (estimator == "MLR") X <- data[complete.cases(data[pop$ov]), pop$ov]
  t0 <- Sys.time()
  sims <- list()
  for (lev in c(list(list(level = 0, sigma = sigma0)), levels)) {
    tr <- if (estimator == "MLR") bollen_stine(X, lev$sigma) else NULL
    out <- simulate_fits(lev$sigma, model, n, estimator, pop, tr, REPS)
    sims[[as.character(lev$level)]] <- out
    all_reps[[length(all_reps) + 1]] <- data.frame(
      case = name, population = if (lev$level == 0) "correct" else paste0("level", lev$level),
      rep = seq_len(REPS), out)
  }
  correct <- sims[["0"]]
  lev_out <- lapply(levels, function(lv) {
    miss <- sims[[as.character(lv$level)]]
    c(lv[c("level", "misspecification", "added")],
      list(population_sigma = matrix_json(lv$sigma),
           converged = sum(miss[, "converged"] == 1),
           srmr = cutoff(correct[, "srmr"], miss[, "srmr"], "srmr"),
           rmsea = cutoff(correct[, "rmsea"], miss[, "rmsea"], "rmsea"),
           cfi = cutoff(correct[, "cfi"], miss[, "cfi"], "cfi"),
           distribution = list(srmr = summ(miss[, "srmr"]), rmsea = summ(miss[, "rmsea"]),
                               cfi = summ(miss[, "cfi"]))))
  })
  secs <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  message(sprintf("%s: %.0f s", name, secs))
  ind <- INDICES[[estimator]]
  case <- list(data = note, model = model, type = type, n = n, estimator = estimator, reps = REPS,
       indices = as.list(ind),
       observed_fit = as.list(setNames(fitMeasures(fit, c("chisq", "df", ind)),
                                       c("chisq", "df", names(ind)))),
       std_loadings = matrix_json(pop$L), factor_correlations = matrix_json(pop$Phi),
       residual_correlations = matrix_json(pop$R),
       thresholds = if (estimator == "WLSMV") pop$thresholds else NULL,
       correct_sigma = matrix_json(sigma0),
       correct = list(converged = sum(correct[, "converged"] == 1),
                      distribution = list(srmr = summ(correct[, "srmr"]),
                                          rmsea = summ(correct[, "rmsea"]),
                                          cfi = summ(correct[, "cfi"]))),
       levels = lev_out, published = published, seed = SEED + CASE_NO, seconds = secs)
  list(case = case, reps = do.call(rbind, all_reps))
}

hs <- read.csv("tests/data/holzinger_swineford_1939.csv")
bfi <- read.csv("tests/data/bfi.csv")
HS3 <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
N5 <- paste0("N", 1:5)
bfi_n <- bfi[complete.cases(bfi[N5]), N5]

vignette <- "dynamic package vignette (vignettes/CFA.Rmd), 2022, 500 reps, its own seeds"
cases <- list()
cases$hs_3factor <- run_dynamic(
  "hs_3factor", HS3, hs[paste0("x", 1:9)], "ML",
  "tests/data/holzinger_swineford_1939.csv, x1..x9, N = 301",
  published = list(source = paste(vignette, "image One.png: cfaHB(cfa(HS 3-factor))"),
                   levels = list(
                     list(level = 1, magnitude = 0.424, rule_95_5 = list(srmr = NULL, rmsea = NULL, cfi = NULL),
                          rule_90_10 = list(srmr = NULL, rmsea = 0.044, cfi = 0.986)),
                     list(level = 2, magnitude = 0.57,
                          rule_95_5 = list(srmr = 0.06, rmsea = 0.088, cfi = 0.955)))))
cases$hs_6item_onefactor <- run_dynamic(
  "hs_6item_onefactor", "f =~ x1 + x2 + x3 + x4 + x5 + x6", hs[paste0("x", 1:6)], "ML",
  "tests/data/holzinger_swineford_1939.csv, x1..x6 as one factor, N = 301",
  published = list(source = paste(vignette, "image Four.png: cfaOne('visualtextual =~ .419*x1",
                                  "+ .212*x2 + .203*x3 + .852*x4 + .847*x5 + .840*x6', n = 301,",
                                  "manual = TRUE); these are this fit's loadings to 3 decimals"),
                   levels = list(
                     list(level = 1, rule_95_5 = list(srmr = 0.047, rmsea = 0.065, cfi = 0.981)),
                     list(level = 2, rule_95_5 = list(srmr = 0.05, rmsea = 0.095, cfi = 0.962)),
                     list(level = 3, rule_95_5 = list(srmr = 0.058, rmsea = 0.108, cfi = 0.954)))))
cases$bfi_N_onefactor <- run_dynamic(
  "bfi_N_onefactor", "N =~ N1 + N2 + N3 + N4 + N5", bfi_n, "ML",
  "tests/data/bfi.csv, N1..N5 (no reverse-keyed items), listwise")
cases$hs_3factor_mlr <- run_dynamic(
  "hs_3factor_mlr", HS3, hs[paste0("x", 1:9)], "MLR",
  "tests/data/holzinger_swineford_1939.csv, x1..x9, N = 301; MLR (Bollen-Stine resampling)")
cases$bfi_N_onefactor_wlsmv <- run_dynamic(
  "bfi_N_onefactor_wlsmv", "N =~ N1 + N2 + N3 + N4 + N5", bfi_n, "WLSMV",
  "tests/data/bfi.csv, N1..N5 ordered (6 categories), listwise; WLSMV (thresholded normal)")

done <- cases                    # a NULL (case not run here) leaves no entry in the list
if (length(done) < CASE_NO) {
  message(sprintf("parts written for %s; run without DFI_CASES to write the JSON",
                  paste(names(done), collapse = ", ")))
  quit(save = "no")
}
reps <- do.call(rbind, lapply(done, `[[`, "reps"))
cases <- lapply(done, `[[`, "case")
reps[c("srmr", "rmsea", "cfi")] <- lapply(reps[c("srmr", "rmsea", "cfi")],
                                         function(x) signif(x, 8))
invisible(export_csv(reps, "dynamic_reps"))

write_ref(list(
  meta = meta("tests/reference/dynamic_cutoffs.R", SEED, c("digest", "MASS")),
  procedure = list(
    reps = REPS, bootstrap = BOOT, quantile_type = 7,
    population = "standardized (std.all) solution of the fit; unit variances (simstandard's rule); means 0",
    data = list(ML = "multivariate normal (MASS::mvrnorm)",
                MLR = "analysed complete rows transformed to the population covariance (semTools bsBootMiss transformation 1), N rows resampled with replacement",
                WLSMV = "multivariate normal latent responses cut at the standardized thresholds"),
    fitted = "the analysed model's syntax, std.lv = TRUE, se = 'none', the case's estimator",
    indices = INDICES,
    rule_srmr_rmsea = "95/5: cut = q05(misspecified), holds if q95(correct) < cut; else 90/10: q10 / q90; else none",
    rule_cfi = "95/5: cut = q95(misspecified), holds if q05(correct) > cut; else 90/10: q90 / q10; else none",
    one_factor_levels = "eligible items by ascending |loading|, paired (2,1), (4,3), ...; 2 items if m = 4, 4 if m = 5, else 2 floor(m/2); levels: m = 4: 1 pair; m = 5: 1, 2; else floor(L3/3), floor(2 L3/3), L3 = floor(m/2) pairs; residual correlation .30",
    multi_factor_levels = "per factor its lowest-|loading| eligible item; order (factor > 2 items first, |loading|), first k-1; by ascending |loading| each cross-loads on the highest-H factor whose pair with its own is unused; magnitude min(|l|, .95 (sqrt(l^2 f^2 + 1 - l^2) - |l f|)), positive; level L = first L",
    n_cap_note = "dynamic caps N at 2000; this script (and lospw) simulate at the observed N (bfi N: 2694)",
    published_values = "cases hs_3factor and hs_6item_onefactor: the dynamic vignette's cutoffs (3 decimals)"),
  reps_file = data_info("dynamic_reps", reps, "every replication: case, population, rep, srmr, rmsea, cfi (the estimator's versions, 8 significant digits), converged"),
  cases = cases), "dynamic_cutoffs")
