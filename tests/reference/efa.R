# Reference values for tests/analysis/efa/test_dimensionality.py and test_efa.py, from psych 2.2.9
# and GPArotation on the 25 bfi items (tests/data/bfi.csv), complete cases (n = 2436),
# raw answers (not reverse-keyed).
#
# Run from the project root:  Rscript tests/reference/efa.R
# Writes tests/reference/efa.json. The tests read that file; they never run R.
#
# * KMO and Bartlett on the Pearson and on the polychoric correlation matrix;
# * fa.parallel with its defaults (fm = "minres", fa = "both", n.iter = 20, quant = .95,
#   sim = TRUE), on Pearson (cor = "cor") and polychoric (cor = "poly") correlations: the
#   observed eigenvalues are deterministic, the simulated ones are random (set.seed below),
#   and the suggestions nfact / ncomp are compared;
# * Velicer's MAP as psych::VSS computes it (principal components, 1..8);
# * fa(nfactors = 5) with fm = "minres" / "ml" and rotate = "oblimin" / "geominQ" (GPArotation
#   defaults: start at the identity, normalize = FALSE, eps = 1e-5).
suppressPackageStartupMessages({ library(psych); library(GPArotation); library(jsonlite) })
stopifnot(packageVersion("psych") == "2.2.9")
options(mc.cores = 1)
set.seed(20240611)

bfi <- read.csv("tests/data/bfi.csv")
items <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
                 paste0("O", 1:5))]
cc <- na.omit(items)
n <- nrow(cc)
R <- cor(cc)
P <- polychoric(cc)$rho

kmo <- function(r) { k <- KMO(r); list(msa = k$MSA, msai = unname(k$MSAi)) }
bart <- function(r) { b <- cortest.bartlett(r, n = n); list(chisq = b$chisq, df = b$df,
                                                              p = b$p.value) }
par_block <- function(p) list(nfact = p$nfact, ncomp = p$ncomp, fa_values = p$fa.values,
                              pc_values = p$pc.values, fa_sim = p$fa.sim, pc_sim = p$pc.sim)
fa_block <- function(f) list(loadings = unname(unclass(f$loadings)),
                             phi = if (is.null(f$Phi)) NULL else unname(f$Phi),
                             communality = unname(f$communality), values = unname(f$values))

pa_cor <- fa.parallel(cc, plot = FALSE)
pa_poly <- fa.parallel(cc, cor = "poly", plot = FALSE)

out <- list(
  meta = list(psych = as.character(packageVersion("psych")),
              GPArotation = as.character(packageVersion("GPArotation")),
              data = "tests/data/bfi.csv", seed = 20240611),
  items = colnames(items), n = n,
  pearson = list(
    kmo = kmo(R), bartlett = bart(R), parallel = par_block(pa_cor),
    map = VSS(cc, n = 8, plot = FALSE)$map,
    fa1_values = unname(fa(R, 1, fm = "minres", rotate = "none", warnings = FALSE)$values),
    minres_oblimin = fa_block(fa(cc, 5, fm = "minres", rotate = "oblimin")),
    ml_oblimin = fa_block(fa(cc, 5, fm = "ml", rotate = "oblimin")),
    minres_geomin = fa_block(fa(cc, 5, fm = "minres", rotate = "geominQ")),
    minres_unrotated = fa_block(fa(cc, 5, fm = "minres", rotate = "none")),
    ml_unrotated = fa_block(fa(cc, 5, fm = "ml", rotate = "none"))
  ),
  polychoric = list(
    kmo = kmo(P), bartlett = bart(P), parallel = par_block(pa_poly),
    map = VSS(P, n = 8, n.obs = n, plot = FALSE)$map,
    minres_oblimin = fa_block(fa(P, 5, n.obs = n, fm = "minres", rotate = "oblimin"))
  )
)
write_json(out, "tests/reference/efa.json", digits = NA, auto_unbox = TRUE, null = "null")
cat("wrote tests/reference/efa.json\n")
