"""JSON views the page renders, built from what the chain, its events and the metrics endpoints said.
Losses are shown as floats (on chain: micro-units, scale 10⁶) and weights as fractions (on chain: scale
10¹⁸); addresses stay as the chain spells them."""

from __future__ import annotations

from typing import Any

from cosmpy.protos.cosmos.staking.v1beta1 import staking_pb2

from sabfl.dashboard.chain import ChainState, operator_account
from sabfl.dashboard.events import EventLog, RoundEvents
from sabfl.dashboard.metrics import Accuracy
from sabfl.fedlearn.v1 import round_pb2, task_pb2
from sabfl.protocol import LOSS_SCALE, WEIGHT_SCALE


def enum_name(enum: Any, value: int, prefix: str) -> str:
    """`TASK_STATUS_ACTIVE` → `ACTIVE`."""
    return str(enum.Name(value)).removeprefix(prefix)


def validator_view(
    validator: staking_pb2.Validator, stats: round_pb2.ValidatorStats | None, prefix: str
) -> dict[str, Any]:
    return {
        "moniker": validator.description.moniker,
        "operator": operator_account(validator.operator_address, prefix),
        "stake": int(validator.tokens or 0),
        "status": staking_pb2.BondStatus.Name(validator.status).removeprefix("BOND_STATUS_"),
        "jailed": validator.jailed,
        "rounds_served": stats.rounds_served if stats else 0,
        "aggregates_finalized": stats.aggregates_finalized if stats else 0,
        "times_penalized": stats.times_penalized if stats else 0,
        "rewards": " ".join(f"{c.amount}{c.denom}" for c in stats.rewards) if stats else "",
    }


def task_view(task: task_pb2.Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "status": enum_name(task_pb2.TaskStatus, task.status, "TASK_STATUS_"),
        "creator": task.creator,
        "num_rounds": task.num_rounds,
        "current_round": task.current_round,
        "rounds_finalized": task.rounds_finalized,
        "rounds_failed": task.rounds_failed,
        "committee_size": task.committee_size,
        "budget": f"{task.budget.amount}{task.budget.denom}",
        "escrow": f"{task.escrow.amount}{task.escrow.denom}",
    }


def miners_tried(round_: round_pb2.Round) -> list[str]:
    """The committee members that got an AGGREGATE window, in order: the members up to the current miner
    (`committee[miner_attempt]`) that revealed, since the miner queue skips the others (docs/protocol.md,
    "Committee and miner queue"). None before REVEAL ended with weights."""
    if not round_.weights:
        return []
    return [m.address for i, m in enumerate(round_.committee) if m.revealed and i <= round_.miner_attempt]


def round_view(round_: round_pb2.Round, events: RoundEvents | None, attackers: set[str]) -> dict[str, Any]:
    """A round with its phase timeline, committee, per-update consensus loss and weight (attackers
    marked), the miners tried, and its rewards and penalties."""
    updates = []
    for i, update in enumerate(round_.updates):
        loss = round_.consensus_losses[i] if i < len(round_.consensus_losses) else None
        weight = round_.weights[i] if i < len(round_.weights) else None
        updates.append(
            {
                "participant": update.participant,
                "sha256": update.sha256.hex(),
                "num_samples": update.num_samples,
                "loss": None if loss is None else loss / LOSS_SCALE,
                "weight": None if weight is None else weight / WEIGHT_SCALE,
                "attacker": update.participant in attackers,
            }
        )
    weighted = [u for u in updates if u["weight"] is not None]
    events = events or RoundEvents()
    return {
        "round": round_.round,
        "phase": enum_name(round_pb2.RoundPhase, round_.phase, "ROUND_PHASE_"),
        "start_height": round_.start_height,
        "end_height": round_.end_height,
        "deadline": round_.deadline,
        "timeline": [{"phase": p, "height": h, "early": early} for p, h, early in events.timeline],
        "committee": [
            {
                "address": m.address,
                "power": m.power,
                "committed": m.committed,
                "revealed": m.revealed,
                "jailed": m.jailed,
            }
            for m in round_.committee
        ],
        "updates": updates,
        "temperature": round_.temperature / LOSS_SCALE,
        "attacker_weight": sum(u["weight"] for u in weighted if u["attacker"]) if weighted else None,
        "miners_tried": miners_tried(round_),
        "aggregates": [{"miner": m, "sha256": h} for m, h in events.aggregates],
        "finalized_sha256": round_.finalized_sha256.hex(),
        "failure_reason": round_.failure_reason,
        "rewards": [
            {"recipient": r, "role": role, "amount": amount, "denom": denom}
            for r, role, amount, denom in events.rewards
        ],
        "penalties": [
            {"validator": v, "reason": reason, "slash_fraction": fraction, "jailed_until_unix": until}
            for v, reason, fraction, until in events.penalties
        ],
    }


def accuracy_view(accuracy: dict[str, Accuracy | None], task_id: int) -> dict[str, list[list[float]]]:
    """Per metrics endpoint, the [round, accuracy] points it reported for a task, by round."""
    return {
        address: sorted([r, a] for (t, r), a in samples.items() if t == task_id)
        for address, samples in accuracy.items()
        if samples
    }


def dashboard_view(
    state: ChainState,
    log: EventLog,
    accuracy: dict[str, Accuracy | None],
    attackers: dict[int, set[str]],
    prefix: str,
) -> dict[str, Any]:
    """Everything the page shows, newest task first."""
    tasks = []
    for task in sorted(state.tasks, key=lambda t: t.id, reverse=True):
        view = task_view(task)
        view["rounds"] = [
            round_view(r, log.rounds.get((task.id, r.round)), attackers.get(task.id, set()))
            for r in state.rounds.get(task.id, [])
        ]
        view["accuracy"] = accuracy_view(accuracy, task.id)
        view["has_roster"] = task.id in attackers
        tasks.append(view)
    return {
        "height": state.height,
        "validators": [
            validator_view(v, state.stats.get(operator_account(v.operator_address, prefix)), prefix)
            for v in sorted(state.validators, key=lambda v: -int(v.tokens or 0))
        ],
        "metrics": {address: samples is not None for address, samples in accuracy.items()},
        "tasks": tasks,
    }
