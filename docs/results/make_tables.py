"""Print the markdown tables of docs/results/README.md from the grid CSVs.

python docs/results/make_tables.py docs/results/digits docs/results/fashion-mnist
"""

import csv
import sys
from pathlib import Path


def worst_case_table(folder: Path) -> str:
    rows = list(csv.reader((folder / "worst_case.csv").open()))
    header, body = rows[0], rows[1:]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in body:
        cells = [f"**{row[0]}**" if "softmax" in row[0] else row[0]]
        cells += [cell.replace(" (", "<br>(") for cell in row[1:]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cell_table(folder: Path, f: str, alpha: str) -> str:
    rows = list(csv.DictReader((folder / "cells.csv").open()))
    chosen = [r for r in rows if float(r["f"]) == float(f) and float(r["alpha"]) == float(alpha)]
    aggregators = [k for k in rows[0] if k not in ("f", "alpha", "attack")]
    lines = ["| aggregator | " + " | ".join(r["attack"] for r in chosen) + " | worst |",
             "|" + "---|" * (len(chosen) + 2)]
    for name in aggregators:
        values = [r[name] for r in chosen]
        numbers = [float(v) for v in values if v]
        worst = f"{min(numbers):.4f}" if numbers else ""
        lines.append(f"| {name} | " + " | ".join(values) + f" | {worst} |")
    return "\n".join(lines)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        folder = Path(name)
        print(f"### {folder.name}: worst case over attacks\n\n{worst_case_table(folder)}\n")
        hardest = cell_table(folder, "0.4", "0.1")
        print(f"### {folder.name}: f = 0.4, alpha = 0.1, every attack\n\n{hardest}\n")
