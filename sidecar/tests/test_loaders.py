"""A party's own data: built-in loaders (npz, IDX, CSV, a folder of images) and a user's loader by entry
point, each a Dataset declaring its input shape and label space, checked against a task's."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from packages import install_distribution
from PIL import Image

from sabfl.ml.data import DatasetError
from sabfl.ml.entrypoints import AllowedPackage, NotAllowed, builtin_names
from sabfl.ml.loaders import LOADER_GROUP, LOADER_NAMES, DataMismatch, check_matches, load_source


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(["age,dose,outcome", *rows]) + "\n")
    return path


def test_the_built_in_loaders_are_sabfls_entry_points() -> None:
    assert builtin_names(LOADER_GROUP) == tuple(sorted(LOADER_NAMES))


def test_a_csv_with_a_label_column(tmp_path: Path) -> None:
    rows = [f"{i},{i / 10},{i % 3}" for i in range(20)]
    path = write_csv(tmp_path / "a.csv", rows)
    data = load_source({"loader": "csv", "path": str(path), "label": "outcome"})
    assert data.input_shape == (1, 1, 2) and data.num_classes == 3
    assert len(data.y_train) == 16 and len(data.y_test) == 4
    assert sorted(np.concatenate([data.x_train, data.x_test])[:, 0, 0, 0].tolist()) == list(range(20))
    check_matches(data, (1, 1, 2), 3)
    # A party whose rows lack class 2 still declares the task's label space.
    few = write_csv(tmp_path / "b.csv", [f"{i},0,{i % 2}" for i in range(10)])
    data = load_source({"loader": "csv", "path": str(few), "label": "outcome", "num_classes": 3})
    check_matches(data, (1, 1, 2), 3)


def test_csv_labels_by_name_need_their_order(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ["1,2,healthy", "3,4,ill", "5,6,ill", "7,8,healthy"])
    source = {"loader": "csv", "path": str(path), "label": "outcome"}
    with pytest.raises(DatasetError, match=r"a.csv:2: label 'healthy' is not a class index: list"):
        load_source(source)
    data = load_source({**source, "classes": ["ill", "healthy"], "test_path": str(path)})
    assert data.y_train.tolist() == [1, 0, 0, 1] and data.num_classes == 2
    with pytest.raises(DatasetError, match="label 'ill' is not one of classes"):
        load_source({**source, "classes": ["healthy", "x"]})
    with pytest.raises(DatasetError, match="no column 'label'"):
        load_source({"loader": "csv", "path": str(path)})


def test_a_folder_of_images_one_subfolder_per_class(tmp_path: Path) -> None:
    for name, shade in (("cat", 0), ("dog", 255)):
        (tmp_path / name).mkdir()
        for i in range(5):
            Image.new("RGB", (12, 10), (shade, shade, shade)).save(tmp_path / name / f"{i}.png")
    source = {"loader": "image-folder", "path": str(tmp_path), "size": [8, 8]}
    source["classes"] = ["cat", "dog", "owl"]  # owl: a class this party has no image of
    data = load_source(source)
    assert data.input_shape == (1, 8, 8) and data.num_classes == 3
    x = np.concatenate([data.x_train, data.x_test])
    y = np.concatenate([data.y_train, data.y_test])
    assert set(x[y == 0].reshape(-1)) == {0.0} and set(x[y == 1].reshape(-1)) == {1.0}
    rgb = load_source({**source, "grayscale": False})
    assert rgb.input_shape == (3, 8, 8)
    with pytest.raises(DataMismatch, match=r"shape \(3, 8, 8\), but the task's model takes \(1, 8, 8\)"):
        check_matches(rgb, (1, 8, 8), 3)
    with pytest.raises(DataMismatch, match="3 classes, but the task has 10: declare the task's label space"):
        check_matches(data, (1, 8, 8), 10)
    with pytest.raises(DatasetError, match=r"subfolders \['dog'\] are not among classes"):
        load_source({**source, "classes": ["cat"]})


def test_npz_and_idx_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 4, 4), dtype=np.uint8),
        "y_train": np.arange(6) % 2,
        "x_test": rng.integers(0, 256, (2, 4, 4), dtype=np.uint8),
        "y_test": np.array([0, 1]),
    }
    np.savez(tmp_path / "d.npz", **arrays)
    assert load_source({"loader": "npz", "path": str(tmp_path / "d.npz")}).input_shape == (1, 4, 4)
    names = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte"}
    names |= {"x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
    for key, name in names.items():
        array = arrays[key].astype(np.uint8)
        header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
        (tmp_path / name).write_bytes(header + array.tobytes())
    data = load_source({"loader": "idx", "path": str(tmp_path)})
    assert data.input_shape == (1, 4, 4) and data.y_train.tolist() == arrays["y_train"].tolist()


def test_a_users_loader_from_a_trusted_distribution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = """
        import numpy as np
        from sabfl.ml.data import Dataset

        def records(rows):
            x = np.ones((rows, 1, 1, 5), np.float32)
            y = np.arange(rows) % 4
            return Dataset("records", x, y, x, y, num_classes=4)

        def not_a_dataset():
            return [1, 2, 3]
    """
    points = {"records": "records", "list": "not_a_dataset"}
    module = install_distribution(monkeypatch, tmp_path, "my-data", "0.3", source, {LOADER_GROUP: points})
    loader = {"entry_point": f"{module}:records", "distribution": "my-data", "version": "0.3"}
    with pytest.raises(NotAllowed, match="my-data is not among this sidecar's trusted packages"):
        load_source({"loader": loader, "rows": 8})
    trusted = (AllowedPackage("my-data", version="0.3"),)
    data = load_source({"loader": loader, "rows": 8}, trusted)
    check_matches(data, (1, 1, 5), 4)
    with pytest.raises(DatasetError, match="does not take these parameters"):
        load_source({"loader": loader, "rows": 8, "shuffle": True}, trusted)
    with pytest.raises(DatasetError, match="returned list, not a sabfl Dataset"):
        load_source({"loader": {**loader, "entry_point": f"{module}:not_a_dataset"}}, trusted)
