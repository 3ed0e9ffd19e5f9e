"""Commitment layout, binding and rejections in the Python port."""

from __future__ import annotations

import hashlib

import pytest

from sabfl.protocol import InvalidInput, UnsortedHashes, commitment

SALT = bytes(range(32))


def test_documented_example() -> None:
    """The example quoted in docs/protocol.md (also the first commitment case of the shared vectors)."""
    hashes = sorted(hashlib.sha256(name).digest() for name in (b"update-a", b"update-b", b"update-c"))
    digest = commitment(
        1, 3, "sabflvaloper1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5cyrlx2", SALT, hashes, [693_147, 10**12, 250_000]
    )
    assert digest.hex() == "08c4b3fc9da8076b372e6f5ea33a366bc954424f4faf91144f3040033c63b821"


def test_preimage_layout() -> None:
    hashes = [b"\x01" + bytes(31), b"\x02" + bytes(31)]
    preimage = (
        b"sabfl/commit/v1"
        + bytes.fromhex("0000000000000005" + "0000000000000009" + "0003")
        + b"val"
        + SALT
        + hashes[0]
        + (0x0102).to_bytes(8, "big")
        + hashes[1]
        + (7).to_bytes(8, "big")
    )
    assert commitment(5, 9, "val", SALT, hashes, [0x0102, 7]) == hashlib.sha256(preimage).digest()


def test_every_field_is_bound() -> None:
    hashes = [b"\x01" + bytes(31), b"\x02" + bytes(31)]
    base = commitment(1, 1, "v", SALT, hashes, [10, 20])
    variants = [
        commitment(2, 1, "v", SALT, hashes, [10, 20]),
        commitment(1, 2, "v", SALT, hashes, [10, 20]),
        commitment(1, 1, "w", SALT, hashes, [10, 20]),
        commitment(1, 1, "v", SALT[:31] + b"\xff", hashes, [10, 20]),
        commitment(1, 1, "v", SALT, hashes, [10, 21]),
        commitment(1, 1, "v", SALT, [hashes[0], b"\x03" + bytes(31)], [10, 20]),
    ]
    assert base not in variants


@pytest.mark.parametrize(
    ("validator", "salt", "hashes", "losses", "error"),
    [
        ("v", SALT, [b"\x02" + bytes(31), b"\x01" + bytes(31)], [1, 2], UnsortedHashes),
        ("v", SALT, [bytes(32), bytes(32)], [1, 2], UnsortedHashes),
        ("v", SALT, [bytes(32)], [1, 2], InvalidInput),
        ("v", SALT, [bytes(31)], [1], InvalidInput),
        ("v", SALT[:31], [], [], InvalidInput),
        ("v", SALT, [bytes(32)], [2**64], InvalidInput),
        ("v" * 65536, SALT, [], [], InvalidInput),
    ],
)
def test_rejects(validator: str, salt: bytes, hashes: list[bytes], losses: list[int], error: type) -> None:
    with pytest.raises(error):
        commitment(1, 1, validator, salt, hashes, losses)
