"""`sabfl validator run`: a validator's sidecar. It follows the chain by polling; in every round whose
committee it sits on it scores the updates on its private held-out data and commits, reveals, mines
(when it is the current miner) and attests, as docs/protocol.md describes. It opts in only to tasks it
serves: only opted-in validators are drawn, so a task it declines before its opt-in costs it nothing (a
task declined after it, e.g. for a step past its budget, still draws it: there is no opt-out message yet,
so it then misses that task's phases). A journal on disk makes it
restart-safe: killed after its commit, it still reveals, and it never sends a message twice.

It signs with its own hot account: every message speaks for the operator (its `validator`/`miner` field)
and travels inside an x/authz MsgExec that the operator's grants allow; the operator key stays offline.
Tasks are untrusted input: each task's spec is bounded by the config's limits (checked in the main loop
before any work, and the rows it loads once loaded), and each task's steps run on their own thread with
a time budget, so one slow or hostile task never delays the others."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import yaml
from google.protobuf.message import Message
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from sabfl.aggregators.softmax import SoftmaxRule
from sabfl.blobs import BlobError, BlobRef
from sabfl.chain import (
    ChainClient,
    ChainConfig,
    KeysFile,
    TxError,
    load_account,
    load_keys,
    messages,
    write_account,
)
from sabfl.fedlearn.v1 import round_pb2, task_pb2, tx_pb2
from sabfl.ml.entrypoints import AllowedPackage
from sabfl.ml.loaders import load_source
from sabfl.protocol import commitment
from sabfl.roles.inputs import FetchBlobs, RoundInputs, model_bytes, read_base
from sabfl.roles.journal import Journal
from sabfl.roles.loop import add_run_command, poll, serve
from sabfl.roles.publish import NoBlobStore, Pins, fetcher, operator_stores, publish
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.scheduler import TaskScheduler
from sabfl.roles.scores import Reference, reference_update, round_scores
from sabfl.roles.settings import plain, private_seed, settings_from
from sabfl.roles.spec import SpecLimits, SpecRefused, parse_task
from sabfl.roles.stream import RoundStream, open_round
from sabfl.sim.config import SimConfig

log = logging.getLogger("sabfl.validator")
PHASE = round_pb2.RoundPhase
MISBEHAVIOURS = ("none", "lie", "wrong_aggregate", "silent")
LIVE = (task_pb2.TASK_STATUS_PENDING, task_pb2.TASK_STATUS_ACTIVE)
# The chain's answer to a second opt-in (x/fedlearn ErrDuplicate), e.g. after the journal was lost.
ALREADY_OPTED_IN = "already opted in"
# The messages the hot account sends for the operator: the operator must grant each (x/authz).
GRANTED_MSGS = (
    tx_pb2.MsgOptIn,
    tx_pb2.MsgCommitLosses,
    tx_pb2.MsgRevealLosses,
    tx_pb2.MsgSubmitAggregate,
    tx_pb2.MsgAttestAggregate,
)

TXS = Counter("sabfl_validator_txs_total", "Messages sent", ["kind"])
ERRORS = Counter("sabfl_validator_errors_total", "Failed steps", ["kind"])
SCORING = Histogram("sabfl_validator_scoring_seconds", "Time to score a round's updates")
CURRENT_ROUND = Gauge("sabfl_validator_round", "Latest round seen", ["task"])
TEST_ACCURACY = Gauge(
    "sabfl_validator_test_accuracy", "Test accuracy of a task's global model after a round", ["task", "round"]
)
HOT_BALANCE = Gauge("sabfl_validator_hot_balance", "Hot account balance in base units of the fee denom")


@dataclass(frozen=True)
class ValidatorConfig:
    """A validator sidecar's settings. The operator appears by address only: neither this config nor
    the files it names hold the operator's key."""

    chain: ChainConfig  # its own node's endpoint, chain id, denom and gas price
    operator: str  # the validator operator's account address, which the messages speak for
    hot_key_file: Path  # the hot account's key (JSON: name, address, mnemonic)
    validator: int  # its index in a task: which share of the held-out data is its own
    journal: Path
    # The private seed of its held-out rows (sim/setup.py): never on chain, so nobody can rebuild its data or
    # its scores. Unset: drawn once and kept beside the journal (data-seed).
    data_seed: int | None = None
    # Its own data (a sabfl.ml.loaders source: npz, idx, csv, image-folder, or a trusted package's loader),
    # which its data_seed splits; unset: the rows of the dataset a task names.
    data: dict | None = None
    metrics_port: int = 0
    # Where the metrics endpoint listens: loopback, or its node's address when the sidecar runs on its own
    # host (localnet/netns.py) and is scraped from another.
    metrics_address: str = "127.0.0.1"
    poll_seconds: float = 0.5
    misbehave: str = "none"
    step_seconds: float = 120.0  # time budget of one step of one task (score, reveal, mine, attest)
    max_parallel_tasks: int = 4  # task steps running at once
    min_funded_txs: int = 200  # warn when the hot account pays for fewer txs at the recent average fee
    limits: SpecLimits = field(default_factory=SpecLimits)
    # The distributions whose code a task may run here (its model factory): name and version, or name and
    # sha256 of the installed files (sabfl.ml.entrypoints.AllowedPackage); a task naming another is declined.
    packages: tuple[AllowedPackage, ...] = ()
    # The blob stores this validator fetches from and uploads to (sabfl.blobs.stores_from_config entries,
    # the first takes uploads): a locator that none of them serves is never fetched.
    blob_stores: tuple[dict, ...] = ()
    blob_timeout_s: float = 10.0  # to fetch one blob: well inside a COMMIT phase
    blob_workers: int = 4  # blobs fetched at once
    # Fetched and decoded bytes held at once: a round whose decoded updates do not fit is fetched, scored
    # and aggregated in batches (sabfl.roles.stream); a blob larger than this is unavailable to it.
    blob_memory_bytes: int = 1 << 30

    def __post_init__(self) -> None:
        if self.misbehave not in MISBEHAVIOURS:
            raise ValueError(f"misbehave must be one of {MISBEHAVIOURS}, got {self.misbehave!r}")

    @classmethod
    def from_yaml(cls, path: Path) -> ValidatorConfig:
        data = yaml.safe_load(path.read_text()) or {}
        return settings_from(
            cls,
            {
                **data,
                "chain": settings_from(ChainConfig, data.get("chain", {}), "chain"),
                "limits": settings_from(SpecLimits, data.get("limits", {}), "limits"),
                "packages": AllowedPackage.from_config(data.get("packages", [])),
                "hot_key_file": Path(data["hot_key_file"]),
                "journal": Path(data["journal"]),
            },
            str(path),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(plain(dataclasses.asdict(self)), sort_keys=False))

    @classmethod
    def for_localnet(cls, keys: KeysFile, index: int, workdir: Path, **settings: Any) -> ValidatorConfig:
        """The config of validator `index` of a localnet, with its hot key copied from the keys file to
        `workdir`; the operator's mnemonic stays in the keys file."""
        node = keys.nodes[index]
        if node.hot is None:
            raise ValueError(f"the keys file has no hot account for {node.name}: re-create the localnet")
        hot_key_file = workdir / "hot-key.json"
        write_account(node.hot, hot_key_file)
        settings.setdefault("blob_stores", node.blob_stores())
        return cls(
            chain=keys.chain_config(index),
            operator=node.validator.address,
            hot_key_file=hot_key_file,
            validator=index,
            journal=workdir / "journal.json",
            **settings,
        )


# A step acts at most once per phase of a round (commit, reveal, aggregate, attest) and once more for a
# miner's retry; the next block's tick does the rest.
MAX_ACTS_PER_STEP = 5


@dataclass(frozen=True)
class Prepared:
    """What a committee member readies during SUBMIT for a round: θ_t and its reference update."""

    key: tuple[int, bytes]  # (round, base model sha256)
    base: torch.Tensor
    reference: Reference


class ValidatorSidecar:
    def __init__(self, config: ValidatorConfig) -> None:
        self.config = config
        self.address = config.operator
        hot = load_account(config.hot_key_file)
        if hot.address == config.operator:
            raise ValueError("the hot key file holds the operator's own key: give the sidecar a hot account")
        self.client = ChainClient(config.chain, hot.wallet(config.chain.address_prefix))
        self.journal = Journal(config.journal, f"{self.client.chain_identity()}/{self.address}")
        self.data_seed = private_seed(config.data_seed, config.journal.with_name("data-seed"))
        self.data = load_source(config.data, config.packages) if config.data else None
        self.runtimes: dict[int, TaskRuntime] = {}
        # Per task, the inputs of the round it last worked on: fetched and decoded once per round when they
        # fit the memory budget, else read in batches at each step.
        self.round_inputs: dict[int, RoundInputs | RoundStream] = {}
        # Per task, the round it last prepared during SUBMIT: θ_t and its reference update, read and trained
        # once, keyed by (round, base model sha256).
        self.prepared: dict[int, Prepared] = {}
        self.blobs = operator_stores(config.blob_stores)
        self.pins = Pins(self.blobs, keep=2) if self.blobs else None
        self.fetch_blobs: FetchBlobs = fetcher(
            self.blobs, config.blob_timeout_s, config.blob_workers, config.blob_memory_bytes
        )
        self.scheduler = TaskScheduler(
            config.max_parallel_tasks, config.step_seconds, log, on_chain_error=ERRORS.labels("chain").inc
        )
        # Per task, the round of the latest global model whose test accuracy was published.
        self.measured: dict[int, int] = {}
        self.funds_checked_at = -1  # client.txs_sent when the hot account's balance was last read
        # Live tasks whose spec and on-chain rule were checked: their SimConfig and decoded rule, or None
        # when declined.
        self.screened: dict[int, tuple[SimConfig, SoftmaxRule] | None] = {}

    def missing_grants(self) -> list[str]:
        """Type URLs of the messages the operator has not granted the hot account."""
        granted = self.client.granted_msg_types(self.address, self.client.address)
        return [messages.type_url(m) for m in GRANTED_MSGS if messages.type_url(m) not in granted]

    def run(self, stop: threading.Event) -> int:
        missing = self.missing_grants()
        if missing:
            log.error(
                "operator %s has not granted hot account %s (x/authz GenericAuthorization) these "
                "messages: %s. Grant each with `sabfld tx authz grant %s generic --msg-type <type> "
                "--from <operator key>`",
                self.address,
                self.client.address,
                ", ".join(missing),
                self.client.address,
            )
            return 1
        log.info(
            "validator %s (index %d) following the chain, signing with hot account %s; misbehave=%s",
            self.address,
            self.config.validator,
            self.client.address,
            self.config.misbehave,
        )
        # A dead node or a rejected tx must not stop the sidecar: poll logs it, backs off and retries.
        poll(
            self.tick,
            stop,
            self.config.poll_seconds,
            log,
            on_error=ERRORS.labels("chain").inc,
            height=self.client.height,
        )
        return 0

    def tick(self) -> None:
        """Dispatch a step of every pending or active task to its own thread; the work happens there."""
        if self.funds_checked_at != self.client.txs_sent:
            self.watch_funds()
        tasks = {t.id: t for t in self.client.tasks()}
        live = {task_id: t for task_id, t in tasks.items() if t.status in LIVE}
        for task_id in list(self.runtimes):
            if task_id not in live:
                rt = self.runtimes.pop(task_id)
                self.round_inputs.pop(task_id, None)
                self.prepared.pop(task_id, None)
                ended = tasks.get(task_id)
                if ended is not None and self.measured.get(task_id) != ended.rounds_finalized:
                    self.measure(rt, ended)  # the last global model, finalized as the task ended
        self.screened = {task_id: s for task_id, s in self.screened.items() if task_id in live}
        for task in live.values():
            if task.id not in self.screened:
                self.screen(task)
        self.scheduler.dispatch({task_id: functools.partial(self.step, t) for task_id, t in live.items()})

    def screen(self, task: task_pb2.Task) -> None:
        """Decline a task whose spec or size is beyond this validator's limits, or whose on-chain rule
        differs from the rule its spec names, before any thread or data is spent on it (parsing a spec of
        at most MAX_MODEL_SPEC_CHARS and a rule of bounded decimals takes microseconds)."""
        self.screened[task.id] = None
        try:
            limits = self.config.limits
            limits.check_task(task.num_rounds, task.max_updates_per_round)
            config, rule = parse_task(task)
            limits.check(config, self.config.packages)
            if self.config.validator >= config.validators:
                raise SpecRefused(
                    f"the task holds out data for {config.validators} validators; "
                    f"this one has index {self.config.validator}"
                )
        except SpecRefused as error:
            self.scheduler.decline(task.id, str(error))
        else:
            self.screened[task.id] = (config, rule)

    def watch_funds(self) -> None:
        """Publish the hot account's balance; warn when it pays for fewer than min_funded_txs txs at the
        recent average fee (or for none at all)."""
        self.funds_checked_at = self.client.txs_sent
        balance = self.client.balance()
        HOT_BALANCE.set(balance)
        fee, denom = self.client.average_fee(), self.client.config.denom
        if fee is not None and balance < self.config.min_funded_txs * fee:
            log.warning(
                "hot account %s holds %d%s, about %d txs at the recent average fee of %.0f%s: fund it",
                self.client.address,
                balance,
                denom,
                balance // fee,
                fee,
                denom,
            )
        elif fee is None and balance == 0 and self.client.config.gas_price:
            log.warning(
                "hot account %s holds no %s and cannot pay any fee: fund it", self.client.address, denom
            )

    def step(self, task: task_pb2.Task) -> None:
        # The journal's round 0 of a task is the task itself: its opt-in.
        if "opt_in_tx" not in self.journal.get(task.id, 0):
            self.opt_in(task)
        if task.status == task_pb2.TASK_STATUS_ACTIVE and task.current_round > 0:
            # Once its tx is in, the next phase may already be open (all others were as quick): act on it
            # now rather than at the next block.
            for _ in range(MAX_ACTS_PER_STEP):
                round_ = self.client.round(task.id)
                CURRENT_ROUND.labels(str(task.id)).set(round_.round)
                if not self.act(task, round_):
                    break
            if self.measured.get(task.id) != task.rounds_finalized:
                self.measure(self.runtime(task), task)

    def measure(self, rt: TaskRuntime, task: task_pb2.Task) -> None:
        """Publish the test accuracy of the task's current global model (round 0: the initial model)."""
        model = self.client.global_model(task.id)
        accuracy = rt.test_accuracy(rt.decode(model_bytes(model, self.fetch_blobs)))
        TEST_ACCURACY.labels(str(task.id), str(model.round)).set(accuracy)
        self.measured[task.id] = task.rounds_finalized

    def opt_in(self, task: task_pb2.Task) -> None:
        """Opt in to a task this validator serves; a task beyond its limits raises SpecRefused first."""
        self.runtime(task)
        try:
            txhash = self.send(task.id, "opt_in", messages.opt_in(self.address, task.id))
        except TxError as error:
            if ALREADY_OPTED_IN not in error.log:
                raise
            txhash = "before"
        self.journal.record(task.id, 0, opt_in_tx=txhash)
        log.info("task %d: opted in", task.id)

    def runtime(self, task: task_pb2.Task) -> TaskRuntime:
        """The task's ML setup and the rule decoded from its on-chain rule, built once from what `screen`
        found; loading more rows than the limits allow raises SpecRefused."""
        if task.id not in self.runtimes:
            screened = self.screened.get(task.id)
            config, rule = screened if screened is not None else parse_task(task)
            self.runtimes[task.id] = TaskRuntime.build(
                task.id,
                config,
                rule,
                self.config.limits,
                self.config.packages,
                initial_sha256=task.initial_model_sha256,
                data=self.data,
                data_seed=self.data_seed,
            )
        return self.runtimes[task.id]

    def act(self, task: task_pb2.Task, round_: round_pb2.Round) -> bool:
        """Do what the round's phase asks of this validator, if anything; whether it sent a tx."""
        members = [m.address for m in round_.committee]
        if self.address not in members or self.config.misbehave == "silent":
            return False
        rt = self.runtime(task)
        me = round_.committee[members.index(self.address)]
        entry = self.journal.get(task.id, round_.round)
        if round_.phase in (PHASE.ROUND_PHASE_SUBMIT, PHASE.ROUND_PHASE_UPDATE_REVEAL):
            self.prepare(rt, round_)  # ready before the updates are known: COMMIT then only scores
            return False
        if round_.phase == PHASE.ROUND_PHASE_COMMIT and not me.committed and "commit_tx" not in entry:
            self.commit(rt, round_, entry)
        elif (
            round_.phase == PHASE.ROUND_PHASE_REVEAL
            and me.committed
            and not me.revealed
            and "reveal_tx" not in entry
        ):
            self.reveal(rt, round_, entry)
        elif (
            round_.phase == PHASE.ROUND_PHASE_AGGREGATE
            and round_.committee[round_.miner_attempt].address == self.address
            and not round_.aggregate_sha256
            and entry.get("mined_attempt") != round_.miner_attempt
        ):
            self.mine(rt, round_, entry)
        elif round_.phase in (
            PHASE.ROUND_PHASE_AGGREGATE,
            PHASE.ROUND_PHASE_ATTEST,
        ) and round_.miner_attempt not in entry.get("attested", []):
            # Recomputed from the weights REVEAL published: it may land with the miner's aggregate, and the
            # round then finalizes in that block.
            self.attest(rt, round_, entry)
        else:
            return False
        return True

    def send(self, task_id: int, kind: str, *msgs: Message) -> str:
        """Execute an operator's messages in one tx from the hot account (x/authz MsgExec); returns the tx
        hash. A step abandoned past its time budget (its task declined) sends nothing more."""
        if self.scheduler.declined(task_id):
            raise SpecRefused(f"task {task_id} was declined while its step ran")
        response = self.client.submit(messages.exec_msgs(self.client.address, *msgs))
        TXS.labels(kind).inc()
        return str(response.txhash)

    def inputs(self, rt: TaskRuntime, round_: round_pb2.Round) -> RoundInputs | RoundStream:
        """The round's base model and updates, fetched and decoded once per round and reused by scoring,
        mining and attesting when they fit blob_memory_bytes (else read in batches by each step);
        BaseModelPending until the chain's global model is the round's base."""
        self.config.limits.check_updates(len(round_.updates))
        cached = self.round_inputs.get(rt.task_id)
        if cached is None or not cached.matches(round_):
            self.round_inputs.pop(rt.task_id, None)  # the previous round's rows go before these are read
            cached = open_round(
                self.client,
                rt,
                round_,
                self.fetch_blobs,
                self.config.blob_memory_bytes,
                self.config.blob_workers,
                self.prepare(rt, round_).base,
            )
            self.round_inputs[rt.task_id] = cached
        return cached

    def prepare(self, rt: TaskRuntime, round_: round_pb2.Round) -> Prepared:
        """The round's base model and this validator's reference update, read and trained once (the base:
        the chain's global model until the round finalizes; BaseModelPending before it moved on)."""
        key = (round_.round, bytes(round_.base_model_sha256))
        cached = self.prepared.get(rt.task_id)
        if cached is None or cached.key != key:
            base = read_base(self.client, rt, round_, self.fetch_blobs)
            cached = Prepared(key, base, reference_update(rt, self.config.validator, round_.round, base))
            self.prepared[rt.task_id] = cached
        return cached

    def score(self, rt: TaskRuntime, round_: round_pb2.Round) -> list[int]:
        """This validator's loss per update (micro-units, ascending hash order)."""
        inputs = self.inputs(rt, round_)
        started = time.monotonic()
        scored = round_scores(rt, self.config.validator, inputs, self.prepare(rt, round_).reference)
        scores = scored.scores
        if self.config.misbehave == "lie":
            # Invert the ranking: the best update gets the worst score and vice versa.
            scores = scores.max() + scores.min() - scores
        SCORING.observe(time.monotonic() - started)
        return scored.micro_losses(scores)

    def commit(self, rt: TaskRuntime, round_: round_pb2.Round, entry: dict) -> None:
        if "losses" not in entry:
            # Journaled before the commitment leaves: a restart must be able to reveal.
            entry = self.journal.record(
                rt.task_id,
                round_.round,
                losses=self.score(rt, round_),
                salt=os.urandom(32).hex(),
                hashes=[u.sha256.hex() for u in round_.updates],
            )
        digest = commitment(
            rt.task_id,
            round_.round,
            self.address,
            bytes.fromhex(entry["salt"]),
            [bytes.fromhex(h) for h in entry["hashes"]],
            entry["losses"],
        )
        txhash = self.send(
            rt.task_id, "commit", messages.commit_losses(self.address, rt.task_id, round_.round, digest)
        )
        self.journal.record(rt.task_id, round_.round, commit_tx=txhash)
        log.info(
            "task %d round %d: committed losses for %d updates",
            rt.task_id,
            round_.round,
            len(entry["losses"]),
        )

    def reveal(self, rt: TaskRuntime, round_: round_pb2.Round, entry: dict) -> None:
        if "salt" not in entry:
            log.error(
                "task %d round %d: committed but the journal has no salt; cannot reveal",
                rt.task_id,
                round_.round,
            )
            self.journal.record(rt.task_id, round_.round, reveal_tx="lost")
            return
        msg = messages.reveal_losses(
            self.address, rt.task_id, round_.round, bytes.fromhex(entry["salt"]), entry["losses"]
        )
        self.journal.record(rt.task_id, round_.round, reveal_tx=self.send(rt.task_id, "reveal", msg))
        log.info("task %d round %d: revealed", rt.task_id, round_.round)

    def aggregate_bytes(self, rt: TaskRuntime, round_: round_pb2.Round) -> bytes:
        return self.inputs(rt, round_).aggregate(list(round_.weights))

    def mine(self, rt: TaskRuntime, round_: round_pb2.Round, entry: dict) -> None:
        """Submit the aggregate and, in the same tx, this member's attestation of it."""
        payload = self.aggregate_bytes(rt, round_)
        if self.config.misbehave == "wrong_aggregate":
            payload = rt.encode(self.inputs(rt, round_).base + 0.01)  # and vouch for it (a lying miner)
        digest = hashlib.sha256(payload).digest()
        locator = self.store_model(rt.task_id, round_.round, payload)  # a store that fails: retried
        self.journal.record(
            rt.task_id,
            round_.round,
            mined_attempt=round_.miner_attempt,
            attested=[*entry.get("attested", []), round_.miner_attempt],
        )
        self.send(
            rt.task_id,
            "aggregate",
            messages.submit_aggregate(self.address, rt.task_id, round_.round, payload, locator=locator),
            messages.attest_aggregate(self.address, rt.task_id, round_.round, digest),
        )
        log.info(
            "task %d round %d: submitted and attested aggregate %s as miner",
            rt.task_id,
            round_.round,
            digest.hex()[:16],
        )

    def attest(self, rt: TaskRuntime, round_: round_pb2.Round, entry: dict) -> None:
        payload = self.aggregate_bytes(rt, round_)
        digest = hashlib.sha256(payload).digest()
        try:
            # The same bytes give the same content address: the next global model stays fetchable when the
            # miner's store goes away.
            self.store_model(rt.task_id, round_.round, payload)
        except (NoBlobStore, BlobError) as error:
            log.warning(
                "task %d round %d: no copy of the aggregate kept: %s", rt.task_id, round_.round, error
            )
        attested = [*entry.get("attested", []), round_.miner_attempt]
        self.journal.record(rt.task_id, round_.round, attested=attested)
        self.send(
            rt.task_id, "attest", messages.attest_aggregate(self.address, rt.task_id, round_.round, digest)
        )
        if not round_.aggregate_sha256:
            verdict = "before the miner's aggregate"
        elif digest == round_.aggregate_sha256:
            verdict = "agrees with the miner"
        else:
            verdict = "DISAGREES with the miner"
        log.info("task %d round %d: attested %s (%s)", rt.task_id, round_.round, digest.hex()[:16], verdict)

    def store_model(self, task_id: int, round_number: int, payload: bytes) -> str:
        """Upload and pin a model that travels by reference and return its locator ("" for one that travels
        inline). Copies of the task's two latest rounds stay pinned: the current global model and the one
        being built on it."""
        locator = publish(payload, self.client.params().max_inline_bytes, self.blobs)
        if locator and self.pins:
            self.pins.add(task_id, round_number, BlobRef.of(payload, locator))
        return locator


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    sub = add_run_command(
        subparsers,
        "validator",
        "run a validator sidecar",
        "follow the chain and serve on committees",
        run_validator,
    )
    config = sub.add_parser(
        "config", help="write a localnet validator's sidecar config, its hot key in a directory beside it"
    )
    config.add_argument("--keys", type=Path, default=Path("localnet/run/keys.json"))
    config.add_argument("--validator", type=int, required=True, help="the validator's index")
    config.add_argument("--out", type=Path, required=True, help="config YAML to write (e.g. validator0.yaml)")
    config.set_defaults(handler=write_localnet_config)


def write_localnet_config(args: argparse.Namespace) -> int:
    """validator<i>.yaml for a localnet's validator i, with its hot key and journal under validator<i>/;
    the operator's key stays in the keys file."""
    config = ValidatorConfig.for_localnet(load_keys(args.keys), args.validator, args.out.with_suffix(""))
    config.save(args.out)
    print(f"{args.out}: operator {config.operator}, hot key {config.hot_key_file}")
    return 0


def run_validator(args: argparse.Namespace) -> int:
    torch.set_num_threads(1)
    config = ValidatorConfig.from_yaml(args.config)
    if config.metrics_port:
        start_http_server(config.metrics_port, addr=config.metrics_address)
    return serve(ValidatorSidecar(config).run)
