# Reference values for analysis/intake/screening.py's mahalanobis_reduced (items >= respondents):
# Mahalanobis D2 on the first q principal components of the mean-imputed deviations,
# q = min(rank, floor(n / 5)); p = upper chi-square tail on q df. Base R: prcomp() and
# mahalanobis() on the component scores (uncorrelated, mean 0).
# Data: the first 20 and the first 12 rows of bfi (tests/data/bfi.csv), items A1..O5 (25 items,
# some answers missing).
# Run from the project root:  Rscript tests/reference/screening_reduced.R
bfi <- read.csv("tests/data/bfi.csv")
case <- function(rows) {
  x <- as.matrix(bfi[rows, 2:26])
  n <- nrow(x)
  m <- colMeans(x, na.rm = TRUE)
  d <- sweep(x, 2, m)
  d[is.na(d)] <- 0  # mean imputation of the missing answers
  pc <- prcomp(d, center = FALSE)
  rank <- sum(pc$sdev^2 > 1e-10 * max(pc$sdev^2))
  q <- min(rank, n %/% 5)
  s <- pc$x[, 1:q, drop = FALSE]
  d2 <- mahalanobis(s, colMeans(s), cov(s))
  list(rows = rows, n_missing = sum(is.na(x)), q = q, d2 = unname(d2),
       p = pchisq(d2, q, lower.tail = FALSE))
}
out <- list(first20 = case(1:20), first12 = case(1:12))
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE),
           "tests/reference/screening_reduced.json")
