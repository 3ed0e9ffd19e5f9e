import json

import numpy as np
import pytest

from sabfl.cli import build_parser, main


def test_sim_end_to_end_on_an_npz_dataset(tmp_path, capsys):
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(3, 16))

    def draw(n):
        labels = rng.integers(0, 3, n)
        return (centers[labels] + 0.3 * rng.normal(size=(n, 16))).reshape(n, 4, 4).astype(np.float32), labels

    x_train, y_train = draw(400)
    x_test, y_test = draw(100)
    path = tmp_path / "blobs.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    out = tmp_path / "out"
    code = main(
        [
            "sim",
            "--dataset",
            f"npz:{path}",
            "--model",
            "mlp",
            "--participants",
            "6",
            "--byzantine",
            "0.34",
            "--attack",
            "sf",
            "--alpha",
            "1",
            "--rounds",
            "3",
            "--holdout",
            "10",
            "--aggregators",
            "fedavg,median,softmax_paper",
            "--out",
            str(out),
            "--histogram",
        ]
    )
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    assert set(results["final_accuracy"]) == {"fedavg", "median", "softmax_paper"}
    assert len(results["accuracy_per_round"]["median"]) == 3
    assert (out / "accuracy.png").stat().st_size > 1000 and (out / "rounds.csv").exists()
    printed = capsys.readouterr().out
    assert "final accuracy" in printed and "total" in printed


def test_unknown_aggregator_and_preset_fail_clearly(tmp_path):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sim", "--attack", "nope"])
    with pytest.raises(ValueError, match="unknown preset"):
        main(["sim", "--preset", "nope", "--out", str(tmp_path)])
