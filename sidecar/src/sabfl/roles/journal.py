"""A validator's on-disk journal: what it committed (salt, losses) and sent, per task round (round 0:
the task itself, e.g. its opt-in), so a restarted sidecar still reveals and never sends anything
twice. Task steps run on their own threads: every read and write holds a lock, and readers get a copy.

A journal belongs to one chain and one validator (`identity`: chain id, genesis block hash, operator):
a journal written for another one — a localnet reset, another validator — is set aside, never trusted,
since its task and round numbers mean other things there."""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("sabfl.journal")


class Journal:
    def __init__(self, path: Path, identity: str) -> None:
        self.path = path
        self.identity = identity
        self.entries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        if path.exists():
            stored = json.loads(path.read_text())
            if isinstance(stored, dict) and stored.get("identity") == identity:
                self.entries = stored["entries"]
            else:
                aside = path.with_name(f"{path.name}.{time.strftime('%Y%m%dT%H%M%S')}.other-chain")
                os.replace(path, aside)
                log.warning(
                    "journal %s was written for %s, not %s: set aside as %s",
                    path,
                    stored.get("identity", "a chain it did not record (an older journal format)")
                    if isinstance(stored, dict)
                    else "a chain it did not record",
                    identity,
                    aside.name,
                )

    @staticmethod
    def key(task_id: int, round_number: int) -> str:
        return f"{task_id}/{round_number}"

    def get(self, task_id: int, round_number: int) -> dict[str, Any]:
        """A copy of what the journal holds for a task round (empty if nothing)."""
        with self._lock:
            return copy.deepcopy(self.entries.get(self.key(task_id, round_number), {}))

    def record(self, task_id: int, round_number: int, **fields: Any) -> dict[str, Any]:
        """Set fields of a task round's entry and write the journal before returning the new entry."""
        with self._lock:
            entry = self.entries.setdefault(self.key(task_id, round_number), {})
            entry.update(copy.deepcopy(fields))
            self._save()
            return copy.deepcopy(entry)

    def _save(self) -> None:
        """Write atomically: a crash leaves the old or the new journal, never half of one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w") as out:
            json.dump({"identity": self.identity, "entries": self.entries}, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
