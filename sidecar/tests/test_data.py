import gzip
import struct

import numpy as np
import pytest

from sabfl.ml.data import DatasetError, load_dataset, read_idx


def write_idx(path, array, gz=False):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if gz else open
    with opener(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def test_digits_is_scaled_images_with_fixed_split():
    first = load_dataset("digits")
    second = load_dataset("digits", seed=5)
    assert first.input_shape == (1, 8, 8) and first.num_classes == 10
    assert 0.0 <= first.x_train.min() and first.x_train.max() <= 1.0
    assert len(first.y_train) + len(first.y_test) == 1797
    np.testing.assert_array_equal(first.y_test, second.y_test)


def test_subset_is_seeded():
    a = load_dataset("digits", max_train=100, seed=1)
    b = load_dataset("digits", max_train=100, seed=1)
    c = load_dataset("digits", max_train=100, seed=2)
    assert len(a.y_train) == 100
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)


def test_npz_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "tiny.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 256, (30, 6, 6)),
        y_train=rng.integers(0, 3, 30),
        x_test=rng.integers(0, 256, (10, 6, 6)),
        y_test=rng.integers(0, 3, 10),
    )
    dataset = load_dataset(f"npz:{path}")
    assert dataset.input_shape == (1, 6, 6)
    assert dataset.x_train.max() <= 1.0 and dataset.x_train.dtype == np.float32


def test_npz_missing_array_and_file_are_explained(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, x_train=np.zeros((2, 4)), y_train=np.zeros(2))
    with pytest.raises(DatasetError, match="x_test"):
        load_dataset(f"npz:{path}")
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(f"npz:{tmp_path / 'absent.npz'}")


def test_idx_folder_plain_and_gzipped(tmp_path):
    images = np.arange(2 * 4 * 4).reshape(2, 4, 4) % 256
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", images, gz=True)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([1, 0]))
    write_idx(tmp_path / "t10k-images-idx3-ubyte", images[:1])
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1]))
    dataset = load_dataset(f"mnist:{tmp_path}")
    assert dataset.input_shape == (1, 4, 4)
    np.testing.assert_array_equal(read_idx(tmp_path / "train-labels-idx1-ubyte"), [1, 0])


def test_missing_idx_folder_says_how_to_get_it(tmp_path):
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte"):
        load_dataset(f"mnist:{tmp_path}")


def test_truncated_idx_is_rejected(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(bytes([0, 0, 0x08, 1]) + struct.pack(">I", 10) + b"\x00" * 3)
    with pytest.raises(DatasetError, match="truncated"):
        read_idx(path)


def test_unknown_dataset():
    with pytest.raises(DatasetError, match="unknown dataset"):
        load_dataset("cifar10")
