# Reference values for tests/analysis/test_efa_n.py (issue 18, point 2: the n behind the
# EFA's Bartlett test and the reliability CI), from psych 2.2.9.
#
# Run from the project root:  Rscript tests/reference/efa_n.R
# Writes tests/reference/efa_n.json. The tests read that file; they never run R.
#
# Data with missing values: tests/data/ability.csv (16 binary ICAR items, 1525 rows of which
# 1248 are complete) and tests/data/bfi.csv (25 items; its first 1585 rows hold 1380 complete
# cases). In floating point, 120 / sum(rep(1 / 1248, 120)) and 300 / sum(rep(1 / 1380, 300))
# fall just below the integer, so flooring them lost a respondent.
#
# * listwise: n = the complete rows; R = cor(complete rows); cortest.bartlett(R, n), KMO(R);
# * pairwise: R = cor(x, use = "pairwise") (what psych::fa and KMO use on raw data with
#   use = "pairwise"); n = the floor of the harmonic mean of pairwiseCount's upper triangle
#   (lospw's documented choice; psych would use nrow); cortest.bartlett(R, n), KMO(R);
# * reliability under pairwise deletion: alpha of cov(x, use = "pairwise") and the Feldt CI
#   psych::alpha.ci(alpha, n_ci, k) with n_ci the (unrounded) harmonic mean of the pairwise
#   counts; on complete rows n_ci is the row count exactly.
suppressPackageStartupMessages({ library(psych); library(jsonlite) })
stopifnot(packageVersion("psych") == "2.2.9")

ability <- read.csv("tests/data/ability.csv", check.names = FALSE)
bfi <- read.csv("tests/data/bfi.csv")
bfi_items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
               paste0("O", 1:5))

harmonic <- function(x) {
  p <- pairwiseCount(x)
  u <- p[upper.tri(p)]
  length(u) / sum(1 / u)
}
block <- function(R, n) {
  b <- cortest.bartlett(R, n = n)
  k <- KMO(R)
  list(n = n, chisq = b$chisq, df = b$df, msa = k$MSA, msai = unname(k$MSAi))
}
listwise <- function(x) { cc <- na.omit(x); block(cor(cc), nrow(cc)) }
pairwise <- function(x) {
  h <- harmonic(x)
  # the harmonic mean of these data is far from an integer, so floor() is safe here
  stopifnot(abs(h - round(h)) > 1e-6)
  block(cor(x, use = "pairwise"), floor(h))
}
alpha_block <- function(x) {
  C <- cov(x, use = "pairwise")
  k <- ncol(x)
  a <- (k / (k - 1)) * (1 - sum(diag(C)) / sum(C))
  n_ci <- harmonic(x)
  ci <- alpha.ci(a, n_ci, k)
  list(alpha = a, n_ci = n_ci, lower = ci$lower.ci, upper = ci$upper.ci)
}

bfi1585 <- bfi[1:1585, bfi_items]
stopifnot(sum(complete.cases(bfi1585)) == 1380)
reason <- ability[, c("reason.4", "reason.16", "reason.17", "reason.19")]
out <- list(
  meta = list(psych = as.character(packageVersion("psych")), script = "tests/reference/efa_n.R"),
  ability = list(items = colnames(ability), listwise = listwise(ability),
                 pairwise = pairwise(ability)),
  bfi_1585 = list(items = bfi_items, rows = 1585, listwise = listwise(bfi1585)),
  bfi = list(items = bfi_items, pairwise = pairwise(bfi[, bfi_items])),
  alpha = list(
    scale = colnames(reason),
    pairwise = alpha_block(reason),
    complete_rows = c(alpha_block(na.omit(reason)), list(rows = nrow(na.omit(reason))))
  )
)
write_json(out, "tests/reference/efa_n.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote tests/reference/efa_n.json\n")
