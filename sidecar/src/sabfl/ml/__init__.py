"""Chain-free machine-learning core: data, models, canonical bytes, training, scoring, aggregation.

Nothing in this package may import ``sabfl.chain`` or ``sabfl.protocol``: the same code runs in the
simulation, the validator sidecar and the participant sidecar.
"""
