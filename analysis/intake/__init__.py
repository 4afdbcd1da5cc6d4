"""From a survey export to the canonical response frame: readers, intake, careless-responding
screening, intake artifacts.
"""
