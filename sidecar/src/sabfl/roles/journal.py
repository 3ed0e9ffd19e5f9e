"""A validator's on-disk journal: what it committed (salt, losses) and sent, per task round (round 0:
the task itself, e.g. its opt-in), so a restarted sidecar still reveals and never sends anything
twice. Task steps run on their own threads: every read and write holds a lock, and readers get a copy."""

from __future__ import annotations

import copy
import json
import os
import threading
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = json.loads(path.read_text()) if path.exists() else {}
        self._lock = threading.Lock()

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
            json.dump(self.entries, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
