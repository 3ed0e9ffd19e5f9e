"""A validator's losses of a round's updates, as it commits and reveals them: its scores on its own held-out
rows (which its private data seed chose, sim/setup.py), then the micro-unit losses the chain takes."""

from __future__ import annotations

import numpy as np

from sabfl.ml.scoring import LOSS_CAP, validator_scores
from sabfl.protocol import UNAVAILABLE, loss_to_micro
from sabfl.roles.inputs import RoundInputs
from sabfl.roles.runtime import TaskRuntime

# The loss cap in micro-units: what an undecodable update or one that changes nothing scores.
CAP_MICRO = loss_to_micro(LOSS_CAP, cap=2**64 - 1)


def heldout_scores(rt: TaskRuntime, validator: int, inputs: RoundInputs) -> np.ndarray:
    """Validator `validator`'s score of every update of the round: the task's scoring rule on its held-out
    rows, from a reference update it trains with its seed of the round (setup.validator_seed)."""
    setup = rt.setup
    x_v, y_v = setup.heldout[validator]
    scores = validator_scores(
        setup.model,
        rt.rule.scoring,
        inputs.base,
        inputs.updates,
        x_v,
        y_v,
        setup.dataset.num_classes,
        setup.train_config,
        setup.validator_seed(inputs.round, validator),
    )
    return np.asarray(scores)


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
