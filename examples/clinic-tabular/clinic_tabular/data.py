"""A clinic's own records: what `{loader: {entry_point: "clinic_tabular.data:clinic_records", ...}, path:
...}` in a party's data source loads."""

from __future__ import annotations

import dataclasses

import numpy as np

from sabfl.ml.data import Dataset
from sabfl.ml.loaders import csv_table

CLASSES = ("malignant", "benign")


def clinic_records(path: str, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """A clinic's CSV of tumour measurements (30 non-negative features, `export.FEATURES`) with its
    `diagnosis` column (malignant or benign). Each feature becomes log(1 + x), standardised by the
    clinic's own training rows (a consortium may agree on shared statistics instead).

    A loader returns a sabfl Dataset; its input shape ([1, 1, 30]) and label space (2 classes, declared
    even when a clinic saw only one) are checked against the task's before the clinic joins.
    """
    data = csv_table(path, label="diagnosis", classes=CLASSES, test_fraction=test_fraction, seed=seed)
    if (data.x_train < 0).any() or (data.x_test < 0).any():
        raise ValueError(f"{path}: measurements must be non-negative")
    x_train, x_test = np.log1p(data.x_train), np.log1p(data.x_test)
    center, scale = x_train.mean(axis=0), x_train.std(axis=0) + 1e-6
    return dataclasses.replace(data, x_train=(x_train - center) / scale, x_test=(x_test - center) / scale)
