# Reference values for analysis/validation/invariance.py: multi-group CFA steps with lavaan's
# group.equal, lavTestScore (univariate score tests for releasing equality constraints) and
# the partial-invariance search done by hand in lavaan, on
#   1. Holzinger-Swineford across school (ML and MLR, listwise), and
#   2. a simulated dataset (SYNTHETIC) with one planted non-invariant intercept (x3 in
#      group B), written to tests/reference/data/planted.csv.
# Run from the project root:  Rscript tests/reference/invariance.R
# Writes tests/reference/invariance.json. lavaan 0.6-14.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

FIT <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
         "rmsea.ci.upper", "srmr", "aic", "bic", "logl")
FIT_SCALED <- c("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
                "cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi.robust", "tli.robust",
                "rmsea.robust")
STEPS <- list(configural = "", metric = c("loadings"),
              scalar = c("loadings", "intercepts"),
              strict = c("loadings", "intercepts", "residuals"))

fm <- function(fit, robust = FALSE) {
  as.list(fitMeasures(fit, c(FIT, if (robust) FIT_SCALED)))
}

# univariate score tests, each constraint named by the parameter it equates
score_table <- function(fit) {
  st <- lavTestScore(fit)$uni
  pt <- parTable(fit)
  name <- function(pl) {
    r <- pt[pt$plabel == pl, ]
    paste0(r$lhs, r$op, if (r$op == "~1") "" else r$rhs)
  }
  data.frame(lhs = st$lhs, rhs = st$rhs,
             parameter = sapply(st$lhs, name), X2 = st$X2, df = st$df,
             pvalue = st$p.value, stringsAsFactors = FALSE)
}

steps <- function(model, data, group, estimator = "ML", partial = character(0)) {
  robust <- estimator != "ML"
  fits <- lapply(STEPS, function(eq) cfa(model, data = data, group = group,
                                         estimator = estimator, group.equal = eq,
                                         group.partial = partial))
  out <- lapply(names(fits), function(n) {
    f <- fits[[n]]
    res <- list(model = n, group_equal = setdiff(STEPS[[n]], ""), fit = fm(f, robust))
    if (n != "configural") res$score <- score_table(f)
    res
  })
  names(out) <- names(fits)
  diffs <- list()
  for (k in 2:length(fits)) {
    method <- if (robust) "satorra.bentler.2001" else "default"
    a <- lavTestLRT(fits[[k]], fits[[k - 1]], method = method)
    diffs[[names(fits)[k]]] <- list(chisq_diff = a[2, "Chisq diff"], df_diff = a[2, "Df diff"],
                                    pvalue = a[2, "Pr(>Chisq)"])
  }
  list(steps = out, differences = diffs, group_sizes = as.list(lavInspect(fits[[1]], "nobs")))
}

# The search lospw implements: free the constraint with the largest univariate score test,
# refit, until the step's CFI drop from the previous step is above -.010 (Cheung & Rensvold)
# or max_free parameters are free.
search <- function(model, data, group, step, previous_fit, max_free = 5) {
  partial <- character(0)
  iters <- list()
  repeat {
    f <- cfa(model, data = data, group = group, group.equal = STEPS[[step]],
             group.partial = partial)
    dcfi <- fitMeasures(f, "cfi") - fitMeasures(previous_fit, "cfi")
    ok <- dcfi > -0.010
    sc <- score_table(f)
    it <- list(partial = partial, fit = fm(f), delta_cfi = unname(dcfi), acceptable = ok,
               score = sc)
    if (ok || length(partial) >= max_free) { iters[[length(iters) + 1]] <- it; break }
    top <- sc[which.max(sc$X2), ]
    it$freed <- top$parameter; it$freed_X2 <- top$X2
    iters[[length(iters) + 1]] <- it
    partial <- c(partial, top$parameter)
  }
  iters
}

hs <- read.csv("tests/data/holzinger_swineford_1939.csv")
hs_model <- '
visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
'
hs_ml <- steps(hs_model, hs, "school")
hs_mlr <- steps(hs_model, hs, "school", estimator = "MLR")
hs_metric <- cfa(hs_model, data = hs, group = "school", group.equal = "loadings")
hs_search <- search(hs_model, hs, "school", "scalar", hs_metric)
after_partial <- function(model, data, group, partial) {
  f <- cfa(model, data = data, group = group, group.equal = STEPS$strict,
           group.partial = partial)
  list(partial = partial, fit = fm(f), score = score_table(f))
}
hs_strict <- after_partial(hs_model, hs, "school",
                           hs_search[[length(hs_search)]]$partial)

# SYNTHETIC data: two factors, four items each, two groups of 400; invariant except the
# intercept of x3, which is 0.6 higher in group B.
set.seed(20240607)
simulate_group <- function(n, nu) {
  lam <- c(.8, .7, .75, .6)
  phi <- matrix(c(1, .4, .4, 1), 2)
  eta <- MASS::mvrnorm(n, c(0, 0), phi)
  x <- cbind(eta[, 1] %o% lam, eta[, 2] %o% lam) + matrix(rnorm(n * 8, sd = .6), n)
  x <- sweep(x, 2, nu, "+")
  colnames(x) <- paste0("x", 1:8)
  x
}
nu <- rep(3, 8)
nu_b <- nu; nu_b[3] <- nu_b[3] + 0.6
planted <- rbind(data.frame(simulate_group(400, nu), g = "A"),
                 data.frame(simulate_group(400, nu_b), g = "B"))
planted <- cbind(id = seq_len(nrow(planted)), planted)
planted[paste0("x", 1:8)] <- round(planted[paste0("x", 1:8)], 4)
write.csv(planted, "tests/reference/data/planted.csv", row.names = FALSE)
planted <- read.csv("tests/reference/data/planted.csv")
pl_model <- '
f1 =~ x1 + x2 + x3 + x4
f2 =~ x5 + x6 + x7 + x8
'
pl_ml <- steps(pl_model, planted, "g")
pl_metric <- cfa(pl_model, data = planted, group = "g", group.equal = "loadings")
pl_search <- search(pl_model, planted, "g", "scalar", pl_metric)
pl_strict <- after_partial(pl_model, planted, "g", pl_search[[length(pl_search)]]$partial)

# bfi across gender (the issue-13 acceptance run), the key's five factors on the
# reverse-keyed items, listwise over the 25 items.
bfi <- read.csv("tests/data/bfi.csv")
rev_items <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
bfi[rev_items] <- 7 - bfi[rev_items]
bfi_model <- '
A =~ A1 + A2 + A3 + A4 + A5
C =~ C1 + C2 + C3 + C4 + C5
E =~ E1 + E2 + E3 + E4 + E5
N =~ N1 + N2 + N3 + N4 + N5
O =~ O1 + O2 + O3 + O4 + O5
'
bfi_ml <- steps(bfi_model, bfi, "gender")
bfi_mlr <- steps(bfi_model, bfi, "gender", estimator = "MLR")

out <- list(
  versions = list(lavaan = as.character(packageVersion("lavaan"))),
  hs = list(model = hs_model, group = "school", ML = hs_ml, MLR = hs_mlr,
            search_scalar = hs_search, strict_after_partial = hs_strict),
  planted = list(note = "SYNTHETIC: x3 intercept +0.6 in group B", model = pl_model,
                 group = "g", ML = pl_ml, search_scalar = pl_search,
                 strict_after_partial = pl_strict),
  bfi = list(model = bfi_model, group = "gender", ML = bfi_ml, MLR = bfi_mlr)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, dataframe = "rows"),
           "tests/reference/invariance.json")
