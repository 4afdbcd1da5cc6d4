# Reference values for the CFA engine (analysis/cfa), from R lavaan 0.6.14.
# Run from the project root:  Rscript tests/reference/cfa.R
# Writes tests/reference/cfa.json, one entry per case. The tests read the JSON; they never run R.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
stopifnot(packageVersion("lavaan") == "0.6.14")
out_file <- "tests/reference/cfa.json"
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
bfi_items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
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
  pe$free <- pt$free[match(paste(pe$lhs, pe$op, pe$rhs, pe$group),
                           paste(pt$lhs, pt$op, pt$rhs, pt$group))]
  pe$plabel <- pt$plabel[match(paste(pe$lhs, pe$op, pe$rhs, pe$group),
                               paste(pt$lhs, pt$op, pt$rhs, pt$group))]
  pe
}

case <- function(name, fit, mi = FALSE, resid = FALSE, score = FALSE, extra = list()) {
  res <- list(
    lavaan = as.character(packageVersion("lavaan")),
    converged = lavInspect(fit, "converged"),
    nobs = lavInspect(fit, "nobs"),
    npar = lavInspect(fit, "npar"),
    fit = as.list(num(fitMeasures(fit))),
    parameters = params(fit),
    warnings = character(0)
  )
  if (mi) {
    m <- modindices(fit, sort. = TRUE)
    res$modindices <- m
  }
  if (resid) {
    res$residuals_cor <- lapply(lavResiduals(fit, type = "cor.bollen", summary = FALSE,
                                              zstat = FALSE, output = "list"), identity)
    res$residuals <- list(
      cor_bollen = residuals(fit, type = "cor.bollen"),
      cor_bentler = residuals(fit, type = "cor.bentler"),
      raw = residuals(fit, type = "raw"),
      standardized = residuals(fit, type = "standardized"))
  }
  if (score) {
    ts <- lavTestScore(fit)
    res$score_test <- list(test = ts$test, uni = ts$uni)
  }
  res <- c(res, extra)
  cases[[name]] <<- res
  cat("computed", name, "\n")
}

warned <- function(expr) {
  msgs <- character(0)
  val <- withCallingHandlers(expr, warning = function(w) {
    msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning")})
  list(value = val, warnings = msgs)
}

# ---- issue 7 --------------------------------------------------------------------------------
case("hs_ml", cfa(HS, data = hs), mi = TRUE, resid = TRUE)
case("hs_ml_stdlv", cfa(HS, data = hs, std.lv = TRUE))
case("hs_ml_meanstructure", cfa(HS, data = hs, meanstructure = TRUE), resid = TRUE)
case("bfi_ml", cfa(BFI, data = bfi), mi = TRUE, resid = TRUE)
case("bfi_fiml", cfa(BFI, data = bfi, missing = "ml"), resid = TRUE)
case("hs_fiml_complete", cfa(HS, data = hs, missing = "ml"))
for (step in list(list("configural", ""),
                  list("metric", "loadings"),
                  list("scalar", c("loadings", "intercepts")),
                  list("strict", c("loadings", "intercepts", "residuals")))) {
  f <- cfa(HS, data = hs, group = "school", group.equal = step[[2]])
  case(paste0("hs_mg_", step[[1]]), f, mi = TRUE, resid = step[[1]] == "scalar",
       score = step[[2]][1] != "")
}
case("hs_mg_scalar_partial",
     cfa(HS, data = hs, group = "school", group.equal = c("loadings", "intercepts"),
         group.partial = c("x3 ~ 1", "x7 ~ 1")), score = TRUE)
case("hs_mg_lv", cfa(HS, data = hs, group = "school",
                     group.equal = c("loadings", "intercepts", "means", "lv.variances",
                                     "lv.covariances")))
# second-order model and labels / fixed values
case("hs_second_order", cfa(paste(HS, "g =~ visual + textual + speed", sep = "\n"), data = hs),
     mi = TRUE)
case("hs_labels", cfa("visual =~ x1 + a*x2 + a*x3
textual =~ x4 + x5 + x6
speed =~ NA*x7 + x8 + x9
speed ~~ 1*speed
x4 ~~ x7", data = hs), mi = TRUE)
# a Heywood case: the first 27 rows give a negative residual variance
hw <- warned(cfa(HS, data = hs[1:27, ]))
case("hs_heywood", hw$value, extra = list(r_warnings = hw$warnings))
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
           out_file)
cat("wrote", out_file, "\n")
