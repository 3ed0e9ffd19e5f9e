"""`sabfl validator run`: a validator's sidecar. It follows the chain by polling; in every round whose
committee it sits on it scores the updates on its private held-out data and commits, reveals, mines
(when it is the current miner) and attests, as docs/protocol.md describes. A journal on disk makes it
restart-safe: killed after its commit, it still reveals, and it never sends a message twice."""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from sabfl.chain import ChainClient, ChainConfig, load_keys, messages
from sabfl.fedlearn.v1 import query_pb2, round_pb2, task_pb2
from sabfl.ml.scoring import LOSS_CAP, validator_scores
from sabfl.protocol import commitment, loss_to_micro
from sabfl.roles.journal import Journal
from sabfl.roles.loop import add_run_command, poll, serve
from sabfl.roles.runtime import TaskRuntime

log = logging.getLogger("sabfl.validator")
PHASE = round_pb2.RoundPhase
MISBEHAVIOURS = ("none", "lie", "wrong_aggregate", "silent")

TXS = Counter("sabfl_validator_txs_total", "Messages sent", ["kind"])
ERRORS = Counter("sabfl_validator_errors_total", "Failed steps", ["kind"])
SCORING = Histogram("sabfl_validator_scoring_seconds", "Time to score a round's updates")
CURRENT_ROUND = Gauge("sabfl_validator_round", "Latest round seen", ["task"])


@dataclass(frozen=True)
class ValidatorConfig:
    keys_file: Path
    validator: int
    journal: Path
    metrics_port: int = 0
    poll_seconds: float = 0.5
    misbehave: str = "none"

    @classmethod
    def from_yaml(cls, path: Path) -> ValidatorConfig:
        data = yaml.safe_load(path.read_text())
        config = cls(**{**data, "keys_file": Path(data["keys_file"]), "journal": Path(data["journal"])})
        if config.misbehave not in MISBEHAVIOURS:
            raise ValueError(f"misbehave must be one of {MISBEHAVIOURS}, got {config.misbehave!r}")
        return config


class ValidatorSidecar:
    def __init__(self, config: ValidatorConfig) -> None:
        self.config = config
        keys = load_keys(config.keys_file)
        node = keys.nodes[config.validator]
        self.address = node.validator.address
        chain = ChainConfig(
            chain_id=keys.chain_id, grpc_address=node.grpc, address_prefix=keys.address_prefix
        )
        self.client = ChainClient(chain, node.validator.wallet(keys.address_prefix))
        self.journal = Journal(config.journal)
        self.runtimes: dict[int, TaskRuntime] = {}
        # Tasks whose model_spec this sidecar cannot serve (not a sabfl spec): skipped, logged once.
        self.foreign: set[int] = set()

    def run(self, stop: threading.Event) -> None:
        log.info(
            "validator %s (node %d) following the chain; misbehave=%s",
            self.address,
            self.config.validator,
            self.config.misbehave,
        )
        # A dead node or a rejected tx must not stop the sidecar: poll logs it, backs off and retries.
        poll(self.tick, stop, self.config.poll_seconds, log, on_error=ERRORS.labels("chain").inc)

    def tick(self) -> None:
        tasks = self.client.fedlearn.Tasks(query_pb2.QueryTasksRequest()).tasks
        for task in tasks:
            live = task.status == task_pb2.TASK_STATUS_ACTIVE and task.current_round > 0
            if not live or task.id in self.foreign:
                continue
            round_ = self.client.round(task.id)
            CURRENT_ROUND.labels(str(task.id)).set(round_.round)
            self.act(task, round_)

    def runtime(self, task: task_pb2.Task) -> TaskRuntime | None:
        if task.id not in self.runtimes:
            try:
                self.runtimes[task.id] = TaskRuntime.from_model_spec(task.id, task.model_spec)
            except ValueError as error:
                log.warning("task %d: cannot serve it (%s); skipping it", task.id, error)
                self.foreign.add(task.id)
                return None
        return self.runtimes[task.id]

    def act(self, task: task_pb2.Task, round_: round_pb2.Round) -> None:
        members = [m.address for m in round_.committee]
        if self.address not in members or self.config.misbehave == "silent" or self.runtime(task) is None:
            return
        me = round_.committee[members.index(self.address)]
        entry = self.journal.get(task.id, round_.round)
        miner = round_.committee[round_.miner_attempt].address
        if round_.phase == PHASE.ROUND_PHASE_COMMIT and not me.committed and "commit_tx" not in entry:
            self.commit(task, round_, entry)
        elif (
            round_.phase == PHASE.ROUND_PHASE_REVEAL
            and me.committed
            and not me.revealed
            and "reveal_tx" not in entry
        ):
            self.reveal(task, round_, entry)
        elif (
            round_.phase == PHASE.ROUND_PHASE_AGGREGATE
            and miner == self.address
            and not round_.aggregate_sha256
            and entry.get("mined_attempt") != round_.miner_attempt
        ):
            self.mine(task, round_, entry)
        elif round_.phase == PHASE.ROUND_PHASE_ATTEST and round_.miner_attempt not in entry.get(
            "attested", []
        ):
            self.attest(task, round_, entry)

    def _round_inputs(
        self, task: task_pb2.Task, round_: round_pb2.Round
    ) -> tuple[TaskRuntime, torch.Tensor, list[bytes]]:
        rt = self.runtimes[task.id]
        model = self.client.fedlearn.GlobalModel(query_pb2.QueryGlobalModelRequest(task_id=task.id)).model
        if model.sha256 != round_.base_model_sha256:
            raise TimeoutError(f"global model of task {task.id} is not round {round_.round}'s base yet")
        payloads = [
            self.client.fedlearn.Update(
                query_pb2.QueryUpdateRequest(task_id=task.id, round=round_.round, sha256=u.sha256)
            ).update.payload
            for u in round_.updates
        ]
        return rt, rt.decode(model.payload), payloads

    def score(self, task: task_pb2.Task, round_: round_pb2.Round) -> list[int]:
        """This validator's loss per update (micro-units, ascending hash order)."""
        rt, global_params, payloads = self._round_inputs(task, round_)
        started = time.monotonic()
        updates, _ = rt.decode_updates(payloads)
        x_v, y_v = rt.sim.heldout[self.config.validator]
        # The simulation's seed for this validator's reference update: (seed, round, participants + v).
        seed = (rt.config.seed, round_.round, rt.config.participants + self.config.validator)
        scores = validator_scores(
            rt.sim.model,
            rt.rule.scoring,
            global_params,
            updates,
            x_v,
            y_v,
            rt.sim.dataset.num_classes,
            rt.sim.train_config,
            seed,
        )
        if self.config.misbehave == "lie":
            # Invert the ranking: the best update gets the worst score and vice versa.
            scores = scores.max() + scores.min() - scores
        SCORING.observe(time.monotonic() - started)
        cap = loss_to_micro(LOSS_CAP, cap=2**64 - 1)
        return [loss_to_micro(float(s), cap=cap) for s in np.asarray(scores)]

    def commit(self, task: task_pb2.Task, round_: round_pb2.Round, entry: dict) -> None:
        if "losses" not in entry:
            entry["losses"] = self.score(task, round_)
            entry["salt"] = os.urandom(32).hex()
            entry["hashes"] = [u.sha256.hex() for u in round_.updates]
            self.journal.save()  # before the commitment leaves: a restart must be able to reveal
        digest = commitment(
            task.id,
            round_.round,
            self.address,
            bytes.fromhex(entry["salt"]),
            [bytes.fromhex(h) for h in entry["hashes"]],
            entry["losses"],
        )
        entry["commit_tx"] = self.client.submit(
            messages.commit_losses(self.address, task.id, round_.round, digest)
        ).txhash
        self.journal.save()
        TXS.labels("commit").inc()
        log.info(
            "task %d round %d: committed losses for %d updates", task.id, round_.round, len(entry["losses"])
        )

    def reveal(self, task: task_pb2.Task, round_: round_pb2.Round, entry: dict) -> None:
        if "salt" not in entry:
            log.error(
                "task %d round %d: committed but the journal has no salt; cannot reveal",
                task.id,
                round_.round,
            )
            entry["reveal_tx"] = "lost"
            return
        msg = messages.reveal_losses(
            self.address, task.id, round_.round, bytes.fromhex(entry["salt"]), entry["losses"]
        )
        entry["reveal_tx"] = self.client.submit(msg).txhash
        self.journal.save()
        TXS.labels("reveal").inc()
        log.info("task %d round %d: revealed", task.id, round_.round)

    def aggregate_bytes(self, task: task_pb2.Task, round_: round_pb2.Round) -> bytes:
        rt, global_params, payloads = self._round_inputs(task, round_)
        return rt.aggregate(global_params, payloads, list(round_.weights))

    def mine(self, task: task_pb2.Task, round_: round_pb2.Round, entry: dict) -> None:
        payload = self.aggregate_bytes(task, round_)
        if self.config.misbehave == "wrong_aggregate":
            rt, global_params, _ = self._round_inputs(task, round_)
            payload = rt.encode(global_params + 0.01)
        entry["mined_attempt"] = round_.miner_attempt
        self.journal.save()
        msg = messages.submit_aggregate(self.address, task.id, round_.round, list(round_.weights), payload)
        self.client.submit(msg)
        TXS.labels("aggregate").inc()
        log.info(
            "task %d round %d: submitted aggregate %s as miner",
            task.id,
            round_.round,
            hashlib.sha256(payload).hexdigest()[:16],
        )

    def attest(self, task: task_pb2.Task, round_: round_pb2.Round, entry: dict) -> None:
        if self.config.misbehave == "wrong_aggregate" and entry.get("mined_attempt") == round_.miner_attempt:
            digest = bytes(round_.aggregate_sha256)  # a lying miner vouches for its own aggregate
        else:
            digest = hashlib.sha256(self.aggregate_bytes(task, round_)).digest()
        entry.setdefault("attested", []).append(round_.miner_attempt)
        self.journal.save()
        self.client.submit(messages.attest_aggregate(self.address, task.id, round_.round, digest))
        TXS.labels("attest").inc()
        agrees = digest == round_.aggregate_sha256
        log.info(
            "task %d round %d: attested %s (%s the miner)",
            task.id,
            round_.round,
            digest.hex()[:16],
            "agrees with" if agrees else "DISAGREES with",
        )


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    add_run_command(
        subparsers,
        "validator",
        "run a validator sidecar",
        "follow the chain and serve on committees",
        run_validator,
    )


def run_validator(args: argparse.Namespace) -> int:
    torch.set_num_threads(1)
    config = ValidatorConfig.from_yaml(args.config)
    if config.metrics_port:
        start_http_server(config.metrics_port, addr="127.0.0.1")
    return serve(ValidatorSidecar(config).run)
