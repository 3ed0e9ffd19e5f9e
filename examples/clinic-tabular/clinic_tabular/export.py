"""`python -m clinic_tabular.export OUT --clinics 4`: sample records to try the example with — the
Wisconsin breast cancer data bundled with scikit-learn (569 tumours, no download), split across clinics
as one CSV each (`clinic<i>.csv`) plus all of them (`all.csv`)."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer

from clinic_tabular.data import CLASSES


def export(out: Path, clinics: int, seed: int = 0) -> list[Path]:
    """Write the records as CSVs under `out`; returns the clinics' files (all.csv last)."""
    bunch = load_breast_cancer()
    header = [name.replace(" ", "_") for name in bunch.feature_names] + ["diagnosis"]
    rows = [[f"{v:g}" for v in x] + [CLASSES[y]] for x, y in zip(bunch.data, bunch.target, strict=True)]
    order = np.random.default_rng(seed).permutation(len(rows))
    out.mkdir(parents=True, exist_ok=True)
    parts = [(out / f"clinic{i}.csv", part) for i, part in enumerate(np.array_split(order, clinics))]
    written = []
    for path, indices in [*parts, (out / "all.csv", order)]:
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows[i] for i in indices)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--clinics", type=int, default=4)
    args = parser.parse_args()
    for path in export(args.out, args.clinics):
        print(path)


if __name__ == "__main__":
    main()
