"""Canonical bytes of a model or an update; the chain hashes exactly these bytes.

Format (all integers little-endian)::

    magic  b"SABF"            4 bytes
    version u8 = 1
    count  u32                number of tensors
    count x (ndim u8, ndim x u32 dims)
    data   float32 LE, tensors in canonical (named_parameters) order, each in C order

Nothing else (no names, no padding), so equal parameters always give equal bytes and the same sha256.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Sequence

import numpy as np

MAGIC = b"SABF"
VERSION = 1
FLOAT_LE = np.dtype("<f4")


class SerializationError(ValueError):
    """Bytes that are not a valid canonical encoding for the expected shapes."""


def encode_tensors(tensors: Sequence[np.ndarray]) -> bytes:
    """Canonical bytes of float32 tensors in the given order. Rejects non-finite values."""
    header = bytearray(MAGIC)
    header += struct.pack("<BI", VERSION, len(tensors))
    payload = []
    for tensor in tensors:
        array = np.ascontiguousarray(np.asarray(tensor, dtype=FLOAT_LE))
        if array.ndim > 255:
            raise SerializationError("tensor has more than 255 dimensions")
        if not np.isfinite(array).all():
            raise SerializationError("refusing to encode non-finite values")
        header += struct.pack(f"<B{array.ndim}I", array.ndim, *array.shape)
        payload.append(memoryview(array).cast("B"))
    # One copy of the data, straight into the result.
    return b"".join([header, *payload])


def encode_flat(flat: np.ndarray, shapes: Sequence[tuple[int, ...]]) -> bytes:
    """Canonical bytes of a flat parameter vector split into ``shapes`` (a ``ParamLayout.shapes``)."""
    flat = np.asarray(flat, dtype=FLOAT_LE).reshape(-1)
    sizes = [math.prod(s) for s in shapes]
    if flat.size != sum(sizes):
        raise SerializationError(f"flat vector has {flat.size} values, shapes need {sum(sizes)}")
    pieces = np.split(flat, np.cumsum(sizes)[:-1])
    return encode_tensors([p.reshape(s) for p, s in zip(pieces, shapes, strict=True)])


def _values_offset(view: memoryview, expected_shapes: Sequence[tuple[int, ...]]) -> int:
    """Check the header and length of canonical bytes against ``expected_shapes``; the data's offset."""
    if len(view) < 9 or bytes(view[:4]) != MAGIC:
        raise SerializationError("not a sabfl tensor encoding (bad magic or too short)")
    version, count = struct.unpack_from("<BI", view, 4)
    if version != VERSION:
        raise SerializationError(f"unsupported encoding version {version}")
    if count != len(expected_shapes):
        raise SerializationError(f"encoding holds {count} tensors, expected {len(expected_shapes)}")
    offset = 9
    for index, expected in enumerate(expected_shapes):
        if offset + 1 > len(view):
            raise SerializationError("truncated header")
        ndim = view[offset]
        if offset + 1 + 4 * ndim > len(view):
            raise SerializationError("truncated header")
        shape = struct.unpack_from(f"<{ndim}I", view, offset + 1)
        if tuple(shape) != tuple(expected):
            raise SerializationError(f"tensor {index} has shape {tuple(shape)}, expected {tuple(expected)}")
        offset += 1 + 4 * ndim
    total = sum(math.prod(s) for s in expected_shapes)
    if len(view) - offset != 4 * total:
        kind = "truncated" if len(view) - offset < 4 * total else "has trailing bytes"
        raise SerializationError(f"payload {kind}: {len(view) - offset} bytes for {total} float32 values")
    return offset


def _finite_values(data: bytes, expected_shapes: Sequence[tuple[int, ...]]) -> np.ndarray:
    """The float32 values of canonical bytes, read in place (a view of ``data``), all finite."""
    offset = _values_offset(memoryview(data), expected_shapes)
    total = sum(math.prod(s) for s in expected_shapes)
    values = np.frombuffer(data, dtype=FLOAT_LE, count=total, offset=offset)
    if not np.isfinite(values).all():
        raise SerializationError("payload contains NaN or infinite values")
    return values


def decode_tensors(data: bytes, expected_shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Parse canonical bytes, checking the header against ``expected_shapes`` and every value finite."""
    values = _finite_values(data, expected_shapes)
    sizes = [math.prod(s) for s in expected_shapes]
    pieces = np.split(values.astype(np.float32), np.cumsum(sizes)[:-1])
    return [p.reshape(s) for p, s in zip(pieces, expected_shapes, strict=True)]


def decode_flat(data: bytes, shapes: Sequence[tuple[int, ...]]) -> np.ndarray:
    """Decode canonical bytes into one flat float32 vector (raises ``SerializationError``)."""
    return np.concatenate([t.reshape(-1) for t in decode_tensors(data, shapes)])


def decode_flat_into(data: bytes, shapes: Sequence[tuple[int, ...]], out: np.ndarray) -> None:
    """`decode_flat` into ``out`` (float32, one value per parameter) with no copy beside it; ``out`` is
    untouched when the bytes are refused (``SerializationError``)."""
    values = _finite_values(data, shapes)
    if out.dtype != np.float32 or out.shape != values.shape:
        raise ValueError(f"out must be float32 of shape {values.shape}, got {out.dtype} {out.shape}")
    np.copyto(out, values)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
