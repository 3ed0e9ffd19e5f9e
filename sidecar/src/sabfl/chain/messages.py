"""Builders of x/fedlearn messages from plain Python values (bytes, ints, strings)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cosmpy.crypto.address import Address
from cosmpy.protos.cosmos.authz.v1beta1 import tx_pb2 as authz_tx
from google.protobuf import any_pb2
from google.protobuf.message import Message

from sabfl.fedlearn.v1 import task_pb2, tx_pb2
from sabfl.protocol import update_commitment

TEMPERATURE_MODES = {"fixed": task_pb2.TEMPERATURE_MODE_FIXED, "mad": task_pb2.TEMPERATURE_MODE_MAD}
# create_task's temperature_mode, temperature, mad_multiplier, temperature_min and score_step defaults.
_NO_RULE_ARGS = ("fixed", "", "", "", "1")


def create_task(
    creator: str,
    model_spec: str,
    initial_model: bytes,
    *,
    num_rounds: int,
    committee_size: int,
    budget: int,
    denom: str = "stake",
    temperature_mode: str = "fixed",
    temperature: str = "",
    mad_multiplier: str = "",
    temperature_min: str = "",
    score_step: str = "1",
    phases: Sequence[int] = (10, 10, 10, 10, 10, 10),
    max_updates_per_round: int = 0,
    rule: task_pb2.AggregationRule | None = None,
    allowed_participants: Sequence[str] = (),
    update_fee: int = 0,
) -> tx_pb2.MsgCreateTask:
    """A MsgCreateTask; decimals are strings (at most 6 fractional digits), phases are (submit,
    update_reveal, commit, reveal, aggregate, attest) lengths in blocks, in round order. A whole `rule`
    (every scoring parameter; sabfl.roles.rule.rule_to_chain writes one) replaces the temperature and
    score_step arguments, which only set a temperature and η. `allowed_participants` (none = an open task) and
    `update_fee` (paid into the escrow by each accepted update, in `denom`; 0 = none) are its admission."""
    if rule is None:
        rule = task_pb2.AggregationRule(
            temperature_mode=TEMPERATURE_MODES[temperature_mode],
            temperature=temperature,
            mad_multiplier=mad_multiplier,
            temperature_min=temperature_min,
            score_step=score_step,
        )
    elif (temperature_mode, temperature, mad_multiplier, temperature_min, score_step) != _NO_RULE_ARGS:
        raise ValueError("give either a whole rule or its temperature and score_step, not both")
    if isinstance(allowed_participants, str):
        raise TypeError("allowed_participants is a list of addresses, not one string")
    if update_fee < 0:
        raise ValueError(f"update_fee must be >= 0, got {update_fee}")
    submit, update_reveal, commit, reveal, aggregate, attest = phases
    msg = tx_pb2.MsgCreateTask(
        creator=creator,
        model_spec=model_spec,
        initial_model_sha256=hashlib.sha256(initial_model).digest(),
        initial_model=initial_model,
        num_rounds=num_rounds,
        committee_size=committee_size,
        max_updates_per_round=max_updates_per_round,
        rule=rule,
        phases=task_pb2.PhaseLengths(
            submit=submit,
            update_reveal=update_reveal,
            commit=commit,
            reveal=reveal,
            aggregate=aggregate,
            attest=attest,
        ),
        allowed_participants=list(allowed_participants),
    )
    msg.budget.denom, msg.budget.amount = denom, str(budget)
    if update_fee:
        msg.update_fee.denom, msg.update_fee.amount = denom, str(update_fee)
    return msg


def _blob(payload: bytes, locator: str) -> dict[str, bytes | int | str]:
    """A payload's message fields: its bytes inline, or — with the locator of a store that holds them — its
    size and locator (docs/protocol.md, "Blobs"); the sha256 either way."""
    digest = hashlib.sha256(payload).digest()
    if locator:
        return {"sha256": digest, "size_bytes": len(payload), "locator": locator}
    return {"sha256": digest, "payload": payload}


def submit_update(
    participant: str,
    task_id: int,
    round_number: int,
    update_sha256: bytes,
    num_samples: int,
    salt: bytes,
) -> tx_pb2.MsgSubmitUpdate:
    """The SUBMIT commitment to an update (sabfl.protocol.update_commitment, bound to the participant's
    address bytes): nothing of the update is public until `reveal_update` opens it in UPDATE_REVEAL."""
    commitment = update_commitment(
        task_id, round_number, bytes(Address(participant)), update_sha256, num_samples, salt
    )
    return tx_pb2.MsgSubmitUpdate(
        participant=participant, task_id=task_id, round=round_number, commitment=commitment
    )


def reveal_update(
    participant: str,
    task_id: int,
    round_number: int,
    payload: bytes,
    num_samples: int,
    salt: bytes,
    locator: str = "",
) -> tx_pb2.MsgRevealUpdate:
    """The UPDATE_REVEAL opening of a committed update of `payload`'s bytes, inline or (with `locator`)
    by reference, with the commitment's salt."""
    return tx_pb2.MsgRevealUpdate(
        participant=participant,
        task_id=task_id,
        round=round_number,
        num_samples=num_samples,
        salt=salt,
        **_blob(payload, locator),
    )


def commit_losses(
    validator: str, task_id: int, round_number: int, commitment: bytes
) -> tx_pb2.MsgCommitLosses:
    return tx_pb2.MsgCommitLosses(
        validator=validator, task_id=task_id, round=round_number, commitment=commitment
    )


def reveal_losses(
    validator: str, task_id: int, round_number: int, salt: bytes, losses: Sequence[int]
) -> tx_pb2.MsgRevealLosses:
    return tx_pb2.MsgRevealLosses(
        validator=validator, task_id=task_id, round=round_number, salt=salt, losses=list(losses)
    )


def submit_aggregate(
    miner: str,
    task_id: int,
    round_number: int,
    payload: bytes,
    locator: str = "",
) -> tx_pb2.MsgSubmitAggregate:
    """An aggregate of `payload`'s bytes, inline or (with `locator`) by reference. It carries no weights:
    the miner applies the round's on-chain weights and the attesters recompute its hash."""
    blob = _blob(payload, locator)
    return tx_pb2.MsgSubmitAggregate(
        miner=miner,
        task_id=task_id,
        round=round_number,
        model_sha256=blob.pop("sha256"),
        **blob,
    )


def attest_aggregate(
    validator: str, task_id: int, round_number: int, model_sha256: bytes
) -> tx_pb2.MsgAttestAggregate:
    return tx_pb2.MsgAttestAggregate(
        validator=validator, task_id=task_id, round=round_number, model_sha256=model_sha256
    )


def opt_in(validator: str, task_id: int) -> tx_pb2.MsgOptIn:
    """A validator (by its operator's account address) declares that it serves a task."""
    return tx_pb2.MsgOptIn(validator=validator, task_id=task_id)


def type_url(message: type[Message] | Message) -> str:
    """A message's type URL as the SDK writes it: "/" + its full proto name."""
    return "/" + message.DESCRIPTOR.full_name


def exec_msgs(grantee: str, *msgs: Message) -> authz_tx.MsgExec:
    """An x/authz MsgExec: `grantee` signs and executes `msgs` on behalf of the signer each msg names,
    which must have granted `grantee` their types."""
    packed = []
    for msg in msgs:
        wrapped = any_pb2.Any()
        wrapped.Pack(msg, type_url_prefix="/")
        packed.append(wrapped)
    return authz_tx.MsgExec(grantee=grantee, msgs=packed)
