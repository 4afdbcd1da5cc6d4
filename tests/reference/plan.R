# Reference values for lospw's sample-size planning (tests/analysis/planning/).
# Run from the repository root:  Rscript tests/reference/plan.R
# Writes tests/reference/plan.json. Needs yaml, jsonlite, pbivnorm, lavaan 0.6.14.
#
# Population: tests/fixtures/plan/population.yaml (SYNTHETIC). Computed independently of lospw:
#  * the exact covariance matrix and means of the 1-5 scores, pooled over the groups
#    (bivariate-normal rectangles with pbivnorm);
#  * the limit of the two-step polychoric correlations (thresholds from the pooled margins,
#    each rho maximising the expected log-likelihood of the pooled table, by optimize());
#  * lavaan's cfa() fitted to each matrix (sample.nobs = 1e6): the pseudo-true loadings and
#    the population discrepancy F = chisq / N of the correlated and the grouped models;
#  * normal-theory power (Satorra & Saris, 1985) of the difference test at N = 100, 200, 400.
suppressPackageStartupMessages({library(yaml); library(jsonlite); library(pbivnorm)
  library(lavaan)})
pop <- yaml::read_yaml("tests/fixtures/plan/population.yaml")
key <- yaml::read_yaml("tests/fixtures/plan/key.yaml")
factors <- unlist(pop$factors)
items <- names(pop$items)
p <- length(items); k <- length(factors)
Phi <- diag(k); dimnames(Phi) <- list(factors, factors)
for (e in pop$factor_correlations) { Phi[e[[1]], e[[2]]] <- Phi[e[[2]], e[[1]]] <- e[[3]] }
Lam <- matrix(0, p, k, dimnames = list(items, factors))
tau <- matrix(0, p, 4, dimnames = list(items, NULL))
for (i in items) {
  for (f in names(pop$items[[i]]$loadings)) Lam[i, f] <- pop$items[[i]]$loadings[[f]]
  tau[i, ] <- unlist(pop$items[[i]]$thresholds)
}
R <- Lam %*% Phi %*% t(Lam); diag(R) <- 1
vals <- 1:5
BIG <- 40
rect <- function(a, b, r) {  # 5 x 5 cell probabilities, thresholds a, b, correlation r
  ea <- c(-BIG, a, BIG); eb <- c(-BIG, b, BIG)
  F <- outer(seq_along(ea), seq_along(eb), function(i, j)
    pbivnorm(ea[i], eb[j], rep(r, length(i))))
  F[1, ] <- 0; F[, 1] <- 0; F[length(ea), ] <- pnorm(eb); F[, length(eb)] <- pnorm(ea)
  F[length(ea), length(eb)] <- 1
  diff(t(diff(t(F))))
}
groups <- pop$groups
P <- array(0, c(p, p, 5, 5)); M <- matrix(0, p, 5)
for (g in names(groups)) {
  share <- groups[[g]]$share
  mu <- setNames(rep(0, k), factors)
  if (!is.null(groups[[g]]$factor_means))
    for (f in names(groups[[g]]$factor_means)) mu[f] <- groups[[g]]$factor_means[[f]]
  shift <- setNames(rep(0, p), items)
  for (e in pop$non_invariance) if (e$group == g) shift[e$item] <- shift[e$item] + e$threshold_shift
  t_g <- tau + shift - as.vector(Lam %*% mu)
  for (i in 1:p) {
    M[i, ] <- M[i, ] + share * diff(c(0, pnorm(t_g[i, ]), 1))
    for (j in 1:p) if (i != j) P[i, j, , ] <- P[i, j, , ] + share * rect(t_g[i, ], t_g[j, ], R[i, j])
  }
}
mean_y <- as.vector(M %*% vals)
S <- matrix(0, p, p, dimnames = list(items, items))
for (i in 1:p) for (j in 1:p) {
  S[i, j] <- if (i == j) sum(M[i, ] * vals^2) else sum(P[i, j, , ] * outer(vals, vals))
}
S <- S - outer(mean_y, mean_y)
thr <- t(apply(M, 1, function(m) qnorm(cumsum(m)[1:4])))
poly <- diag(p); dimnames(poly) <- list(items, items)
for (i in 1:(p - 1)) for (j in (i + 1):p) {
  ll <- function(r) sum(P[i, j, , ] * log(pmax(rect(thr[i, ], thr[j, ], r), 1e-300)))
  poly[i, j] <- poly[j, i] <- optimize(ll, c(-0.99, 0.99), maximum = TRUE, tol = 1e-12)$maximum
}
# models written as lospw's lospw.analysis.validation.models writes them for this key
key_model <- paste(sapply(names(key$scales), function(s)
  paste(s, "=~", paste(sub("^-", "", unlist(key$scales[[s]])), collapse = " + "))), collapse = "\n")
grouped <- paste(sapply(names(key$higher_order), function(g)
  paste(g, "=~", paste(sub("^-", "", unlist(key$scales[unlist(key$higher_order[[g]])])),
                       collapse = " + "))), collapse = "\n")
N <- 1e6
fitpop <- function(model, C) cfa(model, sample.cov = C * N / (N - 1), sample.nobs = N)
out <- list()
for (what in c("scores", "polychoric")) {
  C <- if (what == "scores") S else poly
  f_key <- fitpop(key_model, C); f_alt <- fitpop(grouped, C)
  pe <- standardizedSolution(f_key, se = FALSE)
  est <- parameterEstimates(f_key)
  ld <- est$op == "=~"
  fk <- fitMeasures(f_key, c("chisq", "df")); fa <- fitMeasures(f_alt, c("chisq", "df"))
  out[[what]] <- list(
    lhs = est$lhs[ld], rhs = est$rhs[ld], est = est$est[ld],
    std_all = pe$est.std[pe$op == "=~"],
    F_key = unname(fk["chisq"] / N), F_grouped = unname(fa["chisq"] / N),
    df_key = unname(fk["df"]), df_grouped = unname(fa["df"]))
}
dF <- out$scores$F_grouped - out$scores$F_key
ddf <- out$scores$df_grouped - out$scores$df_key
power <- sapply(c(100, 200, 400), function(n)
  pchisq(qchisq(0.95, ddf), ddf, ncp = n * dF, lower.tail = FALSE))
res <- list(items = items, score_mean = mean_y, score_cov = unname(S),
            polychoric = unname(poly), thresholds = unname(thr), fits = out,
            power_normal_theory = list(n = c(100, 200, 400), power = power),
            versions = list(lavaan = as.character(packageVersion("lavaan")),
                            pbivnorm = as.character(packageVersion("pbivnorm"))))
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/plan.json")
