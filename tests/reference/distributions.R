# Reference values for analysis/core/special.py and distributions.py, computed in base R.
# Run from the repository root:
#   Rscript tests/reference/distributions.R
# It writes tests/reference/distributions.json, which tests/analysis/core/test_special.py
# reads (the tests never run R). Numbers are written as the shortest decimal text that
# reads back as the same double ("Inf", "-Inf", "NaN" for the non-finite ones).
#   pnorm (Cody's algorithm), pnorm(log.p = TRUE), qnorm (Wichura's AS 241),
#   erfc(x) = pgamma(x^2, 1/2, lower.tail = FALSE) (x >= 0; 1 + pgamma(x^2, 1/2) for x < 0;
#             the x are chosen so that x^2 is exact),
#   pchisq / qchisq (central; lower and upper tails), pchisq(ncp = ) (noncentral),
#   pbeta / qbeta, pt / qt, pf / qf (both tails; df from 0.5 to 1e20 and Inf).
suppressPackageStartupMessages(library(jsonlite))
set.seed(20261205)

num <- function(x) {
  out <- formatC(x, digits = 15, format = "g")
  bad <- is.finite(x) & suppressWarnings(as.numeric(out)) != x
  out[bad] <- formatC(x[bad], digits = 17, format = "g")
  out[is.nan(x)] <- "NaN"
  out[x == Inf & !is.na(x)] <- "Inf"
  out[x == -Inf & !is.na(x)] <- "-Inf"
  trimws(out)
}

out <- list(script = "tests/reference/distributions.R", r = R.version.string)

# --- the normal distribution ---------------------------------------------------------------
x <- c(-Inf, -38.4, -37.5, -37, -30, -20, -10, -8.5, -sqrt(32) - 1e-9, -5.657, -5, -3,
       -1.959963984540054, -1, -0.67448975, -0.5, -1e-8, -1e-300, 0, 1e-300, 1e-8, 0.3,
       0.67448975, 0.675, 1, 2, 3, 5.66, 8, 8.3, 10, 38, Inf, NaN,
       rnorm(200, sd = 4), runif(100, -37.5, 8.5))
out$pnorm <- list(x = num(x), lower = num(pnorm(x)), upper = num(pnorm(x, lower.tail = FALSE)))
xl <- c(x[!is.na(x)], -40, -40.5, -50, -100, -1e3, -1e5, -1e10, -1e100, -1e150, 20, 30, 40)
out$log_pnorm <- list(x = num(xl), value = num(pnorm(xl, log.p = TRUE)))
p <- c(0, 1e-300, 1e-250, 1e-200, 1e-100, 1e-50, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.025,
       0.05, 0.074, 0.075, 0.1, 0.3, 0.4, 0.425, 0.49999, 0.5, 0.50001, 0.6, 0.9, 0.975,
       0.999, 1 - 1e-10, 1 - 1e-15, 1, -0.1, 1.1, NaN, runif(200), 10^-runif(100, 0, 300))
out$qnorm <- list(p = num(p), value = suppressWarnings(num(qnorm(p))))
xe <- c(-4, -3, -1, -0.5, -0.25, 0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 1, 1.25, 1.5, 2,
        2.5, 3, 3.75, 4, 4.25, 4.5, 6, 10, 20, 26.5, 27.25)
erfc <- ifelse(xe >= 0, pgamma(xe^2, 0.5, lower.tail = FALSE), 1 + pgamma(xe^2, 0.5))
out$erfc <- list(x = num(xe), value = num(erfc))

# --- the chi-square distribution -------------------------------------------------------------
rows <- list()
for (df in c(1, 2, 3, 5, 10, 24, 100, 1000, 1e4, 1e5, 1e6, 2e9, 2e12)) {
  s <- sqrt(2 * df)
  xs <- c(0, 1e-300, 1e-10, df * c(0.001, 0.1, 0.5, 0.9, 0.99, 1, 1.01, 1.1, 2, 5, 10),
          df + s * c(-8, -4, -2, -1, -0.5, 0.5, 1, 2, 4, 8, 20), 1, 3.84, 300, 1400, Inf, NaN)
  xs <- xs[is.nan(xs) | xs >= 0]
  rows[[length(rows) + 1]] <- list(df = num(df), x = num(xs), lower = num(pchisq(xs, df)),
                                   upper = num(pchisq(xs, df, lower.tail = FALSE)))
}
out$pchisq <- rows
rows <- list()
for (df in c(1, 2, 3, 5, 10, 24, 100, 1000, 1e4, 1e5)) {
  ps <- c(0, 1e-300, 1e-100, 1e-10, 0.001, 0.025, 0.05, 0.5, 0.95, 0.975, 0.999, 1 - 1e-10, 1)
  rows[[length(rows) + 1]] <- list(df = num(df), p = num(ps), value = num(qchisq(ps, df)))
}
out$qchisq <- rows
rows <- list()
for (df in c(1, 5, 24, 300)) for (ncp in c(1e-8, 0.7, 25, 79, 300, 3000)) {
  m <- df + ncp
  s <- sqrt(2 * (df + 2 * ncp))
  xs <- c(0.5, m + s * c(-3, -1, 0, 1, 4, 8), Inf)
  xs <- xs[xs > 0]
  rows[[length(rows) + 1]] <- list(df = num(df), ncp = num(ncp), x = num(xs),
                                   lower = num(pchisq(xs, df, ncp = ncp)))
}
out$pnchisq <- rows

# --- the beta, t and F distributions ------------------------------------------------------
# R's quantiles are not always accurate (qbeta of small shapes, qf and qt far in the tails,
# qf for df2 > 4e5 is qchisq(p, df1) / df1): "exact" marks those that reproduce p through
# R's own distribution function to 1e-13 (the lower tail below 1/2, the upper one above).
exact <- function(p, q, cdf) {
  lo <- suppressWarnings(cdf(q, TRUE)); up <- suppressWarnings(cdf(q, FALSE))
  err <- ifelse(p < 0.5, abs(lo / p - 1), abs(up / (1 - p) - 1))
  ok <- is.nan(p) | p <= 0 | p >= 1 | (!is.na(err) & err < 1e-13)
  ok[is.na(ok)] <- FALSE
  ok
}
rows <- list()
shapes <- list(c(0.5, 0.5), c(1, 1), c(2, 3), c(0.25, 7), c(7, 0.25), c(30, 40), c(5000, 0.5),
               c(0.5, 5000), c(1e5, 1e5), c(2e5, 3), c(1e-3, 2))
for (ab in shapes) {
  a <- ab[1]; b <- ab[2]; m <- a / (a + b)
  xs <- c(0, 1e-300, 1e-100, 1e-10, 0.001, 0.1, 0.5, 0.9, 0.999, 1 - 1e-10, 1,
          m * c(0.9, 0.99, 1, 1.01), runif(10))
  xs <- xs[xs <= 1]
  ps <- c(0, 1e-100, 1e-10, 0.001, 0.025, 0.5, 0.975, 0.999, 1 - 1e-10, 1, runif(10))
  rows[[length(rows) + 1]] <- list(a = num(a), b = num(b), x = num(xs),
                                   lower = num(pbeta(xs, a, b)),
                                   upper = num(pbeta(xs, a, b, lower.tail = FALSE)),
                                   p = num(ps), q = num(qbeta(ps, a, b)),
                                   exact = exact(ps, qbeta(ps, a, b),
                                                 function(q, l) pbeta(q, a, b, lower.tail = l)))
}
out$pbeta <- rows
rows <- list()
for (df in c(0.5, 1, 2, 3, 10, 30, 1000, 1e5, 1e6, 1e20, Inf, NaN)) {
  xs <- c(-Inf, -1e300, -1e10, -40, -10, -3, -1, -1e-8, 0, 1e-300, 1e-12, 0.3, 1, 2, 5, 30,
          1e10, Inf, NaN, runif(20, -8, 8))
  ps <- c(0, 1e-100, 1e-20, 1e-8, 0.001, 0.025, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-10, 1,
          NaN, runif(20))
  rows[[length(rows) + 1]] <- list(df = num(df), x = num(xs), upper = num(pt(xs, df, lower.tail = FALSE)),
                                   p = num(ps), q = suppressWarnings(num(qt(ps, df))),
                                   exact = exact(ps, suppressWarnings(qt(ps, df)),
                                                 function(q, l) pt(q, df, lower.tail = l)))
}
out$pt <- rows
rows <- list()
for (d in list(c(1, 1), c(3, 50), c(0.5, 7), c(2, 1e6), c(40, 3), c(1e4, 1e4), c(10, Inf),
               c(Inf, 5))) {
  xs <- c(0, 1e-300, 1e-12, 0.01, 0.3, 1, 2.5, 10, 250, 1e10, Inf, NaN, rexp(10))
  ps <- c(0, 1e-20, 1e-8, 0.025, 0.5, 0.95, 0.975, 0.999, 1, NaN, runif(10))
  rows[[length(rows) + 1]] <- list(d1 = num(d[1]), d2 = num(d[2]), x = num(xs),
                                   upper = num(pf(xs, d[1], d[2], lower.tail = FALSE)),
                                   p = num(ps), q = num(qf(ps, d[1], d[2])),
                                   exact = exact(ps, qf(ps, d[1], d[2]),
                                                 function(q, l) pf(q, d[1], d[2], lower.tail = l)))
}
out$pf <- rows

write_json(out, "tests/reference/distributions.json", auto_unbox = TRUE, pretty = FALSE)
