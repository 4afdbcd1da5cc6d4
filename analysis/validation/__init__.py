"""Validation of an instrument described by a key: competing CFA models, their comparison,
invariance, DIF, convergent and discriminant validity, item reduction.
"""
