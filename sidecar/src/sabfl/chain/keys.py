"""The localnet keys file (written by localnet/localnet.py init): chain id, gas price, node endpoints
and funded accounts for the validators (operator and hot account), the task creator and a pool of
participants."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cosmpy.aerial.wallet import LocalWallet

from sabfl.chain.client import ChainConfig


@dataclass(frozen=True)
class Account:
    name: str
    address: str
    mnemonic: str

    def wallet(self, prefix: str) -> LocalWallet:
        wallet = LocalWallet.from_mnemonic(self.mnemonic, prefix=prefix)
        if str(wallet.address()) != self.address:
            raise ValueError(
                f"mnemonic of {self.name} derives {wallet.address()}, keys file says {self.address}"
            )
        return wallet


@dataclass(frozen=True)
class Node:
    name: str
    rpc: str
    grpc: str
    api: str
    validator: Account
    valoper: str
    # The validator sidecar's signing account, authorised by the operator through x/authz grants.
    hot: Account | None
    # The RPC API of the kubo (IPFS) daemon beside the node, its sidecar's blob store ("" if none).
    ipfs_api: str = ""

    def blob_stores(self) -> tuple[dict[str, str], ...]:
        """The blob store entries (sabfl.blobs.stores_from_config) of a sidecar beside this node."""
        return ({"kind": "ipfs", "api": self.ipfs_api},) if self.ipfs_api else ()


@dataclass(frozen=True)
class KeysFile:
    chain_id: str
    denom: str
    address_prefix: str
    nodes: list[Node]
    creator: Account
    participants: list[Account]
    gas_price: Decimal

    def chain_config(self, node: int = 0) -> ChainConfig:
        """How to reach and pay for txs on node `node` of this network."""
        return ChainConfig(
            chain_id=self.chain_id,
            grpc_address=self.nodes[node].grpc,
            address_prefix=self.address_prefix,
            denom=self.denom,
            gas_price=self.gas_price,
        )


def _account(entry: dict) -> Account:
    return Account(name=entry["name"], address=entry["address"], mnemonic=entry["mnemonic"])


def load_account(path: str | Path) -> Account:
    """One account from its own key file (JSON: name, address, mnemonic), e.g. a validator's hot key."""
    return _account(json.loads(Path(path).read_text()))


def write_account(account: Account, path: str | Path) -> None:
    """Write an account's key file, readable by its owner only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(json.dumps(dataclasses.asdict(account), indent=2) + "\n")
    os.chmod(path, 0o600)  # an older file keeps its mode through O_TRUNC


def load_keys(path: str | Path) -> KeysFile:
    """Read a keys file; a missing file says how to create one."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: start a localnet first (`make localnet`)")
    data = json.loads(path.read_text())
    nodes = [
        Node(
            name=n["name"],
            rpc=n["rpc"],
            grpc=n["grpc"],
            api=n["api"],
            validator=_account(n["validator"]),
            valoper=n["validator"]["valoper"],
            hot=_account(n["hot"]) if "hot" in n else None,
            ipfs_api=n.get("ipfs_api", ""),
        )
        for n in data["nodes"]
    ]
    return KeysFile(
        chain_id=data["chain_id"],
        denom=data["denom"],
        address_prefix=data["address_prefix"],
        nodes=nodes,
        creator=_account(data["creator"]),
        participants=[_account(p) for p in data["participants"]],
        # Files written before fees existed have no gas price: their chains take zero fees.
        gas_price=Decimal(data.get("gas_price", "0")),
    )
