"""One full SABFL round over the real localnet with cosmpy-signed messages: sealed updates and their
reveal, commit-reveal of losses, the chain's stake-weighted median and fixed-point softmax (recomputed
here with sabfl.protocol), the miner's aggregate, attestations and finality. The test supplies losses and
aggregate bytes, and plays a copier that re-sends an observed update commitment. The third update stands
for a free rider's zero update: validators' sidecars reveal the loss cap for an update that moves no
parameter (sabfl.roles.inputs), and such an update earns no weight and no reward."""

from __future__ import annotations

import hashlib
import os
import subprocess

import grpc
import pytest
from cosmpy.protos.cosmos.tx.v1beta1 import service_pb2 as tx_service
from google.protobuf.message import Message

from sabfl.chain import ChainClient, KeysFile, TxError, messages
from sabfl.fedlearn.v1 import query_pb2, round_pb2, tx_pb2
from sabfl.protocol import TemperatureRule, commitment, consensus_losses, softmax_weights
from sabfl.roles.inputs import CAP_MICRO

from .conftest import ROOT, client_for, opt_in_all

PHASE = round_pb2.RoundPhase
# Per-update base loss (micro-units) by submission order; each validator adds its own small noise to the
# first two. The third is what every sidecar reveals for a zero update: the loss cap.
BASE_LOSSES = [400_000, 900_000, CAP_MICRO]


def sent_message(client: ChainClient, txhash: str, into: Message) -> Message:
    """The first message of a tx in a block, as anyone watching the chain sees it."""
    client.tx.GetTx(tx_service.GetTxRequest(hash=txhash)).tx.body.messages[0].Unpack(into)
    return into


def test_full_round_finalizes(
    creator: ChainClient, validators: dict[str, ChainClient], keys: KeysFile
) -> None:
    initial = b"initial model bytes"
    participants = [client_for(keys, account) for account in keys.participants[:3]]
    copier = client_for(keys, keys.participants[3])
    msg = messages.create_task(
        creator.address,
        "e2e/opaque",
        initial,
        num_rounds=2,
        committee_size=4,
        budget=1_000_000,
        temperature_mode="fixed",
        temperature="0.5",
        phases=(20, 8, 20, 20, 20, 20),
        max_updates_per_round=4,
    )
    msg.allowed_participants.extend(p.address for p in [*participants, copier])
    response = creator.submit(msg)
    task_id = creator.msg_response(response, 0, tx_pb2.MsgCreateTaskResponse()).task_id
    opt_in_all(validators, task_id)
    params = creator.fedlearn.Params(query_pb2.QueryParamsRequest()).params
    assert params.loss_cap == CAP_MICRO, "the sidecars' loss cap is the chain's"
    round_ = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_SUBMIT})
    assert round_.base_model_sha256 == hashlib.sha256(initial).digest()
    committee = [m.address for m in round_.committee]
    assert sorted(committee) == sorted(validators), "committee of 4 = every validator"

    payloads = [f"update of {p.address}".encode() * 10 for p in participants]
    salts = [os.urandom(32) for _ in participants]
    sealed = []
    for participant, payload, salt in zip(participants, payloads, salts, strict=True):
        digest = hashlib.sha256(payload).digest()
        sealed.append(
            participant.wait(
                participant.broadcast(
                    messages.submit_update(participant.address, task_id, 1, digest, 50, salt)
                )
            ).txhash
        )

    # While SUBMIT is open nothing of an update is public: the txs carry commitments only, and no query
    # returns an update's bytes, sha256 or locator.
    observed = sent_message(creator, sealed[0], tx_pb2.MsgSubmitUpdate())
    assert len(observed.commitment) == 32
    digests = [hashlib.sha256(p).digest() for p in payloads]
    for txhash in sealed:
        raw = creator.tx.GetTx(tx_service.GetTxRequest(hash=txhash)).tx.SerializeToString()
        assert not any(d in raw or p in raw for d, p in zip(digests, payloads, strict=True))
    round_ = creator.round(task_id, 1)
    assert round_.phase == PHASE.ROUND_PHASE_SUBMIT
    assert (list(round_.updates), round_.updates_committed) == ([], 3)
    assert not creator.fedlearn.Updates(query_pb2.QueryUpdatesRequest(task_id=task_id, round=1)).updates
    with pytest.raises(grpc.RpcError) as hidden:
        creator.fedlearn.Update(query_pb2.QueryUpdateRequest(task_id=task_id, round=1, sha256=digests[0]))
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    # A copier re-sends the observed commitment from its own account: accepted, nobody can tell.
    copied = tx_pb2.MsgSubmitUpdate(participant=copier.address, task_id=task_id, round=1)
    copied.commitment = observed.commitment
    copier.submit(copied)

    # Every allowlisted account committed: SUBMIT ends early; the honest participants reveal.
    creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_UPDATE_REVEAL})
    reveals_sent = [
        participant.wait(
            participant.broadcast(messages.reveal_update(participant.address, task_id, 1, payload, 50, salt))
        ).txhash
        for participant, payload, salt in zip(participants, payloads, salts, strict=True)
    ]
    # The copier now sees participant 0's bytes and salt, and reveals them as its own: refused.
    seen = sent_message(creator, reveals_sent[0], tx_pb2.MsgRevealUpdate())
    stolen = messages.reveal_update(copier.address, task_id, 1, seen.payload, seen.num_samples, seen.salt)
    with pytest.raises(TxError, match="update does not match its commitment"):
        copier.submit(stolen)
    balances_before = [p.balance() for p in participants]  # after their fees

    # The copier never reveals a matching update: UPDATE_REVEAL runs to its deadline and drops it.
    round_ = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_COMMIT})
    assert (round_.updates_committed, round_.updates_revealed) == (4, 3)
    assert copier.address not in [u.participant for u in round_.updates]
    hashes = [u.sha256 for u in round_.updates]
    assert hashes == sorted(hashlib.sha256(p).digest() for p in payloads)
    order = [hashes.index(hashlib.sha256(p).digest()) for p in payloads]
    reveals: dict[str, tuple[bytes, list[int]]] = {}
    for k, address in enumerate(committee):
        losses = [0] * 3
        for submitted, position in enumerate(order):
            noise = 1_000 * k if BASE_LOSSES[submitted] < CAP_MICRO else 0
            losses[position] = BASE_LOSSES[submitted] + noise
        salt = os.urandom(32)
        reveals[address] = (salt, losses)
        digest = commitment(task_id, 1, address, salt, hashes, losses)
        validators[address].submit(messages.commit_losses(address, task_id, 1, digest))

    creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_REVEAL})
    for address, (salt, losses) in reveals.items():
        validators[address].submit(messages.reveal_losses(address, task_id, 1, salt, losses))

    round_ = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_AGGREGATE})
    stakes = [m.power for m in round_.committee]
    expected_losses = consensus_losses([reveals[a][1] for a in committee], stakes)
    assert list(round_.consensus_losses) == expected_losses
    expected_weights = softmax_weights(expected_losses, TemperatureRule("fixed", tau=500_000))
    assert list(round_.weights) == expected_weights, "Go and Python fixed-point softmax agree bit for bit"
    assert round_.weights[order[0]] > round_.weights[order[1]] > round_.weights[order[2]] == 0

    miner = round_.committee[round_.miner_attempt].address
    aggregate = b"aggregate of round 1"
    digest = hashlib.sha256(aggregate).digest()
    # Members recompute the aggregate from the weights: they may attest before the miner's aggregate, in
    # AGGREGATE, and the round then finalizes in the block of the miner's aggregate, with no ATTEST block.
    for a in committee:
        if a != miner:
            validators[a].submit(messages.attest_aggregate(a, task_id, 1, digest))
    assert creator.round(task_id, 1).phase == PHASE.ROUND_PHASE_AGGREGATE, "no quorum without the aggregate"
    validators[miner].submit(
        messages.submit_aggregate(miner, task_id, 1, aggregate),
        messages.attest_aggregate(miner, task_id, 1, digest),
    )
    assert creator.round(task_id, 1).phase == PHASE.ROUND_PHASE_FINALIZED, "finalized in the miner's block"
    round_ = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_FINALIZED})
    assert round_.finalized_sha256 == hashlib.sha256(aggregate).digest()
    model = creator.fedlearn.GlobalModel(query_pb2.QueryGlobalModelRequest(task_id=task_id)).model
    assert (model.round, model.payload) == (1, aggregate)
    # Per-round payloads are gone; the round record (and its update list, without payloads) stays.
    with pytest.raises(grpc.RpcError) as gone:
        creator.fedlearn.Update(query_pb2.QueryUpdateRequest(task_id=task_id, round=1, sha256=hashes[0]))
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND
    listed = creator.fedlearn.Updates(query_pb2.QueryUpdatesRequest(task_id=task_id, round=1)).updates
    assert [u.sha256 for u in listed] == hashes
    # Participants are paid in proportion to their weights: the lowest loss earns most.
    gains = [p.balance() - before for p, before in zip(participants, balances_before, strict=True)]
    assert gains[0] > gains[1] > gains[2] == 0, "the zero update's loss cap earns nothing"
    # The next round opens at once.
    creator.wait_for_phase(task_id, 2, {PHASE.ROUND_PHASE_SUBMIT})

    node = keys.nodes[0].rpc.replace("http://", "tcp://")
    shown = subprocess.run(
        [str(ROOT / "build" / "bin" / "sabfld"), "q", "fedlearn", "round", str(task_id), "1", "--node", node],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    print(shown)
    assert "ROUND_PHASE_FINALIZED" in shown and "consensus_losses" in shown
    for participant in [*participants, copier]:
        participant.close()
