"""A task spec: the shared ML setup every sidecar rebuilds (travels on chain as the task's model_spec)
plus the chain-side parameters of MsgCreateTask. Any account can create a task, so a model_spec read
from the chain is untrusted: `parse_model_spec` accepts only the known settings with their JSON types,
and `SpecLimits` bounds what a validator will do for one task."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from torch import nn

from sabfl.aggregators.softmax import DEFAULT_SOFTMAX_RULE, SOFTMAX_RULES, SoftmaxRule
from sabfl.chain import KeysFile, messages
from sabfl.fedlearn.v1 import task_pb2, tx_pb2
from sabfl.ml.data import Dataset, load_dataset
from sabfl.ml.entrypoints import SABFL_DISTRIBUTION, AllowedPackage, EntryPointError, canonical_name
from sabfl.ml.models import MODEL_NAMES, ModelError, build_model, flatten_params, model_ref
from sabfl.ml.partition import SCHEMES
from sabfl.ml.serialize import encode_flat
from sabfl.roles.rule import ChainRuleError, rule_differences, rule_from_chain, rule_to_chain
from sabfl.sim.config import SimConfig

MODEL_SPEC_VERSION = 1
# The longest model_spec a sidecar parses (the demo's is about 300 characters).
MAX_MODEL_SPEC_CHARS = 4096
# The SimConfig fields a model_spec carries — the shared task — with the JSON types each may take. The
# others are a participant's or validator's own choices (attack, byzantine, ...) or simulation-only
# settings (rounds, aggregators, softmax_rules); a spec that names one of them is refused.
SPEC_FIELDS: dict[str, tuple[type, ...]] = {
    "dataset": (str,),
    "max_train": (int, type(None)),
    "max_test": (int, type(None)),
    # A built-in's alias, or {entry_point, distribution, version, params} (sabfl.ml.models.model_ref).
    "model": (str, dict),
    "participants": (int,),
    "partition": (str,),
    "alpha": (int, float),
    "shards_per_participant": (int,),
    "validators": (int,),
    "holdout": (int,),
    "epochs": (int,),
    "batch_size": (int,),
    "lr": (int, float),
    "seed": (int,),
}
SPEC_KEYS = {"sabfl", "rule", "experiment"}


class SpecRefused(ValueError):
    """A model_spec this sidecar does not serve: not a sabfl spec, malformed, or beyond its limits."""


# `allowed_participants: keys_file` in a task spec: the first `participants` accounts of the keys file the
# task is created with (a localnet's participants; the demo's consortium).
KEYS_FILE_PARTICIPANTS = "keys_file"
# A task's phase lengths, in round order (chain/messages.create_task's `phases`).
PHASE_NAMES = ("submit", "update_reveal", "commit", "reveal", "aggregate", "attest")


@dataclass(frozen=True)
class TaskSpec:
    experiment: SimConfig = field(default_factory=SimConfig)
    rule: str = DEFAULT_SOFTMAX_RULE
    rounds: int = 5
    committee_size: int = 4
    # submit, update_reveal, commit, reveal, aggregate, attest — in blocks, in round order; phases end
    # early when all has arrived.
    phases: tuple[int, int, int, int, int, int] = (40, 20, 30, 30, 30, 30)
    budget: int = 10_000_000
    max_updates_per_round: int = 0
    # Admission: the only accounts that may submit (empty = an open task), or KEYS_FILE_PARTICIPANTS;
    # and what each accepted update pays into the escrow (base units of the budget's denom; 0 = nothing).
    allowed_participants: tuple[str, ...] | str = ()
    update_fee: int = 0

    def __post_init__(self) -> None:
        if len(self.phases) != len(PHASE_NAMES):
            names = ", ".join(PHASE_NAMES)
            raise ValueError(f"phases are {len(PHASE_NAMES)} lengths ({names}), got {list(self.phases)}")
        if self.rule not in SOFTMAX_RULES:
            raise ValueError(f"unknown rule {self.rule!r}; choose from {', '.join(SOFTMAX_RULES)}")
        allowed = self.allowed_participants
        if isinstance(allowed, str):
            if allowed != KEYS_FILE_PARTICIPANTS:
                raise ValueError(
                    f"allowed_participants is a list of addresses or {KEYS_FILE_PARTICIPANTS!r}, "
                    f"got {allowed!r}"
                )
        elif not all(isinstance(a, str) for a in allowed):
            raise ValueError(f"allowed_participants must be addresses, got {list(allowed)!r}")
        if isinstance(self.update_fee, bool) or not isinstance(self.update_fee, int) or self.update_fee < 0:
            raise ValueError(f"update_fee must be a whole amount >= 0, got {self.update_fee!r}")

    @classmethod
    def from_yaml(cls, path: Path) -> TaskSpec:
        data = yaml.safe_load(path.read_text()) or {}
        experiment = SimConfig(**data.pop("experiment", {}))
        for name in ("phases", "allowed_participants"):
            if isinstance(data.get(name), list):
                data[name] = tuple(data[name])
        return cls(experiment=experiment, **data)

    def for_keys(self, keys: KeysFile) -> TaskSpec:
        """This spec with `allowed_participants: keys_file` replaced by the keys file's first
        `experiment.participants` participant accounts (those a participant runner drives)."""
        if self.allowed_participants != KEYS_FILE_PARTICIPANTS:
            return self
        wanted = self.experiment.participants
        if wanted > len(keys.participants):
            raise ValueError(
                f"the spec wants {wanted} participants; the keys file has {len(keys.participants)}"
            )
        return dataclasses.replace(
            self, allowed_participants=tuple(a.address for a in keys.participants[:wanted])
        )

    @property
    def softmax_rule(self) -> SoftmaxRule:
        return SOFTMAX_RULES[self.rule]

    def model_spec(self) -> str:
        shared = {name: getattr(self.experiment, name) for name in SPEC_FIELDS}
        return json.dumps(
            {"sabfl": MODEL_SPEC_VERSION, "rule": self.rule, "experiment": shared}, sort_keys=True
        )

    def initial_model(self) -> bytes:
        """The canonical bytes of the task's initial model, built by the factory its spec names (the
        creator trusts the package its own spec names; every sidecar rebuilds and compares them)."""
        config = self.experiment
        data = load_dataset(config.dataset, max_train=config.max_train, max_test=config.max_test)
        ref = model_ref(config.model)
        trusted = (AllowedPackage(ref.distribution, version=ref.version),)
        model = build_model(ref, data.input_shape, data.num_classes, seed=config.seed, allowed=trusted)
        return initial_model_bytes(model)

    def create_task_msg(self, creator: str, denom: str = "stake") -> tx_pb2.MsgCreateTask:
        if isinstance(self.allowed_participants, str):
            raise ValueError(
                f"allowed_participants: {self.allowed_participants}: resolve it with TaskSpec.for_keys first"
            )
        return messages.create_task(
            creator,
            self.model_spec(),
            self.initial_model(),
            num_rounds=self.rounds,
            committee_size=self.committee_size,
            budget=self.budget,
            denom=denom,
            rule=rule_to_chain(self.softmax_rule),
            phases=self.phases,
            max_updates_per_round=self.max_updates_per_round,
            allowed_participants=self.allowed_participants,
            update_fee=self.update_fee,
        )


def _reject_constant(name: str) -> None:
    raise SpecRefused(f"model_spec holds {name}, which is not a number")


def parse_model_spec(model_spec: str) -> tuple[SimConfig, str]:
    """The shared SimConfig and rule name of a task's model_spec. Raises SpecRefused for a foreign spec,
    an unknown key, a value of the wrong type or a rule that is not built in: a task cannot define rules."""
    if len(model_spec) > MAX_MODEL_SPEC_CHARS:
        raise SpecRefused(f"model_spec has {len(model_spec)} characters, more than {MAX_MODEL_SPEC_CHARS}")
    try:
        data = json.loads(model_spec, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, an int too long, deep nesting
        raise SpecRefused(f"model_spec is not a sabfl spec: {error}") from None
    if not isinstance(data, dict) or data.get("sabfl") != MODEL_SPEC_VERSION:
        raise SpecRefused(f"model_spec is not a sabfl v{MODEL_SPEC_VERSION} spec")
    _known_keys("model_spec", data, SPEC_KEYS)
    rule, experiment = data.get("rule"), data.get("experiment")
    if not isinstance(rule, str) or rule not in SOFTMAX_RULES:
        raise SpecRefused(f"rule {rule!r} is not one of the built-in rules {', '.join(SOFTMAX_RULES)}")
    if not isinstance(experiment, dict):
        raise SpecRefused("model_spec has no experiment settings")
    _known_keys("experiment", experiment, set(SPEC_FIELDS))
    for name, value in experiment.items():
        # bool is an int in Python, but `true` is no epoch count.
        if isinstance(value, bool) or not isinstance(value, SPEC_FIELDS[name]):
            raise SpecRefused(f"experiment setting {name}={value!r} has the wrong type")
    if isinstance(experiment.get("model"), dict):
        try:
            model_ref(experiment["model"])
        except ModelError as error:
            raise SpecRefused(f"experiment setting model: {error}") from None
    return SimConfig(**experiment), rule


def parse_task(task: task_pb2.Task) -> tuple[SimConfig, SoftmaxRule]:
    """The shared SimConfig of a task from the chain and the rule its validators score with — the one
    decoded from its on-chain rule. Raises SpecRefused for a spec `parse_model_spec` refuses, an on-chain
    rule that does not decode, or one that differs from the built-in rule its model_spec names."""
    config, name = parse_model_spec(task.model_spec)
    try:
        rule = rule_from_chain(task.rule)
        differences = rule_differences(rule, SOFTMAX_RULES[name])
    except ChainRuleError as error:
        raise SpecRefused(f"its on-chain rule is not one to score with: {error}") from None
    if differences:
        raise SpecRefused(
            f"its on-chain rule differs from {name}, which its model_spec names: {'; '.join(differences)}"
        )
    return config, rule


def initial_model_bytes(model: nn.Module) -> bytes:
    """A freshly built model's canonical bytes: what a task's creator puts on chain as its initial model
    and every sidecar rebuilds and compares (`build_task_model`)."""
    return encode_flat(flatten_params(model).numpy(), [tuple(p.shape) for p in model.parameters()])


def build_task_model(
    config: SimConfig,
    dataset: Dataset,
    limits: SpecLimits | None = None,
    packages: Sequence[AllowedPackage] = (),
    initial_sha256: bytes | None = None,
) -> nn.Module:
    """The task's model, built by the factory its spec names from sabfl or a distribution on `packages`,
    within `limits.max_model_params`; with `initial_sha256` (the chain's), its canonical bytes must hash
    to it. Raises SpecRefused saying why not: a package not trusted, missing or of another version, an
    unknown entry point, a model sabfl cannot train or beyond the limits, or another initial model."""
    max_params = limits.max_model_params if limits is not None else None
    try:
        ref = model_ref(config.model)
        model = build_model(
            ref,
            dataset.input_shape,
            dataset.num_classes,
            seed=config.seed,
            allowed=packages,
            max_params=max_params,
        )
    except (EntryPointError, ModelError) as error:
        raise SpecRefused(str(error)) from None
    if initial_sha256 is not None:
        built = hashlib.sha256(initial_model_bytes(model)).digest()
        if built != initial_sha256:
            raise SpecRefused(
                f"the model {ref.target} from {ref.distribution} {ref.version} builds here has sha256 "
                f"{built.hex()[:16]}…, the task's initial model on chain {initial_sha256.hex()[:16]}…: the "
                "creator's package, its params or torch differ from this sidecar's (install the task's "
                "exact versions), or its factory is not deterministic given torch's seed"
            )
    return model


def _known_keys(where: str, data: dict, known: set[str]) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise SpecRefused(f"{where} has unknown keys {unknown}")


@dataclass(frozen=True)
class SpecLimits:
    """The most a validator does for one task; a task that asks for more is declined, not served."""

    datasets: tuple[str, ...] = ("digits", "fashion-mnist")
    models: tuple[str, ...] = ("logreg", "mlp")  # built-in models; others come from trusted `packages`
    # Parameters of the model a task's factory builds (float32: 4 bytes each), whatever its params ask;
    # counted on torch's meta device before any memory is allocated.
    max_model_params: int = 1_000_000
    max_train: int = 10_000  # training rows the task loads (its max_train, or its whole dataset)
    max_test: int = 10_000
    max_participants: int = 100
    max_validators: int = 64
    max_holdout: int = 1_000  # held-out rows per validator
    max_epochs: int = 10
    max_batch_size: int = 1_024
    max_lr: float = 10.0
    max_alpha: float = 1_000.0
    max_shards_per_participant: int = 100
    max_rounds: int = 100  # rounds the task runs, each one scored
    max_updates: int = 256  # updates scored in one round

    def check(self, config: SimConfig, packages: Sequence[AllowedPackage] = ()) -> None:
        """Raise SpecRefused naming the first setting of a task's spec beyond these limits, or a model
        from a distribution not on `packages` (nothing is imported)."""
        for name, allowed in (("dataset", self.datasets), ("partition", SCHEMES)):
            if getattr(config, name) not in allowed:
                raise SpecRefused(f"{name} {getattr(config, name)!r} is not one of {list(allowed)}")
        self.check_model(config.model, packages)
        bounds = {
            "max_train": (1, self.max_train),
            "max_test": (1, self.max_test),
            "participants": (1, self.max_participants),
            "validators": (1, self.max_validators),
            "holdout": (1, self.max_holdout),
            "epochs": (1, self.max_epochs),
            "batch_size": (1, self.max_batch_size),
            "lr": (1e-6, self.max_lr),
            "alpha": (1e-6, self.max_alpha),
            "shards_per_participant": (1, self.max_shards_per_participant),
            "seed": (0, 2**32 - 1),
        }
        for name, (low, high) in bounds.items():
            value = getattr(config, name)
            if value is not None and not low <= value <= high:  # NaN compares False: refused
                raise SpecRefused(f"{name}={value} is beyond this validator's limits [{low}, {high}]")

    def check_model(self, model: str | dict, packages: Sequence[AllowedPackage] = ()) -> None:
        """A built-in model (by alias or by its entry point) must be one of `models`; any other must come
        from a distribution the operator lists in `packages` (whose version `build_task_model` checks)."""
        try:
            ref = model_ref(model)
        except (EntryPointError, ModelError) as error:
            raise SpecRefused(str(error)) from None
        name = canonical_name(ref.distribution)
        if name == SABFL_DISTRIBUTION:
            allowed = {model_ref(alias).target for alias in self.models if alias in MODEL_NAMES}
            if ref.target not in allowed:
                raise SpecRefused(f"model {ref.target} is not one of the built-in models {list(self.models)}")
        elif name not in {canonical_name(p.name) for p in packages}:
            raise SpecRefused(
                f"its model comes from distribution {ref.distribution} {ref.version}, which this sidecar's "
                f"`packages` does not list: an operator who trusts it lists "
                f"{{name: {ref.distribution}, version: {ref.version}}} there"
            )

    def check_dataset(self, dataset: Dataset) -> None:
        """The rows a task actually loads (a spec without max_train loads its whole dataset)."""
        for split, rows, limit in (
            ("training", len(dataset.x_train), self.max_train),
            ("test", len(dataset.x_test), self.max_test),
        ):
            if rows > limit:
                raise SpecRefused(f"the task loads {rows} {split} rows of {dataset.name}, more than {limit}")

    def check_task(self, num_rounds: int, max_updates_per_round: int) -> None:
        """The task's on-chain size: rounds to score, and its cap on updates per round (0 = the chain's)."""
        if num_rounds > self.max_rounds:
            raise SpecRefused(f"the task runs {num_rounds} rounds, more than {self.max_rounds}")
        self.check_updates(max_updates_per_round)

    def check_updates(self, updates: int) -> None:
        if updates > self.max_updates:
            raise SpecRefused(f"{updates} updates in a round, more than {self.max_updates}")
