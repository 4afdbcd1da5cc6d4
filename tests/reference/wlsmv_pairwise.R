# Reference values for WLSMV with missing = "pairwise" (lavaan 0.6.14): each item's
# thresholds from the rows that answered it, each polychoric from the rows that answered
# both, NACOV with the scores of unanswered items zero (issue 20: every respondent kept).
#   bfi:        tests/data/bfi.csv, scales A and C (10 items, 6 categories, the file's own
#               missing answers: 168 of 2800 rows incomplete), one group;
#   bfi_gender: the same model in two groups (gender), configural.
# Run from the project root:  Rscript tests/reference/wlsmv_pairwise.R
# Writes tests/reference/wlsmv_pairwise.json.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
FIT <- c("npar", "chisq", "df", "chisq.scaled", "df.scaled", "cfi.scaled", "tli.scaled",
         "rmsea.scaled", "srmr")
MODEL <- "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5"
ITEMS <- c(paste0("A", 1:5), paste0("C", 1:5))
bfi <- read.csv("tests/data/bfi.csv")
one <- function(group = NULL) {
  d <- bfi[, c(ITEMS, if (!is.null(group)) group)]
  f <- cfa(MODEL, data = d, ordered = ITEMS, estimator = "WLSMV", missing = "pairwise",
           group = group)
  pe <- parameterEstimates(f)
  list(n = lavInspect(f, "nobs"), fit = as.list(fitMeasures(f, FIT)),
       params = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs,
                           group = if (is.null(pe$group)) 1L else pe$group,
                           est = pe$est, se = pe$se))
}
res <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  model = MODEL, n_incomplete = sum(!complete.cases(bfi[, ITEMS])),
  bfi = one(), bfi_gender = one("gender"))
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/reference/wlsmv_pairwise.json")
