"""Every participant attack by name; ``<attack>+leaked`` is that attack told the validators' data."""

from __future__ import annotations

from collections.abc import Callable

from sabfl.attacks.adaptive import Leaked, ScoreAware
from sabfl.attacks.backdoor import Backdoor
from sabfl.attacks.participants import (
    Garbage,
    GaussianNoise,
    InnerProductManipulation,
    LabelFlip,
    LittleIsEnough,
    MinMax,
    NonFinite,
    ParticipantAttack,
    Scaling,
    SignFlip,
)
from sabfl.attacks.sybil import Sybil

LEAKED = "+leaked"

PARTICIPANT_ATTACKS: dict[str, Callable[[int, int], ParticipantAttack]] = {
    "none": lambda n, f: ParticipantAttack(),
    "lf": lambda n, f: LabelFlip(),
    "sf": lambda n, f: SignFlip(),
    "gaussian": lambda n, f: GaussianNoise(),
    "scaling": lambda n, f: Scaling(),
    "alie": LittleIsEnough,
    "ipm": lambda n, f: InnerProductManipulation(),
    "minmax": lambda n, f: MinMax(),
    "garbage": lambda n, f: Garbage(),
    "nan": lambda n, f: NonFinite(),
    "score_aware": lambda n, f: ScoreAware(),
    "score_aware_own": lambda n, f: ScoreAware(own_data=True),
    "sybil": lambda n, f: Sybil(),
    "backdoor": Backdoor,
}


def is_attack(name: str) -> bool:
    return name.removesuffix(LEAKED) in PARTICIPANT_ATTACKS


def make_participant_attack(name: str, num_updates: int, num_byzantine: int) -> ParticipantAttack:
    if not is_attack(name):
        raise ValueError(
            f"unknown attack {name!r}; choose from {', '.join(PARTICIPANT_ATTACKS)} (any with {LEAKED})"
        )
    attack = PARTICIPANT_ATTACKS[name.removesuffix(LEAKED)](num_updates, num_byzantine)
    return Leaked(attack) if name.endswith(LEAKED) else attack
