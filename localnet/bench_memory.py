#!/usr/bin/env python3
"""One validator's round by reference within a memory budget, in a process of its own so that its peak RSS
is the round's: `open_round` reads θ_t and (when the decoded round fits the budget) every update, the
validator trains its reference update and scores every update with the default rule (in batches when
the round does not fit), then builds the aggregate of equal weights (read again in batches when it does
not fit). The model is an MLP 64 → hidden → 10 with as many float32 parameters as an update holds, on 50
synthetic held-out samples. Prints one JSON object; `bench_blobs.py` runs it (`make bench-blobs`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from sabfl.aggregators import DEFAULT_SOFTMAX_RULE, SOFTMAX_RULES
from sabfl.blobs import BlobStores, IpfsStore
from sabfl.fedlearn.v1 import round_pb2, task_pb2
from sabfl.ml.models import ParamLayout
from sabfl.ml.scoring import validator_scorer
from sabfl.ml.train import TrainConfig
from sabfl.protocol import WEIGHT_SCALE
from sabfl.roles.publish import fetcher
from sabfl.roles.stream import RoundStream, open_round

INPUTS, CLASSES, HOLDOUT = 64, 10, 50


def mlp(hidden: int) -> torch.nn.Module:
    """The benchmark's model: 75·hidden + 10 parameters."""
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(INPUTS, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, CLASSES)
    )


def hidden_for(size: int) -> int:
    """The hidden width whose MLP's canonical bytes take about `size` bytes."""
    return (size // 4 - CLASSES) // (INPUTS + 1 + CLASSES)


@dataclass(frozen=True)
class BenchTask:
    task_id: int
    layout: ParamLayout


class ChainState:
    """The chain read a round by reference needs: the global model's reference."""

    def __init__(self, model: task_pb2.GlobalModel) -> None:
        self.model = model

    def global_model(self, task_id: int) -> task_pb2.GlobalModel:
        return self.model

    def update_payload(self, task_id: int, round_number: int, sha256: bytes) -> bytes:
        raise AssertionError("every update travels by reference here")


def vm(key: str) -> int:
    """This process's VmRSS or VmHWM (peak) in bytes."""
    return int(re.search(rf"{key}:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api", required=True, help="the validator's kubo RPC API")
    parser.add_argument("--round", type=Path, required=True, help="JSON: hidden, base and update references")
    parser.add_argument("--budget", type=int, required=True, help="blob_memory_bytes")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as `sabfl validator run`

    spec = json.loads(args.round.read_text())
    model = mlp(spec["hidden"])
    task = BenchTask(1, ParamLayout.of(model))
    base = spec["base"]
    chain = ChainState(
        task_pb2.GlobalModel(task_id=1, sha256=bytes.fromhex(base[0]), size_bytes=base[1], locator=base[2])
    )
    round_ = round_pb2.Round(round=1, base_model_sha256=bytes.fromhex(base[0]))
    for sha256, size, locator in spec["updates"]:
        round_.updates.add(sha256=bytes.fromhex(sha256), size_bytes=size, locator=locator)
    fetch = fetcher(
        BlobStores([IpfsStore(args.api, timeout=args.timeout)]), args.timeout, args.workers, args.budget
    )
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(HOLDOUT, INPUTS, generator=generator)
    y = torch.randint(0, CLASSES, (HOLDOUT,), generator=generator)
    rule = SOFTMAX_RULES[DEFAULT_SOFTMAX_RULE].scoring
    # Torch's one-time set-up (autograd, vmap, kernels) on a tiny model: part of the process, not the round.
    tiny = mlp(8)
    tiny_params = torch.cat([p.detach().reshape(-1) for p in tiny.parameters()])
    validator_scorer(tiny, rule, tiny_params, x, y, CLASSES, TrainConfig(), (0, 0, 0)).score(
        tiny_params[None] * 0.5
    )
    resident = vm("VmRSS")

    start = time.perf_counter()
    inputs = open_round(chain, task, round_, fetch, args.budget, args.workers)
    scorer = validator_scorer(model, rule, inputs.base, x, y, CLASSES, TrainConfig(), (0, 1, 0))
    scored = inputs.score(scorer)
    scored_at = time.perf_counter()
    peak_scoring = vm("VmHWM")
    aggregate = inputs.aggregate([WEIGHT_SCALE // len(round_.updates)] * len(round_.updates))
    done = time.perf_counter()

    streamed = isinstance(inputs, RoundStream)
    print(
        json.dumps(
            {
                "read": f"batches of {inputs.plan.rows}, {inputs.plan.fetch_at_once} fetched at once"
                if streamed
                else "at once",
                "plan_peak": inputs.plan.peak_bytes if streamed else None,
                "resident_before": resident,
                "peak_rss_scoring": peak_scoring,
                "peak_rss": vm("VmHWM"),
                "score_seconds": scored_at - start,
                "aggregate_seconds": done - scored_at,
                "losses": hashlib.sha256(json.dumps(scored.micro_losses(scored.scores)).encode()).hexdigest(),
                "unavailable": scored.available.count(False),
                "aggregate": hashlib.sha256(aggregate).hexdigest(),
            }
        )
    )


if __name__ == "__main__":
    main()
