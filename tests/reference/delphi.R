# Reference values for instrument/delphi/stats.py, computed in base R (R >= 4.2).
# Run from the repository root:
#   Rscript tests/reference/delphi.R
# It writes tests/reference/delphi.json, which the tests read (they never run R).
# The package irr is not needed: Kendall's W is computed from the formula of
# irr::kendall(ratings, correct = TRUE) written out below, and cross-checked against base R's
# friedman.test (W = Friedman chi-square / (m (n - 1)), ties-corrected in both).
suppressPackageStartupMessages(library(jsonlite))

out <- list(R_version = R.version.string)

# --- modified kappa: Pc = choose(N, A) * 0.5^N, kappa = (I-CVI - Pc) / (1 - Pc) ----------
kap <- list()
for (N in c(3, 5, 6, 9, 10, 12, 20, 33)) for (A in 0:N) {
  icvi <- A / N
  pc <- choose(N, A) * 0.5^N
  kap[[length(kap) + 1]] <- list(n = N, a = A, i_cvi = icvi, pc = pc,
                                 kappa = (icvi - pc) / (1 - pc))
}
out$kappa <- kap

# --- Lawshe CVR critical values, exact one-tailed binomial (Ayre & Scally 2014) -----------
# smallest ne with P(X >= ne | N, 0.5) < .05
crit <- list()
for (N in 1:60) {
  ne <- NA
  for (k in N:0) {
    if (pbinom(k - 1, N, 0.5, lower.tail = FALSE) < 0.05) ne <- k else break
  }
  crit[[length(crit) + 1]] <- list(n = N, ne = if (is.na(ne)) NULL else ne,
                                   cvr = if (is.na(ne)) NULL else (ne - N / 2) / (N / 2))
}
out$cvr_critical <- crit

# --- quantiles, type 7 (R's default) ------------------------------------------------------
set.seed(20240601)
qs <- list(c(1, 2, 3, 4), c(4, 4, 3, 2, 4, 3, 1), c(3), c(2, 2),
           c(4, 5, 6, rep(7, 5), rep(8, 5), 9, 9),
           sample(1:9, 17, replace = TRUE), sample(1:4, 23, replace = TRUE))
out$quantiles <- lapply(qs, function(x) list(
  x = x, p = c(0.25, 0.3, 0.5, 0.7, 0.75),
  q = unname(quantile(x, c(0.25, 0.3, 0.5, 0.7, 0.75), type = 7)),
  iqr = IQR(x, type = 7)))

# --- Wilcoxon signed rank, paired, normal approximation with continuity correction -------
pairs <- list(
  list(x = c(3, 4, 2, 3, 4, 1), y = c(2, 4, 1, 1, 3, 1)),
  list(x = c(4, 4, 4, 3, 3, 2, 4, 3, 4, 4, 3, 2), y = c(3, 4, 3, 3, 2, 2, 4, 4, 3, 3, 3, 1)),
  list(x = c(1, 2, 3, 4, 5), y = c(2, 3, 4, 5, 6)),
  list(x = c(7, 8, 9, 6, 7, 8, 5, 9, 9, 7, 8, 6, 7), y = c(8, 8, 7, 7, 7, 9, 6, 9, 8, 8, 8, 7, 9)),
  list(x = sample(1:4, 20, replace = TRUE), y = sample(1:4, 20, replace = TRUE)),
  list(x = c(2, 3), y = c(3, 3)))
out$wilcoxon <- lapply(pairs, function(p) {
  t <- suppressWarnings(wilcox.test(p$x, p$y, paired = TRUE, exact = FALSE, correct = TRUE))
  list(x = p$x, y = p$y, v = unname(t$statistic), p_value = t$p.value)
})

# --- Kendall's W with ties correction (irr::kendall formula) -------------------------------
kendall_irr <- function(ratings) {        # rows = items (subjects), columns = raters
  ns <- nrow(ratings); nr <- ncol(ratings)
  ranks <- apply(ratings, 2, rank)
  Tj <- 0
  for (i in 1:nr) { t <- table(ratings[, i]); Tj <- Tj + sum(t^3 - t) }
  W <- (12 * var(rowSums(ranks)) * (ns - 1)) / (nr^2 * (ns^3 - ns) - nr * Tj)
  chisq <- nr * (ns - 1) * W
  list(w = W, chisq = chisq, df = ns - 1, p_value = pchisq(chisq, ns - 1, lower.tail = FALSE))
}
mats <- list(
  matrix(c(4, 3, 2, 1,  4, 2, 3, 1,  3, 4, 2, 1), nrow = 4),
  matrix(c(4, 4, 3, 2, 1,  3, 4, 3, 2, 2,  4, 4, 4, 1, 2,  3, 3, 3, 3, 1), nrow = 5),
  matrix(sample(1:4, 8 * 6, replace = TRUE), nrow = 8),
  matrix(sample(1:9, 12 * 15, replace = TRUE), nrow = 12))
out$kendall <- lapply(mats, function(m) {
  k <- kendall_irr(m)
  f <- friedman.test(t(m))   # blocks = raters, groups = items
  c(list(matrix = lapply(seq_len(nrow(m)), function(i) m[i, ])), k,
    list(w_friedman = unname(f$statistic) / (ncol(m) * (nrow(m) - 1))))
})

write_json(out, "tests/reference/delphi.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, null = "null")
cat("wrote tests/reference/delphi.json\n")
