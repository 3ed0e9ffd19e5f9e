"""Commit-reveal commitment of a validator's losses (port of consensus/commitment.go)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sabfl.protocol.errors import InvalidInput, UnsortedHashes
from sabfl.protocol.fixedpoint import require_u64

COMMITMENT_DOMAIN = b"sabfl/commit/v1"


def commitment(
    task_id: int,
    round_number: int,
    validator: str,
    salt: bytes,
    update_hashes: Sequence[bytes],
    losses: Sequence[int],
) -> bytes:
    """sha256( "sabfl/commit/v1" ‖ uint64be(task_id) ‖ uint64be(round_number) ‖ uint16be(len(validator))
    ‖ validator (UTF-8) ‖ salt (32 B) ‖ for each update, hashes ascending: hash (32 B) ‖ uint64be(loss) ).

    ``update_hashes`` must be strictly ascending 32-byte hashes and ``losses[i]`` (micro-units) belongs to
    ``update_hashes[i]``; the validator address is at most 65535 bytes.
    """
    require_u64("task_id", task_id)
    require_u64("round_number", round_number)
    if len(salt) != 32:
        raise InvalidInput(f"salt must be 32 bytes, got {len(salt)}")
    if len(update_hashes) != len(losses):
        raise InvalidInput(f"{len(update_hashes)} update hashes but {len(losses)} losses")
    address = validator.encode()
    if len(address) > 0xFFFF:
        raise InvalidInput(f"validator address of {len(address)} bytes")
    for i, h in enumerate(update_hashes):
        if len(h) != 32:
            raise InvalidInput(f"update hash {i} has {len(h)} bytes, want 32")
        if i > 0 and bytes(update_hashes[i - 1]) >= bytes(h):
            previous = bytes(update_hashes[i - 1]).hex()
            raise UnsortedHashes(f"hash {i} ({bytes(h).hex()}) is not above hash {i - 1} ({previous})")
    preimage = bytearray(COMMITMENT_DOMAIN)
    preimage += task_id.to_bytes(8, "big") + round_number.to_bytes(8, "big")
    preimage += len(address).to_bytes(2, "big") + address + bytes(salt)
    for i, (h, loss) in enumerate(zip(update_hashes, losses, strict=True)):
        preimage += bytes(h) + require_u64(f"losses[{i}]", loss).to_bytes(8, "big")
    return hashlib.sha256(preimage).digest()


UPDATE_COMMITMENT_DOMAIN = b"sabfl/update/v1"


def update_commitment(
    task_id: int,
    round_number: int,
    participant: bytes,
    update_sha256: bytes,
    num_samples: int,
    salt: bytes,
) -> bytes:
    """sha256( "sabfl/update/v1" ‖ uint64be(task_id) ‖ uint64be(round_number) ‖ uint16be(len(participant))
    ‖ participant address bytes ‖ update sha256 (32 B) ‖ uint64be(num_samples) ‖ salt (32 B) ).

    A participant's sealed update (port of consensus.UpdateCommitment): sent in SUBMIT, opened in
    UPDATE_REVEAL. ``participant`` is the account's address bytes (1 to 65535 of them), not its bech32
    spelling, so a copy re-sent from another account cannot be opened.
    """
    require_u64("task_id", task_id)
    require_u64("round_number", round_number)
    require_u64("num_samples", num_samples)
    if not 0 < len(participant) <= 0xFFFF:
        raise InvalidInput(f"participant address of {len(participant)} bytes")
    if len(update_sha256) != 32:
        raise InvalidInput(f"update sha256 must be 32 bytes, got {len(update_sha256)}")
    if len(salt) != 32:
        raise InvalidInput(f"salt must be 32 bytes, got {len(salt)}")
    preimage = bytearray(UPDATE_COMMITMENT_DOMAIN)
    preimage += task_id.to_bytes(8, "big") + round_number.to_bytes(8, "big")
    preimage += len(participant).to_bytes(2, "big") + bytes(participant)
    preimage += bytes(update_sha256) + num_samples.to_bytes(8, "big") + bytes(salt)
    return hashlib.sha256(preimage).digest()
