# Reference values for tests/analysis/classical/test_ordinal_alpha.py (issue 18, point 5: which
# polychoric convention ordinal alpha follows), from psych 2.2.9 and lavaan 0.6.14.
#
# Run from the project root:  Rscript tests/reference/ordinal_alpha.R
# Writes tests/reference/ordinal_alpha.json. The tests read that file; they never run R.
#
# Data with mixed response ranges: the agreeableness items of tests/data/bfi.csv, first 400
# rows, A1 reverse-keyed (7 - A1) and A2's answers 6 recoded to 5, so A2 tops out at 5
# while the others reach 6. psych::polychoric then says "The items do not have an equal
# number of response alternatives, global set to FALSE": every pair takes its thresholds
# from its own table, with empty cells replaced by .5 counts (correct = .5). lavaan's
# lavCor keeps each item's own thresholds and corrects nothing.
#
# * psych: polychoric(x)$rho on the complete rows and on all rows (pairwise), and ordinal
#   alpha = alpha of that matrix, k / (k - 1) * (1 - k / sum(R)) (psych::alpha(R)'s
#   raw_alpha; Zumbo, Gadermann & Zeisser, 2007);
# * lavaan: lavCor(x, ordered = all items) on the complete rows, and its alpha.
suppressPackageStartupMessages({ library(psych); library(lavaan); library(jsonlite) })
stopifnot(packageVersion("psych") == "2.2.9", packageVersion("lavaan") == "0.6.14")
options(mc.cores = 1)

bfi <- read.csv("tests/data/bfi.csv")
x <- bfi[1:400, paste0("A", 1:5)]
x$A1 <- 7 - x$A1
x$A2[!is.na(x$A2) & x$A2 == 6] <- 5
cc <- na.omit(x)
alpha_of <- function(R) { k <- ncol(R); k / (k - 1) * (1 - k / sum(R)) }
stopifnot(abs(alpha_of(cor(cc)) - alpha(cor(cc))$total$raw_alpha) < 1e-12)

fixed <- function(expr) {  # the number of cells psych corrected, from its warning
  n <- 0
  val <- withCallingHandlers(expr, warning = function(w) {
    m <- regmatches(conditionMessage(w), regexpr("^[0-9]+(?= cells were adjusted)",
                                                 conditionMessage(w), perl = TRUE))
    if (length(m)) n <<- as.numeric(m)
    invokeRestart("muffleWarning")
  })
  list(value = val, fixed = n)
}
ps_list <- fixed(polychoric(cc))
ps_pw <- fixed(polychoric(x))
lv <- unclass(lavCor(cc, ordered = colnames(cc)))

out <- list(
  meta = list(psych = as.character(packageVersion("psych")),
              lavaan = as.character(packageVersion("lavaan")),
              script = "tests/reference/ordinal_alpha.R"),
  items = colnames(x), rows = 400, recode = "A1 = 7 - A1; A2: 6 -> 5",
  n_complete = nrow(cc),
  psych = list(
    listwise = list(rho = unname(ps_list$value$rho), alpha = alpha_of(ps_list$value$rho),
                    cells_corrected = ps_list$fixed),
    pairwise = list(rho = unname(ps_pw$value$rho), alpha = alpha_of(ps_pw$value$rho),
                    cells_corrected = ps_pw$fixed)),
  lavaan = list(listwise = list(rho = unname(lv), alpha = alpha_of(lv)))
)
write_json(out, "tests/reference/ordinal_alpha.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
cat("wrote tests/reference/ordinal_alpha.json\n")
