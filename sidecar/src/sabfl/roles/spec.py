"""A task spec: the shared ML setup every sidecar rebuilds (travels on chain as the task's model_spec)
plus the chain-side parameters of MsgCreateTask."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sabfl.aggregators.softmax import DEFAULT_SOFTMAX_RULE, SOFTMAX_RULES, SoftmaxRule
from sabfl.chain import messages
from sabfl.fedlearn.v1 import tx_pb2
from sabfl.ml.data import load_dataset
from sabfl.ml.models import build_model, flatten_params
from sabfl.ml.serialize import encode_flat
from sabfl.sim.config import SimConfig

MODEL_SPEC_VERSION = 1
# SimConfig fields that describe a participant's or validator's own choices, not the shared task.
PRIVATE_FIELDS = ("byzantine", "attack", "byzantine_validators", "validator_attack", "rounds", "aggregators")


def decimal(value: float) -> str:
    """A positive float as a chain decimal string (at most 6 fractional digits)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    if text in ("", "0"):
        raise ValueError(f"{value} rounds to 0 at 6 decimals")
    return text


@dataclass(frozen=True)
class TaskSpec:
    experiment: SimConfig = field(default_factory=SimConfig)
    rule: str = DEFAULT_SOFTMAX_RULE
    rounds: int = 5
    committee_size: int = 4
    # submit, commit, reveal, aggregate, attest — in blocks; phases end early when all has arrived.
    phases: tuple[int, int, int, int, int] = (40, 30, 30, 30, 30)
    budget: int = 10_000_000
    max_updates_per_round: int = 0

    def __post_init__(self) -> None:
        if self.rule not in SOFTMAX_RULES:
            raise ValueError(f"unknown rule {self.rule!r}; choose from {', '.join(SOFTMAX_RULES)}")

    @classmethod
    def from_yaml(cls, path: Path) -> TaskSpec:
        data = yaml.safe_load(path.read_text()) or {}
        experiment = SimConfig(**data.pop("experiment", {}))
        if "phases" in data:
            data["phases"] = tuple(data["phases"])
        return cls(experiment=experiment, **data)

    @property
    def softmax_rule(self) -> SoftmaxRule:
        return SOFTMAX_RULES[self.rule]

    def model_spec(self) -> str:
        shared = {k: v for k, v in dataclasses.asdict(self.experiment).items() if k not in PRIVATE_FIELDS}
        return json.dumps(
            {"sabfl": MODEL_SPEC_VERSION, "rule": self.rule, "experiment": shared}, sort_keys=True
        )

    def create_task_msg(self, creator: str, denom: str = "stake") -> tx_pb2.MsgCreateTask:
        config = self.experiment
        data = load_dataset(config.dataset, max_train=config.max_train, max_test=config.max_test)
        model = build_model(config.model, data.input_shape, data.num_classes, seed=config.seed)
        shapes = [tuple(p.shape) for p in model.parameters()]
        initial = encode_flat(flatten_params(model).numpy(), shapes)
        temperature = self.softmax_rule.temperature
        rule = (
            {"temperature_mode": "fixed", "temperature": decimal(temperature.tau)}
            if temperature.mode == "fixed"
            else {
                "temperature_mode": "mad",
                "mad_multiplier": decimal(temperature.c),
                "temperature_min": decimal(temperature.tau_min),
            }
        )
        return messages.create_task(
            creator,
            self.model_spec(),
            initial,
            num_rounds=self.rounds,
            committee_size=self.committee_size,
            budget=self.budget,
            denom=denom,
            score_step=decimal(self.softmax_rule.scoring.eta),
            phases=self.phases,
            max_updates_per_round=self.max_updates_per_round,
            **rule,
        )


def parse_model_spec(model_spec: str) -> tuple[SimConfig, str]:
    """The shared SimConfig and rule name of a task's model_spec; a foreign spec raises ValueError."""
    try:
        data = json.loads(model_spec)
    except json.JSONDecodeError as error:
        raise ValueError(f"model_spec is not a sabfl spec: {error}") from None
    if not isinstance(data, dict) or data.get("sabfl") != MODEL_SPEC_VERSION:
        raise ValueError(f"model_spec is not a sabfl v{MODEL_SPEC_VERSION} spec")
    return SimConfig(**data["experiment"]), data["rule"]
