# Reference values for measurement invariance of ordered items (WLSMV), Wu & Estabrook
# (2016) steps written by semTools::measEq.syntax(ID.fac = "std.lv", ID.cat =
# "Wu.Estabrook.2016") and fitted by lavaan: configural -> thresholds -> metric -> scalar in
# the delta parameterization, strict (residual variances) in the theta parameterization
# (semTools refuses residuals with delta). For each step: fit measures, the difference test
# against the previous step (lavTestLRT: Satorra 2000, scaled-shifted), the score tests of
# the step's new constraints (lavTestScore for thresholds and loadings; modification indices
# of the later groups' rows for intercepts and residual variances, which measEq.syntax fixes
# alike in every group), and lospw's partial-invariance search replayed step by step in R
# (criterion "chisq": p < .05; at most 3 parameters freed per step; a loading or intercept
# is not freed when its factor would keep fewer than two invariant ones).
#
# Robust CFI/TLI/RMSEA: lavaan 0.6.14 returns NA for them as soon as thresholds carry
# equality constraints (lav_object_catml keeps the '==' rows naming the thresholds it
# removes). "fit" holds them computed by lavaan with that one fix (the constraints dropped,
# as lavaan's own code intends from 0.6-20 on); "robust_lavaan" holds lavaan's own output.
#
# Data: bfi (tests/data/bfi.csv; scales A, C, E across gender, reverse-keyed items 7 - x),
# spi (psychTools::spi, the SAPA Personality Inventory sample; facets Anxiety, Sociability,
# Order across sex; exported to tests/data/spi_facets.csv), and for binary items the ability
# test (psychTools::ability; exported to tests/data/ability_underscored.csv) across an artificial split
# (odd / even rows), fits only. Listwise over the items and the group.
#
# Run from the project root:  Rscript tests/reference/invariance_wlsmv.R
# Writes tests/reference/invariance_wlsmv.json (a few minutes).
suppressPackageStartupMessages({library(lavaan); library(semTools); library(jsonlite)})

# ---- lavaan's catML with the threshold/intercept constraints dropped --------------------
catml_orig <- lavaan:::lav_object_catml
src <- deparse(catml_orig)
at <- grep('rm.idx <- which(partable.catml$op %in% c("|", "~1"))', src, fixed = TRUE)[1]
src <- c(src[1:at],
  "        th.labels <- unique(c(partable.catml$label[rm.idx], partable.catml$plabel[rm.idx]))",
  "        th.labels <- th.labels[nchar(th.labels) > 0L]",
  "        con.idx <- which(partable.catml$op %in% c('==', '<', '>', ':=') &",
  "            (partable.catml$lhs %in% th.labels | partable.catml$rhs %in% th.labels))",
  "        rm.idx <- c(rm.idx, con.idx)",
  src[(at + 1):length(src)])
catml_fixed <- eval(parse(text = src))
environment(catml_fixed) <- asNamespace("lavaan")
ROBUST <- c("cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust",
            "rmsea.ci.upper.robust")
FIT <- c("npar", "chisq", "df", "chisq.scaled", "df.scaled", "pvalue.scaled",
         "chisq.scaling.factor", "cfi.scaled", "tli.scaled", "rmsea.scaled",
         "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "srmr", ROBUST)
measures <- function(f) {
  raw <- fitMeasures(f, FIT)
  assignInNamespace("lav_object_catml", catml_fixed, "lavaan")
  fixed <- fitMeasures(f, ROBUST)
  assignInNamespace("lav_object_catml", catml_orig, "lavaan")
  out <- raw
  out[ROBUST] <- fixed[ROBUST]
  list(fit = as.list(out), robust_lavaan = as.list(raw[ROBUST]))
}

# ---- one step ---------------------------------------------------------------------------
STEPS <- list(configural = "", thresholds = "thresholds",
              metric = c("thresholds", "loadings"),
              scalar = c("thresholds", "loadings", "intercepts"),
              strict = c("thresholds", "loadings", "intercepts", "residuals"))
KIND <- c(thresholds = "|", metric = "=~", scalar = "~1", strict = "~~")
param_of <- function(step) if (step == "strict") "theta" else "delta"

# measEq.syntax re-evaluates some arguments from its call (eval(mc$parameterization) finds
# a global variable of the same name first): give it values, never symbols, via do.call
measeq <- function(ds, data, group, step, param, partial) {
  as.character(do.call(measEq.syntax, list(
    configural.model = ds$model, data = data, ordered = ds$items, parameterization = param,
    ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = group,
    group.equal = STEPS[[step]], group.partial = if (length(partial)) partial else "")))
}

fit_step <- function(ds, step, partial = character(0), param = param_of(step)) {
  syn <- measeq(ds, ds$data, ds$group, step, param, partial)
  t0 <- proc.time()[["elapsed"]]
  f <- cfa(syn, data = ds$data, ordered = ds$items, group = ds$group, estimator = "WLSMV",
           parameterization = param)
  list(step = step, partial = partial, syntax = syn, fit = f,
       seconds = proc.time()[["elapsed"]] - t0)
}

lrt <- function(ds, out, prev) {
  if (out$step == "strict" && prev$step != "strict")   # compare in one parameterization
    prev <- fit_step(ds, prev$step, prev$partial, "theta")
  ddf <- fitMeasures(out$fit, "df") - fitMeasures(prev$fit, "df")
  if (ddf == 0)   # equivalent models (binary items: thresholds vs configural): no test
    return(list(chisq_diff = NA, df_diff = 0, pvalue = NA))
  a <- tryCatch(lavTestLRT(out$fit, prev$fit), error = function(e) conditionMessage(e))
  if (is.character(a))   # lavaan fails on some binary-item steps ("a dimension is zero")
    return(list(chisq_diff = NA, df_diff = ddf, pvalue = NA, error = a))
  list(chisq_diff = a[2, "Chisq diff"], df_diff = a[2, "Df diff"],
       pvalue = a[2, "Pr(>Chisq)"])
}

scores <- function(f, kind, items) {
  pt <- parTable(f)
  if (kind %in% c("|", "=~")) {
    uni <- lavTestScore(f, warn = FALSE)$uni
    r <- match(uni$rhs, pt$plabel)
    out <- data.frame(parameter = paste0(pt$lhs[r], pt$op[r], pt$rhs[r]), op = pt$op[r],
                      X2 = uni$X2, stringsAsFactors = FALSE)
  } else {
    mi <- modindices(f, sort. = FALSE)
    mi <- mi[mi$op == kind & mi$lhs %in% items & mi$group > 1, ]
    if (kind == "~~") mi <- mi[mi$lhs == mi$rhs, ]
    out <- data.frame(parameter = if (kind == "~1") paste0(mi$lhs, "~1")
                                  else paste0(mi$lhs, "~~", mi$rhs),
                      op = mi$op, X2 = mi$mi, stringsAsFactors = FALSE)
  }
  out <- out[out$op == kind, ]
  out <- out[order(-out$X2), ]
  out[!duplicated(out$parameter), ]
}

candidates <- function(sc, kind, freed, ds) {
  sc <- sc[!sc$parameter %in% freed, ]
  if (!kind %in% c("=~", "~1") || !nrow(sc)) return(sc)
  keep <- sapply(sc$parameter, function(p) {
    item <- if (kind == "=~") sub(".*=~", "", p) else sub("~1$", "", p)
    f <- ds$scale_of[[item]]
    names <- if (kind == "=~") paste0(f, "=~", ds$scales[[f]]) else paste0(ds$scales[[f]], "~1")
    sum(!names %in% c(freed, p)) >= 2
  })
  sc[keep, ]
}

one <- function(x) {
  c(list(step = x$step, partial = I(x$partial), seconds = x$seconds, syntax = x$syntax),
    measures(x$fit))
}

run <- function(ds, search = TRUE, max_free = 3) {
  steps <- list(); decisions <- list(); searches <- list()
  partial <- character(0)
  prev <- NULL
  for (step in names(STEPS)) {
    message(ds$group, ": ", step)
    out <- fit_step(ds, step, partial)
    rec <- one(out)
    if (step %in% names(KIND)) {
      kind <- KIND[[step]]
      if (search) rec$score_tests <- head(scores(out$fit, kind, ds$items), 5)
      d <- lrt(ds, out, prev)
      if (search && isTRUE(d$pvalue < 0.05)) {
        freed <- list(); current <- out; names <- partial; stopped <- "max_free"
        for (k in seq_len(max_free)) {
          cand <- candidates(scores(current$fit, kind, ds$items), kind, names, ds)
          if (!nrow(cand)) { stopped <- "no_candidates"; break }
          names <- c(names, cand$parameter[1])
          nxt <- fit_step(ds, step, names)
          dn <- lrt(ds, nxt, prev)
          freed[[k]] <- c(list(parameter = cand$parameter[1], X2 = cand$X2[1],
                               chisq_diff = dn$chisq_diff, df_diff = dn$df_diff,
                               pvalue = dn$pvalue, acceptable = !(dn$pvalue < 0.05)),
                          measures(nxt$fit))
          current <- nxt
          if (!(dn$pvalue < 0.05)) { stopped <- "acceptable"; break }
        }
        searches[[step]] <- list(freed = freed, stopped = stopped, partial = I(names))
        out <- current
        partial <- names
        rec <- c(one(out), list(score_tests = rec$score_tests))
        d <- lrt(ds, out, prev)
      }
      decisions[[step]] <- d
    }
    steps[[step]] <- rec
    prev <- out
  }
  list(n = as.list(table(ds$data[[ds$group]])), items = ds$items, steps = steps,
       differences = decisions, searches = searches)
}

make_ds <- function(data, scales, rev, group, maxcat) {
  items <- unlist(scales, use.names = FALSE)
  data[rev] <- (maxcat + 1) - data[rev]
  data <- data[complete.cases(data[c(items, group)]), c(items, group)]
  model <- paste(sapply(names(scales), function(f)
    paste(f, "=~", paste(scales[[f]], collapse = " + "))), collapse = "\n")
  scale_of <- setNames(rep(names(scales), lengths(scales)), items)
  list(data = data, items = items, model = model, group = group, scales = scales,
       scale_of = as.list(scale_of))
}

# ---- data ---------------------------------------------------------------------------------
bfi <- read.csv("tests/data/bfi.csv")
ds_bfi <- make_ds(bfi, list(A = paste0("A", 1:5), C = paste0("C", 1:5), E = paste0("E", 1:5)),
                  c("A1", "C4", "C5", "E1", "E2"), "gender", 6)

data(spi, package = "psychTools")
facets <- list(Anxiety = c("q_4252", "q_1989", "q_4249", "q_1505", "q_808"),
               Sociability = c("q_1904", "q_312", "q_1923", "q_4243", "q_684"),
               Order = c("q_1201", "q_1254", "q_1483", "q_1290", "q_169"))
spi_out <- spi[c("sex", unlist(facets, use.names = FALSE))]
write.csv(spi_out, "tests/data/spi_facets.csv", row.names = FALSE, na = "")
ds_spi <- make_ds(spi_out, facets, c("q_312", "q_1923", "q_684", "q_1254", "q_1483", "q_169"),
                  "sex", 6)

data(ability, package = "psychTools")
ab <- as.data.frame(ability)
names(ab) <- gsub(".", "_", names(ab), fixed = TRUE)
write.csv(ab, "tests/data/ability_underscored.csv", row.names = FALSE, na = "")
ab$half <- ifelse(seq_len(nrow(ab)) %% 2 == 1, "odd", "even")
ds_ab <- make_ds(ab, list(reason = c("reason_4", "reason_16", "reason_17", "reason_19"),
                          letter = c("letter_7", "letter_33", "letter_34", "letter_58")),
                 character(0), "half", 1)

# ---- syntax of partial steps (the builder is checked statement for statement) -------------
partial_syntax <- list()
pp <- c("A1|t2", "A=~A2", "A3~1", "A4~~A4", "C1|t1", "C1|t2", "C1|t3", "C1|t4")
for (st in names(STEPS)) for (pz in c("delta", "theta"))
  if (!(st == "strict" && pz == "delta"))
    partial_syntax[[paste(st, pz, sep = "_")]] <- measeq(ds_bfi, ds_bfi$data, "gender", st,
                                                         pz, pp)
ab3 <- ds_ab$data
ab3$third <- c("a", "b", "c")[(seq_len(nrow(ab3)) - 1) %% 3 + 1]
binary_syntax <- list()
for (st in names(STEPS))
  binary_syntax[[st]] <- measeq(ds_ab, ab3, "third", st, param_of(st),
                                c("reason_4~1", "letter_7|t1"))

res <- list(
  versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                  semTools = as.character(packageVersion("semTools"))),
  bfi = run(ds_bfi), spi = run(ds_spi), ability = run(ds_ab, search = FALSE),
  partial_syntax = list(partial = pp, syntax = partial_syntax),
  binary_syntax = list(partial = c("reason_4~1", "letter_7|t1"), groups = 3,
                       syntax = binary_syntax))
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "tests/reference/invariance_wlsmv.json")
