"""Simulation configuration: one run (``SimConfig``) and a grid of runs (``GridConfig``), from YAML."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PRESET_DIR = Path(__file__).parent / "presets"


@dataclass(frozen=True)
class SimConfig:
    dataset: str = "digits"
    max_train: int | None = None
    max_test: int | None = None
    model: str | dict = "logreg"  # an alias or an entry point (sabfl.ml.models.model_ref)
    participants: int = 20
    byzantine: float = 0.0
    attack: str = "none"
    partition: str = "dirichlet"
    alpha: float = 1.0
    shards_per_participant: int = 2
    validators: int = 4
    holdout: int = 50
    byzantine_validators: float = 0.0
    validator_attack: str = "none"
    rounds: int = 25
    # 5 local epochs: with fewer, FLTrust's 50-sample root update is too noisy to be a fair baseline.
    epochs: int = 5
    batch_size: int = 16
    lr: float = 0.5
    seed: int = 0
    # The seed of the data split (participants' shards, validators' held-out rows); None: `seed`. On chain it
    # is each party's own, never in a task's model_spec (sim/setup.py).
    data_seed: int | None = None
    # Carved from the participants' data; every choice of rule or hyperparameter is made on it, never on test.
    validation_fraction: float = 0.1
    # Reported accuracy: the mean over the last this many rounds (one round's accuracy swings when non-IID).
    report_rounds: int = 5
    aggregators: tuple[str, ...] = ("all",)
    # Extra named softmax rules: {name: {"scoring": ScoringRule kwargs, "temperature": TemperatureRule kw}}
    softmax_rules: dict = field(default_factory=dict)

    @property
    def split_seed(self) -> int:
        return self.seed if self.data_seed is None else self.data_seed

    @property
    def num_byzantine(self) -> int:
        return int(round(self.byzantine * self.participants))

    @property
    def num_byzantine_validators(self) -> int:
        return int(round(self.byzantine_validators * self.validators))


@dataclass(frozen=True)
class GridConfig:
    """The cartesian grid attacks × f × α × seeds around ``base``; f = 0 runs only the ``none`` attack."""

    base: SimConfig
    attacks: tuple[str, ...] = ("lf", "sf", "gaussian", "scaling", "alie", "ipm", "minmax")
    byzantine: tuple[float, ...] = (0.0, 0.2, 0.4)
    alphas: tuple[float, ...] = (10.0, 1.0, 0.1)
    seeds: tuple[int, ...] = (0, 1, 2)
    name: str = "grid"
    runs: list[SimConfig] = field(init=False)

    def __post_init__(self) -> None:
        runs = []
        for f in self.byzantine:
            for alpha in self.alphas:
                for attack in self.attacks if f > 0 else ("none",):
                    for seed in self.seeds:
                        runs.append(
                            dataclasses.replace(self.base, byzantine=f, alpha=alpha, attack=attack, seed=seed)
                        )
        object.__setattr__(self, "runs", runs)


def sim_config_from_dict(values: dict) -> SimConfig:
    known = {f.name for f in dataclasses.fields(SimConfig)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown simulation settings: {sorted(unknown)}")
    if "aggregators" in values:
        aggregators = values["aggregators"]
        values = {
            **values,
            "aggregators": tuple(aggregators.split(",") if isinstance(aggregators, str) else aggregators),
        }
    return SimConfig(**values)


def load_config(path: Path) -> SimConfig | GridConfig:
    """A YAML file with either simulation settings, or ``grid:`` (lists) plus ``base:`` (settings)."""
    values = yaml.safe_load(path.read_text()) or {}
    if "grid" not in values:
        return sim_config_from_dict(values)
    grid = {key: tuple(value) for key, value in values["grid"].items()}
    return GridConfig(
        base=sim_config_from_dict(values.get("base", {})), name=values.get("name", path.stem), **grid
    )


def preset_path(name: str) -> Path:
    path = PRESET_DIR / f"{name}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))
        raise ValueError(f"unknown preset {name!r}; available: {', '.join(available)}")
    return path
