"""A battery of bad inputs against the real localnet, signed with cosmpy: every rejection that
docs/protocol.md lists, at every phase of one round, plus malformed payload bytes.

Each case is rejected twice, and must carry its own registered error both times:

- in simulation (what `ChainClient.broadcast` runs before it signs for real), and
- when broadcast with a fixed gas limit (no simulation): a case that needs neither state nor params is
  refused by CheckTx (the message's ValidateBasic) and never reaches a block; any other is admitted by
  CheckTx and FinalizeBlock fails it on every node. Both carry codespace `fedlearn` and the registered code.

One task drives the round by hand (as tests/test_round_protocol.py does) and the cases of each phase run
while the round is in it: SUBMIT, COMMIT (one committee member stays silent, so COMMIT ends at its
deadline and a member without a commitment exists in REVEAL), REVEAL, AGGREGATE, ATTEST, and after the
task completed. Two inputs must be accepted: an update whose payload is garbage (the chain binds only its
hash) and the miner's aggregate (it carries no weights: the chain has them). The task is allowlisted to
three participants, so a fourth account is refused. Afterwards the chain must still produce blocks with
one app hash on all four nodes."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sabfl.chain import ChainClient, KeysFile, TxError, messages
from sabfl.fedlearn.v1 import query_pb2, round_pb2, task_pb2, tx_pb2
from sabfl.ml.serialize import SerializationError, decode_tensors, encode_tensors
from sabfl.protocol import WEIGHT_SCALE, commitment

from .conftest import client_for, localnet, opt_in_all

PHASE = round_pb2.RoundPhase
SHAPES = [(2, 3)]
# Registered errors of codespace fedlearn (chain/x/fedlearn/types/errors.go, docs/protocol.md).
CODES = {
    "empty model spec": 4,
    "invalid aggregation rule": 5,
    "payload too large": 6,
    "sha256 does not match payload": 7,
    "invalid number of rounds": 8,
    "invalid committee size": 9,
    "invalid phase lengths": 10,
    "invalid reward budget": 11,
    "insufficient funds for the reward budget": 12,
    "task not found": 13,
    "invalid max updates per round": 14,
    "empty payload": 15,
    "task not active": 16,
    "not the current round": 18,
    "wrong phase": 19,
    "duplicate": 20,
    "round update cap reached": 21,
    "not in the round's committee": 22,
    "not the round's current miner": 23,
    "no commitment to reveal": 24,
    "reveal does not match commitment": 25,
    "wrong number of losses": 26,
    "loss above the loss cap": 27,
    "invalid sha256": 29,
    "invalid salt": 30,
    "invalid number of samples": 31,
    "field too long": 34,
    "invalid address": 35,
    "validator not bonded or jailed": 37,
    "participant not on the task's allowlist": 38,
    "invalid admission rules": 39,
    "invalid blob reference": 40,
    "inline payload above max_inline_bytes": 41,
    "payload small enough to travel inline": 42,
    "no update commitment from this participant": 43,
    "update does not match its commitment": 44,
    "update reveal outside UPDATE_REVEAL": 45,
}
# Phase lengths in blocks (submit, update_reveal, commit, reveal, aggregate, attest). Every phase but
# COMMIT ends early once everything arrived; COMMIT runs to its deadline (one member stays silent), so it
# is the shortest one that still leaves room for the COMMIT cases on a loaded machine.
PHASES = (40, 40, 14, 40, 40, 40)
# The salt of every update commitment this test makes (a participant draws a fresh one per update).
SALT = bytes(range(32))
UNKNOWN_TASK = 10**12


@dataclass(frozen=True)
class Case:
    name: str
    signer: ChainClient
    msg: Any
    error: str  # the registered error's text, a key of CODES


# (case name, error text, where it was refused, log) of every case, printed at the end (pytest -s).
OUTCOMES: list[tuple[str, str, str, str]] = []


def gas_for(msg: Any) -> int:
    """A gas limit that covers the ante handler's per-byte cost of any of these txs and the handler up
    to its rejection, without simulating (the simulation would reject the tx)."""
    return 400_000 + 12 * msg.ByteSize()


def reject_all(cases: Sequence[Case]) -> None:
    """Every case fails in simulation and again in a block, each time with its registered error."""
    failures: list[str] = []
    for case in cases:
        pattern = re.escape(case.error)
        try:
            with pytest.raises(TxError, match=pattern):
                case.signer.simulate(case.msg)
        except (AssertionError, pytest.fail.Exception) as error:
            failures.append(f"{case.name} (simulation): {error}")
    assert not failures, "\n".join(failures)

    pending: list[tuple[Case, str | TxError]] = []
    for case in cases:
        try:
            pending.append((case, case.signer.broadcast(case.msg, gas_limit=gas_for(case.msg))))
        except TxError as refused:  # by CheckTx: the message's stateless checks
            pending.append((case, refused))
    for case, sent in pending:
        where = "CheckTx" if isinstance(sent, TxError) else "block"
        if isinstance(sent, TxError):
            rejected = sent
        else:
            try:
                with pytest.raises(TxError) as raised:
                    case.signer.wait(sent)
            except (AssertionError, pytest.fail.Exception) as error:
                failures.append(f"{case.name} (in a block): {error}")
                continue
            rejected = raised.value
        got = (rejected.codespace, rejected.code)
        if case.error not in rejected.log or got != ("fedlearn", CODES[case.error]):
            failures.append(
                f"{case.name} ({where}): {got}, want ('fedlearn', {CODES[case.error]}): {rejected.log}"
            )
        OUTCOMES.append((case.name, case.error, where, rejected.log))
    assert not failures, "\n".join(failures)


def submit_all(pairs: Sequence[tuple[ChainClient, Any]]) -> None:
    """Broadcast txs of different signers together, then wait for each (they can share a block)."""
    for client, txhash in [(client, client.broadcast(msg)) for client, msg in pairs]:
        client.wait(txhash)


def mutated(msg: Any, change: Callable[[Any], None]) -> Any:
    copy = type(msg)()
    copy.CopyFrom(msg)
    change(copy)
    return copy


def status_height(localnet_dir: Path) -> int:
    """Run `localnet.py status`: app hashes equal on all 4 nodes at their common height; returns it."""
    status = localnet("status", localnet_dir)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "equal on 4 nodes" in status.stdout, status.stdout
    found = re.search(r"at height (\d+)", status.stdout)
    assert found, status.stdout
    return int(found.group(1))


def test_bad_inputs_are_rejected_with_their_errors_and_the_chain_stays_in_agreement(
    localnet_dir: Path, creator: ChainClient, validators: dict[str, ChainClient], keys: KeysFile
) -> None:
    started = time.monotonic()
    height_before = status_height(localnet_dir)
    params = creator.fedlearn.Params(query_pb2.QueryParamsRequest()).params
    garbage_owner, second, third, outsider = (client_for(keys, a) for a in keys.participants[:4])

    # --- MsgCreateTask: stateless and params checks --------------------------------------------------
    initial = encode_tensors([np.zeros(SHAPES[0], dtype=np.float32)])
    good_task = messages.create_task(
        creator.address,
        "e2e/bad-inputs",
        initial,
        num_rounds=1,
        committee_size=4,
        budget=1_000_000,
        temperature_mode="fixed",
        temperature="0.5",
        phases=PHASES,
        max_updates_per_round=3,
    )
    good_task.allowed_participants.extend(c.address for c in (garbage_owner, second, third))
    over_inline = b"\x01" * (params.max_inline_bytes + 1)

    def task_with(change: Callable[[tx_pb2.MsgCreateTask], None]) -> tx_pb2.MsgCreateTask:
        return mutated(good_task, change)

    def set_initial(payload: bytes) -> Callable[[tx_pb2.MsgCreateTask], None]:
        def change(m: tx_pb2.MsgCreateTask) -> None:
            m.initial_model, m.initial_model_sha256 = payload, hashlib.sha256(payload).digest()

        return change

    def set_reference(size: int) -> Callable[[tx_pb2.MsgCreateTask], None]:
        def change(m: tx_pb2.MsgCreateTask) -> None:
            m.initial_model = b""
            m.initial_model_size, m.initial_model_locator = size, "ipfs://bafkreiexample"

        return change

    def set_rule(**fields: Any) -> Callable[[tx_pb2.MsgCreateTask], None]:
        def change(m: tx_pb2.MsgCreateTask) -> None:
            for name, value in fields.items():
                setattr(m.rule, name, value)

        return change

    create = [
        ("create: empty model spec", lambda m: setattr(m, "model_spec", ""), "empty model spec"),
        ("create: tau = 0", set_rule(temperature="0"), "invalid aggregation rule"),
        ("create: tau with 7 decimals", set_rule(temperature="0.0000001"), "invalid aggregation rule"),
        (
            "create: MAD without temperature_min",
            set_rule(temperature_mode=task_pb2.TEMPERATURE_MODE_MAD, mad_multiplier="2"),
            "invalid aggregation rule",
        ),
        ("create: unknown temperature mode", set_rule(temperature_mode=7), "invalid aggregation rule"),
        (
            "create: hash != sha256(payload)",
            lambda m: setattr(m, "initial_model_sha256", hashlib.sha256(b"other").digest()),
            "sha256 does not match payload",
        ),
        ("create: empty initial model", set_initial(b""), "empty payload"),
        (
            "create: inline initial model > max_inline_bytes",
            set_initial(over_inline),
            "inline payload above max_inline_bytes",
        ),
        (
            "create: initial model by reference > max_model_bytes",
            set_reference(params.max_model_bytes + 1),
            "payload too large",
        ),
        (
            "create: initial model by reference of an inline size",
            set_reference(params.max_inline_bytes),
            "payload small enough to travel inline",
        ),
        ("create: zero rounds", lambda m: setattr(m, "num_rounds", 0), "invalid number of rounds"),
        (
            "create: rounds > max_rounds",
            lambda m: setattr(m, "num_rounds", params.max_rounds + 1),
            "invalid number of rounds",
        ),
        ("create: zero committee", lambda m: setattr(m, "committee_size", 0), "invalid committee size"),
        (
            "create: committee > max_committee_size",
            lambda m: setattr(m, "committee_size", params.max_committee_size + 1),
            "invalid committee size",
        ),
        (
            "create: commit phase of 0 blocks",
            lambda m: setattr(m.phases, "commit", 0),
            "invalid phase lengths",
        ),
        (
            "create: 1-block reveal phase (below min_phases)",
            lambda m: setattr(m.phases, "reveal", 1),
            "invalid phase lengths",
        ),
        (
            "create: budget of 1 base unit a round",
            lambda m: setattr(m.budget, "amount", "1"),
            "invalid reward budget",
        ),
        (
            "create: 1 MiB decimal string",
            set_rule(temperature="9" * (1 << 20)),
            "invalid aggregation rule",
        ),
        (
            "create: model spec over 64 KiB",
            lambda m: setattr(m, "model_spec", "x" * (64 * 1024 + 1)),
            "field too long",
        ),
        (
            "create: an allowlist naming an account twice",
            lambda m: m.allowed_participants.append(second.address),
            "invalid admission rules",
        ),
        (
            "create: update fee in another denom",
            lambda m: (setattr(m.update_fee, "denom", "other"), setattr(m.update_fee, "amount", "5")),
            "invalid admission rules",
        ),
        (
            "create: upper-case creator address",
            lambda m: setattr(m, "creator", m.creator.upper()),
            "invalid address",
        ),
        (
            "create: attest phase > max_phase_blocks",
            lambda m: setattr(m.phases, "attest", params.max_phase_blocks + 1),
            "invalid phase lengths",
        ),
        (
            "create: cap > max_updates_per_round",
            lambda m: setattr(m, "max_updates_per_round", params.max_updates_per_round + 1),
            "invalid max updates per round",
        ),
        ("create: zero budget", lambda m: setattr(m.budget, "amount", "0"), "invalid reward budget"),
        (
            "create: budget above the creator's balance",
            lambda m: setattr(m.budget, "amount", str(10**30)),
            "insufficient funds for the reward budget",
        ),
    ]
    reject_all([Case(name, creator, task_with(change), error) for name, change, error in create])

    response = creator.submit(good_task)
    task_id = creator.msg_response(response, 0, tx_pb2.MsgCreateTaskResponse()).task_id
    reject_all(
        [
            Case(
                "opt-in: from an account that is no validator",
                outsider,
                messages.opt_in(outsider.address, task_id),
                "validator not bonded or jailed",
            ),
            Case(
                "opt-in: unknown task",
                outsider,
                messages.opt_in(outsider.address, UNKNOWN_TASK),
                "task not found",
            ),
        ]
    )
    opt_in_all(validators, task_id)
    round_ = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_SUBMIT})
    committee = [m.address for m in round_.committee]
    assert sorted(committee) == sorted(validators), "committee of 4 = every validator"
    # committee[0] mines; committee[-1] never commits, so REVEAL has a member without a commitment.
    committers, silent = committee[:-1], committee[-1]
    miner = committers[0]

    # --- SUBMIT --------------------------------------------------------------------------------------
    garbage = b"\xde\xad\xbe\xef not canonical model bytes \x00\xff" * 8
    with pytest.raises(SerializationError):
        decode_tensors(garbage, SHAPES)
    second_payload = encode_tensors([np.full(SHAPES[0], 0.1, dtype=np.float32)])
    third_payload = encode_tensors([np.full(SHAPES[0], -0.2, dtype=np.float32)])
    fourth_payload = encode_tensors([np.full(SHAPES[0], 0.3, dtype=np.float32)])

    def seal(client: ChainClient, payload: bytes, **fields: Any) -> tx_pb2.MsgSubmitUpdate:
        digest = hashlib.sha256(payload).digest()
        msg = messages.submit_update(client.address, task_id, 1, digest, 20, SALT)
        for name, value in fields.items():
            setattr(msg, name, value)
        return msg

    def update(client: ChainClient, payload: bytes, **fields: Any) -> tx_pb2.MsgRevealUpdate:
        msg = messages.reveal_update(client.address, task_id, 1, payload, 20, SALT)
        for name, value in fields.items():
            setattr(msg, name, value)
        return msg

    reject_all(
        [
            Case(
                "update commitment: unknown task",
                outsider,
                seal(outsider, b"u", task_id=UNKNOWN_TASK),
                "task not found",
            ),
            Case(
                "update commitment: future round",
                outsider,
                seal(outsider, b"u", round=2),
                "not the current round",
            ),
            Case(
                "update commitment: round 0", outsider, seal(outsider, b"u", round=0), "not the current round"
            ),
            Case(
                "update commitment: 31 bytes",
                outsider,
                seal(outsider, b"u", commitment=b"\0" * 31),
                "invalid sha256",
            ),
            Case(
                "update commitment: upper-case spelling of the participant",
                outsider,
                seal(outsider, b"u", participant=outsider.address.upper()),
                "invalid address",
            ),
            # A reveal's stateless checks refuse it in CheckTx, whatever the phase.
            Case(
                "update reveal: sha256 of other bytes",
                outsider,
                update(outsider, b"u", sha256=hashlib.sha256(b"v").digest()),
                "sha256 does not match payload",
            ),
            Case(
                "update reveal: sha256 of 31 bytes",
                outsider,
                update(outsider, b"u", sha256=b"\0" * 31),
                "invalid sha256",
            ),
            Case("update reveal: empty payload", outsider, update(outsider, b""), "empty payload"),
            Case(
                "update reveal: zero samples",
                outsider,
                update(outsider, b"u", num_samples=0),
                "invalid number of samples",
            ),
            Case(
                "update reveal: salt of 31 bytes",
                outsider,
                update(outsider, b"u", salt=b"\0" * 31),
                "invalid salt",
            ),
            Case(
                "update reveal: locator that is not scheme://location",
                outsider,
                update(outsider, b"", size_bytes=params.max_inline_bytes + 1, locator="/etc/passwd"),
                "invalid blob reference",
            ),
            Case(
                "update reveal: in SUBMIT",
                outsider,
                update(outsider, b"u"),
                "update reveal outside UPDATE_REVEAL",
            ),
            Case(
                "commit: in SUBMIT",
                validators[miner],
                messages.commit_losses(miner, task_id, 1, b"\0" * 32),
                "wrong phase",
            ),
            Case(
                "aggregate: in SUBMIT",
                validators[miner],
                messages.submit_aggregate(miner, task_id, 1, b"model"),
                "wrong phase",
            ),
        ]
    )

    garbage_owner.submit(seal(garbage_owner, garbage))
    reject_all(
        [
            Case(
                "update commitment: second update of a participant",
                garbage_owner,
                seal(garbage_owner, second_payload),
                "duplicate",
            ),
            # The task is allowlisted: an account not on the list is refused.
            Case(
                "update commitment: from an account not on the allowlist",
                outsider,
                seal(outsider, fourth_payload),
                "participant not on the task's allowlist",
            ),
        ]
    )
    # The two others commit, and every allowlisted participant has: SUBMIT ends early.
    submit_all([(second, seal(second, second_payload)), (third, seal(third, third_payload))])

    # --- UPDATE_REVEAL -------------------------------------------------------------------------------
    creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_UPDATE_REVEAL}, timeout_s=90)
    reject_all(
        [
            Case(
                "update reveal: inline payload > max_inline_bytes",
                garbage_owner,
                update(garbage_owner, b"\x02" * (params.max_inline_bytes + 1)),
                "inline payload above max_inline_bytes",
            ),
            Case(
                "update reveal: reference > max_update_bytes",
                garbage_owner,
                update(
                    garbage_owner,
                    b"",
                    size_bytes=params.max_update_bytes + 1,
                    locator="ipfs://bafkreiexample",
                ),
                "payload too large",
            ),
            Case(
                "update reveal: reference to an inline-sized payload",
                garbage_owner,
                update(
                    garbage_owner, b"", size_bytes=params.max_inline_bytes, locator="ipfs://bafkreiexample"
                ),
                "payload small enough to travel inline",
            ),
            Case(
                "update reveal: without a commitment",
                outsider,
                update(outsider, fourth_payload),
                "no update commitment from this participant",
            ),
            Case(
                "update reveal: another salt than the commitment's",
                garbage_owner,
                update(garbage_owner, garbage, salt=b"\1" * 32),
                "update does not match its commitment",
            ),
            Case(
                "update reveal: another participant's bytes under its own commitment",
                second,
                update(second, garbage),
                "update does not match its commitment",
            ),
        ]
    )

    # Malformed payload bytes are accepted: the chain binds only the hash (validators give it the cap).
    garbage_owner.submit(update(garbage_owner, garbage))
    stored = creator.fedlearn.Update(
        query_pb2.QueryUpdateRequest(task_id=task_id, round=1, sha256=hashlib.sha256(garbage).digest())
    ).update
    assert (stored.payload, stored.info.participant) == (garbage, garbage_owner.address)
    OUTCOMES.append(
        ("update: garbage (non-canonical) payload bytes", "ACCEPTED", "block", "stored with its hash")
    )
    reject_all(
        [Case("update reveal: second reveal", garbage_owner, update(garbage_owner, garbage), "duplicate")]
    )
    submit_all([(second, update(second, second_payload)), (third, update(third, third_payload))])

    # --- COMMIT --------------------------------------------------------------------------------------
    round_ = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_COMMIT}, timeout_s=90)
    hashes = [u.sha256 for u in round_.updates]
    assert len(hashes) == 3
    base = {
        hashlib.sha256(garbage).digest(): params.loss_cap,  # undecodable → the loss cap
        hashlib.sha256(second_payload).digest(): 400_000,
        hashlib.sha256(third_payload).digest(): 900_000,
        hashlib.sha256(fourth_payload).digest(): 600_000,
    }
    reveals: dict[str, tuple[bytes, list[int]]] = {}
    for k, address in enumerate(committers):
        losses = [min(base[h] + 1_000 * k, params.loss_cap) for h in hashes]
        reveals[address] = (os.urandom(32), losses)

    def digest_of(address: str) -> bytes:
        salt, losses = reveals[address]
        return commitment(task_id, 1, address, salt, hashes, losses)

    submit_all([(validators[a], messages.commit_losses(a, task_id, 1, digest_of(a))) for a in committers])
    reject_all(
        [
            Case(
                "commit: second commit of a member",
                validators[miner],
                messages.commit_losses(miner, task_id, 1, digest_of(miner)),
                "duplicate",
            ),
            Case(
                "commit: from a participant (not in the committee)",
                outsider,
                messages.commit_losses(outsider.address, task_id, 1, b"\1" * 32),
                "not in the round's committee",
            ),
            Case(
                "commit: commitment of 31 bytes",
                validators[silent],
                messages.commit_losses(silent, task_id, 1, b"\1" * 31),
                "invalid sha256",
            ),
            Case(
                "commit: unknown task",
                validators[silent],
                messages.commit_losses(silent, UNKNOWN_TASK, 1, b"\1" * 32),
                "task not found",
            ),
            Case("update commitment: in COMMIT", outsider, seal(outsider, b"late update"), "wrong phase"),
            Case(
                "update reveal: in COMMIT",
                garbage_owner,
                update(garbage_owner, garbage),
                "update reveal outside UPDATE_REVEAL",
            ),
            Case(
                "reveal: in COMMIT",
                validators[miner],
                messages.reveal_losses(miner, task_id, 1, *reveals[miner]),
                "wrong phase",
            ),
        ]
    )
    still = creator.round(task_id, 1)
    assert still.phase == PHASE.ROUND_PHASE_COMMIT, "COMMIT ended before its cases ran: lengthen PHASES[2]"

    # --- REVEAL (COMMIT ends at its deadline: the silent member never commits) -----------------------
    creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_REVEAL}, timeout_s=120)
    first, other = committers[0], committers[1]
    salt, losses = reveals[other]
    capped = list(losses)
    capped[hashes.index(hashlib.sha256(garbage).digest())] = params.loss_cap + 1
    changed = list(losses)
    changed[0] += 1
    reject_all(
        [
            Case(
                "reveal: salt of 5 bytes",
                validators[other],
                messages.reveal_losses(other, task_id, 1, b"\1" * 5, losses),
                "invalid salt",
            ),
            Case(
                "reveal: 2 losses for 3 updates",
                validators[other],
                messages.reveal_losses(other, task_id, 1, salt, losses[:2]),
                "wrong number of losses",
            ),
            Case(
                "reveal: loss above loss_cap",
                validators[other],
                messages.reveal_losses(other, task_id, 1, salt, capped),
                "loss above the loss cap",
            ),
            Case(
                "reveal: losses differ from the commitment",
                validators[other],
                messages.reveal_losses(other, task_id, 1, salt, changed),
                "reveal does not match commitment",
            ),
            Case(
                "reveal: another salt than the commitment's",
                validators[other],
                messages.reveal_losses(other, task_id, 1, os.urandom(32), losses),
                "reveal does not match commitment",
            ),
            Case(
                "reveal: member that did not commit",
                validators[silent],
                messages.reveal_losses(silent, task_id, 1, os.urandom(32), [0, 0, 0]),
                "no commitment to reveal",
            ),
            Case(
                "reveal: from a participant (not in the committee)",
                outsider,
                messages.reveal_losses(outsider.address, task_id, 1, salt, losses),
                "not in the round's committee",
            ),
            Case(
                "attest: in REVEAL (before the weights)",
                validators[first],
                messages.attest_aggregate(first, task_id, 1, hashlib.sha256(b"a model").digest()),
                "wrong phase",
            ),
        ]
    )
    submit_all([(validators[a], messages.reveal_losses(a, task_id, 1, *reveals[a])) for a in (first, other)])
    reject_all(
        [
            Case(
                "reveal: second reveal of a member",
                validators[first],
                messages.reveal_losses(first, task_id, 1, *reveals[first]),
                "duplicate",
            )
        ]
    )
    last = committers[2]
    validators[last].submit(messages.reveal_losses(last, task_id, 1, *reveals[last]))

    # --- AGGREGATE -----------------------------------------------------------------------------------
    round_ = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_AGGREGATE}, timeout_s=90)
    assert round_.committee[round_.miner_attempt].address == miner
    weights = list(round_.weights)
    assert sum(weights) == WEIGHT_SCALE
    assert weights[hashes.index(hashlib.sha256(garbage).digest())] == 0, "the capped update gets no weight"
    aggregate = encode_tensors([np.full(SHAPES[0], 0.05, dtype=np.float32)])
    wrong_hash = mutated(
        messages.submit_aggregate(miner, task_id, 1, aggregate),
        lambda m: setattr(m, "model_sha256", hashlib.sha256(b"another model").digest()),
    )
    reject_all(
        [
            Case(
                "aggregate: from a member that is not the miner",
                validators[other],
                messages.submit_aggregate(other, task_id, 1, aggregate),
                "not the round's current miner",
            ),
            Case(
                "aggregate: from a participant",
                outsider,
                messages.submit_aggregate(outsider.address, task_id, 1, aggregate),
                "not in the round's committee",
            ),
            Case(
                "aggregate: hash of other bytes",
                validators[miner],
                wrong_hash,
                "sha256 does not match payload",
            ),
            Case(
                "aggregate: empty payload",
                validators[miner],
                messages.submit_aggregate(miner, task_id, 1, b""),
                "empty payload",
            ),
            Case(
                "aggregate: inline payload > max_inline_bytes",
                validators[miner],
                messages.submit_aggregate(miner, task_id, 1, over_inline),
                "inline payload above max_inline_bytes",
            ),
        ]
    )
    validators[miner].submit(messages.submit_aggregate(miner, task_id, 1, aggregate))

    # --- ATTEST --------------------------------------------------------------------------------------
    creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_ATTEST}, timeout_s=90)
    model_hash = hashlib.sha256(aggregate).digest()
    validators[first].submit(messages.attest_aggregate(first, task_id, 1, model_hash))
    reject_all(
        [
            Case(
                "attest: second attestation of a member",
                validators[first],
                messages.attest_aggregate(first, task_id, 1, model_hash),
                "duplicate",
            ),
            Case(
                "attest: from a participant (not in the committee)",
                outsider,
                messages.attest_aggregate(outsider.address, task_id, 1, model_hash),
                "not in the round's committee",
            ),
            Case(
                "attest: hash of 31 bytes",
                validators[other],
                messages.attest_aggregate(other, task_id, 1, model_hash[:31]),
                "invalid sha256",
            ),
            Case(
                "attest: future round",
                validators[other],
                messages.attest_aggregate(other, task_id, 2, model_hash),
                "not the current round",
            ),
            Case(
                "aggregate: in ATTEST",
                validators[miner],
                messages.submit_aggregate(miner, task_id, 1, aggregate),
                "wrong phase",
            ),
        ]
    )
    submit_all([(validators[a], messages.attest_aggregate(a, task_id, 1, model_hash)) for a in (other, last)])
    round_ = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_FINALIZED}, timeout_s=90)
    assert round_.finalized_sha256 == model_hash

    # --- after the last round: the task is COMPLETED -------------------------------------------------
    deadline = time.monotonic() + 60
    while creator.fedlearn.Task(query_pb2.QueryTaskRequest(task_id=task_id)).task.status != (
        task_pb2.TASK_STATUS_COMPLETED
    ):
        assert time.monotonic() < deadline, f"task {task_id} did not complete"
        time.sleep(0.25)
    reject_all(
        [
            Case(
                "update commitment: completed task", outsider, seal(outsider, b"too late"), "task not active"
            ),
            Case("update reveal: completed task", outsider, update(outsider, b"too late"), "task not active"),
            Case(
                "attest: completed task",
                validators[silent],
                messages.attest_aggregate(silent, task_id, 1, model_hash),
                "task not active",
            ),
        ]
    )

    # --- the chain goes on, in agreement -------------------------------------------------------------
    height_after = status_height(localnet_dir)
    assert height_after > height_before
    deadline = time.monotonic() + 60
    while (height := status_height(localnet_dir)) <= height_after:
        assert time.monotonic() < deadline, f"no block after height {height_after}"
        time.sleep(1)
    for client in (garbage_owner, second, third, outsider):
        client.close()

    rejected = [o for o in OUTCOMES if o[1] != "ACCEPTED"]
    accepted = len(OUTCOMES) - len(rejected)
    print(f"\n{len(rejected)} rejections, {accepted} acceptances, heights {height_before}→{height}")
    for name, error, where, log in OUTCOMES:
        print(f"  {name:52} {error:42} {where:8} {log}")
    assert {o[2] for o in rejected} == {"CheckTx", "block"}, (
        "stateless cases stop in CheckTx, the rest in a block"
    )
    print(f"battery took {time.monotonic() - started:.1f} s")
    assert len(rejected) >= 15
