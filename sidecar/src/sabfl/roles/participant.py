"""`sabfl participant run`: drives many participant accounts, honest and attacking. Every round it
trains each participant on its own partition from the latest global model (one batched pass), lets the
attackers forge their updates with the ML core's attacks, commits to every update in SUBMIT (a salted
hash: nothing of it is public) and reveals it — uploading its bytes first when they travel by
reference — as soon as the round is in UPDATE_REVEAL."""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import yaml
from google.protobuf.message import Message

from sabfl.blobs import BlobError, BlobRef
from sabfl.chain import ChainClient, TxError, load_keys, messages
from sabfl.fedlearn.v1 import round_pb2, task_pb2
from sabfl.ml.entrypoints import AllowedPackage
from sabfl.ml.loaders import load_source
from sabfl.ml.serialize import SerializationError
from sabfl.ml.train import train_many
from sabfl.roles.inputs import model_bytes
from sabfl.roles.loop import add_run_command, poll, serve
from sabfl.roles.publish import NoBlobStore, Pins, fetcher, operator_stores, publish
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.settings import private_seed, settings_from
from sabfl.roles.spec import SpecLimits, SpecRefused

log = logging.getLogger("sabfl.participant")


@dataclass(frozen=True)
class Sealed:
    """An update committed in SUBMIT, kept (in memory) until this runner reveals it in UPDATE_REVEAL."""

    client: ChainClient
    payload: bytes
    num_samples: int
    salt: bytes


def send_all(outgoing: list[tuple[Sealed, Message]], what: str) -> list[Sealed]:
    """Broadcasts every entry's message from its own account, then waits for each; returns the entries
    whose tx landed (a refusal is logged with the chain's reason)."""
    sent = []
    for entry, msg in outgoing:
        try:
            sent.append((entry, entry.client.broadcast(msg)))
        except TxError as error:
            log.warning("%s: %s refused: %s", entry.client.address, what, error.log)
    landed = []
    for entry, txhash in sent:
        try:
            entry.client.wait(txhash)
            landed.append(entry)
        except TxError as error:
            log.warning("%s: %s %s refused: %s", entry.client.address, what, txhash, error.log)
    return landed


@dataclass(frozen=True)
class ParticipantConfig:
    keys_file: Path
    # The task to join; 0 = the newest active task.
    task_id: int = 0
    byzantine: float = 0.0
    attack: str = "none"
    poll_seconds: float = 0.5
    # Where to write who attacks (for `sabfl status` and the demo).
    roster: Path | None = None
    # The most these participants do for one task (epochs, data, participants …): a task's spec is
    # untrusted input, and a task beyond these limits is not joined.
    limits: SpecLimits = field(default_factory=SpecLimits)
    # The distributions whose code a task may run here, as a validator's `packages`.
    packages: tuple[AllowedPackage, ...] = ()
    # The blob stores updates above the chain's max_inline_bytes go to, and global models by reference
    # come from (sabfl.blobs.stores_from_config entries; default: the keys file's first node's kubo).
    blob_stores: tuple[dict, ...] | None = None
    blob_timeout_s: float = 60.0
    # The private seed of the participants' shards (sim/setup.py): never on chain. Unset: a fresh one per run.
    data_seed: int | None = None
    # The participants' own data (a sabfl.ml.loaders source), which data_seed splits into their shards;
    # unset: the rows of the dataset a task names.
    data: dict | None = None

    @classmethod
    def from_yaml(cls, path: Path) -> ParticipantConfig:
        data = yaml.safe_load(path.read_text()) or {}
        data["keys_file"] = Path(data["keys_file"])
        if data.get("roster"):
            data["roster"] = Path(data["roster"])
        data["limits"] = settings_from(SpecLimits, data.get("limits", {}), "limits")
        data["packages"] = AllowedPackage.from_config(data.get("packages", []))
        return settings_from(cls, data, str(path))


class ParticipantRunner:
    def __init__(self, config: ParticipantConfig) -> None:
        self.config = config
        self.keys = load_keys(config.keys_file)
        chain = self.keys.chain_config(0)
        self.clients = [
            ChainClient(chain, a.wallet(self.keys.address_prefix)) for a in self.keys.participants
        ]
        stores = self.keys.nodes[0].blob_stores() if config.blob_stores is None else config.blob_stores
        self.blobs = operator_stores(stores)
        self.fetch_blobs = fetcher(self.blobs, config.blob_timeout_s)
        # Each round's uploads stay pinned until the participants upload the next round's.
        self.pins = Pins(self.blobs, keep=1) if self.blobs else None
        # Each round's sealed updates, by (task, round), until they are revealed.
        self.sealed: dict[tuple[int, int], list[Sealed]] = {}
        self.submitted: set[tuple[int, int]] = set()
        self.runtime: TaskRuntime | None = None
        self.refused: set[int] = set()  # tasks whose spec or on-chain rule this runner does not serve
        self.data_seed = private_seed(config.data_seed, None)
        self.data = load_source(config.data, config.packages) if config.data else None

    def pick_task(self) -> task_pb2.Task | None:
        active = [t for t in self.clients[0].tasks() if t.status == task_pb2.TASK_STATUS_ACTIVE]
        if self.config.task_id:
            active = [t for t in active if t.id == self.config.task_id]
        active = [t for t in active if t.id not in self.refused]
        return max(active, key=lambda t: t.id) if active else None

    def prepare(self, task: task_pb2.Task) -> TaskRuntime | None:
        """The task's runtime (its rule decoded from the chain), or None for a task it refuses (logged
        once): a spec it does not serve or an on-chain rule that differs from the one the spec names."""
        if self.runtime is None or self.runtime.task_id != task.id:
            try:
                self.runtime = TaskRuntime.from_task(
                    task,
                    self.config.limits,
                    self.config.packages,
                    self.data,
                    byzantine=self.config.byzantine,
                    attack=self.config.attack,
                    data_seed=self.data_seed,
                )
            except SpecRefused as error:
                self.refused.add(task.id)
                log.warning("task %d: not joined: %s", task.id, error)
                return None
            n = self.runtime.config.participants
            if n > len(self.clients):
                raise ValueError(f"task wants {n} participants, keys file has {len(self.clients)} accounts")
            self.clients = self.clients[:n]
            self.write_roster()
            allowed = set(task.allowed_participants)
            outside = [i for i, c in enumerate(self.clients) if allowed and c.address not in allowed]
            if outside:
                log.warning(
                    "task %d admits only its allowlist: participants %s submit nothing", task.id, outside
                )
        return self.runtime

    def write_roster(self) -> None:
        assert self.runtime is not None
        mask = self.runtime.setup.byzantine
        roster = {
            "task_id": self.runtime.task_id,
            "attack": self.config.attack,
            "attackers": [c.address for c, bad in zip(self.clients, mask, strict=True) if bad],
            "honest": [c.address for c, bad in zip(self.clients, mask, strict=True) if not bad],
        }
        log.info(
            "task %d: %d participants, attackers (%s): %s",
            roster["task_id"],
            len(self.clients),
            self.config.attack,
            roster["attackers"],
        )
        if self.config.roster:
            self.config.roster.parent.mkdir(parents=True, exist_ok=True)
            self.config.roster.write_text(json.dumps(roster, indent=2))

    def updates(self, rt: TaskRuntime, global_params: torch.Tensor, round_number: int) -> torch.Tensor:
        """Every participant's Δ from θ_t, attackers' replaced by the attack's forgery."""
        setup, n = rt.setup, len(self.clients)
        updates = train_many(
            setup.model,
            global_params.expand(n, -1).clone(),
            setup.x,
            setup.y_train_used,
            setup.split.participants,
            setup.train_config,
            [setup.participant_seed(round_number, i) for i in range(n)],
        )
        mask = torch.from_numpy(setup.byzantine)
        if mask.any():
            generator = setup.attack_generator(round_number)
            updates[mask] = setup.attack.forge(updates[mask], updates[~mask], generator)
        return updates

    def tick(self) -> None:
        task = self.pick_task()
        if task is None or task.current_round == 0:
            return
        round_ = self.clients[0].round(task.id)
        key = (task.id, round_.round)
        if round_.phase == round_pb2.ROUND_PHASE_UPDATE_REVEAL and key in self.sealed:
            self.reveal(task, round_.round, self.sealed.pop(key))
            return
        if round_.phase != round_pb2.ROUND_PHASE_SUBMIT or key in self.submitted:
            return
        rt = self.prepare(task)
        if rt is None:
            return
        self.sealed = {}  # an earlier round's unrevealed updates are past use
        self.sealed[key] = self.commit(task, round_.round, rt)
        self.submitted.add(key)

    def commit(self, task: task_pb2.Task, round_number: int, rt: TaskRuntime) -> list[Sealed]:
        """Trains this round's updates and sends each participant's commitment; returns what to reveal."""
        allowed = set(task.allowed_participants)
        global_params = rt.decode(model_bytes(self.clients[0].global_model(task.id), self.fetch_blobs))
        updates = self.updates(rt, global_params, round_number)
        outgoing: list[tuple[Sealed, Message]] = []
        for i, (client, update) in enumerate(zip(self.clients, updates, strict=True)):
            if allowed and client.address not in allowed:
                continue  # the task admits only its allowlist; logged when the task was prepared
            try:
                payload = rt.encode(update)
            except SerializationError as error:  # e.g. a NaN forgery: the codec refuses to encode it
                log.warning("participant %d: cannot encode its update (%s); skipped", i, error)
                continue
            entry = Sealed(client, payload, len(rt.setup.split.participants[i]), os.urandom(32))
            msg = messages.submit_update(
                client.address,
                task.id,
                round_number,
                hashlib.sha256(payload).digest(),
                entry.num_samples,
                entry.salt,
            )
            outgoing.append((entry, msg))
        sealed = send_all(outgoing, "commitment")
        log.info(
            "task %d round %d: committed %d updates (norms %s)",
            task.id,
            round_number,
            len(sealed),
            np.round(updates.norm(dim=1).numpy(), 2).tolist(),
        )
        return sealed

    def reveal(self, task: task_pb2.Task, round_number: int, sealed: list[Sealed]) -> None:
        """Opens each committed update: uploads the bytes of one above max_inline_bytes, then reveals."""
        max_inline = self.clients[0].params().max_inline_bytes
        outgoing: list[tuple[Sealed, Message]] = []
        for entry in sealed:
            try:
                locator = publish(entry.payload, max_inline, self.blobs)
            except (NoBlobStore, BlobError) as error:
                log.warning("%s: cannot upload its update: %s", entry.client.address, error)
                continue
            if locator and self.pins:
                self.pins.add(task.id, round_number, BlobRef.of(entry.payload, locator))
            msg = messages.reveal_update(
                entry.client.address,
                task.id,
                round_number,
                entry.payload,
                entry.num_samples,
                entry.salt,
                locator=locator,
            )
            outgoing.append((entry, msg))
        revealed = send_all(outgoing, "reveal")
        log.info(
            "task %d round %d: revealed %d of %d updates", task.id, round_number, len(revealed), len(sealed)
        )

    def run(self, stop: threading.Event) -> None:
        poll(self.tick, stop, self.config.poll_seconds, log, height=self.clients[0].height)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    add_run_command(
        subparsers,
        "participant",
        "run participants (honest and attacking)",
        "train and submit an update every round",
        run_participants,
    )


def run_participants(args: argparse.Namespace) -> int:
    return serve(ParticipantRunner(ParticipantConfig.from_yaml(args.config)).run)
