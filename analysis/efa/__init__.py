"""Exploratory factor analysis: KMO, Bartlett, parallel analysis, MAP, extraction, rotation,
congruence with the key.
"""
