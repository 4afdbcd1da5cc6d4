# Reference values for MLR, WLSMV and the difference tests (issue 8), from R lavaan 0.6.14.
# Run from the project root:  Rscript tests/reference/cfa_robust.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
stopifnot(packageVersion("lavaan") == "0.6.14")
out_file <- "tests/reference/cfa_robust.json"
cases <- list()  # one entry per case, written together at the end
hs <- read.csv("tests/data/holzinger_swineford_1939.csv")
bfi <- read.csv("tests/data/bfi.csv")
HS <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
BFI <- "A =~ A1 + A2 + A3 + A4 + A5
C =~ C1 + C2 + C3 + C4 + C5
E =~ E1 + E2 + E3 + E4 + E5
N =~ N1 + N2 + N3 + N4 + N5
O =~ O1 + O2 + O3 + O4 + O5"
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
           paste0("O", 1:5))
num <- function(x) { x <- unclass(x); x[is.nan(x)] <- NA; x }
params <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE,
                           remove.eq = FALSE, remove.ineq = FALSE, remove.def = FALSE)
  pt <- parTable(fit)
  keep <- intersect(c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue",
                      "std.lv", "std.all"), names(pe))
  pe <- pe[, keep]
  if (!"group" %in% names(pe)) pe$group <- 1L
  key <- paste(pe$lhs, pe$op, pe$rhs, pe$group)
  pe$free <- pt$free[match(key, paste(pt$lhs, pt$op, pt$rhs, pt$group))]
  pe
}
case <- function(name, fit, extra = list()) {
  res <- list(lavaan = as.character(packageVersion("lavaan")),
              converged = lavInspect(fit, "converged"), nobs = lavInspect(fit, "nobs"),
              fit = as.list(num(fitMeasures(fit))), parameters = params(fit))
  res <- c(res, extra)
  cases[[name]] <<- res
  cat("computed", name, "\n")
}
lrt <- function(f1, f0, method = "default") {
  a <- lavTestLRT(f1, f0, method = method)
  list(chisq_diff = a[2, "Chisq diff"], df_diff = a[2, "Df diff"],
       pvalue = a[2, "Pr(>Chisq)"], method = method)
}

# ---- MLR -----------------------------------------------------------------------------------
mlr <- cfa(BFI, data = bfi, estimator = "MLR")
mlr0 <- cfa(BFI, data = bfi, estimator = "MLR", orthogonal = TRUE)
case("bfi_mlr", mlr, extra = list(
  lrt_orthogonal = lrt(mlr, mlr0),
  lrt_orthogonal_sb2001 = lrt(mlr, mlr0, "satorra.bentler.2001"),
  lrt_orthogonal_sb2010 = lrt(mlr, mlr0, "satorra.bentler.2010")))
case("bfi_mlr_orthogonal", mlr0)
case("hs_mlr", cfa(HS, data = hs, estimator = "MLR"))
case("hs_mg_metric_mlr", cfa(HS, data = hs, estimator = "MLR", group = "school",
                             group.equal = "loadings"))
case("bfi_mlr_fiml", cfa(BFI, data = bfi, estimator = "MLR", missing = "ml"))

# ---- WLSMV ---------------------------------------------------------------------------------
wl <- cfa(BFI, data = bfi, estimator = "WLSMV", ordered = items)
wl0 <- cfa(BFI, data = bfi, estimator = "WLSMV", ordered = items, orthogonal = TRUE)
case("bfi_wlsmv", wl, extra = list(
  lrt_orthogonal = lrt(wl, wl0),
  polychoric = unclass(lavInspect(wl, "sampstat")$cov),
  thresholds = unclass(lavInspect(wl, "sampstat")$th)))
case("bfi_wlsmv_orthogonal", wl0)
bfi_g <- bfi[!is.na(bfi$gender), ]
wg1 <- cfa(BFI, data = bfi_g, estimator = "WLSMV", ordered = items, group = "gender")
wg2 <- cfa(BFI, data = bfi_g, estimator = "WLSMV", ordered = items, group = "gender",
           group.equal = c("thresholds", "loadings"))
case("bfi_wlsmv_mg_configural", wg1)
case("bfi_wlsmv_mg_thresholds_loadings", wg2, extra = list(lrt_configural = lrt(wg2, wg1)))
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
           out_file)
cat("wrote", out_file, "\n")
