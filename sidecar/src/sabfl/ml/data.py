"""Dataset loaders. Everything is read from local files; nothing downloads at run time."""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_HINT = (
    "Fashion-MNIST comes from the Debian package dataset-fashion-mnist: "
    "`apt-get update && apt-get install -y dataset-fashion-mnist` (files land in {dir})."
)
IDX_FILES = {
    "x_train": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "y_train": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "x_test": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "y_test": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DatasetError(RuntimeError):
    """A dataset is missing or malformed; the message says how to obtain or fix it."""


@dataclass(frozen=True)
class Dataset:
    """Images as float32 in [0, 1] with shape [n, channels, height, width]; labels as int64."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def load_dataset(
    spec: str, *, max_train: int | None = None, max_test: int | None = None, seed: int = 0
) -> Dataset:
    """Load ``digits``, ``fashion-mnist``, ``npz:PATH`` or ``mnist:DIR`` (MNIST-format IDX files).

    ``max_train``/``max_test`` keep a seeded random subset (e.g. 6,000 Fashion-MNIST images) so
    experiments stay fast; the subset is a pure function of ``seed``.
    """
    if spec == "digits":
        dataset = _load_digits()
    elif spec in ("fashion-mnist", "fashion_mnist", "fmnist"):
        dataset = load_idx_folder(
            FASHION_MNIST_DIR, name="fashion-mnist", hint=FASHION_MNIST_HINT.format(dir=FASHION_MNIST_DIR)
        )
    elif spec.startswith("npz:"):
        dataset = load_npz(Path(spec[4:]))
    elif spec.startswith("mnist:"):
        folder = Path(spec[6:])
        dataset = load_idx_folder(
            folder,
            name=f"mnist:{folder}",
            hint=f"Put MNIST-format IDX files (e.g. {IDX_FILES['x_train'][0]}[.gz]) in {folder}.",
        )
    else:
        raise DatasetError(f"unknown dataset {spec!r}: use digits, fashion-mnist, npz:PATH or mnist:DIR")
    return _subsample(dataset, max_train, max_test, seed)


def _load_digits() -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.images.astype(np.float32) / 16.0)[:, None, :, :]
    y = bunch.target.astype(np.int64)
    # Fixed stratified 80/20 split so the test set never depends on the experiment seed.
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)
    return Dataset("digits", x_train, y_train, x_test, y_test, num_classes=10)


def load_npz(path: Path) -> Dataset:
    """A user-supplied ``.npz`` with ``x_train, y_train, x_test, y_test``.

    Images may be [n, h, w], [n, c, h, w] or flat [n, features]; integer pixels are scaled by their max.
    """
    if not path.is_file():
        raise DatasetError(
            f"npz dataset {path} not found: pass npz:PATH to a file with "
            "x_train, y_train, x_test, y_test arrays (np.savez)"
        )
    with np.load(path) as archive:
        missing = [key for key in IDX_FILES if key not in archive.files]
        if missing:
            raise DatasetError(f"{path} lacks arrays {missing}; it needs x_train, y_train, x_test, y_test")
        arrays = {key: archive[key] for key in IDX_FILES}
    return from_arrays(f"npz:{path}", **arrays)


def load_idx_folder(folder: Path, *, name: str, hint: str) -> Dataset:
    arrays = {}
    for key, candidates in IDX_FILES.items():
        found = [folder / f"{base}{suffix}" for base in candidates for suffix in (".gz", "")]
        existing = [p for p in found if p.is_file()]
        if not existing:
            raise DatasetError(f"{name}: no {candidates[0]}[.gz] in {folder}. {hint}")
        arrays[key] = read_idx(existing[0])
    return from_arrays(name, **arrays)


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (optionally gzipped): magic 0x0000TTDD, big-endian dims, then data."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise DatasetError(f"{path} is not an IDX file (bad magic)")
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    count = int(np.prod(dims))
    offset = 4 + 4 * ndim
    if len(raw) - offset < count * dtype.itemsize:
        raise DatasetError(f"{path} is truncated: expected {count} values of shape {dims}")
    return np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(dims)


def from_arrays(
    name: str, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray
) -> Dataset:
    scale = float(max(x_train.max(), 1)) if np.issubdtype(x_train.dtype, np.integer) else 1.0
    prepared = [_as_images(x, scale) for x in (x_train, x_test)]
    labels = [np.asarray(y).astype(np.int64).reshape(-1) for y in (y_train, y_test)]
    if prepared[0].shape[1:] != prepared[1].shape[1:]:
        raise DatasetError(f"{name}: train and test images differ in shape")
    for x, y in zip(prepared, labels, strict=True):
        if len(x) != len(y):
            raise DatasetError(f"{name}: {len(x)} images but {len(y)} labels")
    if labels[0].min() < 0:
        raise DatasetError(f"{name}: labels must be non-negative class indices")
    num_classes = int(max(labels[0].max(), labels[1].max())) + 1
    return Dataset(name, prepared[0], labels[0], prepared[1], labels[1], num_classes)


def _as_images(x: np.ndarray, scale: float) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32) / scale
    if x.ndim == 2:
        return x[:, None, None, :]
    if x.ndim == 3:
        return x[:, None, :, :]
    if x.ndim == 4:
        return np.ascontiguousarray(x)
    raise DatasetError(f"images must have 2, 3 or 4 dimensions, got shape {x.shape}")


def _subsample(dataset: Dataset, max_train: int | None, max_test: int | None, seed: int) -> Dataset:
    rng = np.random.default_rng([seed, 0x5AB])

    def pick(n: int, limit: int | None) -> np.ndarray:
        return np.sort(rng.permutation(n)[:limit]) if limit is not None and limit < n else np.arange(n)

    train = pick(len(dataset.y_train), max_train)
    test = pick(len(dataset.y_test), max_test)
    return Dataset(
        dataset.name,
        dataset.x_train[train],
        dataset.y_train[train],
        dataset.x_test[test],
        dataset.y_test[test],
        dataset.num_classes,
    )
