# Multi-group FIML (missing = "ml") references from R lavaan 0.6.14: bfi's five factors across
# gender with equal loadings and intercepts, ML and MLR; fit measures, parameters, the
# univariate score tests of the equality constraints (lavTestScore) and the modification
# indices, which under FIML use the expected information for missing data.
# Run from the project root:  Rscript tests/reference/cfa_fiml_multigroup.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
stopifnot(packageVersion("lavaan") == "0.6.14")
out_file <- "tests/reference/cfa_fiml_multigroup.json"
cases <- list()  # one entry per case, written together at the end
bfi <- read.csv("tests/data/bfi.csv")
BFI <- "A =~ A1 + A2 + A3 + A4 + A5
C =~ C1 + C2 + C3 + C4 + C5
E =~ E1 + E2 + E3 + E4 + E5
N =~ N1 + N2 + N3 + N4 + N5
O =~ O1 + O2 + O3 + O4 + O5"
num <- function(x) { x <- unclass(x); x[is.nan(x)] <- NA; x }
params <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE,
                           remove.eq = FALSE, remove.ineq = FALSE, remove.def = FALSE)
  pt <- parTable(fit)
  pe <- pe[, intersect(c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue",
                         "std.lv", "std.all"), names(pe))]
  key <- paste(pe$lhs, pe$op, pe$rhs, pe$group)
  pe$free <- pt$free[match(key, paste(pt$lhs, pt$op, pt$rhs, pt$group))]
  pe
}
case <- function(name, fit) {
  ts <- lavTestScore(fit, warn = FALSE)
  res <- list(lavaan = as.character(packageVersion("lavaan")),
              converged = lavInspect(fit, "converged"), nobs = lavInspect(fit, "nobs"),
              fit = as.list(num(fitMeasures(fit))), parameters = params(fit),
              score_test = list(test = ts$test, uni = ts$uni),
              modindices = modindices(fit, sort. = TRUE))
  cases[[name]] <<- res
  cat("computed", name, "\n")
}
d <- bfi[!is.na(bfi$gender), ]
for (est in c("ML", "MLR")) {
  case(paste0("bfi_fiml_mg_scalar_", tolower(est)),
       cfa(BFI, data = d, estimator = est, missing = "ml", group = "gender",
           group.equal = c("loadings", "intercepts")))
}
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
           out_file)
cat("wrote", out_file, "\n")
