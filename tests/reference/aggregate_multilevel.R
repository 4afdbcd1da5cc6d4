# Reference values for tests/analysis/scoring/test_aggregate.py: R multilevel (Bliese) on the small
# workplace fixture. Run from the project root:
#   Rscript tests/reference/aggregate_multilevel.R
# Needs the R package multilevel (Debian: apt-get install r-cran-multilevel; 2.7-1 used).
# Writes tests/reference/aggregate_multilevel.json.
suppressPackageStartupMessages(library(multilevel))
d <- read.csv("tests/fixtures/scoring/workplaces.csv", stringsAsFactors = FALSE)
scales <- list(L = c("L1", "L2", "L3"), G = c("G1", "G2", "G3"))
rev_items <- c("G2")
keyed <- d
keyed[, rev_items] <- 6 - keyed[, rev_items]          # 1..5 scale: min + max - x
out <- list()
for (s in names(scales)) {
  x <- keyed[, scales[[s]]]
  n_ans <- rowSums(!is.na(x))
  score <- rowMeans(x, na.rm = TRUE)
  score[n_ans < 2] <- NA                              # two thirds of 3 items
  mod <- aov(score ~ as.factor(d$workplace))
  # rwg(j) and AD_M(J) on the raw items (reversal changes neither), uniform null A = 5.
  rwg <- rwg.j(d[, scales[[s]]], d$workplace, ranvar = (5^2 - 1) / 12)
  ad <- ad.m(d[, scales[[s]]], d$workplace)
  means <- tapply(score, d$workplace, mean, na.rm = TRUE)
  out[[s]] <- list(
    icc1 = ICC1(mod), icc2 = ICC2(mod),
    f = summary(mod)[[1]][1, "F value"], p = summary(mod)[[1]][1, "Pr(>F)"],
    rwg_j = setNames(as.list(rwg$rwg.j), rwg$grpid),
    ad_m = setNames(as.list(ad$AD.M), ad$grpid),
    mean = as.list(means)
  )
}
json <- function(x) {
  if (is.list(x)) {
    inner <- paste0('"', names(x), '": ', vapply(x, json, ""), collapse = ", ")
    return(paste0("{", inner, "}"))
  }
  if (is.na(x)) return("null")
  formatC(x, digits = 17, format = "g")
}
writeLines(json(out), "tests/reference/aggregate_multilevel.json")
