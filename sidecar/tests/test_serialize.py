import hashlib
import struct

import numpy as np
import pytest

from sabfl.ml.serialize import (
    SerializationError,
    decode_flat,
    decode_tensors,
    encode_flat,
    encode_tensors,
    sha256_hex,
)

SHAPES = [(2, 3), (3,)]


def sample():
    return [np.arange(6, dtype=np.float32).reshape(2, 3) / 7, np.array([1.5, -2.0, 3.25], dtype=np.float32)]


def test_layout_is_fixed_little_endian():
    data = encode_tensors(sample())
    assert data[:4] == b"SABF" and data[4] == 1
    assert struct.unpack_from("<I", data, 5)[0] == 2
    assert data[-4:] == struct.pack("<f", 3.25)
    assert len(data) == 9 + (1 + 8) + (1 + 4) + 4 * 9


def test_roundtrip_and_hash_are_stable():
    data = encode_tensors(sample())
    decoded = decode_tensors(data, SHAPES)
    for original, back in zip(sample(), decoded, strict=True):
        np.testing.assert_array_equal(original, back)
    assert sha256_hex(data) == hashlib.sha256(encode_tensors(decode_tensors(data, SHAPES))).hexdigest()
    flat = decode_flat(data, SHAPES)
    assert encode_flat(flat, SHAPES) == data


def test_float64_input_is_canonicalised():
    as_double = [t.astype(np.float64) for t in sample()]
    assert encode_tensors(as_double) == encode_tensors(sample())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: b"XXXX" + d[4:], "magic"),
        (lambda d: d[:4] + b"\x02" + d[5:], "version"),
        (lambda d: d[:-1], "truncated"),
        (lambda d: d + b"\x00" * 4, "trailing"),
        (lambda d: d[:10], "truncated"),
    ],
)
def test_corrupt_bytes_are_rejected(mutate, message):
    with pytest.raises(SerializationError, match=message):
        decode_tensors(mutate(encode_tensors(sample())), SHAPES)


def test_wrong_shape_and_count_are_rejected():
    data = encode_tensors(sample())
    with pytest.raises(SerializationError, match="shape"):
        decode_tensors(data, [(3, 2), (3,)])
    with pytest.raises(SerializationError, match="tensors"):
        decode_tensors(data, [(2, 3)])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_rejected(bad):
    tensors = sample()
    with pytest.raises(SerializationError, match="non-finite"):
        encode_tensors([tensors[0], np.array([1.0, bad, 0.0], dtype=np.float32)])
    raw = bytearray(encode_tensors(tensors))
    raw[-4:] = struct.pack("<f", bad)
    with pytest.raises(SerializationError, match="NaN or infinite"):
        decode_tensors(bytes(raw), SHAPES)


def test_encode_flat_checks_size():
    with pytest.raises(SerializationError, match="shapes need 9"):
        encode_flat(np.zeros(8, dtype=np.float32), SHAPES)
