"""A validator's scores of a round's updates, as it commits and reveals them: its reference update trained
from the round's base model on its own held-out rows (which its private data seed chose, sim/setup.py), then
every update scored against it — at once or in batches (roles/inputs.py, roles/stream.py); the revealed
micro-unit losses are `RoundScores.micro_losses`."""

from __future__ import annotations

import torch

from sabfl.ml import scoring
from sabfl.ml.scoring import UpdateScorer
from sabfl.roles.inputs import RoundInputs, RoundScores
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.stream import RoundStream

# A validator's reference update of a round (None for a rule that needs none).
Reference = torch.Tensor | None


def reference_update(rt: TaskRuntime, validator: int, round_number: int, base: torch.Tensor) -> Reference:
    """Validator `validator`'s reference update r_v of a round: trained from the round's base model θ_t on
    its held-out rows with its seed of the round (setup.validator_seed); None when the rule needs none."""
    setup = rt.setup
    x_v, y_v = setup.heldout[validator]
    seed = setup.validator_seed(round_number, validator)
    return scoring.reference_update(setup.model, rt.rule.scoring, base, x_v, y_v, setup.train_config, seed)


def round_scores(
    rt: TaskRuntime,
    validator: int,
    inputs: RoundInputs | RoundStream,
    reference: Reference | None = None,
) -> RoundScores:
    """Validator `validator`'s score of every update of the round: the task's scoring rule on its held-out
    rows, against its reference update (`reference_update`; trained here unless given)."""
    if reference is None:
        reference = reference_update(rt, validator, inputs.round, inputs.base)
    setup = rt.setup
    x_v, y_v = setup.heldout[validator]
    scorer = UpdateScorer.prepare(
        setup.model, rt.rule.scoring, inputs.base, x_v, y_v, setup.dataset.num_classes, reference
    )
    return inputs.score(scorer)


def revealed(
    rt: TaskRuntime, validator: int, inputs: RoundInputs | RoundStream, reference: Reference | None = None
) -> list[int]:
    """What validator `validator` commits to and reveals for the round, micro-units (`round_scores`)."""
    scored = round_scores(rt, validator, inputs, reference)
    return scored.micro_losses(scored.scores)
