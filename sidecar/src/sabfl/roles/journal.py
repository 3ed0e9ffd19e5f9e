"""A validator's on-disk journal: what it committed (salt, losses) and sent, per task round, so a
restarted sidecar still reveals and never sends anything twice."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = json.loads(path.read_text()) if path.exists() else {}

    @staticmethod
    def key(task_id: int, round_number: int) -> str:
        return f"{task_id}/{round_number}"

    def get(self, task_id: int, round_number: int) -> dict[str, Any]:
        return self.entries.setdefault(self.key(task_id, round_number), {})

    def save(self) -> None:
        """Write atomically: a crash leaves the old or the new journal, never half of one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w") as out:
            json.dump(self.entries, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
