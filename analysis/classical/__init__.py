"""Classical test theory: item statistics, reliability (alpha, omega, ordinal alpha), polychoric
correlations.
"""
