"""Print the markdown tables of docs/results/README.md from the grid CSVs.

python docs/results/make_tables.py docs/results/digits docs/results/fashion-mnist

"n/a" marks a rule whose precondition failed (e.g. Bulyan at f = 0.4, Krum once non-finite or duplicate
updates are dropped); it is shown as such and never counted in a worst case.
"""

import csv
import sys
from pathlib import Path

NOT_APPLICABLE = "n/a"


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def rule_name(name: str) -> str:
    return f"**{name}**" if "softmax" in name else name


def worst_case_table(folder: Path) -> str:
    rows = list(csv.reader((folder / "worst_case.csv").open()))
    header, body = rows[0], rows[1:]
    return markdown(
        header, [[rule_name(row[0]), *(c.replace(" (", "<br>(") for c in row[1:])] for row in body]
    )


def extreme(values: list[str], pick=min) -> str:
    """The worst cell of a row: the lowest accuracy (``pick=min``) or the highest attack success (max)."""
    numbers = [float(v) for v in values if v and v != NOT_APPLICABLE]
    if numbers:
        return f"{pick(numbers):.4f}" + (" (some n/a)" if NOT_APPLICABLE in values else "")
    return NOT_APPLICABLE if NOT_APPLICABLE in values else ""


def cell_table(path: Path, f: str, alpha: str, pick=min) -> str:
    rows = list(csv.DictReader(path.open()))
    chosen = [r for r in rows if float(r["f"]) == float(f) and float(r["alpha"]) == float(alpha)]
    aggregators = [k for k in rows[0] if k not in ("f", "alpha", "attack")]
    body = [
        [rule_name(name), *(r[name] for r in chosen), extreme([r[name] for r in chosen], pick)]
        for name in aggregators
    ]
    return markdown(["aggregator", *(r["attack"] for r in chosen), "worst"], body)


def selection_table(folder: Path) -> str:
    rows = list(csv.reader((folder / "selection.csv").open()))
    return markdown(rows[0], rows[1:])


if __name__ == "__main__":
    for name in sys.argv[1:]:
        folder = Path(name)
        print(f"### {folder.name}: worst case over attacks (test accuracy)\n\n{worst_case_table(folder)}\n")
        hardest = cell_table(folder / "cells.csv", "0.4", "0.1")
        print(f"### {folder.name}: f = 0.4, alpha = 0.1, every attack\n\n{hardest}\n")
        if (folder / "selection.csv").is_file():
            print(f"### {folder.name}: rules selected on validation accuracy\n\n{selection_table(folder)}\n")
        if (folder / "attack_success.csv").is_file():
            success = cell_table(folder / "attack_success.csv", "0.4", "0.1", pick=max)
            print(f"### {folder.name}: backdoor attack success rate, f = 0.4, alpha = 0.1\n\n{success}\n")
