# What `lospw cfa DATA --key KEY --estimator E --missing listwise --json` does, done in R:
# read the CSV, reverse the negatively keyed items, fit the key's scales as correlated
# factors with lavaan, and print fit measures, the standardized solution, the top 10
# modification indices and the top 10 residual correlations as JSON.
# Usage: Rscript cfa_command.R DATA ESTIMATOR   (the bfi key is written below)
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(lavaan))
d <- read.csv(args[1])
est <- args[2]
scales <- list(A = c("A1", "A2", "A3", "A4", "A5"), C = c("C1", "C2", "C3", "C4", "C5"),
               E = c("E1", "E2", "E3", "E4", "E5"), N = c("N1", "N2", "N3", "N4", "N5"),
               O = c("O1", "O2", "O3", "O4", "O5"))
reversed <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
for (v in reversed) d[[v]] <- 1 + 6 - d[[v]]
model <- paste(sprintf("%s =~ %s", names(scales),
                       sapply(scales, paste, collapse = " + ")), collapse = "\n")
items <- unlist(scales)
fit <- if (est == "WLSMV") {
  cfa(model, data = d, estimator = "WLSMV", ordered = items)
} else {
  cfa(model, data = d, estimator = est, missing = "listwise")
}
mi <- modindices(fit, sort. = TRUE, maximum.number = 10)
res <- lavResiduals(fit)$cov
out <- list(fit = as.list(fitMeasures(fit)), std = standardizedSolution(fit),
            modindices_top = mi, residuals = res)
cat(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE))
