# Reference values for tests/analysis/classical/test_items.py: psych 2.2.9 describe() (type 3 skew and
# kurtosis), response.frequencies() and alpha()'s average inter-item r on the bfi items.
#
# Run from the project root:  Rscript tests/reference/items.R
# Writes tests/reference/items.json. The tests read that file; they never run R.
#
# * describe() and response.frequencies() on the 25 items as answered (each item's available
#   answers);
# * average_r: psych::alpha on the keyed items (7 - x for reverse-keyed items), complete
#   cases of each scale ("listwise") and use = "pairwise" ("pairwise").
suppressPackageStartupMessages({ library(psych); library(jsonlite) })
stopifnot(packageVersion("psych") == "2.2.9")

bfi <- read.csv("tests/data/bfi.csv")
keys <- list(A = c("-A1", "A2", "A3", "A4", "A5"), C = c("C1", "C2", "C3", "-C4", "-C5"),
             E = c("-E1", "-E2", "E3", "E4", "E5"), N = c("N1", "N2", "N3", "N4", "N5"),
             O = c("O1", "-O2", "O3", "O4", "-O5"))
items <- sub("^-", "", unlist(keys, use.names = FALSE))
x <- bfi[, items]
d <- describe(x)
rf <- response.frequencies(x)
desc <- lapply(items, function(i) list(
  n = d[i, "n"], mean = d[i, "mean"], sd = d[i, "sd"], median = d[i, "median"],
  skew = d[i, "skew"], kurtosis = d[i, "kurtosis"], se = d[i, "se"],
  freq = unname(rf[i, as.character(1:6)]), miss = rf[i, "miss"]))
names(desc) <- items

avg_r <- list(listwise = list(), pairwise = list())
for (s in names(keys)) {
  k <- keys[[s]]
  y <- bfi[, sub("^-", "", k)]
  rev <- grepl("^-", k)
  y[, rev] <- 7 - y[, rev]
  avg_r$listwise[[s]] <- alpha(na.omit(y), warnings = FALSE)$total$average_r
  avg_r$pairwise[[s]] <- alpha(y, warnings = FALSE, use = "pairwise")$total$average_r
}
out <- list(meta = list(psych = as.character(packageVersion("psych")),
                        data = "tests/data/bfi.csv"),
            describe = desc, average_r = avg_r)
write_json(out, "tests/reference/items.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
cat("wrote tests/reference/items.json\n")
