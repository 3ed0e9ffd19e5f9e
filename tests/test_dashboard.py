"""The dashboard against a running localnet, in a real headless browser (Debian's chromium and
chromium-driver through selenium): validator sidecars with metrics endpoints, participants with one
attacker and a roster, and `sabfl dashboard` serve a task; the page shows the task and a round's weights
as the chain has them, marks the attacker, then grows (height, rounds, accuracy points) without a reload.
The last screenshot is docs/dashboard.png."""

from __future__ import annotations

import json
import shutil
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from sabfl.chain import ChainClient, KeysFile
from sabfl.dashboard import cli as dashboard
from sabfl.fedlearn.v1 import round_pb2
from sabfl.protocol import WEIGHT_SCALE
from sabfl.roles.demo import Processes
from sabfl.roles.spec import KEYS_FILE_PARTICIPANTS, TaskSpec
from sabfl.roles.tasks import create_task
from sabfl.roles.validator import ValidatorConfig
from sabfl.sim.config import SimConfig

from .conftest import PORT_OFFSET, ROOT
from .test_sidecars import ENDED

# The dashboard and the validators' metrics on ports of this test's block (offset + 1700 …).
BASE_PORT = int(PORT_OFFSET) + 1780
EXPERIMENT = SimConfig(
    dataset="digits",
    model="logreg",
    participants=6,
    alpha=1.0,
    validators=4,
    holdout=50,
    epochs=5,
    batch_size=16,
    lr=0.5,
    seed=3,
)
# Every phase ends as soon as what it waits for arrived (SUBMIT too: the task is allowlisted); the
# longer ones leave room for a sidecar's first step, which loads the task's data.
SPEC = TaskSpec(
    experiment=EXPERIMENT,
    rounds=3,
    committee_size=4,
    phases=(5, 10, 20, 20, 20, 20),
    budget=600_000,
    max_updates_per_round=6,
    allowed_participants=KEYS_FILE_PARTICIPANTS,
)
SCREENSHOT = ROOT / "docs" / "dashboard.png"


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        pytest.fail(
            "chromedriver not found: install Debian's chromium and chromium-driver (make system-deps)"
        )
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


def wait_for(
    what: str, check: Callable[[], object], timeout: float, last: Callable[[], object] = lambda: None
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise TimeoutError(f"the page did not show {what} within {timeout:.0f}s; it showed {last()}")


# What the page shows, read from its DOM.
PAGE = """
const rows = (id) => [...document.querySelectorAll(`#${id} tbody tr`)];
return {
  height: Number(document.getElementById('height').textContent) || 0,
  tasks: rows('tasks').map((tr) => Number(tr.dataset.task)),
  rounds: rows('rounds').map((tr) => [Number(tr.dataset.round), tr.dataset.phase]),
  round: Number(document.getElementById('round-number').textContent) || 0,
  updates: rows('updates').map((tr) => tr.className + ' ' + tr.cells[4].textContent),
  accuracy_points: (document.getElementById('accuracy-chart').data || []).reduce((n, t) => n + t.x.length, 0),
  timeline_bars: (document.getElementById('timeline-chart').data || []).reduce((n, t) => n + t.x.length, 0),
  weight_bars: ((document.getElementById('weights-chart').data || [])[0] || {x: []}).x.length,
  marker: window.sabflNotReloaded === true,
};
"""


def test_dashboard_shows_the_running_task_and_updates_without_reload(
    localnet_dir: Path, keys: KeysFile, creator: ChainClient, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    processes = Processes()
    try:
        # The dashboard first, so the page is up when the task starts.
        node = keys.nodes[0]
        metrics = [f"127.0.0.1:{BASE_PORT + 1 + v}" for v in range(len(keys.nodes))]
        roster = tmp_path / "roster.json"
        args = dashboard.arguments(node.grpc, node.rpc, metrics, [roster], BASE_PORT)
        processes.start("dashboard", [sys.executable, "-m", "sabfl.cli", *args], tmp_path / "dashboard.log")
        task_id = create_task(creator, SPEC, keys)
        for v in range(len(keys.nodes)):
            port = BASE_PORT + 1 + v
            config = tmp_path / f"validator{v}.yaml"
            ValidatorConfig.for_localnet(
                keys, v, tmp_path / f"validator{v}", metrics_port=port, poll_seconds=0.3
            ).save(config)
            processes.start(
                f"validator {v}",
                [sys.executable, "-m", "sabfl.cli", "validator", "run", "--config", str(config)],
                tmp_path / f"validator{v}.log",
            )
        participants = tmp_path / "participants.yaml"
        participants.write_text(
            yaml.safe_dump(
                {
                    "keys_file": str(localnet_dir / "keys.json"),
                    "task_id": task_id,
                    "attack": "sf",
                    "byzantine": 1 / 6,
                    "roster": str(roster),
                    "poll_seconds": 0.3,
                }
            )
        )
        processes.start(
            "participants",
            [sys.executable, "-m", "sabfl.cli", "participant", "run", "--config", str(participants)],
            tmp_path / "participants.log",
        )

        url = f"http://127.0.0.1:{BASE_PORT}/"
        wait_for("the dashboard", lambda: _answers(url), 60)
        browser.get(url)
        browser.execute_script("window.sabflNotReloaded = true;")
        page = lambda: browser.execute_script(PAGE)  # noqa: E731

        # A round with weights: the page shows each update's weight as the chain has it, attacker marked.
        shown = wait_for(
            "a round's weights",
            lambda: (p := page())["updates"] and not any(u.endswith("–") for u in p["updates"]) and p,
            120,
            page,
        )
        processes.check_alive()
        assert task_id in shown["tasks"]
        chain_round = creator.round(task_id, shown["round"])
        attacker = set(yaml.safe_load(roster.read_text())["attackers"])
        expected = sorted(
            f"{'attacker' if u.participant in attacker else ''} {w / WEIGHT_SCALE:.4f}"
            for u, w in zip(chain_round.updates, chain_round.weights, strict=True)
        )
        assert sorted(shown["updates"]) == expected
        assert sum(1 for u in shown["updates"] if u.startswith("attacker")) == 1
        assert shown["weight_bars"] == len(chain_round.updates)

        # It keeps updating without a reload: the chain grows, a later round and more accuracy points.
        later = wait_for(
            "a later round and more accuracy points",
            lambda: (
                (p := page())["height"] > shown["height"]
                and max(r for r, _ in p["rounds"]) > max(r for r, _ in shown["rounds"])
                and p["accuracy_points"] > shown["accuracy_points"]
                and p["timeline_bars"] > shown["timeline_bars"]
                and p
            ),
            90,
            page,
        )
        assert later["marker"], "the page was reloaded"
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOT))
        # Round 1's events, as the page's JSON has them: its phases in order and the rewards it paid.
        with urllib.request.urlopen(url + "api/state", timeout=5) as response:
            state = json.load(response)
        first = next(t for t in state["tasks"] if t["id"] == task_id)["rounds"][0]
        assert first["phase"] == "FINALIZED" and first["miners_tried"]
        phases = [step["phase"] for step in first["timeline"]]
        # ATTEST only when an attestation missed the miner's block (members attest in AGGREGATE already).
        assert [p for p in phases if p != "ATTEST"] == [
            "SUBMIT",
            "UPDATE_REVEAL",
            "COMMIT",
            "REVEAL",
            "AGGREGATE",
            "FINALIZED",
        ], phases
        assert {r["role"] for r in first["rewards"]} == {"participant", "committee", "miner"}
        paid = sum(r["amount"] for r in first["rewards"])
        assert SPEC.budget // SPEC.rounds - 20 <= paid <= SPEC.budget // SPEC.rounds
        # The sidecars serve the task to its end: one stopped mid-task would leave its miner turns unserved,
        # and the chain jails a miner that does not aggregate, for every later test on this localnet.
        last = creator.wait_for_phase(task_id, SPEC.rounds, ENDED, timeout_s=240)
        assert last.phase == round_pb2.ROUND_PHASE_FINALIZED, last.failure_reason
    finally:
        processes.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "api/state", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
