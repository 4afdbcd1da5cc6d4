# Writes two public data sets of the R package psychTools (2.2.9) to tests/data/, where the
# tests read them (they never run R):
#
# * ability.csv -- psychTools::ability: 16 ICAR ability items scored 0/1 (1525 respondents of
#   the SAPA project, Revelle et al.; 16 rows have no answer at all, 1248 are complete).
# * geras.csv   -- psychTools::GERAS.items: 50 items of the Gender-Related Attributes Survey
#   (Gruber et al., 2020, study 2; 5-point answers coded 2..6) and gender (1, 2); 471 rows.
#   The six scales are psychTools::GERAS.keys M.pers, F.pers, M.cog, F.cog, M.act, F.act
#   (tests/fixtures/keys/geras.yaml).
#
# Run from the project root:  Rscript tests/reference/psychtools_data.R
suppressPackageStartupMessages(library(psychTools))
write.csv(ability, "tests/data/ability.csv", row.names = FALSE, na = "")
write.csv(GERAS.items, "tests/data/geras.csv", row.names = FALSE, na = "")
cat("wrote tests/data/ability.csv and tests/data/geras.csv (psychTools",
    as.character(packageVersion("psychTools")), ")\n")
