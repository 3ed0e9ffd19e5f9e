"""Chain client: sign, broadcast and query sabfl transactions through cosmpy over gRPC."""

from sabfl.chain.client import ChainClient, ChainConfig, TxError
from sabfl.chain.keys import Account, KeysFile, load_account, load_keys, write_account

__all__ = [
    "Account",
    "ChainClient",
    "ChainConfig",
    "KeysFile",
    "TxError",
    "load_account",
    "load_keys",
    "write_account",
]
