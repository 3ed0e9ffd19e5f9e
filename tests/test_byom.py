"""Bring your own model and data: the separately installed example package (examples/clinic-tabular, its
own pyproject) supplies the task's model factory and loads the clinics' records; a task naming the factory
by entry point runs through the localnet for three finalized rounds, every sidecar trusting the package in
its config and rebuilding the chain's initial model from it, and the model learns.

Each party loads its own records through the example's loader (its config's `data`): validator v clinic
v's CSV, the participants all clinics' records (which include the validators' clinics: one public sample
set plays every party). The task names, as its public dataset, the npz the same loader makes of all
records; the test measures accuracy on it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from sabfl.chain import ChainClient, KeysFile
from sabfl.fedlearn.v1 import query_pb2
from sabfl.ml.entrypoints import AllowedPackage
from sabfl.ml.loaders import check_matches, load_source
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.spec import SpecLimits, TaskSpec
from sabfl.roles.tasks import create_task
from sabfl.sim.config import SimConfig

from .test_sidecars import PHASE, Sidecars, wait_round

EXAMPLE = "sabfl-clinic-tabular"
VERSION = "0.1.0"
PACKAGES = [{"name": EXAMPLE, "version": VERSION}]
MODEL = {
    "entry_point": "clinic_tabular.model:tabular_mlp",
    "distribution": EXAMPLE,
    "version": VERSION,
    "params": {"hidden": 16},
}
LOADER = {"entry_point": "clinic_tabular.data:clinic_records", "distribution": EXAMPLE, "version": VERSION}


@dataclass(frozen=True)
class Clinics:
    npz: Path  # all records, as the task's public dataset
    csvs: list[Path]  # clinic 0, 1, …, then all records


@pytest.fixture(scope="module")
def clinics(tmp_path_factory: pytest.TempPathFactory) -> Clinics:
    """The clinics' records as CSVs, and all of them, loaded by the example's own loader (a trusted entry
    point), as one npz."""
    try:
        from clinic_tabular.export import export
    except ImportError:
        pytest.fail(f"{EXAMPLE} is not installed: `make install` (or see examples/clinic-tabular/README.md)")
    assert metadata.version(EXAMPLE) == VERSION
    folder = tmp_path_factory.mktemp("clinics")
    csvs = export(folder, clinics=4)
    data = load_source({"loader": LOADER, "path": str(csvs[-1])}, AllowedPackage.from_config(PACKAGES))
    check_matches(data, (1, 1, 30), 2)
    path = folder / "clinics.npz"
    np.savez(path, x_train=data.x_train, y_train=data.y_train, x_test=data.x_test, y_test=data.y_test)
    return Clinics(path, csvs)


@pytest.fixture
def sidecars(localnet_dir: Path, keys: KeysFile, tmp_path: Path) -> Iterator[Sidecars]:
    running = Sidecars(keys, localnet_dir / "keys.json", tmp_path)
    yield running
    running.processes.stop()


def test_the_example_packages_model_trains_through_three_finalized_rounds(
    creator: ChainClient, sidecars: Sidecars, clinics: Clinics
) -> None:
    dataset = f"npz:{clinics.npz}"
    experiment = SimConfig(
        dataset=dataset,
        model=MODEL,
        participants=6,
        validators=4,
        holdout=20,
        alpha=1.0,
        epochs=2,
        batch_size=16,
        lr=0.1,
        seed=7,
    )
    spec = TaskSpec(
        experiment=experiment,
        rounds=3,
        committee_size=4,
        phases=(10, 10, 30, 30, 30, 30),
        budget=600_000,
        max_updates_per_round=6,
    )
    task_id = create_task(creator, spec)
    limits = SpecLimits(datasets=(dataset,))
    trusted = AllowedPackage.from_config(PACKAGES)
    for v in range(4):
        own = {"loader": LOADER, "path": str(clinics.csvs[v])}
        sidecars.start_validator(v, limits=limits, packages=trusted, data=own)
    own = {"loader": LOADER, "path": str(clinics.csvs[-1])}
    sidecars.start_participants(task_id, limits={"datasets": [dataset]}, packages=PACKAGES, data=own)
    task = creator.fedlearn.Task(query_pb2.QueryTaskRequest(task_id=task_id)).task
    assert task.initial_model_sha256 == hashlib.sha256(spec.initial_model()).digest()
    runtime = TaskRuntime.from_task(task, limits, AllowedPackage.from_config(PACKAGES))
    accuracy = [runtime.test_accuracy(runtime.decode(creator.global_model(task_id).payload))]
    for number in (1, 2, 3):
        round_ = wait_round(creator, task_id, number, timeout=120)
        assert round_.phase == PHASE.ROUND_PHASE_FINALIZED, round_.failure_reason
        assert len(round_.updates) == 6
        accuracy.append(runtime.test_accuracy(runtime.decode(creator.global_model(task_id).payload)))
    print(f"test accuracy of the global model, rounds 0-3: {[round(a, 3) for a in accuracy]}")
    assert accuracy[-1] > 0.9 and accuracy[-1] > accuracy[0] + 0.2, accuracy
    for v in range(4):
        assert not sidecars.declined(v, task_id)
