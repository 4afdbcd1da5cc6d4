# What `lospw reliability DATA --key KEY --missing listwise --json` is compared with:
# psych::alpha per scale of the key (reverse-keyed items reversed by `keys`), printed as JSON.
# Usage: Rscript alpha_command.R DATA   (the bfi key is written below)
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(psych))
d <- read.csv(args[1])
scales <- list(A = c("-A1", "A2", "A3", "A4", "A5"), C = c("C1", "C2", "C3", "-C4", "-C5"),
               E = c("-E1", "-E2", "E3", "E4", "E5"), N = c("N1", "N2", "N3", "N4", "N5"),
               O = c("O1", "-O2", "O3", "O4", "-O5"))
out <- lapply(scales, function(k) {
  items <- sub("^-", "", k)
  a <- alpha(na.omit(d[items]), keys = items[startsWith(k, "-")])
  list(total = a$total, item_stats = a$item.stats, alpha_drop = a$alpha.drop)
})
cat(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE))
