# Reference values for ordered-item (WLSMV) invariance per Wu & Estabrook (2016), generated
# with semTools::measEq.syntax (ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
# parameterization = "delta") on bfi across gender, the key's five factors on the
# reverse-keyed items, listwise over the 25 items and gender.
# Steps: configural -> thresholds -> thresholds + loadings -> + intercepts.
# Run from the project root:  Rscript tests/analysis/reference/invariance_ordinal.R
# Writes tests/analysis/reference/invariance_ordinal.json. lavaan 0.6-14, semTools 0.5-6.
suppressPackageStartupMessages({library(lavaan); library(semTools); library(jsonlite)})
bfi <- read.csv("tests/data/bfi.csv")
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
           paste0("O", 1:5))
rev_items <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
bfi[rev_items] <- 7 - bfi[rev_items]
bfi <- bfi[complete.cases(bfi[c(items, "gender")]), ]
model <- '
A =~ A1 + A2 + A3 + A4 + A5
C =~ C1 + C2 + C3 + C4 + C5
E =~ E1 + E2 + E3 + E4 + E5
N =~ N1 + N2 + N3 + N4 + N5
O =~ O1 + O2 + O3 + O4 + O5
'
STEPS <- list(configural = "", thresholds = "thresholds",
              metric = c("thresholds", "loadings"),
              scalar = c("thresholds", "loadings", "intercepts"))
FIT <- c("npar", "chisq", "df", "chisq.scaled", "df.scaled", "pvalue.scaled",
         "chisq.scaling.factor", "cfi.scaled", "tli.scaled",
         "rmsea.scaled", "srmr")
fits <- list(); out <- list()
for (n in names(STEPS)) {
  syn <- measEq.syntax(model, data = bfi, ordered = items, parameterization = "delta",
                       ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = "gender",
                       group.equal = STEPS[[n]])
  text <- as.character(syn)
  f <- cfa(text, data = bfi, ordered = items, group = "gender", estimator = "WLSMV",
           parameterization = "delta")
  fits[[n]] <- f
  out[[n]] <- list(model = n, group_equal = setdiff(STEPS[[n]], ""), syntax = text,
                   fit = as.list(fitMeasures(f, FIT)))
}
diffs <- list()
for (k in 2:length(fits)) {
  a <- lavTestLRT(fits[[k]], fits[[k - 1]])   # lavaan's default for WLSMV (scaled.shifted)
  diffs[[names(fits)[k]]] <- list(chisq_diff = a[2, "Chisq diff"], df_diff = a[2, "Df diff"],
                                  pvalue = a[2, "Pr(>Chisq)"],
                                  method = "satorra.2000")
}
res <- list(versions = list(lavaan = as.character(packageVersion("lavaan")),
                            semTools = as.character(packageVersion("semTools"))),
            n = as.list(table(bfi$gender)), steps = out, differences = diffs)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/analysis/reference/invariance_ordinal.json")
