"""Errors of the protocol maths; each mirrors a sentinel error of chain/x/fedlearn/consensus."""

from __future__ import annotations


class ProtocolError(ValueError):
    """Base class: the chain would reject the same input."""


class InvalidInput(ProtocolError):
    """Empty input, mismatched lengths, zero total stake, a value outside uint64, or an overflowing sum
    (Go: ErrInvalidInput)."""


class InvalidRule(ProtocolError):
    """A temperature rule with an unknown mode or a zero parameter (Go: ErrInvalidRule)."""


class UnsortedHashes(ProtocolError):
    """Update hashes that are not strictly ascending (Go: ErrUnsortedHashes)."""
