# Reference values for issue 23.2 -- bifactor indices.
#
# Run from the project root:  Rscript tests/reference/bifactor.R
# Writes tests/reference/bifactor.json. Data: tests/data/bfi.csv (identical to
# psychTools::bfi) and tests/data/holzinger_swineford_1939.csv (lavaan's
# HolzingerSwineford1939); no data are exported because the analysed subsets are defined
# exactly below (columns, keying, listwise rows) -- the JSON records n and the row ids.
#
# Part 1 -- psych::omega (Schmid-Leiman): omega(x, nfactors, fm = "minres",
#   rotate = "oblimin", flip = TRUE, plot = FALSE), i.e. psych's defaults:
#   * correlations: cor(x, use = "pairwise") of the raw data given;
#   * nfactors oblique minres factors, oblimin (GPArotation), a second-order factor of their
#     correlations, Schmid-Leiman orthogonalisation -> g + nfactors group loadings (sl);
#   * flip = TRUE: items with a negative g loading are reversed (psych's `key`, -1);
#   * omega_h  = (sum g)^2 / Vt, Vt = sum of all elements of the (flipped) correlation matrix;
#     omega.tot = (Vt - sum u2) / Vt; omega.lim = (sum g)^2 / (Vt - sum u2);
#     alpha = (Vt - p) / Vt * p / (p - 1); G6 = (Vt + sum smc - p) / Vt;
#     ECV = sum g^2 / sum of all squared sl loadings (g and groups);
#   * omega.group: items are assigned to the group factor with their largest |group loading|;
#     for group k with items I_k and V_k = sum r[I_k, I_k]:
#       group   (omega_hs) = (sum_{I_k} group_k loading)^2 / V_k,
#       general            = (sum_{I_k} g loading)^2 / V_k,
#       total              = ((sum g)^2 + (sum group_k)^2) / V_k;
#     row g: total = omega.tot, general = omega_h, group = sum_k (sum group_k)^2 / Vt.
#   PUC is not part of psych::omega; it is given from the key's item counts (formula below).
#
# Part 2 -- CFA bifactor (lavaan, ML): general factor on every item + one specific factor
#   per scale, all factors orthogonal, std.lv = TRUE (factor variances 1), listwise. The
#   indices of Rodriguez, Reise & Haviland (2016a, Psychological Methods 21(2), 137-150;
#   2016b, J Pers Assess 98(3), 223-237) are computed from the STANDARDIZED (std.all)
#   loadings l_gi (general) and l_si (item i's specific factor s), standardized residual
#   variances t_i = 1 - l_gi^2 - l_si^2 (= lavaan's std.all theta); sums over items in the
#   set indicated; loadings enter with their sign (the general factor's direction is
#   lavaan's: see `sign_note`):
#   omega_total = [(S l_g)^2 + S_s (S_{i in s} l_si)^2] / [(S l_g)^2 + S_s (S_{i in s} l_si)^2 + S t]
#   omega_h     = (S l_g)^2 / same denominator                       (McDonald 1999; RRH eq. 1-2)
#   omega_s(s)  = [(S_s l_g)^2 + (S_s l_s)^2] / [(S_s l_g)^2 + (S_s l_s)^2 + S_s t]  (subscale omega)
#   omega_hs(s) = (S_s l_s)^2 / [(S_s l_g)^2 + (S_s l_s)^2 + S_s t]                  (RRH eq. 3-4)
#   relative omega = omega_h / omega_total, and omega_hs / omega_s per scale
#   ECV (general)      = S l_g^2 / (S l_g^2 + S_s S_{i in s} l_si^2)  (Sijtsma 2009; RRH eq. 5)
#   ECV_s (specific)   = S_{i in s} l_si^2 / (S l_g^2 + S_s S_{i in s} l_si^2)
#                        share of ALL common variance due to specific s (Stucky & Edelen 2014)
#   ECV_ss (within s)  = S_{i in s} l_si^2 / (S_{i in s} l_gi^2 + S_{i in s} l_si^2)
#                        share of the scale's common variance due to its specific factor
#                        (Dueber's BifactorIndicesCalculator "ECV_SS"); ECV_gs = 1 - ECV_ss
#   I-ECV (item)       = l_gi^2 / (l_gi^2 + l_si^2)                     (Stucky et al. 2013)
#   PUC = 1 - [S_s n_s (n_s - 1) / 2] / [p (p - 1) / 2]   (Reise, Scheines, Widaman & Haviland 2013)
#   H(f) = 1 / (1 + 1 / S_i [l_if^2 / (1 - l_if^2)])     over the items loading on f
#          (Hancock & Mueller 2001; RRH eq. 7), f = general or a specific factor
#   FD(f) = sqrt( [Phi L' Sigma^-1 L Phi]_ff )   (Grice 2001; RRH eq. 8), standardized
#          L (p x m), Phi = I (orthogonal), Sigma = model-implied correlation matrix
#          (L L' + diag(t)); fd_sample uses the sample correlation matrix instead.
#   Also: the same indices from psych's Schmid-Leiman loadings are NOT computed here; psych's
#   own values are in Part 1.
source("tests/reference/helpers.R")
suppressPackageStartupMessages({library(psych); library(GPArotation)})

BFI_KEY <- list(A = c("A1", "A2", "A3", "A4", "A5"), C = c("C1", "C2", "C3", "C4", "C5"),
                E = c("E1", "E2", "E3", "E4", "E5"), N = c("N1", "N2", "N3", "N4", "N5"),
                O = c("O1", "O2", "O3", "O4", "O5"))
BFI_REV <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")   # tests/fixtures/keys/bfi.yaml
HS_KEY <- list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"),
               speed = c("x7", "x8", "x9"))

bfi_raw <- read.csv("tests/data/bfi.csv")
hs <- read.csv("tests/data/holzinger_swineford_1939.csv")
bfi_items <- unlist(BFI_KEY, use.names = FALSE)
bfi_keyed <- bfi_raw[c("id", bfi_items)]
bfi_keyed[BFI_REV] <- 7 - bfi_keyed[BFI_REV]          # 1..6 scale: 7 - x
bfi_keyed_cc <- bfi_keyed[complete.cases(bfi_keyed[bfi_items]), ]

puc <- function(key) {
  p <- length(unlist(key)); within <- sum(sapply(key, function(s) length(s) * (length(s) - 1) / 2))
  1 - within / (p * (p - 1) / 2)
}

## Part 1: psych::omega --------------------------------------------------------------
psych_omega <- function(x, nfactors, data_note) {
  om <- omega(x, nfactors = nfactors, plot = FALSE)
  sl <- om$schmid$sl
  ng <- nfactors
  sub <- apply(sl, 1, function(r) which.max(abs(r[2:(ng + 1)])))
  groups <- lapply(seq_len(ng), function(k) sub("-$", "", rownames(sl)[sub == k]))
  names(groups) <- colnames(sl)[2:(ng + 1)]
  list(data = data_note, n = nrow(x), items = colnames(x),
       call = sprintf("psych::omega(x, nfactors = %d, plot = FALSE)  # defaults fm = 'minres', rotate = 'oblimin', flip = TRUE, poly = FALSE", nfactors),
       omega_h = om$omega_h, omega_total = om$omega.tot, omega_lim = om$omega.lim,
       alpha = om$alpha, G6 = unname(om$G6), ECV = unname(om$ECV),
       omega_group = cbind(factor = rownames(om$omega.group), om$omega.group),
       group_items = groups,
       flip_key = setNames(as.list(om$key), colnames(x)),
       schmid = list(sl = matrix_json(sl), oblique = matrix_json(unclass(om$schmid$oblique)),
                     phi = matrix_json(om$schmid$phi),
                     gloading = matrix_json(unclass(om$schmid$gloading))),
       fit = list(dof = om$stats$dof, objective = om$stats$objective, rms = om$stats$rms,
                  rmsea = unname(om$stats$RMSEA[1])))
}

psych_cases <- list(
  bfi_raw_pairwise = c(psych_omega(bfi_raw[bfi_items], 5,
                                   "tests/data/bfi.csv, A1..O5 as answered (no keying), all 2800 rows, pairwise correlations"),
                       list(puc_key = puc(BFI_KEY))),
  bfi_keyed_listwise = c(psych_omega(bfi_keyed_cc[bfi_items], 5,
                                     "bfi keyed (reverse-keyed items 7 - x), listwise over the 25 items"),
                         list(puc_key = puc(BFI_KEY))),
  hs = c(psych_omega(hs[unlist(HS_KEY)], 3, "tests/data/holzinger_swineford_1939.csv, x1..x9, 301 rows"),
         list(puc_key = puc(HS_KEY)))
)

## Part 2: CFA bifactor -----------------------------------------------------------------
bifactor_syntax <- function(key, general = "g") {
  paste(c(sprintf("%s =~ %s", general, paste(unlist(key), collapse = " + ")),
          vapply(names(key), function(s) sprintf("%s =~ %s", s, paste(key[[s]], collapse = " + ")), "")),
        collapse = "\n")
}

rrh_indices <- function(fit, key, general = "g") {
  std <- lavInspect(fit, "std")
  L <- std$lambda
  items <- rownames(L)
  t <- diag(std$theta)
  lg <- L[, general]
  spec <- intersect(names(key), colnames(L))
  ls_item <- setNames(numeric(length(items)), items)
  for (s in spec) ls_item[key[[s]]] <- L[key[[s]], s]
  common <- sum(lg)^2 + sum(vapply(spec, function(s) sum(L[key[[s]], s])^2, 0))
  denom <- common + sum(t)
  per <- lapply(setNames(names(key), names(key)), function(s) {
    it <- key[[s]]
    sg <- sum(lg[it]); ss <- if (s %in% spec) sum(L[it, s]) else 0
    d <- sg^2 + ss^2 + sum(t[it])
    list(omega_s = (sg^2 + ss^2) / d, omega_hs = ss^2 / d,
         relative_omega = (ss^2 / d) / ((sg^2 + ss^2) / d),
         ecv_s = if (s %in% spec) sum(L[it, s]^2) / (sum(lg^2) + sum(ls_item^2)) else 0,
         ecv_ss = if (s %in% spec) sum(L[it, s]^2) / (sum(lg[it]^2) + sum(L[it, s]^2)) else 0,
         ecv_gs = sum(lg[it]^2) / (sum(lg[it]^2) + if (s %in% spec) sum(L[it, s]^2) else 0),
         sum_general_loadings = sg, sum_specific_loadings = ss, sum_residuals = sum(t[it]))
  })
  H <- function(l) { l <- l[l != 0]; a <- sum(l^2 / (1 - l^2)); 1 / (1 + 1 / a) }
  S_imp <- L %*% t(L) + diag(t)
  S_obs <- cov2cor(lavInspect(fit, "sampstat")$cov)[items, items]
  fd <- function(S) sqrt(diag(t(L) %*% solve(S) %*% L))
  list(
    omega_total = (common) / denom,
    omega_h = sum(lg)^2 / denom,
    relative_omega_h = (sum(lg)^2 / denom) / (common / denom),
    ecv_general = sum(lg^2) / (sum(lg^2) + sum(ls_item^2)),
    puc = puc(key),
    h = c(list(general = H(lg)), lapply(setNames(spec, spec), function(s) H(L[key[[s]], s]))),
    fd_model = as.list(fd(S_imp)),
    fd_sample = as.list(fd(S_obs)),
    per_scale = per,
    iecv = as.list(lg^2 / (lg^2 + ls_item^2)),
    std_loadings = matrix_json(L),
    std_residuals = as.list(t),
    sign_note = paste("general-factor loadings as lavaan estimated them (std.lv, start values",
                      "positive); sums are signed. Reversing the sign of a whole factor's",
                      "loadings changes none of the indices."))
}

cfa_case <- function(data, key, note, extra_model = NULL, general = "g") {
  model <- bifactor_syntax(key, general)
  if (!is.null(extra_model)) model <- extra_model
  res <- capture(cfa(model, data = data, std.lv = TRUE, orthogonal = TRUE))
  fit <- res$value
  pc <- capture(lavInspect(fit, "post.check"))
  list(data = note, model = model,
       options = list(estimator = "ML", std.lv = TRUE, orthogonal = TRUE,
                      missing = "listwise"),
       nobs = lavInspect(fit, "nobs"), converged = lavInspect(fit, "converged"),
       warnings = unique(c(res$warnings, pc$warnings)), post_check_ok = isTRUE(pc$value),
       fit_measures = fit_measures(fit), parameters = param_rows(fit),
       indices = rrh_indices(fit, key, general))
}

hs_s1_key <- list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"),
                  speed = c("x7", "x8", "x9"))
hs_s1_model <- paste("g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9",
                     "textual =~ x4 + x5 + x6", "speed =~ x7 + x8 + x9", sep = "\n")
cfa_cases <- list(
  bfi = c(cfa_case(bfi_keyed_cc[bfi_items], BFI_KEY,
                   "bfi keyed (A1 C4 C5 E1 E2 O2 O5 -> 7 - x), listwise over the 25 items"),
          list(n_rule = "rows of tests/data/bfi.csv with all 25 items answered")),
  hs = cfa_case(hs[unlist(HS_KEY)], HS_KEY, "Holzinger-Swineford x1..x9, 301 rows"),
  hs_s1 = c(cfa_case(hs[unlist(HS_KEY)], hs_s1_key, "Holzinger-Swineford x1..x9, 301 rows",
                     extra_model = hs_s1_model),
            list(note = paste("bifactor S-1: the visual specific factor omitted (its items load",
                              "on g only), a common remedy for the Heywood case of the full",
                              "bifactor model on these data; indices with the full key, so",
                              "visual's omega_hs / ECV_s are 0 and it has no H / FD.")))
)

write_ref(list(
  meta = meta("tests/reference/bifactor.R", NULL, c("digest")),
  keys = list(bfi = BFI_KEY, bfi_reversed = BFI_REV, hs = HS_KEY),
  psych_omega = psych_cases,
  cfa_bifactor = cfa_cases), "bifactor")
