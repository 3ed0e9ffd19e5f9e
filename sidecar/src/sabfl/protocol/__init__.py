"""Pure-Python, bit-identical port of the chain's round maths (chain/x/fedlearn/consensus).

The miner and attesters apply exactly the weights the chain computes, validators build their loss
commitments and anyone recomputes a round's committee. Standard library only; every value is an integer
with the scale named in :mod:`sabfl.protocol.fixedpoint`. Both implementations are checked against the
shared vectors in chain/x/fedlearn/consensus/testdata/vectors.json."""

from sabfl.protocol.commitment import (
    COMMITMENT_DOMAIN,
    UPDATE_COMMITMENT_DOMAIN,
    commitment,
    update_commitment,
)
from sabfl.protocol.consensus import (
    TEMPERATURE_FIXED,
    TEMPERATURE_MAD,
    UNAVAILABLE,
    TemperatureRule,
    consensus_losses,
    softmax_weights,
    stake_weighted_median,
)
from sabfl.protocol.errors import InvalidInput, InvalidRule, ProtocolError, UnsortedHashes
from sabfl.protocol.fixedpoint import (
    LOSS_SCALE,
    MAX_DECIMAL_CHARS,
    U64_MAX,
    WEIGHT_SCALE,
    exp_neg,
    format_micro,
    loss_to_micro,
    parse_micro,
    weights_to_floats,
)
from sabfl.protocol.selection import Candidate, draw_committee, round_seed

__all__ = [
    "COMMITMENT_DOMAIN",
    "LOSS_SCALE",
    "MAX_DECIMAL_CHARS",
    "TEMPERATURE_FIXED",
    "TEMPERATURE_MAD",
    "U64_MAX",
    "UNAVAILABLE",
    "UPDATE_COMMITMENT_DOMAIN",
    "WEIGHT_SCALE",
    "Candidate",
    "InvalidInput",
    "InvalidRule",
    "ProtocolError",
    "TemperatureRule",
    "UnsortedHashes",
    "commitment",
    "consensus_losses",
    "draw_committee",
    "exp_neg",
    "format_micro",
    "loss_to_micro",
    "parse_micro",
    "round_seed",
    "softmax_weights",
    "stake_weighted_median",
    "update_commitment",
    "weights_to_floats",
]
