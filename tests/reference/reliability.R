# Reference values for tests/analysis/classical/test_reliability.py, from psych 2.2.9, lavaan 0.6.14 and
# semTools 0.5.6 on tests/data/bfi.csv with the standard bfi key (tests/fixtures/keys/bfi.yaml).
#
# Run from the project root:  Rscript tests/reference/reliability.R
# Writes tests/reference/reliability.json. The tests read that file; they never run R.
#
# Conventions (the same as lospw's):
# * items are reverse-keyed BEFORE the call (7 - x on the 1-6 scale) and psych::alpha is called
#   with check.keys = FALSE, so psych never flips an item on its own;
# * "listwise": the complete cases of the scale's five items (na.omit on those columns);
# * "pairwise": psych::alpha(x, use = "pairwise") on every row (covariances pair by pair);
# * omega: semTools::compRelSEM on a one-factor lavaan CFA (ML, std.lv = TRUE) of the keyed
#   items, complete cases of the scale (compRelSEM's default obs.var = TRUE: the denominator is
#   the sum of the sample covariance matrix);
# * ordinal alpha: psych::alpha on psych::polychoric(complete cases of the keyed items)$rho.
suppressPackageStartupMessages({
  library(psych); library(lavaan); library(semTools); library(jsonlite)
})
stopifnot(packageVersion("psych") == "2.2.9", packageVersion("semTools") == "0.5.6",
          packageVersion("lavaan") == "0.6.14")

bfi <- read.csv("tests/data/bfi.csv")
keys <- list(A = c("-A1", "A2", "A3", "A4", "A5"), C = c("C1", "C2", "C3", "-C4", "-C5"),
             E = c("-E1", "-E2", "E3", "E4", "E5"), N = c("N1", "N2", "N3", "N4", "N5"),
             O = c("O1", "-O2", "O3", "O4", "-O5"))

keyed <- function(k) {
  items <- sub("^-", "", k)
  x <- bfi[, items]
  rev <- grepl("^-", k)
  x[, rev] <- 7 - x[, rev]
  x
}

omega1 <- function(x) {
  model <- paste("f =~", paste(colnames(x), collapse = " + "))
  fit <- cfa(model, data = x, std.lv = TRUE)
  as.numeric(compRelSEM(fit))
}

alpha_block <- function(a) {
  list(
    alpha = a$total$raw_alpha,
    alpha_std = a$total$std.alpha,
    feldt = c(a$feldt$lower.ci[[1]], a$feldt$upper.ci[[1]]),
    item_rest = setNames(as.list(a$item.stats$r.drop), sub("-$", "", rownames(a$item.stats))),
    alpha_if_deleted = setNames(as.list(a$alpha.drop$raw_alpha),
                                sub("-$", "", rownames(a$alpha.drop))),
    alpha_std_if_deleted = setNames(as.list(a$alpha.drop$std.alpha),
                                    sub("-$", "", rownames(a$alpha.drop))),
    total_sd = a$total$sd
  )
}

out <- list(meta = list(psych = as.character(packageVersion("psych")),
                        lavaan = as.character(packageVersion("lavaan")),
                        semTools = as.character(packageVersion("semTools")),
                        data = "tests/data/bfi.csv"),
            listwise = list(), pairwise = list())
for (s in names(keys)) {
  x <- keyed(keys[[s]])
  cc <- na.omit(x)
  a_cc <- alpha(cc, check.keys = FALSE, warnings = FALSE)
  blk <- alpha_block(a_cc)
  blk$n <- nrow(cc)
  blk$omega <- omega1(cc)
  blk$omega_if_deleted <- setNames(lapply(colnames(cc), function(i) omega1(cc[, setdiff(colnames(cc), i)])),
                                   colnames(cc))
  rho <- polychoric(cc)$rho
  blk$alpha_ordinal <- alpha(rho, check.keys = FALSE, warnings = FALSE)$total$raw_alpha
  out$listwise[[s]] <- blk

  a_pw <- alpha(x, check.keys = FALSE, warnings = FALSE, use = "pairwise")
  blk <- alpha_block(a_pw)
  blk$n_rows <- nrow(x)           # what psych::alpha uses as n for its Feldt CI
  out$pairwise[[s]] <- blk
}

write_json(out, "tests/reference/reliability.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
cat("wrote tests/reference/reliability.json\n")
