"""A grid's files: every run, means over seeds per cell (test and validation), worst cases over attacks,
which rule could not run where, and the rule selected on validation accuracy."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from sabfl.aggregators.tuning import families
from sabfl.sim.config import GridConfig
from sabfl.sim.grid_summary import Cell, write_summary
from sabfl.sim.plots import plot_heatmap

# A rule whose precondition failed (e.g. Bulyan at f = 0.4n, Krum after non-finite updates were dropped).
NOT_APPLICABLE = "n/a"

Column = tuple[float, float]  # (f, α)


@dataclasses.dataclass
class CellMeans:
    """Mean over seeds of one metric per cell and rule; ``missing`` holds (f, α, attack, rule) where the
    rule was not applicable in some seed's run (such a cell is "n/a", never a partial mean)."""

    values: dict[Cell, dict[str, float]]
    missing: set[tuple]

    def get(self, cell: Cell, name: str) -> float | None:
        return None if (*cell, name) in self.missing else self.values.get(cell, {}).get(name)

    def columns(self) -> list[Column]:
        return sorted({(f, alpha) for f, alpha, _ in self.values}, key=lambda c: (c[0], -c[1]))

    def worst(self, column: Column, name: str) -> tuple[float, str] | None:
        """Minimum over the column's attacks where the rule applies, with that attack."""
        scored = {
            cell[2]: value
            for cell in self.values
            if cell[:2] == column and (value := self.get(cell, name)) is not None
        }
        if not scored:
            return None
        attack = min(scored, key=scored.get)
        return scored[attack], attack

    def applies_everywhere(self, column: Column, name: str) -> bool:
        return all(self.get(cell, name) is not None for cell in self.values if cell[:2] == column)


def cell_means(records: list[dict], metric: str) -> CellMeans:
    per_cell: dict[Cell, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    missing: set[tuple] = set()
    for r in records:
        cell = (r["f"], r["alpha"], r["attack"])
        for name, value in r[metric].items():
            per_cell[cell][name].append(value)
        missing.update((*cell, name) for name in r["skipped"])
    values = {
        cell: {name: float(np.mean(v)) for name, v in rules.items()} for cell, rules in per_cell.items()
    }
    return CellMeans(values, missing)


def write_grid(grid: GridConfig, records: list[dict], out: Path) -> str:
    """runs/ and runs.csv (every run), cells.csv and cells_validation.csv (mean over seeds), worst_case.csv
    (min over the attacks where the rule applies), not_applicable.csv, selection.csv, families.csv,
    summary.md (the headline tables with spreads over seeds), the heatmap, and for backdoor runs
    attack_success.csv (mean attack success rate over seeds)."""
    write_runs(grid, records, out)
    aggregators = list(dict.fromkeys(name for r in records for name in [*r["test_accuracy"], *r["skipped"]]))
    write_csv(
        out / "runs.csv",
        ["f", "alpha", "attack", "seed", *aggregators],
        (
            [r["f"], r["alpha"], r["attack"], r["seed"]]
            + [_cell(r["test_accuracy"].get(a), a in r["skipped"]) for a in aggregators]
            for r in records
        ),
    )
    write_csv(
        out / "not_applicable.csv",
        ["f", "alpha", "attack", "seed", "aggregator", "reason"],
        (
            [r["f"], r["alpha"], r["attack"], r["seed"], name, why]
            for r in records
            for name, why in r["skipped"].items()
        ),
    )
    test, validation = cell_means(records, "test_accuracy"), cell_means(records, "validation_accuracy")
    _write_cells(out / "cells.csv", test, aggregators)
    _write_cells(out / "cells_validation.csv", validation, aggregators)
    backdoored = [r for r in records if r.get("attack_success_rate")]
    if backdoored:
        _write_cells(out / "attack_success.csv", cell_means(backdoored, "attack_success_rate"), aggregators)
    columns = test.columns()
    labels = [f"f={f} a={alpha:g}" for f, alpha in columns]
    worst = np.full((len(aggregators), len(columns)), np.nan)
    rows = []
    for r, name in enumerate(aggregators):
        row = [name]
        for c, column in enumerate(columns):
            found = test.worst(column, name)
            if found is not None:
                worst[r, c] = found[0]
            row.append(f"{fmt(found[0])} ({found[1]})" if found else NOT_APPLICABLE)
        rows.append(row)
    write_csv(out / "worst_case.csv", ["aggregator", *labels], rows)
    chosen = write_selection(grid, aggregators, test, validation, out)
    groups = families(aggregators, list(grid.base.softmax_rules))
    unplaced = [family for family in groups if family not in chosen]
    write_summary(records, chosen, unplaced, len(grid.seeds), out)
    plot_heatmap(
        worst,
        aggregators,
        labels,
        out / "worst_case_heatmap.png",
        title=f"{grid.name}: worst-case test accuracy over attacks (mean of {len(grid.seeds)} seeds)",
    )
    return format_worst_case(aggregators, labels, worst)


def write_runs(grid: GridConfig, records: list[dict], out: Path) -> None:
    """Every run's record, one compact JSON file per (f, α) column under ``out/runs/`` (each stays small
    as a grid grows), with the grid's base settings in each; an older single ``runs.json`` is replaced."""
    columns: dict[Column, list[dict]] = defaultdict(list)
    for record in records:
        columns[(record["f"], record["alpha"])].append(record)
    folder = out / "runs"
    folder.mkdir(exist_ok=True)
    base = dataclasses.asdict(grid.base)
    for (f, alpha), runs in columns.items():
        path = folder / f"f{f:g}_a{alpha:g}.json"
        path.write_text(json.dumps({"base": base, "runs": runs}, separators=(",", ":")) + "\n")
    (out / "runs.json").unlink(missing_ok=True)


def write_selection(
    grid: GridConfig, aggregators: list[str], test: CellMeans, validation: CellMeans, out: Path
) -> dict[str, str]:
    """selection.csv: per (f, α) column and over all columns, the rule with the best worst case over attacks
    of its *validation* accuracy within each rule family (the same tuning budget for every family:
    sabfl.aggregators.tuning; the softmax family is what the chain can run) and among all rules, with its
    test worst case beside it. families.csv: each family's rule chosen over all columns, with its test
    worst case (and the attack) per column. A rule not applicable under some attack of the scope is not
    eligible. Returns each family's rule chosen over all columns."""
    groups = families(aggregators, list(grid.base.softmax_rules))
    columns = test.columns()
    scopes = [([column], f"f={column[0]} a={column[1]:g}") for column in columns] + [(columns, "all cells")]
    rows = []
    chosen_overall: dict[str, str] = {}
    for scope, label in scopes:
        for kind, candidates in [*groups.items(), ("all rules", aggregators)]:
            chosen = _select(candidates, scope, validation)
            if chosen is None:
                continue
            name, validation_worst = chosen
            tested = [test.worst(column, name) for column in scope]
            test_worst = min(w[0] for w in tested if w is not None)
            rows.append([label, kind, len(candidates), name, fmt(validation_worst), fmt(test_worst)])
            if label == "all cells" and kind in groups:
                chosen_overall[kind] = name
    header = ["scope", "candidates", "budget", "selected", "validation_worst_case", "test_worst_case"]
    write_csv(out / "selection.csv", header, rows)
    labels = [f"f={f} a={alpha:g}" for f, alpha in columns]
    family_rows = []
    for family, name in chosen_overall.items():
        worst = [test.worst(column, name) for column in columns]
        cells = [f"{fmt(w[0])} ({w[1]})" if w else NOT_APPLICABLE for w in worst]
        family_rows.append([family, len(groups[family]), name, *cells])
    write_csv(out / "families.csv", ["family", "budget", "selected", *labels], family_rows)
    return chosen_overall


def worst_over(means: CellMeans, scope: list[Column], name: str) -> float | None:
    """The rule's worst case over every attack of the scope's columns; None unless it applies under all."""
    if not all(means.applies_everywhere(column, name) for column in scope):
        return None
    worst = [means.worst(column, name) for column in scope]
    return min(w[0] for w in worst) if all(w is not None for w in worst) else None


def _select(candidates: list[str], scope: list[Column], validation: CellMeans) -> tuple[str, float] | None:
    """The candidate with the best validation worst case over the scope's columns and attacks, and that
    worst case; None when no candidate applies under every attack of the scope."""
    scored = {name: w for name in candidates if (w := worst_over(validation, scope, name)) is not None}
    if not scored:
        return None
    chosen = max(scored, key=scored.get)
    return chosen, scored[chosen]


def format_worst_case(aggregators: list[str], labels: list[str], worst: np.ndarray) -> str:
    width = max((len(label) for label in labels), default=8) + 2
    lines = [
        "worst-case test accuracy over attacks (mean over seeds of the last rounds' mean)",
        f"{'aggregator':<24}" + "".join(f"{label:>{width}}" for label in labels),
    ]
    lines += [
        f"{name:<24}" + "".join(f"{fmt(v) or NOT_APPLICABLE:>{width}}" for v in row)
        for name, row in zip(aggregators, worst, strict=True)
    ]
    return "\n".join(lines)


def _write_cells(path: Path, means: CellMeans, aggregators: list[str]) -> None:
    cells = sorted(means.values, key=lambda c: (c[0], -c[1], c[2]))
    rows = (
        [*cell, *(_cell(means.get(cell, a), (*cell, a) in means.missing) for a in aggregators)]
        for cell in cells
    )
    write_csv(path, ["f", "alpha", "attack", *aggregators], rows)


def write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _cell(value: float | None, skipped: bool) -> str:
    """A CSV cell: the accuracy, or "n/a" where the rule's precondition failed."""
    return NOT_APPLICABLE if skipped else fmt(value)


def fmt(value: float | None) -> str:
    return "" if value is None or not np.isfinite(value) else f"{value:.4f}"
