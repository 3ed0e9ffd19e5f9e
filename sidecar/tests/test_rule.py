"""The one mapping between the ML core's SoftmaxRule and the chain's AggregationRule: every built-in rule
round-trips exactly, each decimal is parsed once with a clear error naming its field, zero is allowed
exactly where the chain allows it, and a task whose on-chain rule differs from the rule its model_spec
names is refused."""

from __future__ import annotations

import dataclasses
import hashlib
import random

import pytest

from sabfl.aggregators import DEFAULT_SOFTMAX_RULE, SOFTMAX_RULES
from sabfl.aggregators.softmax import SoftmaxRule
from sabfl.fedlearn.v1 import task_pb2
from sabfl.ml.scoring import STEP_MODES, ScoringRule, TemperatureRule
from sabfl.protocol import LOSS_SCALE
from sabfl.roles.rule import ChainRuleError, rule_differences, rule_from_chain, rule_to_chain
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.spec import SpecRefused, TaskSpec, parse_task
from sabfl.sim.config import SimConfig

DEFAULT = SOFTMAX_RULES[DEFAULT_SOFTMAX_RULE]


@pytest.mark.parametrize("name", list(SOFTMAX_RULES))
def test_every_builtin_rule_round_trips_exactly(name: str) -> None:
    rule = SOFTMAX_RULES[name]
    chain = rule_to_chain(rule)
    assert rule_from_chain(chain) == rule
    assert rule_to_chain(rule_from_chain(chain)) == chain
    assert rule_differences(rule_from_chain(chain), rule) == []
    # Every scoring term is written, so a validator never guesses a default.
    for field in ("score_step", "loss_tolerance", "direction_weight", "direction_margin", "norm_limit"):
        assert getattr(chain, field) != "", field


def test_the_default_rule_on_chain() -> None:
    chain = rule_to_chain(DEFAULT)
    assert chain == task_pb2.AggregationRule(
        temperature_mode=task_pb2.TEMPERATURE_MODE_MAD,
        mad_multiplier="2",
        temperature_min="0.001",
        score_step="0.2",
        probe=task_pb2.SCORE_PROBE_RAW,
        balanced_loss=True,
        relative_loss=True,
        loss_tolerance="0.1",
        direction_weight="1",
        direction_margin="0",
        norm_limit="3",
    )


def test_any_rule_at_six_decimals_round_trips() -> None:
    rng = random.Random(8)

    def micro(low: int, high: int) -> float:
        return rng.randint(low, high) / LOSS_SCALE

    for _ in range(500):
        scoring = ScoringRule(
            eta=micro(1, LOSS_SCALE),
            step=rng.choice(STEP_MODES),
            balanced=rng.random() < 0.5,
            relative=rng.random() < 0.5,
            tolerance=micro(0, 5 * LOSS_SCALE),
            direction_weight=micro(0, 10**12),
            direction_margin=micro(0, LOSS_SCALE),
            norm_limit=micro(0, 10**9),
        )
        temperature = (
            TemperatureRule("fixed", tau=micro(1, 10**9))
            if rng.random() < 0.5
            else TemperatureRule("mad", c=micro(1, 10**8), tau_min=micro(1, 10**6))
        )
        rule = SoftmaxRule(scoring, temperature)
        assert rule_from_chain(rule_to_chain(rule)) == rule


def chain_with(**fields: object) -> task_pb2.AggregationRule:
    chain = rule_to_chain(DEFAULT)
    for name, value in fields.items():
        setattr(chain, name, value)
    return chain


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"norm_limit": "0.1234567"}, r"rule\.norm_limit: '0\.1234567' has more than 6 fractional digits"),
        ({"loss_tolerance": "ten"}, r"rule\.loss_tolerance: 'ten' is not a decimal of digits"),
        ({"direction_weight": "-1"}, r"rule\.direction_weight: '-1' is not a decimal of digits"),
        ({"mad_multiplier": "9" * 40}, r"rule\.mad_multiplier: decimal has 40 characters, limit 32"),
        ({"temperature_min": ""}, r"rule\.temperature_min: empty decimal"),
        ({"score_step": ""}, r"rule\.score_step: empty decimal"),
        ({"score_step": "0"}, r"rule\.score_step must be > 0"),
        ({"score_step": "1.000001"}, r"rule\.score_step must be at most 1"),
        ({"direction_margin": "1.5"}, r"rule\.direction_margin must be at most 1"),
        ({"mad_multiplier": "0"}, r"rule\.mad_multiplier must be > 0"),
        ({"temperature_min": "0.000000"}, r"rule\.temperature_min must be > 0"),
        ({"temperature_mode": task_pb2.TEMPERATURE_MODE_FIXED}, r"rule\.temperature: empty decimal"),
        (
            {"temperature_mode": task_pb2.TEMPERATURE_MODE_FIXED, "temperature": "0"},
            r"temperature must be > 0",
        ),
        (
            {"temperature_mode": task_pb2.TEMPERATURE_MODE_UNSPECIFIED},
            r"rule\.temperature_mode: unknown mode",
        ),
        ({"temperature_mode": 7}, r"rule\.temperature_mode: unknown mode 7"),
        ({"probe": 9}, r"rule\.probe: unknown probe 9"),
        ({"norm_limit": "18446744073709.551615"}, r"rule\.norm_limit: .* is too large to score with exactly"),
    ],
)
def test_a_rule_that_does_not_decode_says_which_field_and_why(fields: dict, error: str) -> None:
    with pytest.raises(ChainRuleError, match=error):
        rule_from_chain(chain_with(**fields))


def test_zero_is_allowed_where_the_chain_allows_it() -> None:
    zero = rule_from_chain(
        chain_with(loss_tolerance="0", direction_weight="", direction_margin="0.000000", norm_limit="")
    )
    scoring = zero.scoring
    assert (scoring.tolerance, scoring.direction_weight, scoring.direction_margin, scoring.norm_limit) == (
        0,
        0,
        0,
        0,
    )
    empty = rule_from_chain(chain_with(loss_tolerance="", direction_margin=""))
    assert (empty.scoring.tolerance, empty.scoring.direction_margin) == (0, 0)
    assert rule_from_chain(chain_with(score_step="1", direction_margin="1")).scoring.eta == 1.0
    # The other temperature mode's fields are no part of the rule: neither read nor written.
    assert rule_from_chain(chain_with(temperature="garbage")) == DEFAULT
    assert rule_to_chain(DEFAULT).temperature == ""


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        (
            SoftmaxRule(ScoringRule(eta=1e-7), DEFAULT.temperature),
            "score_step=1e-07 is not a whole number",
        ),
        (SoftmaxRule(ScoringRule(eta=0.1 + 0.2), DEFAULT.temperature), "not a whole number of millionths"),
        (SoftmaxRule(ScoringRule(eta=2.0), DEFAULT.temperature), r"score_step must be in \(0, 1\]"),
        (
            SoftmaxRule(ScoringRule(direction_margin=1.5), DEFAULT.temperature),
            r"direction_margin must be in \[0, 1\]",
        ),
        (
            SoftmaxRule(ScoringRule(tolerance=float("nan")), DEFAULT.temperature),
            "loss_tolerance must be finite",
        ),
        (SoftmaxRule(ScoringRule(norm_limit=float("inf")), DEFAULT.temperature), "norm_limit must be finite"),
        (
            SoftmaxRule(ScoringRule(), TemperatureRule("fixed", tau=1e-9)),
            "temperature=1e-09 is not a whole number",
        ),
        (SoftmaxRule(ScoringRule(), TemperatureRule("mad", c=1e20)), "mad_multiplier=1e\\+20: .*2\\^64"),
    ],
)
def test_a_rule_the_chain_cannot_hold_exactly_is_refused(rule: SoftmaxRule, error: str) -> None:
    with pytest.raises(ChainRuleError, match=error):
        rule_to_chain(rule)


def test_differences_name_each_field() -> None:
    other = SoftmaxRule(
        dataclasses.replace(DEFAULT.scoring, norm_limit=5.0, step="reference"), DEFAULT.temperature
    )
    assert rule_differences(other, DEFAULT) == [
        "probe SCORE_PROBE_REFERENCE ≠ SCORE_PROBE_RAW",
        "norm_limit '5' ≠ '3'",
    ]


SPEC = TaskSpec(experiment=SimConfig(participants=4, validators=2, holdout=20))


def task(rule: task_pb2.AggregationRule, spec: TaskSpec = SPEC) -> task_pb2.Task:
    initial_sha256 = hashlib.sha256(spec.initial_model()).digest()
    return task_pb2.Task(id=3, model_spec=spec.model_spec(), rule=rule, initial_model_sha256=initial_sha256)


def test_a_task_is_scored_with_its_decoded_on_chain_rule() -> None:
    config, rule = parse_task(task(rule_to_chain(DEFAULT)))
    assert rule == DEFAULT and config == SPEC.experiment
    # "0.10" and "0.1" are one value: the rules are compared decoded, not as strings.
    assert parse_task(task(chain_with(loss_tolerance="0.10", norm_limit="3.000")))[1] == DEFAULT
    paper = dataclasses.replace(SPEC, rule="softmax_paper")
    assert (
        parse_task(task(rule_to_chain(SOFTMAX_RULES["softmax_paper"]), paper))[1]
        == SOFTMAX_RULES["softmax_paper"]
    )


@pytest.mark.parametrize(
    ("chain", "reason"),
    [
        (chain_with(norm_limit="5"), "norm_limit '5' ≠ '3'"),
        (chain_with(score_step="1"), "score_step '1' ≠ '0.2'"),
        (
            chain_with(relative_loss=False, balanced_loss=False),
            "balanced_loss False ≠ True; relative_loss False ≠ True",
        ),
        (rule_to_chain(SOFTMAX_RULES["softmax_paper"]), "differs from softmax_guarded_norm"),
        (task_pb2.AggregationRule(temperature_mode=1, temperature="0.5", score_step="1"), "differs from"),
        (
            chain_with(norm_limit="0.1234567"),
            "not one to score with: rule.norm_limit: '0.1234567' has more than 6",
        ),
        (task_pb2.AggregationRule(), "not one to score with: rule.temperature_mode: unknown mode 0"),
    ],
)
def test_a_task_whose_on_chain_rule_differs_from_its_spec_is_refused(
    chain: task_pb2.AggregationRule, reason: str
) -> None:
    with pytest.raises(SpecRefused, match="its on-chain rule") as refused:
        parse_task(task(chain))
    assert reason in str(refused.value)


def test_the_runtime_of_a_task_holds_its_decoded_rule() -> None:
    runtime = TaskRuntime.from_task(task(chain_with(loss_tolerance="0.10")))
    assert runtime.rule == DEFAULT and runtime.task_id == 3
    with pytest.raises(SpecRefused, match="norm_limit '5' ≠ '3'"):
        TaskRuntime.from_task(task(chain_with(norm_limit="5")))
