"""What a sidecar rebuilds from a task on chain: from its model_spec and the party's own private data seed
the task's setup (dataset, split, attackers, model; sim/setup.py) and the codec between canonical model
bytes and flat parameter vectors; from its on-chain rule the rule validators score with."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from sabfl.aggregators.softmax import SOFTMAX_RULES, SoftmaxRule
from sabfl.fedlearn.v1 import task_pb2
from sabfl.ml.data import Dataset, load_dataset
from sabfl.ml.entrypoints import AllowedPackage
from sabfl.ml.evaluate import evaluate_many
from sabfl.ml.models import ParamLayout
from sabfl.ml.serialize import decode_flat, encode_flat
from sabfl.roles.spec import SpecLimits, build_task_model, parse_model_spec, parse_task
from sabfl.sim.config import SimConfig
from sabfl.sim.setup import TaskSetup


@dataclass
class TaskRuntime:
    """A task's ML setup and the rule its validators score with: for a task read from the chain, the rule
    decoded from the task's on-chain rule (`from_task`), never one looked up by name."""

    task_id: int
    config: SimConfig
    rule: SoftmaxRule
    setup: TaskSetup
    layout: ParamLayout

    @classmethod
    def from_task(
        cls,
        task: task_pb2.Task,
        limits: SpecLimits | None = None,
        packages: Sequence[AllowedPackage] = (),
        data: Dataset | None = None,
        **private: object,
    ) -> TaskRuntime:
        """The runtime of a task from the chain; SpecRefused when its model_spec is refused, its on-chain
        rule does not decode or differs from the rule the spec names (`parse_task`), or its model cannot be
        built from `packages` into the task's initial model (`build_task_model`)."""
        config, rule = parse_task(task)
        return cls.build(
            task.id,
            config,
            rule,
            limits,
            packages,
            initial_sha256=task.initial_model_sha256,
            data=data,
            **private,
        )

    @classmethod
    def from_model_spec(
        cls, task_id: int, model_spec: str, limits: SpecLimits | None = None, **private: object
    ) -> TaskRuntime:
        """A runtime from a model_spec alone, with the built-in rule it names: for a spec not (yet) on
        chain. A sidecar following the chain uses `from_task`."""
        config, name = parse_model_spec(model_spec)
        return cls.build(task_id, config, SOFTMAX_RULES[name], limits, **private)

    @classmethod
    def build(
        cls,
        task_id: int,
        config: SimConfig,
        rule: SoftmaxRule,
        limits: SpecLimits | None = None,
        packages: Sequence[AllowedPackage] = (),
        initial_sha256: bytes | None = None,
        data: Dataset | None = None,
        **private: object,
    ) -> TaskRuntime:
        """Rebuild the task's ML setup; `private` sets a role's own SimConfig fields (its data_seed, a
        participant runner's attack). With `limits`, a spec beyond them raises SpecRefused before any work
        beyond loading its data; its model comes from sabfl or `packages` and, given the chain's
        `initial_sha256`, must match it (`build_task_model`). `data` is the party's own (its config's
        source, `sabfl.ml.loaders`), split with its private data_seed as the task's named dataset would be;
        a model built for data of another shape or label space is not the task's initial model."""
        config = dataclasses.replace(config, **private)
        if limits is not None:
            limits.check(config, packages)
        dataset = (
            data
            if data is not None
            else load_dataset(config.dataset, max_train=config.max_train, max_test=config.max_test)
        )
        if limits is not None:
            limits.check_dataset(dataset)
        model = build_task_model(config, dataset, limits, packages, initial_sha256)
        setup = TaskSetup.build(config, dataset, model)
        return cls(task_id, config, rule, setup, ParamLayout.of(setup.model))

    def decode(self, payload: bytes) -> torch.Tensor:
        """Canonical bytes → flat float32 parameters; raises SerializationError on any defect."""
        return torch.from_numpy(decode_flat(payload, self.layout.shapes).copy())

    def encode(self, params: torch.Tensor) -> bytes:
        return encode_flat(params.detach().numpy(), self.layout.shapes)

    def test_accuracy(self, params: torch.Tensor) -> float:
        setup = self.setup
        evaluation = evaluate_many(setup.model, params[None], *setup.test, setup.dataset.num_classes)
        return float(evaluation.accuracy[0])
