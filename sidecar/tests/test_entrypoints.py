"""Models by entry point: the built-ins are sabfl's own entry points; a task's factory is imported only
from a distribution the operator trusts, at the version the task names; and every error a user meets
says what to do."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pytest
import torch
from packages import install_distribution

from sabfl.cli import main
from sabfl.ml.data import load_dataset
from sabfl.ml.entrypoints import (
    AllowedPackage,
    EntryPointRef,
    NotAllowed,
    PackageMissing,
    UnknownEntryPoint,
    builtin_names,
    builtin_ref,
    installed_files_sha256,
)
from sabfl.ml.models import MODEL_GROUP, MODEL_NAMES, ModelError, build_model, flatten_params, model_ref
from sabfl.roles.rule import rule_to_chain
from sabfl.roles.spec import SpecLimits, SpecRefused, TaskSpec, build_task_model, parse_model_spec
from sabfl.sim.config import SimConfig

FACTORIES = """
    import torch
    from torch import nn

    def tabular(input_shape, num_classes, hidden=8):
        return nn.Sequential(nn.Flatten(), nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, num_classes))

    def doubles(input_shape, num_classes):
        return nn.Linear(64, num_classes).double()

    def normed(input_shape, num_classes):
        return nn.Sequential(nn.Flatten(), nn.BatchNorm1d(64), nn.Linear(64, num_classes))

    def counter(input_shape, num_classes):
        global CALLS
        CALLS = CALLS + 1
        return nn.Linear(64, num_classes)

    CALLS = 0
"""
POINTS = {"tabular": "tabular", "doubles": "doubles", "normed": "normed", "counter": "counter"}
DIGITS = load_dataset("digits", max_train=200, max_test=50)


@pytest.fixture
def package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """`my-models` 1.2.0, installed, declaring four sabfl.models entry points; returns its module."""
    return install_distribution(monkeypatch, tmp_path, "my-models", "1.2.0", FACTORIES, {MODEL_GROUP: POINTS})


TRUSTED = (AllowedPackage("my-models", version="1.2.0"),)


def ref(module: str, function: str = "tabular", version: str = "1.2.0", **params: object) -> EntryPointRef:
    return EntryPointRef(f"{module}:{function}", "my-models", version, params)


def test_the_built_in_models_are_sabfls_entry_points() -> None:
    assert builtin_names(MODEL_GROUP) == tuple(sorted(MODEL_NAMES))
    by_alias = build_model("mlp", (1, 8, 8), 10, seed=3)
    target = model_ref("mlp")
    assert (target.target, target.distribution) == ("sabfl.ml.models:mlp", "sabfl")
    spec = {"entry_point": target.target, "distribution": "sabfl", "version": target.version}
    by_entry_point = build_model(spec, (1, 8, 8), 10, seed=3)
    assert torch.equal(flatten_params(by_alias), flatten_params(by_entry_point))


def test_a_trusted_factory_builds_a_seeded_model_with_its_params(package: str) -> None:
    a = build_model(ref(package, hidden=4), (1, 8, 8), 10, seed=1, allowed=TRUSTED)
    b = build_model(ref(package, hidden=4), (1, 8, 8), 10, seed=1, allowed=TRUSTED)
    assert flatten_params(a).numel() == 64 * 4 + 4 + 4 * 10 + 10
    assert torch.equal(flatten_params(a), flatten_params(b))


def test_an_untrusted_distribution_is_never_imported(package: str) -> None:
    with pytest.raises(NotAllowed, match=r"adds `\{name: my-models, version: 1.2.0\}` to `packages`"):
        build_model(ref(package, "counter"), (1, 8, 8), 10)
    with pytest.raises(NotAllowed, match="trusts my-models==1.1.0, not the installed 1.2.0"):
        build_model(ref(package, "counter"), (1, 8, 8), 10, allowed=(AllowedPackage("my-models", "1.1.0"),))
    import sys

    assert package not in sys.modules, "the module was imported before the checks"


def test_a_distribution_pinned_by_the_hash_of_its_files(package: str, tmp_path: Path) -> None:
    digest = installed_files_sha256("my-models")
    build_model(ref(package), (1, 8, 8), 10, allowed=(AllowedPackage("my-models", sha256=digest),))
    (tmp_path / f"{package}.py").write_text("raise SystemExit('tampered')\n")
    assert installed_files_sha256("my-models") != digest
    with pytest.raises(NotAllowed, match="do not hash to the sha256"):
        build_model(ref(package), (1, 8, 8), 10, allowed=(AllowedPackage("my-models", sha256=digest),))


def test_a_missing_package_or_another_version_says_what_to_install(package: str) -> None:
    with pytest.raises(PackageMissing, match=r"needs my-models==2.0.0, this sidecar has 1.2.0: install it"):
        build_model(ref(package, version="2.0.0"), (1, 8, 8), 10, allowed=TRUSTED)
    absent = EntryPointRef("absent.models:build", "absent-models", "0.1", {})
    with pytest.raises(PackageMissing, match=r"absent-models is not installed: install it .*pip check"):
        build_model(absent, (1, 8, 8), 10, allowed=(AllowedPackage("absent-models", "0.1"),))


def test_an_unknown_entry_point_names_those_declared(package: str) -> None:
    with pytest.raises(UnknownEntryPoint, match=rf"declares no sabfl.models entry point '{package}:nope'"):
        build_model(ref(package, "nope"), (1, 8, 8), 10, allowed=TRUSTED)
    # A module the distribution does not declare is not imported by name, even from a trusted package.
    with pytest.raises(UnknownEntryPoint, match=rf"it declares {package}:counter"):
        build_model(ref("os", "system"), (1, 8, 8), 10, allowed=TRUSTED)
    with pytest.raises(UnknownEntryPoint, match="no built-in sabfl.models named 'resnet'"):
        build_model("resnet", (1, 8, 8), 10)
    # A sabfl installed before its entry points existed says how to fix it.
    with pytest.raises(UnknownEntryPoint, match=r"declares no sabfl.nothing entry points .* reinstall it"):
        builtin_ref("sabfl.nothing", "x")


def test_a_model_sabfl_cannot_train_says_what_to_change(package: str) -> None:
    with pytest.raises(ModelError, match=r"must be a float32 tensor; weight \(torch.float64\).*\.float\(\)"):
        build_model(ref(package, "doubles"), (1, 8, 8), 10, allowed=TRUSTED)
    with pytest.raises(ModelError, match=r"buffers \['1.running_mean'.*LayerNorm or GroupNorm"):
        build_model(ref(package, "normed"), (1, 8, 8), 10, allowed=TRUSTED)
    with pytest.raises(ModelError, match=r"is called as factory\(input_shape.*unexpected keyword"):
        build_model(ref(package, depth=3), (1, 8, 8), 10, allowed=TRUSTED)


def test_the_operator_bounds_the_model_whatever_the_task_asks(package: str) -> None:
    """A trusted factory asked for a huge model is refused before it allocates: counted on the meta
    device."""
    huge = ref(package, hidden=10**9)  # 75e9 parameters: 300 GB if it were allocated
    with pytest.raises(ModelError, match="builds 75,000,000,010 parameters, more than .* 1,000,000"):
        build_model(huge, (1, 8, 8), 10, allowed=TRUSTED, max_params=SpecLimits().max_model_params)


def test_a_task_spec_names_its_model_by_entry_point(package: str) -> None:
    model = {"entry_point": f"{package}:tabular", "distribution": "my-models", "version": "1.2.0"}
    spec = TaskSpec(experiment=SimConfig(model={**model, "params": {"hidden": 4}}, participants=4))
    config, _ = parse_model_spec(spec.model_spec())
    assert config.model["params"] == {"hidden": 4}
    limits = SpecLimits()
    limits.check(config, TRUSTED)
    with pytest.raises(SpecRefused, match="which this sidecar's `packages` does not list"):
        limits.check(config)
    initial = hashlib.sha256(spec.initial_model()).digest()
    built = build_task_model(config, DIGITS, limits, TRUSTED, initial)
    assert flatten_params(built).numel() == 64 * 4 + 4 + 4 * 10 + 10
    with pytest.raises(SpecRefused, match="the task's initial model on chain"):
        build_task_model(config, DIGITS, limits, TRUSTED, hashlib.sha256(b"other").digest())
    with pytest.raises(SpecRefused, match="missing \\['version'\\]"):
        parse_model_spec(spec.model_spec().replace(', "version": "1.2.0"', ""))


def test_the_packages_command_shows_pins_hashes_and_entry_points(
    package: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "validator.yaml"
    config.write_text("packages: [{name: my-models, version: 1.2.0}]\n")
    assert main(["packages", "--config", str(config)]) == 0
    shown = capsys.readouterr().out
    digest = installed_files_sha256("my-models")
    assert f"my-models 1.2.0 sha256={digest} pin ok" in shown
    assert f"sabfl.models: doubles = {package}:doubles" in shown
    # The hash it shows is a pin the sidecar accepts.
    pins = f"[{{name: my-models, sha256: {digest}}}, {{name: my-models, version: '1.0'}}]"
    config.write_text(f"packages: {pins}\n")
    assert main(["packages", "--config", str(config), "sabfl", "absent-models"]) == 1
    shown = capsys.readouterr().out
    assert "pin ok" in shown and "my-models: FAILS: the config trusts my-models==1.0" in shown
    assert "sabfl.models: mlp = sabfl.ml.models:mlp" in shown and "absent-models: not installed" in shown


def test_a_participant_does_not_join_a_task_from_a_package_it_does_not_trust(
    package: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from sabfl.fedlearn.v1 import task_pb2
    from sabfl.roles.participant import ParticipantConfig, ParticipantRunner

    model = {"entry_point": f"{package}:tabular", "distribution": "my-models", "version": "1.2.0"}
    spec = TaskSpec(experiment=SimConfig(model=model, participants=4, validators=2, holdout=10))
    task = task_pb2.Task(id=5, model_spec=spec.model_spec(), rule=rule_to_chain(spec.softmax_rule))
    task.initial_model_sha256 = hashlib.sha256(spec.initial_model()).digest()
    node = {"name": "node0", "rpc": "http://127.0.0.1:1", "grpc": "127.0.0.1:1", "api": "http://127.0.0.1:1"}
    node["validator"] = {"name": "v", "address": "sabfl1v", "mnemonic": "m", "valoper": "sabflvaloper1v"}
    creator = {"name": "c", "address": "sabfl1c", "mnemonic": "m"}
    keys = {"chain_id": "c", "denom": "stake", "address_prefix": "sabfl", "gas_price": "0.01"}
    keys |= {"nodes": [node], "participants": [], "creator": creator}
    (tmp_path / "keys.json").write_text(json.dumps(keys))
    runner = ParticipantRunner(ParticipantConfig(keys_file=tmp_path / "keys.json", blob_stores=()))
    with caplog.at_level(logging.WARNING):
        assert runner.prepare(task) is None
    assert runner.refused == {5}
    assert "task 5: not joined: its model comes from distribution my-models 1.2.0, which this" in caplog.text
    # Trusting the package, it builds the task's model and goes on (to find it has no accounts to train).
    config = ParticipantConfig(keys_file=tmp_path / "keys.json", blob_stores=(), packages=TRUSTED)
    with pytest.raises(ValueError, match="task wants 4 participants, keys file has 0 accounts"):
        ParticipantRunner(config).prepare(task)
