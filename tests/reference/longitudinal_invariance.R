# Reference values for issue 22.3 -- longitudinal measurement invariance (two waves) with
# semTools::measEq.syntax(longFacNames =, long.equal =), and latent change under scalar
# invariance.
#
# Run from the project root:  Rscript tests/reference/longitudinal_invariance.R
# Writes tests/reference/longitudinal_invariance.json and the data it used:
#   tests/reference/data/sai_long.csv, sai_wide.csv
#       REAL public data: psychTools::sai (State Anxiety items of the STAI, 4-point scale
#       1-4, Revelle's Personality-Motivation-Cognition lab), the participants of the
#       studies measured at time 1 and time 2 (every such participant has both waves; the
#       time-2 measurement often follows an experimental manipulation such as a film clip,
#       so real latent change is expected). Person id = "<study>_<id>". Persons without
#       exactly one record per wave are excluded (HOME_23 has two time-2 records).
#   tests/reference/data/sai_attrition_long.csv, sai_attrition_wide.csv
#       the same with SYNTHETIC attrition: a seeded draw drops the whole wave-2 record of
#       a person with probability plogis(-1.5 + 0.8 z), z = the standardised wave-1 tension
#       sum (missing at random given wave 1), for ML/MLR with FIML.
# Long form: one row per person and wave (columns pid, study, wave, items). Wide form: one
# row per person, items suffixed _1 / _2 (the wave suffix map {"1": "_1", "2": "_2"}).
#
# Model (2 factors per wave, 4 items each; the STAI "anxiety present / absent" split):
#   TEN  = tense anxious nervous jittery
#   CALM = calm at.ease relaxed comfortable
# configural.model = the wide-form CFA of both waves (TEN1 CALM1 TEN2 CALM2, all factors
# correlated), longFacNames = list(TEN = c("TEN1","TEN2"), CALM = c("CALM1","CALM2")),
# ID.fac = "std.lv" (wave-1 factors mean 0 / variance 1; later waves free once loadings /
# intercepts are equal), auto = "all" (default: each item's residuals covary across waves).
# Steps (long.equal):
#   continuous (ML listwise; ML FIML and MLR FIML on the attrition data):
#     configural "", metric "loadings", scalar + "intercepts", strict + "residuals"
#   ordinal (WLSMV, ordered = all items, parameterization = "theta",
#            ID.cat = "Wu.Estabrook.2016"):
#     configural "", thresholds "thresholds", metric + "loadings", scalar + "intercepts",
#     strict + "residuals"
# Latent change under scalar invariance (defined parameters, delta-method SEs):
#   d_wave1_sd = (alpha_2 - alpha_1) / sqrt(psi_1)          (= alpha_2 with std.lv)
#   d_pooled_sd = (alpha_2 - alpha_1) / sqrt((psi_1 + psi_2) / 2)
# where alpha_t is the factor mean and psi_t the factor variance at wave t.
source("tests/reference/helpers.R")
suppressPackageStartupMessages({library(semTools); library(psychTools)})

SEED <- 20260723
set.seed(SEED)

ITEMS <- list(TEN = c("tense", "anxious", "nervous", "jittery"),
              CALM = c("calm", "at.ease", "relaxed", "comfortable"))
items <- unlist(ITEMS, use.names = FALSE)
wide_names <- function(t) paste0(items, "_", t)

## data -----------------------------------------------------------------------------
data(sai, package = "psychTools")
two_wave_studies <- unique(as.character(sai$study[sai$time == 2]))
s <- sai[sai$time %in% 1:2 & sai$study %in% two_wave_studies, ]
s$pid <- paste(s$study, s$id, sep = "_")
# keep persons with exactly one record at each wave (drops HOME id 23: two time-2 records)
counts <- table(s$pid, s$time)
keep <- rownames(counts)[counts[, "1"] == 1 & counts[, "2"] == 1]
excluded <- setdiff(unique(s$pid), keep)
s <- s[s$pid %in% keep, ]
long <- data.frame(pid = s$pid, study = as.character(s$study), wave = s$time, s[items],
                   stringsAsFactors = FALSE)
long <- long[order(long$study, long$pid, long$wave), ]
to_wide <- function(long) {
  w1 <- long[long$wave == 1, c("pid", "study", items)]
  w2 <- long[long$wave == 2, c("pid", items)]
  names(w1)[-(1:2)] <- wide_names(1)
  names(w2)[-1] <- wide_names(2)
  w <- merge(w1, w2, by = "pid", all = TRUE, sort = FALSE)
  w[order(w$study, w$pid), ]
}
wide <- to_wide(long)
stopifnot(all(table(long$pid) == 2))

# SYNTHETIC attrition (MAR on wave-1 tension)
ten1 <- rowSums(wide[paste0(ITEMS$TEN, "_1")], na.rm = TRUE)
p_drop <- plogis(-1.5 + 0.8 * as.numeric(scale(ten1)))
dropped <- wide$pid[runif(nrow(wide)) < p_drop]
long_att <- long[!(long$wave == 2 & long$pid %in% dropped), ]
wide_att <- to_wide(long_att)

long <- export_csv(long, "sai_long")
wide <- export_csv(wide, "sai_wide")
long_att <- export_csv(long_att, "sai_attrition_long")
wide_att <- export_csv(wide_att, "sai_attrition_wide")

datasets <- list(
  sai_long = data_info("sai_long", long, "REAL: psychTools::sai, studies with times 1 and 2"),
  sai_wide = data_info("sai_wide", wide, "wide form of sai_long (suffix _1 / _2)"),
  sai_attrition_long = data_info("sai_attrition_long", long_att,
                                 "sai_long minus the wave-2 rows of a SYNTHETIC MAR attrition draw"),
  sai_attrition_wide = data_info("sai_attrition_wide", wide_att,
                                 "wide form of sai_attrition_long; dropped persons have blank _2 columns"))
datasets$sai_attrition_long$dropped_wave2 <- length(dropped)
datasets$sai_long$excluded_persons <- excluded

## model ------------------------------------------------------------------------------
configural_model <- paste(vapply(1:2, function(t) paste(vapply(names(ITEMS), function(f) {
  sprintf("%s%d =~ %s", f, t, paste0(ITEMS[[f]], "_", t, collapse = " + "))
}, ""), collapse = "\n"), ""), collapse = "\n")
long_fac <- list(TEN = c("TEN1", "TEN2"), CALM = c("CALM1", "CALM2"))

STEPS_CONT <- list(configural = "", metric = "loadings",
                   scalar = c("loadings", "intercepts"),
                   strict = c("loadings", "intercepts", "residuals"))
STEPS_ORD <- list(configural = "", thresholds = "thresholds",
                  metric = c("thresholds", "loadings"),
                  scalar = c("thresholds", "loadings", "intercepts"),
                  strict = c("thresholds", "loadings", "intercepts", "residuals"))

fmt_num <- function(x) formatC(x, digits = 15, format = "g")

# defined parameters: standardized latent mean difference per construct
change_syntax <- function(fit) {
  pt <- parTable(fit)
  # a free parameter by its label; a fixed one (wave 1 with std.lv) by its value
  lab <- function(lhs, op, rhs = "") {
    r <- pt[pt$lhs == lhs & pt$op == op & pt$rhs == rhs, ]
    if (r$free > 0) r$label else fmt_num(r$est)
  }
  unlist(lapply(names(long_fac), function(f) {
    f1 <- long_fac[[f]][1]; f2 <- long_fac[[f]][2]
    a1 <- lab(f1, "~1"); a2 <- lab(f2, "~1"); p1 <- lab(f1, "~~", f1); p2 <- lab(f2, "~~", f2)
    c(sprintf("%s_mean_diff := %s - %s", f, a2, a1),
      sprintf("%s_d_wave1_sd := (%s - %s) / sqrt(%s)", f, a2, a1, p1),
      sprintf("%s_d_pooled_sd := (%s - %s) / sqrt((%s + %s) / 2)", f, a2, a1, p1, p2),
      sprintf("%s_var_ratio := %s / %s", f, p2, p1))
  }))
}


run_steps <- function(steps, data, lavargs, ordinal = FALSE) {
  fits <- list()
  out <- list()
  for (st in names(steps)) {
    args <- c(list(configural.model = configural_model, data = data, ID.fac = "std.lv",
                   longFacNames = long_fac, long.equal = steps[[st]], auto = "all"),
              if (ordinal) list(ID.cat = "Wu.Estabrook.2016"), lavargs)
    syn <- do.call("measEq.syntax", args)
    model <- as.character(syn)
    res <- capture(do.call("cfa", c(list(model = model, data = data), lavargs)))
    fit <- res$value
    if (inherits(fit, "captured_error")) stop(st, ": ", fit$message)
    fits[[st]] <- fit
    rec <- list(long_equal = setdiff(steps[[st]], ""), model = model,
                converged = lavInspect(fit, "converged"), warnings = res$warnings,
                nobs = lavInspect(fit, "nobs"), ntotal = lavInspect(fit, "ntotal"),
                fit_measures = fit_measures(fit), parameters = param_rows(fit))
    if (st == "scalar") {
      # refit with the change parameters defined (same fit, same free parameters)
      model_c <- paste(model, paste(change_syntax(fit), collapse = "\n"), sep = "\n")
      fc <- capture(do.call("cfa", c(list(model = model_c, data = data), lavargs)))$value
      if (inherits(fc, "captured_error")) stop(st, " with defined parameters: ", fc$message)
      stopifnot(isTRUE(all.equal(fitMeasures(fc, "chisq"), fitMeasures(fit, "chisq"))))
      pe <- parameterEstimates(fc)
      pe <- pe[pe$op == ":=", c("lhs", "rhs", "est", "se", "z", "pvalue", "ci.lower",
                                "ci.upper")]
      names(pe)[1:2] <- c("name", "formula")
      rec$latent_change <- list(model_with_defined = model_c, defined = pe,
                                note = "Wald 95% CI, delta-method SE from the fitted model's vcov")
    }
    out[[st]] <- rec
  }
  # differences between successive steps
  diffs <- list()
  nm <- names(fits)
  for (k in 2:length(nm)) {
    a <- capture(lavTestLRT(fits[[nm[k]]], fits[[nm[k - 1]]]))
    d <- a$value
    keys <- c("cfi", "rmsea", "srmr", "cfi.scaled", "rmsea.scaled", "cfi.robust",
              "rmsea.robust")
    f0 <- fitMeasures(fits[[nm[k - 1]]]); f1 <- fitMeasures(fits[[nm[k]]])
    keys <- intersect(keys, names(f1))
    diffs[[paste(nm[k], "vs", nm[k - 1])]] <- c(
      list(lrt_method = attr(d, "heading"),
           chisq_diff = d[2, "Chisq diff"], df_diff = d[2, "Df diff"],
           pvalue = d[2, "Pr(>Chisq)"], warnings = a$warnings),
      setNames(as.list(unname(f1[keys] - f0[keys])), paste0("delta_", keys)))
  }
  list(lavaan_options = lavargs, steps = out, differences = diffs)
}

analyses <- list()
analyses$ML_listwise <- c(list(data = "sai_wide"),
                          run_steps(STEPS_CONT, wide, list(estimator = "ML")))
analyses$ML_fiml_attrition <- c(list(data = "sai_attrition_wide"),
                                run_steps(STEPS_CONT, wide_att,
                                          list(estimator = "ML", missing = "fiml")))
analyses$MLR_fiml_attrition <- c(list(data = "sai_attrition_wide"),
                                 run_steps(STEPS_CONT, wide_att,
                                           list(estimator = "MLR", missing = "fiml")))
analyses$MLR_fiml <- c(list(data = "sai_wide"),
                       run_steps(STEPS_CONT, wide, list(estimator = "MLR", missing = "fiml")))
ordered <- c(wide_names(1), wide_names(2))
analyses$WLSMV_ordinal <- c(list(data = "sai_wide"),
                            run_steps(STEPS_ORD, wide,
                                      list(estimator = "WLSMV", ordered = ordered,
                                           parameterization = "theta"), ordinal = TRUE))

write_ref(list(
  meta = meta("tests/reference/longitudinal_invariance.R", SEED, c("psychTools", "digest")),
  design = list(items = ITEMS, configural_model = configural_model,
                longFacNames = long_fac, ID.fac = "std.lv", auto = "all",
                wave_suffix = list(`1` = "_1", `2` = "_2"), id = "pid", wave = "wave",
                steps_continuous = STEPS_CONT, steps_ordinal = STEPS_ORD,
                ID.cat_ordinal = "Wu.Estabrook.2016",
                missing_notes = paste(
                  "ML_listwise: lavaan default (rows with any missing item dropped).",
                  "*_fiml*: missing = 'fiml' (casewise ML; all rows with >= 1 observed item).",
                  "WLSMV: lavaan default for ordered data (listwise)."),
                lrt_notes = paste("lavTestLRT defaults: ML plain chi-square difference;",
                                  "MLR satorra.bentler.2001; WLSMV satorra.2000",
                                  "(scaled-shifted).")),
  datasets = datasets,
  analyses = analyses), "longitudinal_invariance")
