"""Validation of any questionnaire from a key file: intake, item analysis, reliability,
dimensionality, CFA, invariance, validity, scoring and workplace aggregation."""
