# Reference values for the robust CFI/TLI/RMSEA of WLSMV fits (Savalei, 2021: lavaan's
# catML correction, lav_fit_catml_dwls) on single-group models:
#   ability: psychTools::ability, 16 binary items, four factors (tests/data/ability_underscored.csv,
#            written by tests/reference/invariance_wlsmv.R), listwise (1248 of 1525 rows);
#   bfi:     tests/data/bfi.csv, the five Big-Five scales (25 items, 6 categories),
#            reverse-keyed items 7 - x, listwise;
#   spi:     tests/data/spi_facets.csv, three SPI facets (15 items), reverse-keyed 7 - x.
# Run from the project root:  Rscript tests/reference/wlsmv_robust.R
# Writes tests/reference/wlsmv_robust.json.
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
FIT <- c("npar", "chisq", "df", "chisq.scaled", "cfi.scaled", "tli.scaled", "rmsea.scaled",
         "cfi.robust", "tli.robust", "nnfi.robust", "rni.robust", "rmsea.robust",
         "rmsea.ci.lower.robust", "rmsea.ci.upper.robust", "rmsea.pvalue.robust",
         "rmsea.notclose.pvalue.robust")
one <- function(data, scales, rev = character(0), maxcat = 6) {
  items <- unlist(scales, use.names = FALSE)
  data[rev] <- (maxcat + 1) - data[rev]
  model <- paste(sapply(names(scales), function(f)
    paste(f, "=~", paste(scales[[f]], collapse = " + "))), collapse = "\n")
  f <- cfa(model, data = data[items], ordered = items, estimator = "WLSMV")
  cm <- lavaan:::lav_fit_catml_dwls(f)
  list(model = model, reversed = I(rev), n = lavInspect(f, "nobs"),
       fit = as.list(fitMeasures(f, FIT)),
       catml = list(x3 = cm$XX3, df3 = cm$df3, c3 = cm$c.hat3, x3_null = cm$XX3.null,
                    df3_null = cm$df3.null, c3_null = cm$c.hat3.null))
}
ab <- read.csv("tests/data/ability_underscored.csv")
bfi <- read.csv("tests/data/bfi.csv")
spi <- read.csv("tests/data/spi_facets.csv")
res <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
  ability = one(ab, list(reason = c("reason_4", "reason_16", "reason_17", "reason_19"),
                         letter = c("letter_7", "letter_33", "letter_34", "letter_58"),
                         matrix = c("matrix_45", "matrix_46", "matrix_47", "matrix_55"),
                         rotate = c("rotate_3", "rotate_4", "rotate_6", "rotate_8")),
                maxcat = 1),
  bfi = one(bfi, list(A = paste0("A", 1:5), C = paste0("C", 1:5), E = paste0("E", 1:5),
                      N = paste0("N", 1:5), O = paste0("O", 1:5)),
            c("A1", "C4", "C5", "E1", "E2", "O2", "O5")),
  spi = one(spi, list(Anxiety = c("q_4252", "q_1989", "q_4249", "q_1505", "q_808"),
                      Sociability = c("q_1904", "q_312", "q_1923", "q_4243", "q_684"),
                      Order = c("q_1201", "q_1254", "q_1483", "q_1290", "q_169")),
            c("q_312", "q_1923", "q_684", "q_1254", "q_1483", "q_169")))
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "tests/reference/wlsmv_robust.json")
