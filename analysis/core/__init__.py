"""Foundations every wing uses: errors, the warning type and its registry, YAML and artifact I/O,
the key, criteria, missing-data policies, degenerate-data checks, the task runner.
"""
