# Modification indices and score tests under MLR and WLSMV (lavaan 0.6.14).
# Run from the project root:  Rscript tests/reference/cfa_local_fit.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
stopifnot(packageVersion("lavaan") == "0.6.14")
out_file <- "tests/reference/cfa_local_fit.json"
cases <- list()  # one entry per case, written together at the end
hs <- read.csv("tests/data/holzinger_swineford_1939.csv")
bfi <- read.csv("tests/data/bfi.csv")
HS <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
A <- "A =~ A1 + A2 + A3 + A4 + A5
C =~ C1 + C2 + C3 + C4 + C5"
items <- c(paste0("A", 1:5), paste0("C", 1:5))
save <- function(name, fit, score = FALSE) {
  res <- list(fit = as.list(fitMeasures(fit, c("chisq", "df"))),
              modindices = modindices(fit, sort. = TRUE))
  if (score) {
    ts <- lavTestScore(fit)
    res$score_test <- list(test = ts$test, uni = ts$uni)
  }
  cases[[name]] <<- res
  cat("computed", name, "\n")
}
save("mi_hs_mlr", cfa(HS, data = hs, estimator = "MLR"))
save("mi_hs_mg_metric_mlr", cfa(HS, data = hs, estimator = "MLR", group = "school",
                                group.equal = "loadings"), score = TRUE)
d <- bfi[1:1000, ]
save("mi_bfi_ac_wlsmv", cfa(A, data = d, estimator = "WLSMV", ordered = items))
d$g <- ifelse(seq_len(nrow(d)) <= 500, "a", "b")
save("mi_bfi_ac_wlsmv_mg", cfa(A, data = d, estimator = "WLSMV", ordered = items, group = "g",
                               group.equal = c("thresholds", "loadings")), score = TRUE)
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
           out_file)
cat("wrote", out_file, "\n")
