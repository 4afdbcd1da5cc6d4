"""Scoring: the scoring scheme and its file format, norms, scale scores, the scores table,
workplace aggregation, change and profiles.
"""
