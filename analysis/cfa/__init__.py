"""Confirmatory factor analysis: estimation, competing models, comparison."""
