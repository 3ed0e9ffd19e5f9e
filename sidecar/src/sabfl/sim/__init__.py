"""Simulation of federated rounds without a chain: one user of the ``sabfl.ml`` library."""
