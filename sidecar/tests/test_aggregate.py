import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sabfl.ml.aggregate import build_aggregate
from sabfl.ml.serialize import decode_flat

SHAPES = [(1000,), (24,)]


def inputs():
    rng = np.random.default_rng(7)
    global_params = rng.normal(size=1024).astype(np.float32)
    updates = [rng.normal(scale=0.1, size=1024).astype(np.float32) for _ in range(5)]
    weights = [0.1, 0.2, 0.3, 0.15, 0.25]
    return global_params, updates, weights


def test_aggregate_is_theta_plus_weighted_sum_rounded_once():
    global_params, updates, weights = inputs()
    result = build_aggregate(global_params, updates, weights, SHAPES)
    accumulator = global_params.astype(np.float64)
    for weight, update in zip(weights, updates, strict=True):
        accumulator = accumulator + weight * update.astype(np.float64)
    np.testing.assert_array_equal(result.params, accumulator.astype(np.float32))
    np.testing.assert_array_equal(decode_flat(result.payload, SHAPES), result.params)


def test_bit_identical_across_calls():
    a = build_aggregate(*inputs(), SHAPES)
    b = build_aggregate(*inputs(), SHAPES)
    assert a.payload == b.payload and a.sha256 == b.sha256


def test_order_matters_only_through_the_given_order():
    global_params, updates, weights = inputs()
    forward = build_aggregate(global_params, updates, weights, SHAPES)
    reordered = build_aggregate(global_params, updates[::-1], weights[::-1], SHAPES)
    np.testing.assert_allclose(forward.params, reordered.params, atol=1e-6)


SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_aggregate import SHAPES, inputs
from sabfl.ml.aggregate import build_aggregate
print(build_aggregate(*inputs(), SHAPES).sha256)
"""


def test_independent_of_thread_count():
    hashes = set()
    for threads in ("1", "2"):
        env = {
            **os.environ,
            "OMP_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
        }
        script = SCRIPT.format(tests=str(Path(__file__).parent))
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        hashes.add(out.stdout.strip())
    assert hashes == {build_aggregate(*inputs(), SHAPES).sha256}


def test_mismatched_inputs_are_rejected():
    global_params, updates, weights = inputs()
    with pytest.raises(ValueError, match="weights"):
        build_aggregate(global_params, updates, weights[:-1], SHAPES)
    with pytest.raises(ValueError, match="values"):
        build_aggregate(global_params, [np.zeros(3, dtype=np.float32)], [1.0], SHAPES)
