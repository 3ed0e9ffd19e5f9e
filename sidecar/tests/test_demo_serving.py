"""The demo's validators and participants serve its task's model (sabfl.roles.demo.serving)."""

from __future__ import annotations

import dataclasses

from sabfl.ml.models import model_ref
from sabfl.roles.demo import serving
from sabfl.roles.spec import SpecLimits, TaskSpec


def test_a_built_in_by_entry_point_with_params_is_served_by_its_alias() -> None:
    ref = model_ref("mlp")
    model = {"entry_point": ref.target, "distribution": ref.distribution, "version": ref.version}
    spec = TaskSpec(
        experiment=dataclasses.replace(TaskSpec().experiment, model={**model, "params": {"hidden": 8}})
    )
    limits = serving(spec)
    assert limits.models == SpecLimits().models
    limits.check_model(spec.experiment.model)  # refused (SpecRefused) if mlp were not served


def test_a_model_by_alias_is_added_to_the_default_ones() -> None:
    spec = TaskSpec(experiment=dataclasses.replace(TaskSpec().experiment, model="cnn-large"))
    assert serving(spec).models == (*SpecLimits().models, "cnn-large")
