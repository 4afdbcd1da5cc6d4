"""Sample-size planning: population models, their moments, simulated data, the Monte Carlo plan,
its summary and report.
"""
