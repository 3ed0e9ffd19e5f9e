"""A validator's losses of a round's updates, as it commits and reveals them: its scores on its own held-out
rows (which its private data seed chose, sim/setup.py), then the micro-unit losses the chain takes."""

from __future__ import annotations

import numpy as np
import torch

from sabfl.ml.scoring import LOSS_CAP, local_train, score_updates
from sabfl.protocol import UNAVAILABLE, loss_to_micro
from sabfl.roles.inputs import RoundInputs
from sabfl.roles.runtime import TaskRuntime

# A validator's reference update of a round (None for a rule that needs none).
Reference = torch.Tensor | None
# The loss cap in micro-units: what an undecodable update or one that changes nothing scores.
CAP_MICRO = loss_to_micro(LOSS_CAP, cap=2**64 - 1)


def reference_update(rt: TaskRuntime, validator: int, round_number: int, base: torch.Tensor) -> Reference:
    """Validator `validator`'s reference update r_v of a round: trained from the round's base model θ_t on
    its held-out rows with its seed of the round (setup.validator_seed); None when the rule needs none."""
    if not rt.rule.scoring.needs_reference:
        return None
    setup = rt.setup
    x_v, y_v = setup.heldout[validator]
    seed = setup.validator_seed(round_number, validator)
    return local_train(setup.model, base, x_v, y_v, setup.train_config, seed)


def heldout_scores(
    rt: TaskRuntime, validator: int, inputs: RoundInputs, reference: Reference | None = None
) -> np.ndarray:
    """Validator `validator`'s score of every update of the round: the task's scoring rule on its held-out
    rows, against its reference update (`reference_update`; trained here unless given)."""
    if reference is None:
        reference = reference_update(rt, validator, inputs.round, inputs.base)
    setup = rt.setup
    x_v, y_v = setup.heldout[validator]
    return np.asarray(
        score_updates(
            setup.model,
            rt.rule.scoring,
            inputs.base,
            inputs.updates,
            x_v,
            y_v,
            setup.dataset.num_classes,
            reference,
        )
    )


def revealed_losses(scores: np.ndarray, inputs: RoundInputs) -> list[int]:
    """The losses a validator commits to, micro-units in ascending hash order: UNAVAILABLE for an update it
    could not fetch (docs/protocol.md, "Blobs"), the cap for one that changes nothing, else its score."""
    losses = []
    for score, fetched, no_op in zip(scores, inputs.available, inputs.no_op(), strict=True):
        if not fetched:
            losses.append(UNAVAILABLE)
        elif no_op:
            losses.append(CAP_MICRO)  # an update that changes nothing earns nothing
        else:
            losses.append(loss_to_micro(float(score), cap=CAP_MICRO))
    return losses
