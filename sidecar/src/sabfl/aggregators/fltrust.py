"""FLTrust (Cao, Fang, Liu & Gong, NDSS 2021).

With a root update g_0 trained on trusted data: TS_i = ReLU(cos(Δ_i, g_0)), each update rescaled to
||g_0||, aggregate = Σ_i TS_i · (||g_0|| / ||Δ_i||) Δ_i / Σ_i TS_i (zero if every TS_i is 0).
Here the trusted data is all validators' held-out sets together: the data the softmax rules' validators hold.
"""

from __future__ import annotations

import torch

from sabfl.aggregators.base import Aggregator, RoundInputs, register, require


class FLTrust(Aggregator):
    name = "fltrust"
    needs_trusted_update = True

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        root = inputs.trusted_update
        require(root is not None, "fltrust: needs the trusted root update")
        updates = inputs.updates
        trust = torch.nn.functional.cosine_similarity(updates, root[None], dim=1).clamp(min=0)
        if float(trust.sum()) == 0.0:
            return torch.zeros_like(root)
        rescaled = updates * (root.norm() / updates.norm(dim=1).clamp(min=1e-12))[:, None]
        return trust @ rescaled / trust.sum()


@register("fltrust")
def make_fltrust(num_updates: int, num_byzantine: int) -> FLTrust:
    return FLTrust()
