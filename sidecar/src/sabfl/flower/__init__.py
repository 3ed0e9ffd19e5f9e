"""sabfl's aggregation rules inside Flower (``pip install sabfl[flower]``): :class:`SabflStrategy`."""

from sabfl.flower.records import ReplyError, arrays_to_flat, flat_to_arrays, read_reply
from sabfl.flower.strategy import ClientOutcome, SabflStrategy

__all__ = ["ClientOutcome", "ReplyError", "SabflStrategy", "arrays_to_flat", "flat_to_arrays", "read_reply"]
