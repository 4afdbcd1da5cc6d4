# Reference values for tests/analysis/scoring/test_scores.py: psych::scoreItems on bfi.
# Run from the project root:  Rscript tests/reference/scoring_psych.R
# Writes tests/reference/scoring_psych.csv (psych 2.2.9).
suppressPackageStartupMessages(library(psych))
bfi <- read.csv("tests/data/bfi.csv", stringsAsFactors = FALSE)
items <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5),
                 paste0("N", 1:5), paste0("O", 1:5))]
# Rows with a whole scale missing, and a row with every item missing, so the reference also
# covers psych's handling of them (NaN score, row kept).
items[1:3, paste0("A", 1:5)] <- NA
items[4, paste0("C", 1:5)] <- NA
items[5, ] <- NA
items[6, c("O1", "O2", "O3", "O4")] <- NA   # one item answered
keys <- list(A = c("-A1", "A2", "A3", "A4", "A5"),
             C = c("C1", "C2", "C3", "-C4", "-C5"),
             E = c("-E1", "-E2", "E3", "E4", "E5"),
             N = c("N1", "N2", "N3", "N4", "N5"),
             O = c("O1", "-O2", "O3", "O4", "-O5"))
sc <- scoreItems(keys, items, impute = "none", min = 1, max = 6)$scores
out <- data.frame(row = seq_len(nrow(sc)), sc)
write.csv(out, "tests/reference/scoring_psych.csv", row.names = FALSE,
          na = "")
# Also the default (min and max taken from the data) for the record: identical on bfi,
# because every item uses both 1 and 6.
sc2 <- scoreItems(keys, items, impute = "none")$scores
cat("max |default - (min=1,max=6)| =", max(abs(sc2 - sc), na.rm = TRUE), "\n")
