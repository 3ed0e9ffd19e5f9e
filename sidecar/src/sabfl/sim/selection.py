"""Each rule family's choice on validation over several finished grids (datasets) at once, so the chain's
default is chosen over every dataset measured rather than the one it happens to win on."""

from __future__ import annotations

import json
from pathlib import Path

from sabfl.aggregators import DEFAULT_SOFTMAX_RULE
from sabfl.aggregators.tuning import families
from sabfl.sim.grid_tables import CellMeans, cell_means, fmt, worst_over, write_csv


def grid_records(folder: Path) -> list[dict]:
    """Every run a grid folder holds (its ``runs/*.json``)."""
    paths = sorted((folder / "runs").glob("*.json"))
    if not paths:
        raise ValueError(f"{folder} holds no grid runs (runs/*.json)")
    return [record for path in paths for record in json.loads(path.read_text())["runs"]]


def select_over_grids(folders: list[Path], out: Path) -> str:
    """selection_over_grids.csv in ``out``: per family (and among all rules) the rule with the best
    validation worst case over all cells of every grid (the minimum over the grids), with its validation
    and test worst case in each grid; a rule must apply under every attack of every grid. Returns the
    table as text, naming the on-chain family's choice beside the chain's default."""
    means: dict[str, tuple[CellMeans, CellMeans]] = {}
    for folder in folders:
        records = grid_records(folder)
        means[folder.name] = (
            cell_means(records, "validation_accuracy"),
            cell_means(records, "test_accuracy"),
        )
    # The rules every grid ran (a rule n/a in some cell is still a rule the grid ran).
    ran = [
        {name for rules in test.values.values() for name in rules} | {m[3] for m in test.missing}
        for _, test in means.values()
    ]
    aggregators = sorted(set.intersection(*ran))
    rows, unplaced = [], []
    for kind, candidates in [*families(aggregators, []).items(), ("all rules", aggregators)]:
        scored = {}
        for name in candidates:
            worst = [worst_over(v, v.columns(), name) for v, _ in means.values()]
            if all(w is not None for w in worst):
                scored[name] = min(worst)
        if not scored:
            unplaced.append(kind)
            continue
        chosen = max(scored, key=scored.get)
        per_grid = []
        for validation, test in means.values():
            per_grid += [fmt(worst_over(validation, validation.columns(), chosen))]
            per_grid += [fmt(worst_over(test, test.columns(), chosen))]
        rows.append([kind, len(candidates), chosen, fmt(scored[chosen]), *per_grid])
    header = ["family", "budget", "selected", "validation_worst_case"]
    header += [f"{grid}_{split}_worst_case" for grid in means for split in ("validation", "test")]
    write_csv(out / "selection_over_grids.csv", header, rows)
    lines = [", ".join(header)] + [", ".join(str(c) for c in row) for row in rows]
    if unplaced:
        lines.append(f"no rule applies under every attack of every grid: {', '.join(unplaced)}")
    lines.append(f"the chain's default rule: {DEFAULT_SOFTMAX_RULE}")
    return "\n".join(lines)
