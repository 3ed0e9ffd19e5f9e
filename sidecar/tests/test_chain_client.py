"""The chain client without a chain: fees, MsgExec wrapping, reading every page of a query, grants,
the keys file and a shared client's sequence under threads (gRPC stubs replaced by fakes)."""

from __future__ import annotations

import hashlib
import json
import stat
import threading
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from cosmpy.crypto.address import Address
from cosmpy.protos.cosmos.authz.v1beta1 import authz_pb2
from cosmpy.protos.cosmos.authz.v1beta1 import query_pb2 as authz_query
from cosmpy.protos.cosmos.base.abci.v1beta1 import abci_pb2
from cosmpy.protos.cosmos.base.query.v1beta1.pagination_pb2 import PageResponse
from cosmpy.protos.cosmos.tx.v1beta1 import service_pb2 as tx_service
from cosmpy.protos.cosmos.tx.v1beta1 import tx_pb2 as cosmos_tx

from sabfl.chain import Account, ChainClient, ChainConfig, load_account, load_keys, messages, write_account
from sabfl.fedlearn.v1 import query_pb2, task_pb2, tx_pb2
from sabfl.protocol import update_commitment

MNEMONIC = " ".join(["abandon"] * 23 + ["art"])
ADDRESS = "sabfl1r5v5srda7xfth3hn2s26txvrcrntldjupq4zex"
ACCOUNT = Account("hot0", ADDRESS, MNEMONIC)


def client(gas_price: str = "0.01") -> ChainClient:
    """A client whose channel never connects (gRPC channels connect lazily)."""
    config = ChainConfig(chain_id="sabfl-test", grpc_address="127.0.0.1:1", gas_price=gas_price)
    return ChainClient(config, ACCOUNT.wallet("sabfl"))


def test_fee_is_gas_limit_times_gas_price_rounded_up() -> None:
    config = ChainConfig(chain_id="c", grpc_address="a:1", gas_price="0.01")
    assert config.gas_price == Decimal("0.01")
    assert [config.fee(0), config.fee(100), config.fee(123_456), config.fee(123_401)] == [0, 1, 1235, 1235]
    assert ChainConfig(chain_id="c", grpc_address="a:1").fee(10**9) == 0, "no gas price: zero fees"
    assert ChainConfig(chain_id="c", grpc_address="a:1", gas_price=Decimal("2.5")).fee(3) == 8
    for bad in ("-0.01", "NaN", "Infinity", "one cent"):
        with pytest.raises(ValueError, match="gas_price"):
            ChainConfig(chain_id="c", grpc_address="a:1", gas_price=bad)


def test_signed_tx_pays_the_fee_in_the_denom() -> None:
    chain = client("0.025")
    chain._account_number, chain._sequence = 7, 3
    tx = chain._signed((messages.commit_losses(ADDRESS, 1, 1, b"c" * 32),), gas_limit=200_001, memo="")
    fee = cosmos_tx.Tx.FromString(tx.tx.SerializeToString()).auth_info.fee
    assert fee.gas_limit == 200_001
    assert [(c.denom, c.amount) for c in fee.amount] == [("stake", "5001")]


def test_msg_exec_wraps_the_operators_message_for_the_hot_account() -> None:
    inner = messages.reveal_losses("sabfl1operator", 4, 2, b"s" * 32, [1, 2, 3])
    wrapped = messages.exec_msgs(ADDRESS, inner)
    assert wrapped.grantee == ADDRESS and len(wrapped.msgs) == 1
    assert wrapped.msgs[0].type_url == "/sabfl.fedlearn.v1.MsgRevealLosses"
    assert messages.type_url(tx_pb2.MsgRevealLosses) == wrapped.msgs[0].type_url
    unpacked = tx_pb2.MsgRevealLosses()
    assert wrapped.msgs[0].Unpack(unpacked) and unpacked == inner
    assert unpacked.validator == "sabfl1operator", "the message still speaks for the operator"


class PagedTasks:
    """A Tasks query over `count` tasks that answers at most `cap` per page, keyed by the next task id."""

    def __init__(self, count: int, cap: int = 100) -> None:
        self.count, self.cap = count, cap
        self.requests: list[query_pb2.QueryTasksRequest] = []

    def Tasks(self, request: query_pb2.QueryTasksRequest) -> query_pb2.QueryTasksResponse:  # noqa: N802
        self.requests.append(request)
        first = int(request.pagination.key or b"1")
        last = min(first + min(request.pagination.limit, self.cap), self.count + 1)
        next_key = str(last).encode() if last <= self.count else b""
        return query_pb2.QueryTasksResponse(
            tasks=[task_pb2.Task(id=i) for i in range(first, last)],
            pagination=PageResponse(next_key=next_key),
        )


def test_tasks_reads_every_page() -> None:
    chain = client()
    chain.fedlearn = PagedTasks(250)
    assert [t.id for t in chain.tasks()] == list(range(1, 251)), "task 101 and later are served too"
    assert len(chain.fedlearn.requests) == 3
    chain.fedlearn = PagedTasks(0)
    assert chain.tasks() == []


def test_a_client_without_wallet_queries_but_refuses_to_sign() -> None:
    reader = ChainClient(ChainConfig(chain_id="", grpc_address="127.0.0.1:1"))
    reader.fedlearn = PagedTasks(3)
    assert reader.address == "" and [t.id for t in reader.tasks()] == [1, 2, 3]
    with pytest.raises(RuntimeError, match="no wallet"):
        reader.broadcast(messages.opt_in(ADDRESS, 1))


def grant(msg_type: str, expires: int | None = None) -> authz_pb2.Grant:
    entry = authz_pb2.Grant()
    entry.authorization.Pack(authz_pb2.GenericAuthorization(msg=msg_type), type_url_prefix="/")
    if expires is not None:
        entry.expiration.seconds = expires
    return entry


def test_granted_msg_types_skip_expired_grants() -> None:
    chain = client()
    asked = []

    def grants(request: authz_query.QueryGrantsRequest) -> authz_query.QueryGrantsResponse:
        asked.append((request.granter, request.grantee))
        return authz_query.QueryGrantsResponse(
            grants=[grant("/a.MsgKept"), grant("/a.MsgExpired", expires=1), grant("/a.MsgLater", 2**40)]
        )

    chain.authz = SimpleNamespace(Grants=grants)
    assert chain.granted_msg_types("sabfl1op", ADDRESS) == {"/a.MsgKept", "/a.MsgLater"}
    assert asked == [("sabfl1op", ADDRESS)]


class FakeTxService:
    """Simulate and broadcast: records the sequence each broadcast tx was signed with."""

    def __init__(self) -> None:
        self.sequences: list[int] = []

    def Simulate(self, request: tx_service.SimulateRequest) -> tx_service.SimulateResponse:  # noqa: N802
        response = tx_service.SimulateResponse()
        response.gas_info.gas_used = 100_000
        return response

    def BroadcastTx(self, request: tx_service.BroadcastTxRequest) -> tx_service.BroadcastTxResponse:  # noqa: N802
        tx = cosmos_tx.Tx.FromString(request.tx_bytes)
        self.sequences.append(tx.auth_info.signer_infos[0].sequence)
        return tx_service.BroadcastTxResponse(tx_response=abci_pb2.TxResponse(txhash="AB"))


def test_threads_sharing_a_client_never_reuse_a_sequence() -> None:
    chain = client("0.01")
    chain._account_number, chain._sequence = 1, 0
    chain.tx = FakeTxService()
    msg = messages.commit_losses(ADDRESS, 1, 1, b"c" * 32)

    def send() -> None:
        for _ in range(10):
            chain.broadcast(msg)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(chain.tx.sequences) == list(range(40))
    assert chain.txs_sent == 40
    assert chain.average_fee() == chain.config.fee(int(100_000 * 1.3) + 20_000) == 1500


def keys_json(path: Path, **extra: object) -> Path:
    node = {
        "name": "node0",
        "rpc": "http://127.0.0.1:26657",
        "grpc": "127.0.0.1:9090",
        "api": "http://127.0.0.1:1317",
        "validator": {"name": "val0", "address": "sabfl1op", "mnemonic": "op words", "valoper": "v"},
    }
    data = {
        "chain_id": "sabfl-localnet",
        "denom": "stake",
        "address_prefix": "sabfl",
        "nodes": [node],
        "creator": {"name": "c", "address": "sabfl1c", "mnemonic": "c"},
        "participants": [],
    }
    for key, value in extra.items():
        if key == "hot":
            node["hot"] = value
        else:
            data[key] = value
    path.write_text(json.dumps(data))
    return path


def test_keys_file_gives_each_node_a_paying_chain_config(tmp_path: Path) -> None:
    hot = {"name": "hot0", "address": ADDRESS, "mnemonic": MNEMONIC}
    keys = load_keys(keys_json(tmp_path / "keys.json", gas_price="0.01", hot=hot))
    config = keys.chain_config(0)
    assert (config.chain_id, config.grpc_address, config.denom) == (
        "sabfl-localnet",
        "127.0.0.1:9090",
        "stake",
    )
    assert config.gas_price == Decimal("0.01") and config.fee(1000) == 10
    assert keys.nodes[0].hot == ACCOUNT
    old = load_keys(keys_json(tmp_path / "old.json"))
    assert old.gas_price == 0 and old.nodes[0].hot is None, "a keys file from before fees still loads"


def test_account_file_is_private_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "v0" / "hot-key.json"
    path.parent.mkdir()
    path.write_text("stale")
    path.chmod(0o644)
    write_account(ACCOUNT, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_account(path) == ACCOUNT


def test_payloads_travel_inline_or_by_reference() -> None:
    payload = b"canonical bytes"
    digest = hashlib.sha256(payload).digest()
    salt = bytes(range(32))
    inline = messages.reveal_update("p", 1, 2, payload, num_samples=3, salt=salt)
    assert (inline.sha256, inline.payload, inline.size_bytes, inline.locator) == (digest, payload, 0, "")
    assert (inline.num_samples, inline.salt) == (3, salt)
    ref = messages.reveal_update("p", 1, 2, payload, num_samples=3, salt=salt, locator="ipfs://cid")
    assert (ref.sha256, ref.payload, ref.size_bytes, ref.locator) == (digest, b"", len(payload), "ipfs://cid")
    aggregate = messages.submit_aggregate("m", 1, 2, payload, locator="s3://b/k")
    assert (aggregate.model_sha256, aggregate.payload, aggregate.size_bytes, aggregate.locator) == (
        digest,
        b"",
        len(payload),
        "s3://b/k",
    )


def test_update_commitment_binds_the_participants_address_bytes() -> None:
    digest, salt = hashlib.sha256(b"update").digest(), bytes(range(32))
    owner, copier = (str(Address(bytes([i]) * 20, prefix="sabfl")) for i in (1, 2))
    sealed = messages.submit_update(owner, 1, 2, digest, 3, salt)
    assert (sealed.participant, sealed.task_id, sealed.round) == (owner, 1, 2)
    assert sealed.commitment == update_commitment(1, 2, bytes([1]) * 20, digest, 3, salt)
    assert messages.submit_update(copier, 1, 2, digest, 3, salt).commitment != sealed.commitment
    spelled = str(Address(bytes([1]) * 20, prefix="cosmos"))
    assert messages.submit_update(spelled, 1, 2, digest, 3, salt).commitment == sealed.commitment
