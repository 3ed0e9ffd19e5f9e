"""The localnet keys file (written by localnet/localnet.py init): chain id, node endpoints and funded
accounts for the validators, the task creator and a pool of participants."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cosmpy.aerial.wallet import LocalWallet


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


@dataclass(frozen=True)
class KeysFile:
    chain_id: str
    denom: str
    address_prefix: str
    nodes: list[Node]
    creator: Account
    participants: list[Account]


def _account(entry: dict) -> Account:
    return Account(name=entry["name"], address=entry["address"], mnemonic=entry["mnemonic"])


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
    )
