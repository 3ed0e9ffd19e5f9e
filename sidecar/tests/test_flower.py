"""sabfl.flower on real Flower records and messages, and the flower-digits example in Flower's simulation."""

import json

import numpy as np
import pytest
import torch
from flwr.app import Array, ConfigRecord, Error, Message, MetricRecord, RecordDict
from flwr.serverapp.strategy import FedAvg
from flwr.supercore.task_identity import TaskIdentity

from sabfl.aggregators import DEFAULT_SOFTMAX_RULE, RoundInputs, make_aggregator
from sabfl.flower import ReplyError, SabflStrategy, arrays_to_flat, flat_to_arrays, read_reply
from sabfl.ml.evaluate import evaluate_many
from sabfl.ml.models import ParamLayout, flatten_params
from sabfl.ml.scoring import LOSS_CAP, validator_scores
from sabfl.ml.train import local_train, train_many
from sabfl.sim.config import SimConfig
from sabfl.sim.setup import TaskSetup

CLIENTS = 10


@pytest.fixture(scope="module")
def fed():
    """The demo task's data with 3 of 10 participants running the scaling attack (label flip, ×10)."""
    config = SimConfig(participants=CLIENTS, byzantine=0.3, attack="scaling", alpha=0.5, epochs=2)
    return TaskSetup.build(config)


@pytest.fixture(scope="module")
def round_one(fed):
    """θ_0 and every client's model θ_i after its local training from it (attackers' forged)."""
    theta = flatten_params(fed.model)
    seeds = [(0, 0, i) for i in range(CLIENTS)]
    starts = theta[None].expand(CLIENTS, -1)
    updates = train_many(
        fed.model, starts, fed.x, fed.y_train_used, fed.split.participants, fed.train_config, seeds
    )
    byzantine = torch.from_numpy(fed.byzantine)
    updates[byzantine] = fed.attack.forge(updates[byzantine], updates[~byzantine], torch.Generator())
    return theta, theta + updates


@pytest.fixture
def server_identity():
    """Flower's runtime sets who is sending before a ServerApp builds messages; so does this."""
    TaskIdentity.run_id, TaskIdentity.node_id, TaskIdentity.task_id = 1, 0, 1
    yield
    TaskIdentity.run_id = TaskIdentity.node_id = TaskIdentity.task_id = None


class NodeList:
    """Stands in for a Grid in ``configure_train``, which only asks it for the connected node ids."""

    def get_node_ids(self):
        return list(range(100, 100 + CLIENTS))


def strategy_for(fed, rule=DEFAULT_SOFTMAX_RULE):
    return SabflStrategy(
        fed.model,
        fed.heldout,
        fed.dataset.num_classes,
        rule,
        train_config=fed.train_config,
        min_train_nodes=CLIENTS,
        min_available_nodes=CLIENTS,
    )


def instructions(strategy, theta, layout):
    return list(strategy.configure_train(1, flat_to_arrays(theta, layout), ConfigRecord(), NodeList()))


def reply(instruction, arrays, samples, partition_id):
    content = RecordDict(
        {
            "arrays": arrays,
            "metrics": MetricRecord({"num-examples": samples}),
            "client": ConfigRecord({"partition-id": partition_id}),
        }
    )
    return Message(content, reply_to=instruction)


def honest_replies(fed, models, messages):
    layout = ParamLayout.of(fed.model)
    return [
        reply(message, flat_to_arrays(models[i], layout), len(fed.split.participants[i]), i)
        for i, message in enumerate(messages)
    ]


def accuracy(fed, params):
    return float(evaluate_many(fed.model, params[None], *fed.test, 10).accuracy[0])


def test_arrays_round_trip_and_reject_what_does_not_fit_the_model(fed):
    layout = ParamLayout.of(fed.model)
    flat = torch.randn(layout.numel)
    torch.testing.assert_close(arrays_to_flat(flat_to_arrays(flat, layout), layout), flat, rtol=0, atol=0)
    first, second = layout.names

    def broken(change):
        record = flat_to_arrays(flat, layout)
        change(record)
        return record

    cases = {
        "missing": lambda r: r.__delitem__(first),
        "unexpected": lambda r: r.__setitem__("extra", Array(np.zeros(2, np.float32))),
        "shape": lambda r: r.__setitem__(first, Array(np.zeros((3, 3), np.float32))),
        "dtype": lambda r: r.__setitem__(second, Array(np.zeros(layout.shapes[1], np.float64))),
        "cannot be decoded": lambda r: r.__setitem__(
            second, Array(dtype="float32", shape=layout.shapes[1], stype="numpy.ndarray", data=b"junk")
        ),
    }
    for reason, change in cases.items():
        with pytest.raises(ReplyError, match=reason):
            arrays_to_flat(broken(change), layout)
    nan = flat.clone()
    nan[3] = float("nan")
    assert torch.isnan(arrays_to_flat(flat_to_arrays(nan, layout), layout)[3])


@pytest.mark.parametrize("samples", [None, -1, float("nan"), [1, 2]])
def test_reply_needs_a_sample_count(fed, samples):
    layout = ParamLayout.of(fed.model)
    metrics = MetricRecord({} if samples is None else {"num-examples": samples})
    content = RecordDict({"arrays": flat_to_arrays(torch.zeros(layout.numel), layout), "metrics": metrics})
    with pytest.raises(ReplyError, match="num-examples"):
        read_reply(content, layout, "num-examples")


def test_attackers_get_no_weight_where_flower_fedavg_follows_them(fed, round_one, server_identity):
    theta, models = round_one
    layout = ParamLayout.of(fed.model)
    strategy = strategy_for(fed)
    replies = honest_replies(fed, models, instructions(strategy, theta, layout))
    arrays, metrics = strategy.aggregate_train(1, replies)

    outcomes = strategy.outcomes[1]
    assert len(outcomes) == CLIENTS and metrics["sabfl-left-out"] == 0
    assert sum(o.weight for o in outcomes) == pytest.approx(1.0)
    attackers = [o for o in outcomes if fed.byzantine[o.info["partition-id"]]]
    assert len(attackers) == 3 and sum(o.weight for o in attackers) < 1e-3
    fedavg_arrays, _ = FedAvg().aggregate_train(1, replies)
    sabfl_accuracy = accuracy(fed, arrays_to_flat(arrays, layout))
    fedavg_accuracy = accuracy(fed, arrays_to_flat(fedavg_arrays, layout))
    assert sabfl_accuracy > fedavg_accuracy + 0.3, (sabfl_accuracy, fedavg_accuracy)


@pytest.mark.parametrize("rule", [DEFAULT_SOFTMAX_RULE, "softmax_paper", "median", "fltrust"])
def test_aggregate_is_sabfls_rule_on_the_same_vectors(fed, round_one, server_identity, rule):
    theta, models = round_one
    layout = ParamLayout.of(fed.model)
    strategy = strategy_for(fed, rule)
    arrays, _ = strategy.aggregate_train(
        1, honest_replies(fed, models, instructions(strategy, theta, layout))
    )

    aggregator = make_aggregator(rule, CLIENTS, 0)
    samples = torch.tensor([float(len(p)) for p in fed.split.participants])
    inputs = RoundInputs(models - theta, samples)
    if aggregator.scoring is not None:
        inputs.stakes = np.ones(len(fed.heldout))
        inputs.scores = np.stack(
            [
                validator_scores(
                    fed.model,
                    aggregator.scoring,
                    theta,
                    inputs.updates,
                    x,
                    y,
                    10,
                    fed.train_config,
                    (0, 1, v),
                )
                for v, (x, y) in enumerate(fed.heldout)
            ]
        )
        weights = aggregator.weights(inputs).tolist()
        assert [o.weight for o in strategy.outcomes[1]] == pytest.approx(weights)
    if aggregator.needs_trusted_update:
        x, y = fed.heldout[0]
        inputs.trusted_update = local_train(fed.model, theta, x, y, fed.train_config, (0, 1, 0))
    expected = theta + aggregator(inputs)
    torch.testing.assert_close(arrays_to_flat(arrays, layout), expected)


def test_malformed_replies_are_left_out_and_non_finite_ones_get_no_weight(fed, round_one, server_identity):
    theta, models = round_one
    layout = ParamLayout.of(fed.model)
    honest = np.flatnonzero(~fed.byzantine)
    strategy = strategy_for(fed)
    messages = instructions(strategy, theta, layout)
    good = [
        reply(messages[k], flat_to_arrays(models[i], layout), len(fed.split.participants[i]), int(i))
        for k, i in enumerate(honest[:5])
    ]
    wrong_shape = flat_to_arrays(models[honest[5]], layout)
    wrong_shape[layout.names[0]] = Array(np.zeros((2, 2), np.float32))
    non_finite = models[honest[6]].clone()
    non_finite[0] = float("inf")
    no_count = RecordDict({"arrays": flat_to_arrays(models[0], layout), "metrics": MetricRecord()})
    replies = [
        *good,
        reply(messages[5], wrong_shape, 10, 50),
        reply(messages[6], flat_to_arrays(non_finite, layout), 10, 60),
        Message(no_count, reply_to=messages[7]),
        Message(Error(code=0, reason="client crashed"), reply_to=messages[8]),
    ]
    arrays, metrics = strategy.aggregate_train(1, replies)

    outcomes = {o.info.get("partition-id", -1): o for o in strategy.outcomes[1]}
    assert metrics["sabfl-left-out"] == 2 and len(strategy.outcomes[1]) == 8
    assert "shape" in outcomes[50].error and outcomes[50].weight == 0
    assert "num-examples" in outcomes[-1].error
    assert outcomes[60].loss == LOSS_CAP and outcomes[60].weight == 0
    reference = strategy_for(fed)
    instructions(reference, theta, layout)  # the round's θ_t
    expected, _ = reference.aggregate_train(1, good)
    torch.testing.assert_close(arrays_to_flat(arrays, layout), arrays_to_flat(expected, layout))


def test_a_round_without_a_usable_reply_keeps_the_global_model(fed, round_one, server_identity):
    theta, _ = round_one
    layout = ParamLayout.of(fed.model)
    strategy = strategy_for(fed)
    messages = instructions(strategy, theta, layout)
    bad = flat_to_arrays(theta, layout)
    bad[layout.names[1]] = Array(np.zeros(3, np.float32))
    assert strategy.aggregate_train(1, [reply(messages[0], bad, 10, 0)]) == (None, None)
    assert "shape" in strategy.outcomes[1][0].error


def test_unknown_rule_and_empty_heldout_fail_at_construction(fed):
    with pytest.raises(ValueError, match="unknown rule"):
        SabflStrategy(fed.model, fed.heldout, 10, "softmax_nonsense")
    with pytest.raises(ValueError, match="held-out"):
        SabflStrategy(fed.model, [], 10)


def test_flower_digits_example_runs_in_flowers_simulation(tmp_path):
    from flower_digits import client_app, server_app
    from flwr.simulation import run_simulation

    run_simulation(
        server_app.make_app(rounds=2, out_dir=str(tmp_path)),
        client_app.make_app(),
        num_supernodes=CLIENTS,
        backend_config={"client_resources": {"num_cpus": 1}, "init_args": {"num_cpus": 1}},
    )
    rounds = json.loads((tmp_path / "sabfl.json").read_text())["rounds"]
    assert [r["round"] for r in rounds] == [1, 2]
    assert all(r["attacker_weight"] < 0.01 for r in rounds)
    assert rounds[-1]["accuracy"] > 0.7
