# Shared helpers for the reference scripts in tests/reference/ (sourced, not run on its
# own). Every script is run from the project root:  Rscript tests/reference/<topic>.R
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

REF_DIR <- "tests/reference"
DATA_DIR <- file.path(REF_DIR, "data")
dir.create(DATA_DIR, showWarnings = FALSE, recursive = TRUE)

pkg_version <- function(p) {
  if (requireNamespace(p, quietly = TRUE)) as.character(packageVersion(p)) else NA
}

# The versions every JSON records (no dates: a rerun gives a byte-identical file).
meta <- function(script, seed = NULL, extra = character(0)) {
  pk <- unique(c("lavaan", "semTools", "psych", "GPArotation", "mvtnorm", "jsonlite", extra))
  list(script = script,
       r = R.version.string,
       packages = setNames(lapply(pk, pkg_version), pk),
       seed = seed,
       rng = paste(RNGkind(), collapse = " / "))
}

sha256 <- function(path) digest::digest(file = path, algo = "sha256")

# Shortest decimal text that reads back as the same double (15, else 17 digits).
shortest <- function(x) {
  out <- formatC(x, digits = 15, format = "g")
  bad <- !is.na(x) & suppressWarnings(as.numeric(out)) != x
  out[bad] <- formatC(x[bad], digits = 17, format = "g")
  out[is.na(x)] <- NA
  trimws(out)
}

# Write a data frame as CSV (blank = missing, full precision), read it back and return
# what was read: every reference is computed on the data exactly as a test reads them.
export_csv <- function(df, name) {
  path <- file.path(DATA_DIR, paste0(name, ".csv"))
  num <- vapply(df, is.numeric, TRUE)
  df[num] <- lapply(df[num], shortest)
  write.csv(df, path, row.names = FALSE, na = "", quote = which(!num))
  read.csv(path, stringsAsFactors = FALSE)
}

data_info <- function(name, df, note = NULL, cluster = NULL) {
  path <- file.path(DATA_DIR, paste0(name, ".csv"))
  out <- list(file = file.path("tests/reference/data", paste0(name, ".csv")),
              sha256 = sha256(path), rows = nrow(df), columns = names(df),
              missing_cells = sum(is.na(df)))
  if (!is.null(cluster)) out$clusters <- length(unique(df[[cluster]]))
  if (!is.null(note)) out$note <- note
  out
}

# Run an expression, collecting warnings (and the error, if any) instead of printing them.
capture <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(message = conditionMessage(e)),
                                                 class = "captured_error")),
    warning = function(w) {
      warns <<- c(warns, trimws(gsub("\\s+", " ", conditionMessage(w))))
      invokeRestart("muffleWarning")
    })
  list(value = value, warnings = unique(warns))
}

# parameterEstimates as rows; the columns a test needs (lhs op rhs group level est se ...)
param_rows <- function(fit, standardized = TRUE) {
  pe <- parameterEstimates(fit, standardized = standardized, remove.nonfree = FALSE)
  keep <- intersect(c("lhs", "op", "rhs", "block", "group", "level", "label", "est", "se",
                      "z", "pvalue", "ci.lower", "ci.upper", "std.lv", "std.all"),
                    names(pe))
  pe <- pe[keep]
  pt <- parTable(fit)
  pe$free <- pt$free[match(paste(pe$lhs, pe$op, pe$rhs, pe$block),
                           paste(pt$lhs, pt$op, pt$rhs, pt$block))] > 0
  pe
}

# All fitMeasures() values as a named list (NA -> null in JSON).
fit_measures <- function(fit) {
  fm <- capture(fitMeasures(fit))
  if (inherits(fm$value, "captured_error")) return(list(error = fm$value$message))
  as.list(unclass(fm$value))
}

matrix_json <- function(m) {
  if (is.null(m)) return(NULL)
  m <- unclass(m)
  if (is.null(dim(m))) return(as.list(setNames(as.numeric(m), names(m))))
  list(rownames = rownames(m), colnames = colnames(m), values = unname(m))
}

# lavInspect results that are nested lists of matrices (per level / group) -> JSON-able
nested_json <- function(x) {
  if (is.list(x) && !is.data.frame(x)) return(lapply(x, nested_json))
  matrix_json(x)
}

write_ref <- function(out, topic) {
  path <- file.path(REF_DIR, paste0(topic, ".json"))
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null",
                    null = "null", dataframe = "rows", matrix = "rowmajor"), path)
  message("wrote ", path)
}
