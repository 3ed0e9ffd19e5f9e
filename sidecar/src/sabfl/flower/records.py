"""Conversion between Flower's ArrayRecord and sabfl's flat float32 parameter vectors.

An ArrayRecord holds a model as named arrays (a PyTorch ``state_dict``); sabfl's ML core works on one
flat vector in the model's ``named_parameters`` order (:class:`sabfl.ml.models.ParamLayout`). A client's
reply is checked against the server's model before any of it is used: names, dtype and shape are read
from the decoded arrays, not from the metadata the client sent beside them.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from flwr.app import ArrayRecord, RecordDict

from sabfl.ml.models import ParamLayout, unflatten_params


class ReplyError(ValueError):
    """A client's reply cannot be read as a model of the server's layout; the reply is left out."""


def flat_to_arrays(flat: torch.Tensor, layout: ParamLayout) -> ArrayRecord:
    """An ArrayRecord with one float32 array per parameter of ``layout``, in canonical order."""
    pieces = unflatten_params(flat.detach().to(torch.float32).reshape(-1), layout)
    return ArrayRecord({name: piece.contiguous() for name, piece in pieces.items()})


def arrays_to_flat(record: ArrayRecord, layout: ParamLayout) -> torch.Tensor:
    """The flat float32 vector [d] of ``record``; raises :class:`ReplyError` unless its arrays are exactly
    ``layout``'s names with float32 values of the right shapes. Non-finite values pass through: the
    scoring rule gives such an update ``LOSS_CAP``."""
    missing = [name for name in layout.names if name not in record]
    unexpected = sorted(set(record) - set(layout.names))
    if missing or unexpected:
        raise ReplyError(f"arrays do not match the model: missing {missing}, unexpected {unexpected}")
    pieces = []
    for name, shape in zip(layout.names, layout.shapes, strict=True):
        try:
            values = record[name].numpy()
        except (TypeError, ValueError, OSError, EOFError) as error:
            raise ReplyError(f"array {name!r} cannot be decoded: {error}") from error
        if values.dtype != np.float32:
            raise ReplyError(f"array {name!r} has dtype {values.dtype}, the model float32")
        if tuple(values.shape) != shape:
            raise ReplyError(f"array {name!r} has shape {tuple(values.shape)}, the model {shape}")
        pieces.append(values.reshape(-1))
    return torch.from_numpy(np.concatenate(pieces) if pieces else np.zeros(0, np.float32))


def read_reply(content: RecordDict, layout: ParamLayout, weighted_by_key: str) -> tuple[torch.Tensor, float]:
    """A train reply's model [d] and its sample count (``weighted_by_key`` of its one MetricRecord)."""
    if len(content.array_records) != 1:
        raise ReplyError(f"expected exactly one ArrayRecord, got {len(content.array_records)}")
    if len(content.metric_records) != 1:
        raise ReplyError(f"expected exactly one MetricRecord, got {len(content.metric_records)}")
    metrics = next(iter(content.metric_records.values()))
    samples = metrics.get(weighted_by_key)
    if isinstance(samples, bool) or not isinstance(samples, int | float):
        raise ReplyError(f"metric {weighted_by_key!r} must be a number, got {samples!r}")
    if not (math.isfinite(samples) and samples >= 0):
        raise ReplyError(f"metric {weighted_by_key!r} must be finite and non-negative, got {samples}")
    return arrays_to_flat(next(iter(content.array_records.values())), layout), float(samples)
