# Reference values for analysis/intake/screening.py, computed in base R (the careless package is not
# installed here; its definitions are reproduced: longstring = max run length of rle() on the
# row, as careless::longstring; IRV = sd(row, na.rm = TRUE), as careless::irv).
# Mahalanobis D2 on the items a respondent answered: mean = colMeans(na.rm), covariance =
# cov(use = "pairwise"), the answered block of it inverted; p = upper chi-square tail with df =
# number of answered items. For complete rows this equals psych::outlier (also written).
# Person-total correlation (Curran 2016): cor(row, item means of all other respondents) over
# the answered items.
# Data: the first 200 rows of bfi (tests/data/bfi.csv), items A1..O5 as in the file.
# Run from the project root:  Rscript tests/reference/screening.R
library(psych)  # psych 2.2.9, only for the outlier() cross-check
bfi <- read.csv("tests/data/bfi.csv")
x <- as.matrix(bfi[1:200, 2:26])
n <- nrow(x)
longstr <- apply(x, 1, function(r) max(rle(r)$lengths))
irv <- apply(x, 1, sd, na.rm = TRUE)
m <- colMeans(x, na.rm = TRUE)
S <- cov(x, use = "pairwise")
d2 <- numeric(n); df <- integer(n); pt <- numeric(n)
for (i in 1:n) {
  o <- !is.na(x[i, ])
  d <- x[i, o] - m[o]
  d2[i] <- as.numeric(t(d) %*% solve(S[o, o, drop = FALSE]) %*% d)
  df[i] <- sum(o)
  others <- colMeans(x[-i, , drop = FALSE], na.rm = TRUE)
  pt[i] <- cor(x[i, o], others[o])
}
p <- pchisq(d2, df, lower.tail = FALSE)
complete <- complete.cases(x)
psych_d2 <- rep(NA, n)
psych_d2[complete] <- psych::outlier(x[complete, ], plot = FALSE)
out <- data.frame(row = 1:n, longstring = longstr, irv = irv, mahalanobis_d2 = d2,
                  mahalanobis_df = df, mahalanobis_p = p, person_total_r = pt,
                  psych_outlier_complete = psych_d2)
write.csv(format(out, digits = 17), "tests/reference/screening.csv",
          row.names = FALSE, quote = FALSE)
