"""The chain refuses a second update whose bytes hash (sha256) to one already submitted in the round, so
attackers that send identical updates count once. The simulation applies the same rule to its inputs."""

from __future__ import annotations

import hashlib

import torch


def first_copies(updates: torch.Tensor) -> torch.Tensor:
    """Mask [n]: True for each row [d] whose float32 bytes did not occur in an earlier row (keep the first,
    in submission order)."""
    seen: set[bytes] = set()
    keep = []
    for row in updates.detach().to(torch.float32).contiguous().numpy():
        digest = hashlib.sha256(row.tobytes()).digest()
        keep.append(digest not in seen)
        seen.add(digest)
    return torch.tensor(keep, dtype=torch.bool)
