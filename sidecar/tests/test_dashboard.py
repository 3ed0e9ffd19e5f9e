"""The dashboard's parts on real data structures: fedlearn events as the SDK encodes them in
block_results, a Prometheus exposition from prometheus_client, rounds and tasks as the generated protobuf
classes, and the web app through starlette's TestClient."""

from __future__ import annotations

import json
from pathlib import Path

from cosmpy.crypto.address import Address
from cosmpy.protos.cosmos.base.v1beta1.coin_pb2 import Coin
from cosmpy.protos.cosmos.staking.v1beta1 import staking_pb2
from google.protobuf import json_format
from google.protobuf.message import Message
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from starlette.testclient import TestClient

from sabfl.cli import build_parser
from sabfl.dashboard import cli as dashboard_cli
from sabfl.dashboard.chain import ChainState, operator_account
from sabfl.dashboard.collector import Collector, read_rosters
from sabfl.dashboard.events import EventLog, block_events
from sabfl.dashboard.metrics import accuracy_samples
from sabfl.dashboard.server import create_app
from sabfl.dashboard.views import miners_tried, round_view
from sabfl.fedlearn.v1 import events_pb2, round_pb2, task_pb2
from sabfl.protocol import WEIGHT_SCALE

PHASE = round_pb2.RoundPhase
OPERATOR_BYTES = bytes(range(20))
VALOPER = str(Address(OPERATOR_BYTES, prefix="sabflvaloper"))
OPERATOR = str(Address(OPERATOR_BYTES, prefix="sabfl"))
MEMBERS = [OPERATOR, str(Address(bytes(20), prefix="sabfl")), str(Address(b"\x01" * 20, prefix="sabfl"))]


def typed_event(message: Message) -> dict:
    """An event as the SDK's EmitTypedEvent writes it into block_results: type = the message's full name,
    one attribute per field with the field's protobuf JSON as its value."""
    fields = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return {
        "type": message.DESCRIPTOR.full_name,
        "attributes": [{"key": k, "value": json.dumps(v), "index": True} for k, v in fields.items()],
    }


def test_events_of_a_block_make_a_round_timeline_with_rewards_and_penalties() -> None:
    advanced = typed_event(
        events_pb2.EventPhaseAdvanced(
            task_id=1, round=2, to=PHASE.ROUND_PHASE_COMMIT, early=True, deadline=40
        )
    )
    reward = typed_event(
        events_pb2.EventRewardPaid(
            task_id=1, round=2, recipient=OPERATOR, role="miner", amount=Coin(denom="stake", amount="1500")
        )
    )
    # The SDK adds msg_index to the events of a tx's messages.
    reward["attributes"].append({"key": "msg_index", "value": "0"})
    penalty = typed_event(
        events_pb2.EventValidatorPenalized(
            task_id=1,
            round=2,
            validator=MEMBERS[1],
            reason="miner",
            slash_fraction="0.001",
            jailed_until_unix=1234,
        )
    )
    results = {
        "height": "31",
        "txs_results": [{"events": [{"type": "transfer", "attributes": []}, reward]}],
        "finalize_block_events": [
            typed_event(events_pb2.EventRoundStarted(task_id=1, round=2, committee=MEMBERS)),
            advanced,
            penalty,
        ],
    }
    events = block_events(results)
    assert [e.kind for e in events] == ["RewardPaid", "RoundStarted", "PhaseAdvanced", "ValidatorPenalized"]
    assert all(e.height == 31 and e.task_round == (1, 2) for e in events)
    log = EventLog()
    for event in events:
        log.add(event)
    entry = log.rounds[1, 2]
    assert entry.timeline == [("SUBMIT", 31, False), ("COMMIT", 31, True)]
    assert entry.rewards == [(OPERATOR, "miner", 1500, "stake")]
    assert entry.penalties == [(MEMBERS[1], "miner", "0.001", 1234)]


def test_accuracy_is_read_from_a_prometheus_exposition() -> None:
    registry = CollectorRegistry()
    gauge = Gauge("sabfl_validator_test_accuracy", "accuracy", ["task", "round"], registry=registry)
    gauge.labels("3", "0").set(0.1)
    gauge.labels("3", "1").set(0.82)
    Gauge("sabfl_validator_round", "round", ["task"], registry=registry).labels("3").set(7)
    assert accuracy_samples(generate_latest(registry).decode()) == {(3, 0): 0.1, (3, 1): 0.82}


def a_round(phase: int = PHASE.ROUND_PHASE_FINALIZED, miner_attempt: int = 1) -> round_pb2.Round:
    updates = [
        round_pb2.UpdateInfo(sha256=bytes([i]) * 32, participant=f"p{i}", num_samples=10) for i in range(3)
    ]
    return round_pb2.Round(
        task_id=1,
        round=2,
        phase=phase,
        committee=[
            round_pb2.CommitteeMember(address=MEMBERS[0], power=5, committed=True, revealed=True),
            round_pb2.CommitteeMember(address=MEMBERS[1], power=3, committed=True, revealed=False),
            round_pb2.CommitteeMember(address=MEMBERS[2], power=2, committed=True, revealed=True),
        ],
        miner_attempt=miner_attempt,
        updates=updates,
        consensus_losses=[250_000, 1_500_000, 300_000],
        temperature=100_000,
        weights=[WEIGHT_SCALE // 2, WEIGHT_SCALE // 10, WEIGHT_SCALE * 2 // 5],
    )


def test_round_view_marks_attackers_and_sums_their_weight() -> None:
    view = round_view(a_round(), None, attackers={"p1"})
    assert [u["attacker"] for u in view["updates"]] == [False, True, False]
    assert [u["loss"] for u in view["updates"]] == [0.25, 1.5, 0.3]
    assert [u["weight"] for u in view["updates"]] == [0.5, 0.1, 0.4]
    assert view["attacker_weight"] == 0.1
    assert view["phase"] == "FINALIZED" and view["temperature"] == 0.1


def test_miners_tried_skip_members_that_did_not_reveal() -> None:
    # committee[1] did not reveal, so the queue went from committee[0] to committee[2].
    assert miners_tried(a_round(miner_attempt=2)) == [MEMBERS[0], MEMBERS[2]]
    assert miners_tried(a_round(miner_attempt=0)) == [MEMBERS[0]]
    failed = a_round(PHASE.ROUND_PHASE_FAILED)
    del failed.weights[:]
    assert miners_tried(failed) == []


def test_operator_account_has_the_operator_address_bytes() -> None:
    assert operator_account(VALOPER, "sabfl") == OPERATOR


def chain_state() -> ChainState:
    validator = staking_pb2.Validator(
        operator_address=VALOPER,
        tokens="1000",
        jailed=True,
        status=staking_pb2.BOND_STATUS_BONDED,
        description=staking_pb2.Description(moniker="node0"),
    )
    stats = round_pb2.ValidatorStats(address=OPERATOR, rounds_served=4, times_penalized=1)
    task = task_pb2.Task(id=1, status=task_pb2.TASK_STATUS_ACTIVE, num_rounds=5, current_round=2)
    return ChainState(
        height=50, validators=[validator], stats={OPERATOR: stats}, tasks=[task], rounds={1: [a_round()]}
    )


def test_collector_joins_chain_events_metrics_and_rosters(tmp_path: Path) -> None:
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps({"task_id": 1, "attackers": ["p1"], "honest": ["p0", "p2"]}))
    started = typed_event(events_pb2.EventRoundStarted(task_id=1, round=2, committee=MEMBERS))
    collector = Collector(
        chain_state,
        lambda: block_events({"height": "30", "finalize_block_events": [started]}),
        lambda: {"127.0.0.1:1": {(1, 0): 0.1, (1, 2): 0.8, (2, 1): 0.5}, "127.0.0.1:2": None},
        [roster, tmp_path / "not-written-yet.json"],
    )
    collector.poll()
    view = collector.view()
    assert view["height"] == 50 and view["polls"] == 1
    assert view["validators"] == [
        {
            "moniker": "node0",
            "operator": OPERATOR,
            "stake": 1000,
            "status": "BONDED",
            "jailed": True,
            "rounds_served": 4,
            "aggregates_finalized": 0,
            "times_penalized": 1,
            "rewards": "",
        }
    ]
    assert view["metrics"] == {"127.0.0.1:1": True, "127.0.0.1:2": False}
    (task,) = view["tasks"]
    assert task["status"] == "ACTIVE" and task["has_roster"]
    assert task["accuracy"] == {"127.0.0.1:1": [[0, 0.1], [2, 0.8]]}
    (round_,) = task["rounds"]
    assert round_["timeline"] == [{"phase": "SUBMIT", "height": 30, "early": False}]
    assert round_["attacker_weight"] == 0.1


def test_rosters_of_several_files_merge_by_task(tmp_path: Path) -> None:
    for i, attackers in enumerate((["a"], ["b"])):
        (tmp_path / f"r{i}.json").write_text(json.dumps({"task_id": 7, "attackers": attackers}))
    (tmp_path / "broken.json").write_text("{")
    paths = [tmp_path / "r0.json", tmp_path / "r1.json", tmp_path / "broken.json"]
    assert read_rosters(paths) == {7: {"a", "b"}}


def test_server_serves_the_page_plotly_and_the_latest_view() -> None:
    collector = Collector(chain_state, list, dict, [])
    collector.poll()
    with TestClient(create_app(collector, interval=None)) as client:
        page = client.get("/")
        assert page.status_code == 200 and '<script src="/plotly.min.js">' in page.text
        plotly_js = client.get("/plotly.min.js")
        assert plotly_js.status_code == 200 and len(plotly_js.content) > 1_000_000
        assert "javascript" in plotly_js.headers["content-type"]
        assert client.get("/static/app.js").status_code == 200
        state = client.get("/api/state")
        assert state.json() == collector.view() and state.headers["cache-control"] == "no-store"


def test_cli_arguments_parse_back_to_the_same_sources() -> None:
    args = build_parser().parse_args(
        dashboard_cli.arguments("h:9090", "http://h:26657", ["h:1", "h:2"], [Path("r.json")], 8799)
    )
    assert (args.grpc, args.rpc, args.metrics, args.roster, args.port) == (
        "h:9090",
        "http://h:26657",
        ["h:1", "h:2"],
        [Path("r.json")],
        8799,
    )
    assert args.handler is dashboard_cli.run_dashboard
