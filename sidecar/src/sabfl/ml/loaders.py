"""A party's own data: a local source spec → `Dataset`, by a built-in loader or a user's entry point.

A source is a mapping: `loader` names the loader — a built-in's alias (`npz`, `idx`, `csv`,
`image-folder`: sabfl's own entry points in LOADER_GROUP) or `{entry_point, distribution, version}` of a
trusted distribution (`sabfl.ml.entrypoints`) — and every other key is a parameter of the loader:

    {loader: csv, path: records.csv, label: outcome}
    {loader: image-folder, path: scans/, size: [28, 28], classes: [benign, malignant]}
    {loader: {entry_point: "my_pkg.data:load", distribution: my-pkg, version: 1.0.0}, path: ...}

A loader is called as `loader(**params) -> Dataset`; the Dataset declares the input shape (its
`input_shape`) and label space (`num_classes`) that `check_matches` compares with a task's before the
party joins. Paths are used as given (a role resolves them against its config's folder first).
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sabfl.ml.data import IDX_FILES, Dataset, DatasetError, from_arrays, load_idx_folder, load_npz
from sabfl.ml.entrypoints import AllowedPackage, EntryPointRef, builtin_ref, load_entry_point

LOADER_GROUP = "sabfl.loaders"
LOADER_NAMES = ("csv", "idx", "image-folder", "npz")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff")


class DataMismatch(DatasetError):
    """A party's data does not fit the task: another input shape or label space."""


def loader_ref(source: Mapping[str, Any]) -> EntryPointRef:
    """The loader a source names, with the source's other keys as its parameters."""
    if "loader" not in source:
        raise DatasetError(
            f"a data source names its loader: `loader: {' | '.join(LOADER_NAMES)}` or "
            "`loader: {entry_point, distribution, version}`"
        )
    loader = source["loader"]
    params = {k: v for k, v in source.items() if k != "loader"}
    if isinstance(loader, str):
        return builtin_ref(LOADER_GROUP, loader, params)
    if not isinstance(loader, Mapping) or set(loader) != {"entry_point", "distribution", "version"}:
        raise DatasetError(f"loader {loader!r}: an entry point is {{entry_point, distribution, version}}")
    return EntryPointRef(loader["entry_point"], loader["distribution"], loader["version"], params)


def load_source(source: Mapping[str, Any], allowed: Sequence[AllowedPackage] = ()) -> Dataset:
    """A party's Dataset from its source spec (module docstring). A user's loader is imported only from
    a distribution on `allowed` (EntryPointError otherwise); DatasetError for data it cannot read."""
    ref = loader_ref(source)
    loader = load_entry_point(LOADER_GROUP, ref, allowed)
    try:
        dataset = loader(**ref.params)
    except TypeError as error:
        raise DatasetError(f"loader {ref.target} does not take these parameters: {error}") from None
    if not isinstance(dataset, Dataset):
        raise DatasetError(f"loader {ref.target} returned {type(dataset).__name__}, not a sabfl Dataset")
    return dataset


def check_matches(dataset: Dataset, input_shape: Sequence[int], num_classes: int) -> None:
    """Raise DataMismatch unless `dataset` has the task's input shape and label space, and every label of
    it lies in [0, num_classes)."""
    if tuple(dataset.input_shape) != tuple(input_shape):
        raise DataMismatch(
            f"{dataset.name}: inputs of shape {tuple(dataset.input_shape)}, but the task's model takes "
            f"{tuple(input_shape)}: reshape or resize your data in its loader (image-folder: `size`, "
            "`grayscale`; csv: the feature columns)"
        )
    if dataset.num_classes != num_classes:
        raise DataMismatch(
            f"{dataset.name}: {dataset.num_classes} classes, but the task has {num_classes}: declare the "
            "task's label space in the loader (csv and image-folder: `classes` or `num_classes`), even for "
            "classes your data lacks"
        )
    for split, labels in (("training", dataset.y_train), ("test", dataset.y_test)):
        if len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) < num_classes:
            raise DataMismatch(f"{dataset.name}: {split} labels outside [0, {num_classes})")


def npz(path: str) -> Dataset:
    """`np.savez` arrays x_train, y_train, x_test, y_test (`sabfl.ml.data.load_npz`)."""
    return load_npz(Path(path))


def idx(path: str) -> Dataset:
    """A folder of MNIST-format IDX files (`sabfl.ml.data.load_idx_folder`)."""
    folder = Path(path)
    hint = f"Put MNIST-format IDX files (e.g. {IDX_FILES['x_train'][0]}[.gz]) in {folder}."
    return load_idx_folder(folder, name=f"idx:{folder}", hint=hint)


def csv_table(
    path: str,
    label: str = "label",
    test_path: str | None = None,
    test_fraction: float = 0.2,
    classes: Sequence[str] | None = None,
    num_classes: int | None = None,
    seed: int = 0,
) -> Dataset:
    """A CSV file with a header: column `label` holds the class (an integer index, or a name from
    `classes`), every other column a numeric feature. The test rows are `test_path`'s, or a seeded
    `test_fraction` of `path`'s. The label space is `classes`, `num_classes` or the largest label + 1."""
    x, y = _read_csv(Path(path), label, classes)
    if test_path is not None:
        x_test, y_test = _read_csv(Path(test_path), label, classes)
    else:
        x, y, x_test, y_test = _split(x, y, test_fraction, seed)
    return _declared(from_arrays(f"csv:{path}", x, y, x_test, y_test), classes, num_classes)


def image_folder(
    path: str,
    size: Sequence[int] = (28, 28),
    grayscale: bool = True,
    test_path: str | None = None,
    test_fraction: float = 0.2,
    classes: Sequence[str] | None = None,
    seed: int = 0,
) -> Dataset:
    """One subfolder of images per class (its name the class; `classes` fixes their order and may name
    classes a party lacks; default: the sorted subfolder names), each image resized to `size` (height,
    width), grayscale or RGB, scaled to [0, 1]. Test images: `test_path`'s or a seeded `test_fraction`."""
    folder = Path(path)
    names = list(classes) if classes is not None else sorted(p.name for p in _subfolders(folder))
    x, y = _read_images(folder, names, tuple(size), grayscale)
    if test_path is not None:
        x_test, y_test = _read_images(Path(test_path), names, tuple(size), grayscale)
    else:
        x, y, x_test, y_test = _split(x, y, test_fraction, seed)
    return _declared(from_arrays(f"image-folder:{folder}", x, y, x_test, y_test), names, None)


def _read_csv(path: Path, label: str, classes: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        raise DatasetError(f"CSV file {path} not found")
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or label not in rows[0]:
        raise DatasetError(f"{path}: no column {label!r} in its header; name the label column with `label`")
    column = rows[0].index(label)
    features, labels = [], []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(rows[0]):
            raise DatasetError(f"{path}:{line}: {len(row)} cells, the header has {len(rows[0])}")
        labels.append(_label(row[column], classes, f"{path}:{line}"))
        try:
            features.append([float(cell) for i, cell in enumerate(row) if i != column])
        except ValueError as error:
            raise DatasetError(f"{path}:{line}: every feature must be a number: {error}") from None
    if not features:
        raise DatasetError(f"{path} has no data rows")
    return np.asarray(features, dtype=np.float32), np.asarray(labels, dtype=np.int64)


def _label(cell: str, classes: Sequence[str] | None, where: str) -> int:
    if classes is not None:
        if cell not in classes:
            raise DatasetError(f"{where}: label {cell!r} is not one of classes {list(classes)}")
        return list(classes).index(cell)
    try:
        return int(cell)
    except ValueError:
        raise DatasetError(
            f"{where}: label {cell!r} is not a class index: list the class names in `classes`"
        ) from None


def _subfolders(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise DatasetError(f"image folder {folder} not found: it holds one subfolder of images per class")
    return [p for p in folder.iterdir() if p.is_dir()]


def _read_images(
    folder: Path, classes: Sequence[str], size: tuple[int, int], grayscale: bool
) -> tuple[np.ndarray, np.ndarray]:
    from PIL import Image

    unknown = sorted(p.name for p in _subfolders(folder) if p.name not in classes)
    if unknown:
        raise DatasetError(f"{folder}: subfolders {unknown} are not among classes {list(classes)}")
    images, labels = [], []
    for label, name in enumerate(classes):
        files = sorted(p for p in (folder / name).glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        for file in files:
            with Image.open(file) as image:
                pixels = np.asarray(image.convert("L" if grayscale else "RGB").resize(size[::-1]))
            images.append(pixels[None] if grayscale else pixels.transpose(2, 0, 1))
            labels.append(label)
    if not images:
        raise DatasetError(f"{folder}: no images ({', '.join(IMAGE_SUFFIXES)}) in its class subfolders")
    return np.stack(images).astype(np.float32) / 255.0, np.asarray(labels, dtype=np.int64)


def _split(
    x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if not 0 < test_fraction < 1:
        raise DatasetError(f"test_fraction must lie in (0, 1), got {test_fraction}; or give test_path")
    order = np.random.default_rng([seed, 0x7E57]).permutation(len(y))
    cut = max(1, int(round(len(y) * test_fraction)))
    test, train = np.sort(order[:cut]), np.sort(order[cut:])
    return x[train], y[train], x[test], y[test]


def _declared(dataset: Dataset, classes: Sequence[str] | None, num_classes: int | None) -> Dataset:
    """The dataset with the label space its source declares (else the largest label + 1)."""
    declared = len(classes) if classes is not None else num_classes
    if declared is None:
        return dataset
    if declared < dataset.num_classes:
        raise DatasetError(f"{dataset.name}: labels up to {dataset.num_classes - 1}, but {declared} classes")
    return dataclasses.replace(dataset, num_classes=declared)
