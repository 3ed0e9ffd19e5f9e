"""A small client over cosmpy: builds, signs and broadcasts txs carrying any of our Msgs, keeps the
account sequence locally (so several txs can land in one block), waits for inclusion, and turns a
rejected tx into a TxError with the chain's own error text. Queries go through generated gRPC stubs on
a channel whose message size limit is raised for model payloads."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import grpc
from cosmpy.aerial.tx import SigningCfg, Transaction, TxFee
from cosmpy.aerial.wallet import LocalWallet
from cosmpy.protos.cosmos.auth.v1beta1 import auth_pb2
from cosmpy.protos.cosmos.auth.v1beta1 import query_pb2 as auth_query
from cosmpy.protos.cosmos.auth.v1beta1 import query_pb2_grpc as auth_grpc
from cosmpy.protos.cosmos.authz.v1beta1 import authz_pb2
from cosmpy.protos.cosmos.authz.v1beta1 import query_pb2 as authz_query
from cosmpy.protos.cosmos.authz.v1beta1 import query_pb2_grpc as authz_grpc
from cosmpy.protos.cosmos.bank.v1beta1 import query_pb2 as bank_query
from cosmpy.protos.cosmos.bank.v1beta1 import query_pb2_grpc as bank_grpc
from cosmpy.protos.cosmos.base.abci.v1beta1 import abci_pb2
from cosmpy.protos.cosmos.base.node.v1beta1 import query_pb2 as node_query
from cosmpy.protos.cosmos.base.node.v1beta1 import query_pb2_grpc as node_grpc
from cosmpy.protos.cosmos.base.query.v1beta1.pagination_pb2 import PageRequest
from cosmpy.protos.cosmos.base.tendermint.v1beta1 import query_pb2 as cmt_query
from cosmpy.protos.cosmos.base.tendermint.v1beta1 import query_pb2_grpc as cmt_grpc
from cosmpy.protos.cosmos.staking.v1beta1 import query_pb2 as staking_query
from cosmpy.protos.cosmos.staking.v1beta1 import query_pb2_grpc as staking_grpc
from cosmpy.protos.cosmos.staking.v1beta1 import staking_pb2
from cosmpy.protos.cosmos.tx.v1beta1 import service_pb2 as tx_service
from cosmpy.protos.cosmos.tx.v1beta1 import service_pb2_grpc as tx_grpc

from sabfl.fedlearn.v1 import params_pb2, query_pb2, round_pb2, task_pb2
from sabfl.fedlearn.v1 import query_pb2_grpc as fedlearn_grpc

# Items per page when a query is read to its end.
PAGE_SIZE = 100
# Codes the SDK uses for a stale sequence (sdkerrors.ErrWrongSequence) and a tx already in the mempool.
WRONG_SEQUENCE_CODE = 32
TX_IN_MEMPOOL_CODE = 19


class TxError(RuntimeError):
    """A tx the chain rejected (in simulation, CheckTx or DeliverTx); `log` is the chain's error text."""

    def __init__(self, log: str, code: int = 0, codespace: str = "", txhash: str = "") -> None:
        # Simulation answers with the error text only; CheckTx and DeliverTx also give codespace and code.
        where = f"codespace={codespace} code={code}" if code else "in simulation"
        super().__init__(f"tx rejected ({where}): {log}")
        self.log = log
        self.code = code
        self.codespace = codespace
        self.txhash = txhash


@dataclass(frozen=True)
class ChainConfig:
    chain_id: str
    grpc_address: str  # host:port
    address_prefix: str = "sabfl"
    denom: str = "stake"
    # Price of one gas unit in `denom` (a decimal string or Decimal); fee = ceil(gas limit × gas price).
    gas_price: Decimal | str = Decimal(0)
    max_message_bytes: int = 64 << 20
    # Gas limit = simulated gas × adjustment + margin. The whole limit is paid (the SDK refunds nothing),
    # so the margin costs fees; it absorbs the gas a tx's signature and state drift add after simulation.
    gas_adjustment: float = 1.3
    gas_margin: int = 20_000
    inclusion_timeout_s: float = 60.0
    # How often a wait for a tx or a phase asks the node (local gRPC reads: cheap against a block's ~0.8 s).
    poll_interval_s: float = 0.1

    def __post_init__(self) -> None:
        try:
            price = Decimal(str(self.gas_price))
        except InvalidOperation:
            raise ValueError(f"gas_price {self.gas_price!r} is not a decimal number") from None
        if not price.is_finite() or price < 0:
            raise ValueError(f"gas_price must be a non-negative decimal, got {self.gas_price!r}")
        object.__setattr__(self, "gas_price", price)

    def fee(self, gas_limit: int) -> int:
        """The fee, in base units of `denom`, that buys `gas_limit` gas at `gas_price`."""
        return math.ceil(gas_limit * Decimal(self.gas_price))


def all_pages(query: Callable[[PageRequest], Any], field: str, page_size: int = PAGE_SIZE) -> list[Any]:
    """Every item of a paginated query: `query(page)` answers one page, whose items are in `field`."""
    items: list[Any] = []
    key = b""
    while True:
        response = query(PageRequest(key=key, limit=page_size))
        items.extend(getattr(response, field))
        key = response.pagination.next_key
        if not key:
            return items


class ChainClient:
    """Signs as one account; one instance per account and process. Threads may share an instance: the
    account sequence is taken under a lock. Without a wallet it only queries (and refuses to sign)."""

    def __init__(self, config: ChainConfig, wallet: LocalWallet | None = None) -> None:
        self.config = config
        self.wallet = wallet
        self.address = str(wallet.address()) if wallet is not None else ""
        limit = config.max_message_bytes
        self.channel = grpc.insecure_channel(
            config.grpc_address,
            options=[("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)],
        )
        self.tx = tx_grpc.ServiceStub(self.channel)
        self.auth = auth_grpc.QueryStub(self.channel)
        self.bank = bank_grpc.QueryStub(self.channel)
        self.fedlearn = fedlearn_grpc.QueryStub(self.channel)
        self.cometbft = cmt_grpc.ServiceStub(self.channel)
        self.authz = authz_grpc.QueryStub(self.channel)
        self.staking = staking_grpc.QueryStub(self.channel)
        self.node = node_grpc.ServiceStub(self.channel)
        self._account_number: int | None = None
        self._sequence: int | None = None
        self._sequence_lock = threading.Lock()
        # Txs sent, and the fees of the latest (base units of the denom), for funding warnings.
        self.txs_sent = 0
        self.recent_fees: deque[int] = deque(maxlen=50)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> ChainClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def balance(self, address: str | None = None, denom: str | None = None) -> int:
        request = bank_query.QueryBalanceRequest(
            address=address or self.address, denom=denom or self.config.denom
        )
        return int(self.bank.Balance(request).balance.amount)

    def chain_identity(self) -> str:
        """The chain id and the hash of its first block: a new chain with the same id (a reset localnet)
        has another. A node that no longer holds block 1 (pruned, state-synced) gives the chain id alone."""
        try:
            first = self.cometbft.GetBlockByHeight(cmt_query.GetBlockByHeightRequest(height=1)).block_id.hash
        except grpc.RpcError:
            return self.config.chain_id
        return f"{self.config.chain_id}/{first.hex()}"

    def height(self) -> int:
        """The node's latest committed height (a small answer, unlike the latest block)."""
        return int(self.node.Status(node_query.StatusRequest()).height)

    def tasks(self) -> list[task_pb2.Task]:
        """Every task on chain, read over all pages of the Tasks query."""
        return all_pages(
            lambda page: self.fedlearn.Tasks(query_pb2.QueryTasksRequest(pagination=page)), "tasks"
        )

    def rounds(self, task_id: int) -> list[round_pb2.Round]:
        """Every round record of a task, read over all pages of the Rounds query."""
        return all_pages(
            lambda page: self.fedlearn.Rounds(query_pb2.QueryRoundsRequest(task_id=task_id, pagination=page)),
            "rounds",
        )

    def validators(self) -> list[staking_pb2.Validator]:
        """Every validator x/staking knows (bonded or not), read over all pages."""
        return all_pages(
            lambda page: self.staking.Validators(staking_query.QueryValidatorsRequest(pagination=page)),
            "validators",
        )

    def granted_msg_types(self, granter: str, grantee: str) -> set[str]:
        """Type URLs of the messages `granter` lets `grantee` execute (unexpired x/authz
        GenericAuthorizations)."""
        grants = all_pages(
            lambda page: self.authz.Grants(
                authz_query.QueryGrantsRequest(granter=granter, grantee=grantee, pagination=page)
            ),
            "grants",
        )
        now = time.time()
        granted = set()
        for grant in grants:
            authorization = authz_pb2.GenericAuthorization()
            expired = grant.HasField("expiration") and grant.expiration.seconds <= now
            if grant.authorization.Unpack(authorization) and not expired:
                granted.add(authorization.msg)
        return granted

    def _load_account(self) -> None:
        if self.wallet is None:
            raise RuntimeError("this client has no wallet: it can query but not sign")
        response = self.auth.Account(auth_query.QueryAccountRequest(address=self.address))
        account = auth_pb2.BaseAccount()
        if not response.account.Unpack(account):
            raise RuntimeError(f"account {self.address} is not a base account")
        self._account_number = account.account_number
        self._sequence = account.sequence

    def _signed(self, msgs: tuple[Any, ...], gas_limit: int, memo: str) -> Transaction:
        assert self._account_number is not None and self._sequence is not None
        tx = Transaction()
        for msg in msgs:
            tx.add_message(msg)
        tx.seal(
            SigningCfg.direct(self.wallet.public_key(), self._sequence),
            fee=TxFee(amount=f"{self.config.fee(gas_limit)}{self.config.denom}", gas_limit=gas_limit),
            memo=memo,
        )
        tx.sign(self.wallet.signer(), self.config.chain_id, self._account_number)
        return tx.complete()

    def simulate(self, *msgs: Any, memo: str = "") -> int:
        """Gas the msgs use; a msg the chain would reject raises TxError with its text."""
        if self._sequence is None:
            self._load_account()
        tx = self._signed(msgs, gas_limit=0, memo=memo)
        try:
            response = self.tx.Simulate(tx_service.SimulateRequest(tx_bytes=tx.tx.SerializeToString()))
        except grpc.RpcError as error:
            raise TxError(error.details() or str(error)) from None
        return int(response.gas_info.gas_used)

    def broadcast(self, *msgs: Any, gas_limit: int | None = None, memo: str = "") -> str:
        """Sign with the local sequence and broadcast (sync); returns the tx hash once CheckTx accepts it."""
        with self._sequence_lock:
            return self._broadcast(msgs, gas_limit, memo)

    def average_fee(self) -> float | None:
        """Mean fee of the latest txs sent, or None before the first."""
        fees = list(self.recent_fees)
        return sum(fees) / len(fees) if fees else None

    def _broadcast(self, msgs: tuple[Any, ...], gas_limit: int | None, memo: str) -> str:
        if self._sequence is None:
            self._load_account()
        if gas_limit is None:
            used = self.simulate(*msgs, memo=memo)
            gas_limit = int(used * self.config.gas_adjustment) + self.config.gas_margin
        for attempt in range(2):
            tx = self._signed(msgs, gas_limit, memo)
            request = tx_service.BroadcastTxRequest(
                tx_bytes=tx.tx.SerializeToString(), mode=tx_service.BroadcastMode.BROADCAST_MODE_SYNC
            )
            response = self.tx.BroadcastTx(request).tx_response
            if response.code == WRONG_SEQUENCE_CODE and attempt == 0:
                # Another process signed with this account: resync once and retry.
                self._load_account()
                continue
            if response.code != 0:
                raise TxError(response.raw_log, response.code, response.codespace, response.txhash)
            assert self._sequence is not None
            self._sequence += 1
            self.txs_sent += 1
            self.recent_fees.append(self.config.fee(gas_limit))
            return str(response.txhash)
        raise AssertionError("unreachable")

    def wait(self, txhash: str) -> abci_pb2.TxResponse:
        """Block until the tx is in a block; a tx that failed in DeliverTx raises TxError."""
        deadline = time.monotonic() + self.config.inclusion_timeout_s
        while True:
            try:
                response = self.tx.GetTx(tx_service.GetTxRequest(hash=txhash)).tx_response
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    raise
            else:
                if response.code != 0:
                    raise TxError(response.raw_log, response.code, response.codespace, txhash)
                return response
            if time.monotonic() > deadline:
                raise TimeoutError(f"tx {txhash} not included within {self.config.inclusion_timeout_s}s")
            time.sleep(self.config.poll_interval_s)

    @staticmethod
    def msg_response(response: abci_pb2.TxResponse, index: int, into: Any) -> Any:
        """Decode the index-th Msg's response of an included tx into the given message."""
        data = abci_pb2.TxMsgData.FromString(bytes.fromhex(response.data))
        if not data.msg_responses[index].Unpack(into):
            raise TypeError(f"msg response {index} is {data.msg_responses[index].type_url}")
        return into

    def submit(self, *msgs: Any, gas_limit: int | None = None, memo: str = "") -> abci_pb2.TxResponse:
        """Broadcast and wait for inclusion."""
        return self.wait(self.broadcast(*msgs, gas_limit=gas_limit, memo=memo))

    def round(self, task_id: int, round_number: int = 0) -> round_pb2.Round:
        """A round of a task (0 = the current round)."""
        return self.fedlearn.Round(query_pb2.QueryRoundRequest(task_id=task_id, round=round_number)).round

    def params(self) -> params_pb2.Params:
        """The fedlearn module's params (they change only by governance)."""
        return self.fedlearn.Params(query_pb2.QueryParamsRequest()).params

    def global_model(self, task_id: int) -> task_pb2.GlobalModel:
        """A task's current global model: its inline payload, or its size and locator."""
        return self.fedlearn.GlobalModel(query_pb2.QueryGlobalModelRequest(task_id=task_id)).model

    def update_payload(self, task_id: int, round_number: int, sha256: bytes) -> bytes:
        """The inline payload of an update of a round (empty for an update by reference)."""
        request = query_pb2.QueryUpdateRequest(task_id=task_id, round=round_number, sha256=sha256)
        return self.fedlearn.Update(request).update.payload

    def wait_for_phase(
        self, task_id: int, round_number: int, phases: set[int], timeout_s: float = 60.0
    ) -> round_pb2.Round:
        """Poll a round until it is in one of `phases` (round_pb2.ROUND_PHASE_*)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                current = self.round(task_id, round_number)
                if current.phase in phases:
                    return current
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    raise
            if time.monotonic() > deadline:
                raise TimeoutError(f"task {task_id} round {round_number} not in {phases} after {timeout_s}s")
            time.sleep(self.config.poll_interval_s)
