# Reference values for tests/lospw/test_cli_score.py (issue 18, point 5: `lospw score
# --json` said n_rows 1509 for a file of 1525 rows), from psych 2.2.9.
#
# Run from the project root:  Rscript tests/reference/score_rows.R
# Writes tests/reference/score_rows.json. The tests read that file; they never run R.
#
# tests/data/ability.csv (psychTools::ability): 1525 rows, 16 of them without any answer.
# psych::scoreItems(impute = "none") scores every row that answered at least one item of a
# scale (the mean of the answered items); per scale the number of scored rows, and the mean
# and SD of the scores.
suppressPackageStartupMessages({ library(psych); library(jsonlite) })
stopifnot(packageVersion("psych") == "2.2.9")
x <- read.csv("tests/data/ability.csv", check.names = FALSE)
keys <- list(reason = c("reason.4", "reason.16", "reason.17", "reason.19"),
             letter = c("letter.7", "letter.33", "letter.34", "letter.58"),
             matrix = c("matrix.45", "matrix.46", "matrix.47", "matrix.55"),
             rotate = c("rotate.3", "rotate.4", "rotate.6", "rotate.8"))
sc <- scoreItems(keys, x, impute = "none", min = 0, max = 1)$scores
scales <- lapply(colnames(sc), function(s) {
  v <- sc[, s]
  list(n_scored = sum(!is.na(v)), mean = mean(v, na.rm = TRUE), sd = sd(v, na.rm = TRUE))
})
names(scales) <- colnames(sc)
out <- list(meta = list(psych = as.character(packageVersion("psych")),
                        script = "tests/reference/score_rows.R"),
            n_rows_read = nrow(x), n_rows_with_answers = sum(rowSums(!is.na(x)) > 0),
            scales = scales)
write_json(out, "tests/reference/score_rows.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
cat("wrote tests/reference/score_rows.json\n")
