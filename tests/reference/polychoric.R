# Reference values for tests/analysis/classical/test_polychoric.py: psych 2.2.9 polychoric() on the 25
# bfi items (tests/data/bfi.csv), with its defaults (global = TRUE, correct = .5, smooth = TRUE).
#
# Run from the project root:  Rscript tests/reference/polychoric.R
# Writes tests/reference/polychoric.json. The tests read that file; they never run R.
#
# * "listwise": polychoric(na.omit(items)) (2436 complete cases);
# * "pairwise": polychoric(items) (psych drops missing values pair by pair and takes each
#   item's thresholds from all its answers).
# Items are NOT reverse-keyed here (the raw 1-6 answers).
suppressPackageStartupMessages({ library(psych); library(jsonlite) })
stopifnot(packageVersion("psych") == "2.2.9")
options(mc.cores = 1)

bfi <- read.csv("tests/data/bfi.csv")
items <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
                 paste0("O", 1:5))]
cc <- na.omit(items)
lw <- polychoric(cc)
pw <- polychoric(items)
out <- list(
  meta = list(psych = as.character(packageVersion("psych")), data = "tests/data/bfi.csv"),
  items = colnames(items),
  listwise = list(n = nrow(cc), rho = unname(lw$rho), tau = unname(lw$tau)),
  pairwise = list(n = nrow(items), rho = unname(pw$rho), tau = unname(pw$tau))
)
write_json(out, "tests/reference/polychoric.json", digits = NA, auto_unbox = TRUE)
cat("wrote tests/reference/polychoric.json\n")
