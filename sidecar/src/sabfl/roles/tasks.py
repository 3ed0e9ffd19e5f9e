"""`sabfl task create` and `sabfl status`: create a task from a YAML spec, and show its rounds."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cosmpy.protos.cosmos.base.tendermint.v1beta1 import query_pb2 as cmt_query
from cosmpy.protos.cosmos.base.tendermint.v1beta1 import query_pb2_grpc as cmt_grpc

from sabfl.chain import ChainClient, KeysFile, load_keys
from sabfl.fedlearn.v1 import query_pb2, round_pb2, tx_pb2
from sabfl.protocol import LOSS_SCALE, WEIGHT_SCALE
from sabfl.roles.inputs import model_bytes
from sabfl.roles.publish import fetcher, operator_stores, publish
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.spec import TaskSpec

PRESETS = Path(__file__).parent / "presets"
DEFAULT_SPEC = PRESETS / "demo-task.yaml"


def spec_path(name: str) -> Path:
    """A task spec YAML by path, or by the name of a preset (`demo-task`, `fmnist-cnn`)."""
    path = Path(name)
    if path.is_file():
        return path
    preset = PRESETS / f"{name}.yaml"
    if preset.is_file():
        return preset
    names = sorted(p.stem for p in PRESETS.glob("*.yaml"))
    raise argparse.ArgumentTypeError(f"{name!r} is neither a spec file nor a preset (presets: {names})")


def create_task(client: ChainClient, spec: TaskSpec, keys: KeysFile | None = None) -> int:
    """Create a task from a spec; `keys` resolves `allowed_participants: keys_file`, and its first node's
    blob store takes an initial model above the chain's max_inline_bytes."""
    if keys is not None:
        spec = spec.for_keys(keys)
    msg = spec.create_task_msg(client.address, client.config.denom)
    stores = keys.nodes[0].blob_stores() if keys is not None else ()
    locator = publish(msg.initial_model, client.params().max_inline_bytes, operator_stores(stores))
    if locator:
        msg.initial_model_size, msg.initial_model_locator = len(msg.initial_model), locator
        msg.initial_model = b""
    return submit_task(client, msg)


def submit_task(client: ChainClient, msg: tx_pb2.MsgCreateTask) -> int:
    """Create a task from a ready message; returns its id."""
    response = client.submit(msg)
    return int(client.msg_response(response, 0, tx_pb2.MsgCreateTaskResponse()).task_id)


@dataclass(frozen=True)
class RoundRow:
    round: int
    phase: str
    updates: int
    min_loss: float
    median_loss: float
    max_weight: float
    attacker_weight: float
    blocks: int
    seconds: float
    miner_attempts: int
    note: str


def block_seconds(client: ChainClient, height: int) -> float:
    stub = cmt_grpc.ServiceStub(client.channel)
    header = stub.GetBlockByHeight(cmt_query.GetBlockByHeightRequest(height=height)).sdk_block.header
    return header.time.seconds + header.time.nanos / 1e9


def round_row(client: ChainClient, round_: round_pb2.Round, attackers: set[str]) -> RoundRow:
    losses = sorted(round_.consensus_losses)
    weights = [w / WEIGHT_SCALE for w in round_.weights]
    share = sum(w for w, u in zip(weights, round_.updates, strict=False) if u.participant in attackers)
    ended = round_.end_height > 0
    seconds = (
        block_seconds(client, round_.end_height) - block_seconds(client, round_.start_height)
        if ended
        else 0.0
    )
    return RoundRow(
        round=round_.round,
        phase=round_pb2.RoundPhase.Name(round_.phase).removeprefix("ROUND_PHASE_"),
        updates=len(round_.updates),
        min_loss=losses[0] / LOSS_SCALE if losses else float("nan"),
        median_loss=losses[(len(losses) - 1) // 2] / LOSS_SCALE if losses else float("nan"),
        max_weight=max(weights, default=float("nan")),
        attacker_weight=share if weights else float("nan"),
        blocks=(round_.end_height - round_.start_height) if ended else 0,
        seconds=seconds,
        miner_attempts=round_.miner_attempt + 1 if weights else 0,
        note=round_.failure_reason,
    )


HEADER = (
    f"{'round':>5} {'phase':>9} {'upd':>4} {'minL':>7} {'medL':>7} {'maxW':>6} {'attW':>6} "
    f"{'blocks':>6} {'sec':>6} {'miners':>6} {'acc':>6}  note"
)


def format_row(row: RoundRow, accuracy: float | None = None) -> str:
    acc = f"{accuracy:6.3f}" if accuracy is not None else f"{'-':>6}"
    return (
        f"{row.round:5d} {row.phase:>9} {row.updates:4d} {row.min_loss:7.3f} {row.median_loss:7.3f} "
        f"{row.max_weight:6.3f} {row.attacker_weight:6.3f} {row.blocks:6d} {row.seconds:6.1f} "
        f"{row.miner_attempts:6d} {acc}  {row.note}"
    )


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    task = subparsers.add_parser("task", help="create tasks")
    sub = task.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="create a task from a YAML spec")
    create.add_argument("--spec", type=spec_path, default=DEFAULT_SPEC, help="spec YAML or preset name")
    create.add_argument("--keys", type=Path, default=Path("localnet/run/keys.json"))
    create.set_defaults(handler=run_create)

    status = subparsers.add_parser("status", help="a table of a task's rounds")
    status.add_argument("--task", type=int, required=True)
    status.add_argument("--keys", type=Path, default=Path("localnet/run/keys.json"))
    status.add_argument("--roster", type=Path, help="participant roster JSON (marks the attackers)")
    status.set_defaults(handler=run_status)


def creator_client(keys_file: Path) -> ChainClient:
    keys = load_keys(keys_file)
    return ChainClient(keys.chain_config(0), keys.creator.wallet(keys.address_prefix))


def run_create(args: argparse.Namespace) -> int:
    with creator_client(args.keys) as client:
        print(f"task {create_task(client, TaskSpec.from_yaml(args.spec), load_keys(args.keys))} created")
    return 0


def run_status(args: argparse.Namespace) -> int:
    attackers = set(json.loads(args.roster.read_text())["attackers"]) if args.roster else set()
    with creator_client(args.keys) as client:
        rounds = client.fedlearn.Rounds(query_pb2.QueryRoundsRequest(task_id=args.task)).rounds
        print(HEADER)
        for round_ in rounds:
            print(format_row(round_row(client, round_, attackers)))
        task = client.fedlearn.Task(query_pb2.QueryTaskRequest(task_id=args.task)).task
        model = client.global_model(args.task)
        try:
            runtime = TaskRuntime.from_task(task)
        except ValueError as error:  # SpecRefused, or settings the ML core refuses
            print(f"{len(rounds)} rounds; not a task sabfl serves: {error}")
            return 0
        stores = load_keys(args.keys).nodes[0].blob_stores()
        fetch = fetcher(operator_stores(stores), 60.0)
        accuracy = runtime.test_accuracy(runtime.decode(model_bytes(model, fetch)))
        print(
            f"at {datetime.now():%H:%M:%S}: {len(rounds)} rounds; global model of round {model.round}: "
            f"test accuracy {accuracy:.4f}"
        )
    return 0
