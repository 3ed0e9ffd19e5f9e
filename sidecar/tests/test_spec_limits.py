"""A task's model_spec is untrusted: only known settings of the right type are accepted, a validator's
limits bound every one of them, and a task cannot define softmax rules — a simulation's own rules live in
that simulation only."""

from __future__ import annotations

import dataclasses
import json

import pytest

from sabfl.aggregators import DEFAULT_SOFTMAX_RULE, SOFTMAX_RULES, aggregator_names
from sabfl.ml.data import load_dataset
from sabfl.ml.entrypoints import AllowedPackage
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.spec import SPEC_FIELDS, SpecLimits, SpecRefused, TaskSpec, parse_model_spec
from sabfl.roles.tasks import DEFAULT_SPEC
from sabfl.sim.config import SimConfig
from sabfl.sim.runner import Simulation

DEMO = TaskSpec.from_yaml(DEFAULT_SPEC)
DIGITS = load_dataset("digits")


def spec_with(experiment: dict | None = None, **top: object) -> str:
    """The demo task's model_spec with some experiment settings or top-level keys changed."""
    data = json.loads(DEMO.model_spec())
    data["experiment"].update(experiment or {})
    data.update(top)
    return json.dumps(data)


def test_the_demo_task_is_within_the_default_limits() -> None:
    config, rule = parse_model_spec(DEMO.model_spec())
    assert (config, rule) == (DEMO.experiment, DEMO.rule)
    limits = SpecLimits()
    limits.check(config)
    limits.check_task(DEMO.rounds, DEMO.max_updates_per_round)
    runtime = TaskRuntime.from_model_spec(1, DEMO.model_spec(), limits)
    assert runtime.rule == SOFTMAX_RULES[DEFAULT_SOFTMAX_RULE]


def test_every_simconfig_field_is_shared_or_sim_only() -> None:
    sim_only = {"byzantine", "attack", "byzantine_validators", "validator_attack", "rounds", "aggregators"}
    sim_only |= {"validation_fraction", "report_rounds"}
    private = {"data_seed"}  # each party's own: which rows are its data
    fields = {f.name for f in dataclasses.fields(SimConfig)}
    assert set(SPEC_FIELDS) | sim_only | private | {"softmax_rules"} == fields
    assert set(json.loads(DEMO.model_spec())["experiment"]) == set(SPEC_FIELDS)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (spec_with({"softmax_rules": {DEFAULT_SOFTMAX_RULE: {"scoring": {"eta": 9.0}}}}), "unknown keys"),
        (spec_with({"attack": "sf"}), "unknown keys"),
        (spec_with({"data_seed": 7}), "unknown keys"),
        (spec_with({"model": {"entry_point": "", "distribution": "x", "version": "1"}}), "package.module"),
        (spec_with({"model": {"entry_point": "m:f", "distribution": "", "version": "1"}}), "non-empty"),
        (spec_with(extra=1), "unknown keys"),
        (spec_with({"epochs": True}), "wrong type"),
        (spec_with({"epochs": 2.5}), "wrong type"),
        (spec_with({"dataset": ["digits"]}), "wrong type"),
        (spec_with(rule="my_rule"), "not one of the built-in rules"),
        (spec_with(rule=None), "not one of the built-in rules"),
        (json.dumps({"sabfl": 1, "rule": DEFAULT_SOFTMAX_RULE, "experiment": [1]}), "no experiment settings"),
        (spec_with({"lr": 0.5}).replace("0.5", "NaN"), "not a number"),
        ("[" * 3000 + "]" * 3000, "characters"),
        ('{"sabfl": 1, "rule": ' + "[" * 1000 + "]" * 1000 + "}", "not a sabfl spec"),
        ("digits/logreg", "not a sabfl spec"),
        ('{"sabfl": 2}', "not a sabfl v1 spec"),
    ],
)
def test_malformed_specs_are_refused(spec: str, reason: str) -> None:
    with pytest.raises(SpecRefused, match=reason):
        parse_model_spec(spec)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("epochs", 10**9),
        ("epochs", 0),
        ("batch_size", 10**6),
        ("participants", 10**6),
        ("validators", 10**5),
        ("holdout", 10**7),
        ("max_train", 10**8),
        ("max_test", 10**8),
        ("lr", 1e300),
        ("lr", -1.0),
        ("alpha", 0.0),
        ("shards_per_participant", 10**4),
        ("seed", -1),
        ("seed", 2**64),
        ("dataset", "npz:/etc/shadow"),
        ("dataset", "mnist:/home"),
        ("model", "cnn"),
        ("partition", "adversarial"),
    ],
)
def test_a_setting_beyond_the_limits_is_declined(setting: str, value: object) -> None:
    config, _ = parse_model_spec(spec_with({setting: value}))
    with pytest.raises(
        SpecRefused, match=setting if setting not in ("dataset", "model", "partition") else "one of"
    ):
        SpecLimits().check(config)


def test_limits_are_the_validators_own() -> None:
    config, _ = parse_model_spec(spec_with({"model": "cnn", "epochs": 20}))
    SpecLimits(models=("logreg", "cnn"), max_epochs=20).check(config)


def test_rows_loaded_and_task_size_are_bounded() -> None:
    limits = SpecLimits(max_train=1000, max_rounds=6, max_updates=10)
    with pytest.raises(SpecRefused, match="training rows of digits"):
        limits.check_dataset(DIGITS)
    SpecLimits().check_dataset(DIGITS)
    limits.check_task(6, 10)
    limits.check_task(6, 0)  # 0 = the chain's own cap; each round's count is checked when scored
    with pytest.raises(SpecRefused, match="rounds"):
        limits.check_task(7, 10)
    with pytest.raises(SpecRefused, match="updates"):
        limits.check_task(6, 11)


def test_a_runtime_beyond_the_limits_is_refused_before_any_work() -> None:
    with pytest.raises(SpecRefused, match="epochs"):
        TaskRuntime.from_model_spec(1, spec_with({"epochs": 10**9}), SpecLimits())
    with pytest.raises(SpecRefused, match="training rows"):
        TaskRuntime.from_model_spec(1, DEMO.model_spec(), SpecLimits(max_train=100))


def test_a_simulations_own_rules_stay_in_that_simulation() -> None:
    builtin = dict(SOFTMAX_RULES)
    names = aggregator_names()
    custom = {"scoring": {"eta": 0.5}, "temperature": {"mode": "fixed", "tau": 0.3}}
    config = SimConfig(
        participants=4, validators=2, holdout=10, aggregators=("all",), softmax_rules={"mine": custom}
    )
    simulation = Simulation(config, DIGITS)
    assert simulation.aggregators["mine"].rule.temperature.tau == 0.3
    assert list(simulation.aggregators) == [*names, "mine"]
    assert dict(SOFTMAX_RULES) == builtin and aggregator_names() == names, "the registry is unchanged"
    other = Simulation(dataclasses.replace(config, softmax_rules={}), DIGITS)
    assert "mine" not in other.aggregators
    with pytest.raises(TypeError):
        SOFTMAX_RULES["mine"] = simulation.aggregators["mine"].rule  # type: ignore[index]


def test_a_simulation_cannot_redefine_a_builtin_rule() -> None:
    redefined = {DEFAULT_SOFTMAX_RULE: {"scoring": {"eta": 9.0}}}
    with pytest.raises(ValueError, match="built-in rule"):
        Simulation(SimConfig(participants=4, validators=2, holdout=10, softmax_rules=redefined), DIGITS)
    assert SOFTMAX_RULES[DEFAULT_SOFTMAX_RULE].scoring.eta == 0.2


def test_participants_bound_a_task_by_their_own_limits(tmp_path) -> None:
    from sabfl.roles.participant import ParticipantConfig

    path = tmp_path / "participants.yaml"
    path.write_text("keys_file: keys.json\nlimits: {max_epochs: 1, models: [logreg]}\n")
    config = ParticipantConfig.from_yaml(path)
    assert config.limits.max_epochs == 1 and config.limits.models == ("logreg",)
    with pytest.raises(SpecRefused, match="epochs=2"):
        TaskRuntime.from_model_spec(1, spec_with({"epochs": 2}), config.limits)
    path.write_text("keys_file: keys.json\nlimts: {}\n")
    with pytest.raises(ValueError, match="unknown settings"):
        ParticipantConfig.from_yaml(path)


def test_both_roles_configs_list_the_packages_they_trust(tmp_path) -> None:
    from sabfl.roles.participant import ParticipantConfig
    from sabfl.roles.validator import ValidatorConfig

    packages = "packages: [{name: my-models, version: 1.2.0}, {name: other, sha256: " + "ab" * 32 + "}]\n"
    path = tmp_path / "participants.yaml"
    path.write_text("keys_file: keys.json\n" + packages)
    trusted = ParticipantConfig.from_yaml(path).packages
    assert trusted == (AllowedPackage("my-models", "1.2.0"), AllowedPackage("other", sha256="ab" * 32))
    path = tmp_path / "validator.yaml"
    path.write_text("chain: {chain_id: c, grpc_address: 'a:1'}\noperator: o\nhot_key_file: k\nvalidator: 0\n")
    path.write_text(path.read_text() + "journal: j\n" + packages)
    config = ValidatorConfig.from_yaml(path)
    assert config.packages == trusted
    config.save(path)
    assert ValidatorConfig.from_yaml(path) == config
    path.write_text("keys_file: keys.json\npackages: [{name: my-models}]\n")
    with pytest.raises(ValueError, match="give exactly one of version and sha256"):
        ParticipantConfig.from_yaml(path)
    path.write_text("keys_file: keys.json\npackages: [{name: my-models, version: 1.10}]\n")
    with pytest.raises(ValueError, match=r"1.1 is not a string; quote it in YAML \('1.10'\)"):
        ParticipantConfig.from_yaml(path)
