"""FedAvg (McMahan et al., AISTATS 2017): Σ_i n_i Δ_i / Σ_i n_i, the sample-weighted mean."""

from __future__ import annotations

import torch

from sabfl.aggregators.base import Aggregator, RoundInputs, register, require


class FedAvg(Aggregator):
    name = "fedavg"

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        samples = inputs.num_samples.to(inputs.updates.dtype)
        require(
            bool((samples >= 0).all()) and float(samples.sum()) > 0,
            "fedavg: sample counts must be non-negative with a positive total",
        )
        return samples @ inputs.updates / samples.sum()


@register("fedavg")
def make_fedavg(num_updates: int, num_byzantine: int) -> FedAvg:
    return FedAvg()
