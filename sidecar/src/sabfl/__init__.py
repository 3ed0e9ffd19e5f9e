"""sabfl: softmax-aggregation blockchain federated learning (sidecar package)."""

__version__ = "0.1.0"
