"""The whole validation run (lospw analyze): stages, their context and runner, the verdict,
provenance.
"""
