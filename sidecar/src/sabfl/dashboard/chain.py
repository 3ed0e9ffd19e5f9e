"""What the dashboard reads from the chain's public gRPC queries: height, validators with their stake
and committee statistics, tasks and their round records. It never signs."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from cosmpy.crypto.address import Address
from cosmpy.protos.cosmos.base.tendermint.v1beta1 import query_pb2 as cmt_query
from cosmpy.protos.cosmos.staking.v1beta1 import staking_pb2

from sabfl.chain import ChainClient, ChainConfig
from sabfl.fedlearn.v1 import query_pb2, round_pb2, task_pb2


@dataclass(frozen=True)
class ChainState:
    """One reading of the chain. `stats` is keyed by the validator operator's account address (the
    address committee messages name); `rounds` by task id."""

    height: int
    validators: list[staking_pb2.Validator] = field(default_factory=list)
    stats: dict[str, round_pb2.ValidatorStats] = field(default_factory=dict)
    tasks: list[task_pb2.Task] = field(default_factory=list)
    rounds: dict[int, list[round_pb2.Round]] = field(default_factory=dict)


def operator_account(valoper: str, prefix: str) -> str:
    """The account address with the same bytes as a `<prefix>valoper1…` operator address."""
    return str(Address(bytes(Address(valoper)), prefix=prefix))


class ChainReader:
    """Reads a ChainState from one node's gRPC endpoint (host:port)."""

    def __init__(self, grpc_address: str, address_prefix: str = "sabfl") -> None:
        self.prefix = address_prefix
        # A client without a wallet: it queries and cannot sign.
        self.client = ChainClient(ChainConfig(chain_id="", grpc_address=grpc_address))

    def close(self) -> None:
        self.client.close()

    def height(self) -> int:
        latest = self.client.cometbft.GetLatestBlock(cmt_query.GetLatestBlockRequest())
        return int(latest.sdk_block.header.height or latest.block.header.height)

    def stats(self, account: str) -> round_pb2.ValidatorStats | None:
        """A validator's committee statistics, or None before it served on any committee."""
        try:
            request = query_pb2.QueryValidatorStatsRequest(address=account)
            return self.client.fedlearn.ValidatorStats(request).stats
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    def read(self) -> ChainState:
        validators = self.client.validators()
        stats = {}
        for validator in validators:
            account = operator_account(validator.operator_address, self.prefix)
            found = self.stats(account)
            if found is not None:
                stats[account] = found
        tasks = self.client.tasks()
        return ChainState(
            height=self.height(),
            validators=validators,
            stats=stats,
            tasks=tasks,
            rounds={task.id: self.client.rounds(task.id) for task in tasks},
        )
