"""The Python port reproduces every case of the shared vectors written by the Go package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sabfl.protocol import (
    LOSS_SCALE,
    WEIGHT_SCALE,
    Candidate,
    InvalidInput,
    InvalidRule,
    ProtocolError,
    TemperatureRule,
    UnsortedHashes,
    commitment,
    consensus_losses,
    draw_committee,
    exp_neg,
    round_seed,
    softmax_weights,
    stake_weighted_median,
    update_commitment,
)

VECTORS_PATH = Path(__file__).resolve().parents[2] / "chain/x/fedlearn/consensus/testdata/vectors.json"
VECTORS: dict[str, Any] = json.loads(VECTORS_PATH.read_text())
ERROR_KINDS: dict[str, type[ProtocolError]] = {
    "invalid_input": InvalidInput,
    "invalid_rule": InvalidRule,
    "unsorted_hashes": UnsortedHashes,
}


def cases(section: str) -> list[Any]:
    return [pytest.param(case, id=f"{section}-{i}") for i, case in enumerate(VECTORS[section])]


def rule_of(case: dict[str, Any]) -> TemperatureRule:
    return TemperatureRule(**case["rule"])


def check(case: dict[str, Any], compute: Any) -> None:
    """compute() must raise the case's error kind, or return the case's ``want``."""
    if case.get("error"):
        with pytest.raises(ERROR_KINDS[case["error"]]):
            compute()
    else:
        assert compute() == case["want"]


def test_scales_match() -> None:
    assert VECTORS["scales"] == {"loss_scale": LOSS_SCALE, "weight_scale": WEIGHT_SCALE}


def test_every_section_has_cases() -> None:
    sections = ("exp_neg", "median", "consensus", "temperature", "softmax")
    for section in (*sections, "round_seed", "selection", "commitment", "update_commitment"):
        assert VECTORS[section], section


@pytest.mark.parametrize("case", cases("exp_neg"))
def test_exp_neg(case: dict[str, Any]) -> None:
    assert exp_neg(int(case["x"])) == case["want"]


@pytest.mark.parametrize("case", cases("median"))
def test_median(case: dict[str, Any]) -> None:
    check(case, lambda: stake_weighted_median(case["values"], case["stakes"]))


@pytest.mark.parametrize("case", cases("consensus"))
def test_consensus(case: dict[str, Any]) -> None:
    check(case, lambda: consensus_losses(case["reveals"], case["stakes"]))


@pytest.mark.parametrize("case", cases("temperature"))
def test_temperature(case: dict[str, Any]) -> None:
    check(case, lambda: rule_of(case).temperature(case["losses"]))


@pytest.mark.parametrize("case", cases("softmax"))
def test_softmax(case: dict[str, Any]) -> None:
    check(case, lambda: softmax_weights(case["losses"], rule_of(case)))


@pytest.mark.parametrize("case", cases("round_seed"))
def test_round_seed(case: dict[str, Any]) -> None:
    seed = round_seed(bytes.fromhex(case["block_hash"]), case["task_id"], case["round"])
    assert seed.hex() == case["want"]


@pytest.mark.parametrize("case", cases("selection"))
def test_selection(case: dict[str, Any]) -> None:
    candidates = [Candidate(c["operator"], c["power"]) for c in case["candidates"]]
    check(case, lambda: draw_committee(bytes.fromhex(case["seed"]), candidates, case["size"]))


@pytest.mark.parametrize("case", cases("commitment"))
def test_commitment(case: dict[str, Any]) -> None:
    def compute() -> str:
        return commitment(
            case["task_id"],
            case["round"],
            case["validator"],
            bytes.fromhex(case["salt"]),
            [bytes.fromhex(h) for h in case["update_hashes"]],
            case["losses"],
        ).hex()

    check(case, compute)


@pytest.mark.parametrize("case", cases("update_commitment"))
def test_update_commitment(case: dict[str, Any]) -> None:
    def compute() -> str:
        return update_commitment(
            case["task_id"],
            case["round"],
            bytes.fromhex(case["participant"]),
            bytes.fromhex(case["sha256"]),
            case["num_samples"],
            bytes.fromhex(case["salt"]),
        ).hex()

    check(case, compute)
