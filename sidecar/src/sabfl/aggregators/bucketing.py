"""Bucketing (Karimireddy, He & Jaggi, ICLR 2022), a pre-aggregation: shuffle the n updates, cut them into
⌈n/s⌉ buckets of s (the last may be smaller) and replace each bucket by its mean; a bucket's sample count
is the sum of its members'. At most f buckets hold a Byzantine update, so the rule that follows is built
for ⌈n/s⌉ updates with at most min(f, ⌈n/s⌉) Byzantine. `bucketing`: s = 2 as in the paper's experiments;
s is its tuning knob (`bucketing3`, `bucketing4`, chosen on validation like the softmax rules,
sabfl.aggregators.tuning). The shuffle comes from the step's own generator (seeded once), so a run is
reproducible.
"""

from __future__ import annotations

import math

import torch

from sabfl.aggregators.base import PreAggregation, register_pre, require


class Bucketing(PreAggregation):
    name = "bucketing"

    def __init__(self, bucket_size: int = 2, seed: int = 0) -> None:
        require(bucket_size >= 1, f"bucketing: bucket size must be positive, got {bucket_size}")
        self.bucket_size = bucket_size
        self.generator = torch.Generator().manual_seed(seed)

    def output_size(self, num_updates: int, num_byzantine: int) -> tuple[int, int]:
        buckets = math.ceil(num_updates / self.bucket_size)
        return buckets, min(num_byzantine, buckets)

    def __call__(self, updates: torch.Tensor, num_samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        order = torch.randperm(len(updates), generator=self.generator)
        buckets = order.split(self.bucket_size)
        means = torch.stack([updates[bucket].mean(dim=0) for bucket in buckets])
        return means, torch.stack([num_samples[bucket].sum() for bucket in buckets])


def _register(name: str, bucket_size: int) -> None:
    @register_pre(name)
    def make(num_updates: int, num_byzantine: int) -> Bucketing:
        return Bucketing(bucket_size)


for _name, _size in {"bucketing": 2, "bucketing3": 3, "bucketing4": 4}.items():
    _register(_name, _size)
