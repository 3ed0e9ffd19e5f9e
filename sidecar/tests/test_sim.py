import csv
import dataclasses
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from sabfl.aggregators import DEFAULT_SOFTMAX_RULE
from sabfl.attacks.registry import make_participant_attack
from sabfl.ml.data import load_dataset
from sabfl.ml.train import train_many
from sabfl.sim.config import GridConfig, SimConfig, load_config, preset_path
from sabfl.sim.grid import finished_runs, run_grid
from sabfl.sim.grid_tables import write_grid
from sabfl.sim.runner import Simulation, run_simulation
from sabfl.sim.selection import select_over_grids

DIGITS = load_dataset("digits")


def test_softmax_beats_fedavg_under_sign_flipping():
    config = SimConfig(
        byzantine=0.4, attack="sf", alpha=0.5, rounds=10, aggregators=("fedavg", DEFAULT_SOFTMAX_RULE)
    )
    final = run_simulation(config, progress=False, dataset=DIGITS).final_accuracy
    assert final[DEFAULT_SOFTMAX_RULE] >= final["fedavg"] + 0.10


def test_runs_are_deterministic_under_a_seed():
    config = SimConfig(byzantine=0.2, attack="gaussian", rounds=2, aggregators=("median", "softmax_paper"))
    first = run_simulation(config, progress=False, dataset=DIGITS)
    second = run_simulation(config, progress=False, dataset=DIGITS)
    assert first.accuracy == second.accuracy


def test_a_rules_result_does_not_depend_on_the_other_rules_in_the_run():
    # Gaussian noise draws from the attackers' generator, random-score validators from theirs.
    base = SimConfig(byzantine=0.2, attack="gaussian", byzantine_validators=0.25, validator_attack="random")
    rules = ("fedavg", "softmax_paper")
    alone = [Simulation(dataclasses.replace(base, aggregators=(name,)), DIGITS) for name in rules]
    crowded = Simulation(dataclasses.replace(base, aggregators=("median", *rules)), DIGITS)
    for _ in range(2):
        for simulation in [*alone, crowded]:
            simulation.step()
    for simulation, name in zip(alone, rules, strict=True):
        assert torch.equal(simulation.params[0], crowded.params[list(crowded.aggregators).index(name)]), name


def test_reported_accuracy_is_the_mean_of_the_last_rounds_with_validation_beside_it():
    config = SimConfig(rounds=3, report_rounds=2, aggregators=("fedavg",))
    result = run_simulation(config, progress=False, dataset=DIGITS)
    accuracy, validation = result.accuracy["fedavg"], result.validation["fedavg"]
    assert result.test_accuracy["fedavg"] == pytest.approx(np.mean(accuracy[-2:]))
    assert result.validation_accuracy["fedavg"] == pytest.approx(np.mean(validation[-2:]))
    assert len(validation) == 3 and validation != accuracy
    split = Simulation(config, DIGITS).setup.split
    assert len(split.validation) == int(0.1 * (len(DIGITS.y_train) - 4 * 50))


def test_fltrusts_root_update_is_trained_on_every_validators_held_out_data():
    simulation = Simulation(SimConfig(aggregators=("fltrust",)), DIGITS)
    _, references, roots = simulation._train_round()
    trusted = np.concatenate(simulation.setup.split.validators)
    expected = train_many(
        simulation.setup.model,
        simulation.params,
        simulation.setup.x,
        simulation.setup.y_clean,
        [trusted],
        simulation.setup.train_config,
        [(0, 0, 20 + 4)],
    )
    assert len(trusted) == 4 * 50 and torch.equal(roots[0], expected[0])
    assert not any(torch.equal(roots[0], reference) for reference in references[0])


def test_non_finite_updates_never_reach_a_rule():
    config = SimConfig(byzantine=0.2, attack="nan", rounds=2, aggregators=("fedavg",))
    final = run_simulation(config, progress=False, dataset=DIGITS).final_accuracy
    assert final["fedavg"] > 0.3


def test_a_rule_whose_precondition_fails_after_non_finite_updates_are_dropped_is_not_applicable():
    # 8 of 20 send NaN/Inf: Krum built for n = 20, f = 8 is left 12 updates, fewer than 2f + 3.
    config = SimConfig(byzantine=0.4, attack="nan", rounds=2, aggregators=("krum", "bulyan", "median"))
    result = run_simulation(config, progress=False, dataset=DIGITS)
    assert set(result.skipped) == {"krum", "bulyan"} and "round 1" in result.skipped["krum"]
    assert list(result.accuracy) == ["median"] and len(result.accuracy["median"]) == 2


def record(attack, test, validation, skipped=None, seed=0):
    return {
        "f": 0.4,
        "alpha": 1.0,
        "attack": attack,
        "seed": seed,
        "test_accuracy": test,
        "validation_accuracy": validation,
        "skipped": skipped or {},
    }


def test_grid_marks_rules_that_could_not_run_as_not_applicable(tmp_path):
    grid = GridConfig(SimConfig(), attacks=("nan",), byzantine=(0.4,), alphas=(1.0,), seeds=(0,))
    skipped = {"krum": "round 1: krum: needs n > 2f + 2"}
    write_grid(grid, [record("nan", {"median": 0.8}, {"median": 0.7}, skipped)], tmp_path)
    cells = list(csv.DictReader((tmp_path / "cells.csv").open()))
    assert cells[0]["krum"] == "n/a" and cells[0]["median"] == "0.8000"
    not_applicable = list(csv.DictReader((tmp_path / "not_applicable.csv").open()))
    assert [(r["aggregator"], r["attack"]) for r in not_applicable] == [("krum", "nan")]
    worst = {row[0]: row[1] for row in csv.reader((tmp_path / "worst_case.csv").open())}
    assert worst["krum"] == "n/a" and worst["median"] == "0.8000 (nan)"


def test_grid_selects_rules_on_validation_accuracy_not_test(tmp_path):
    grid = GridConfig(SimConfig(), attacks=("sf", "lf"), byzantine=(0.4,), alphas=(1.0,), seeds=(0,))
    # softmax_paper wins on test, softmax_step on validation; fedavg's validation is best but it is not a
    # rule the chain runs, and median is not applicable under one attack. Centered clipping's family picks
    # its q25 variant on validation although q90 tests better.
    records = [
        record(
            "sf",
            {"softmax_paper": 0.9, "softmax_step": 0.8, "fedavg": 0.5, "median": 0.95},
            {"softmax_paper": 0.6, "softmax_step": 0.7, "fedavg": 0.75, "median": 0.99},
        ),
        record(
            "lf",
            {"softmax_paper": 0.85, "softmax_step": 0.8, "fedavg": 0.5},
            {"softmax_paper": 0.65, "softmax_step": 0.72, "fedavg": 0.8},
            {"median": "bulyan-like precondition"},
        ),
    ]
    for r, (q25, q90) in zip(records, [(0.6, 0.9), (0.62, 0.91)], strict=True):
        r["test_accuracy"] |= {"centered_clipping_q25": q25, "centered_clipping_q90": q90}
        r["validation_accuracy"] |= {"centered_clipping_q25": 0.7, "centered_clipping_q90": 0.6}
    write_grid(grid, records, tmp_path)
    rows = {(r["scope"], r["candidates"]): r for r in csv.DictReader((tmp_path / "selection.csv").open())}
    chosen = rows[("all cells", "softmax (on chain)")]
    fields = ("selected", "budget", "validation_worst_case", "test_worst_case")
    assert tuple(chosen[k] for k in fields) == ("softmax_step", "2", "0.7000", "0.8000")
    assert rows[("f=0.4 a=1", "all rules")]["selected"] == "fedavg"
    assert rows[("all cells", "centered_clipping")]["selected"] == "centered_clipping_q25"
    families = {r["family"]: r for r in csv.DictReader((tmp_path / "families.csv").open())}
    assert families["centered_clipping"]["f=0.4 a=1"] == "0.6000 (sf)"
    assert families["softmax (on chain)"]["selected"] == "softmax_step"
    assert "median" not in families, "not applicable under one attack: never selected"


def test_a_grid_resumes_without_rerunning_finished_cells(tmp_path):
    base = SimConfig(rounds=1, aggregators=("fedavg",))
    grid = GridConfig(base, attacks=("sf",), byzantine=(0.0,), alphas=(1.0,), seeds=(0,))
    finished = {**record("none", {"fedavg": 0.5}, {"fedavg": 0.4}), "f": 0.0}
    write_grid(grid, [finished], tmp_path)
    # Every cell is in runs/: nothing runs (a run would not give exactly 0.5), the tables are rebuilt.
    assert "0.5000" in run_grid(grid, tmp_path)
    assert finished_runs(grid, tmp_path) == [finished]
    with pytest.raises(ValueError, match="other base settings"):
        run_grid(dataclasses.replace(grid, base=dataclasses.replace(base, rounds=2)), tmp_path)


def test_a_rule_added_to_a_grid_runs_alone_in_its_finished_cells(tmp_path):
    base = SimConfig(rounds=1, participants=6, validators=2, aggregators=("fedavg",))
    grid = GridConfig(base, attacks=("sf",), byzantine=(0.0,), alphas=(1.0,), seeds=(0,))
    finished = {**record("none", {"fedavg": 0.5}, {"fedavg": 0.4}), "f": 0.0}
    write_grid(grid, [finished], tmp_path)
    wider = dataclasses.replace(grid, base=dataclasses.replace(base, aggregators=("fedavg", "median")))
    run_grid(wider, tmp_path)
    [merged] = finished_runs(wider, tmp_path)
    assert merged["test_accuracy"]["fedavg"] == 0.5, "the finished rule is not run again"
    alone = run_simulation(dataclasses.replace(wider.runs[0], aggregators=("median",)), progress=False)
    assert merged["test_accuracy"]["median"] == alone.test_accuracy["median"]


def test_byzantine_validators_are_outvoted():
    config = SimConfig(
        byzantine=0.2,
        attack="sf",
        rounds=4,
        validators=5,
        byzantine_validators=0.4,
        validator_attack="lie",
        aggregators=(DEFAULT_SOFTMAX_RULE,),
    )
    final = run_simulation(config, progress=False, dataset=DIGITS).final_accuracy
    assert final[DEFAULT_SOFTMAX_RULE] > 0.6


def test_rules_whose_precondition_fails_are_skipped():
    simulation = Simulation(SimConfig(byzantine=0.4, attack="sf", aggregators=("bulyan", "fedavg")), DIGITS)
    assert "bulyan" in simulation.skipped and list(simulation.aggregators) == ["fedavg"]
    assert simulation.setup.byzantine.sum() == 8


@pytest.mark.parametrize("name", ["paper", "paper-fmnist"])
def test_presets_expand_to_grids(name):
    grid = load_config(preset_path(name))
    assert isinstance(grid, GridConfig)
    attacks = {run.attack for run in grid.runs if run.byzantine > 0}
    assert attacks == {"lf", "sf", "gaussian", "scaling", "alie", "ipm", "minmax"}
    assert {run.attack for run in grid.runs if run.byzantine == 0} == {"none"}
    assert np.isclose(min(run.alpha for run in grid.runs), 0.1)


@pytest.mark.parametrize("name", ["honest", "honest-fmnist"])
def test_issue_11_presets_cover_every_attack_and_its_leaked_variant(name):
    grid = load_config(preset_path(name))
    attacks = {run.attack for run in grid.runs if run.byzantine > 0}
    old = {"lf", "sf", "gaussian", "scaling", "alie", "ipm", "minmax"}
    assert attacks == old | {"score_aware", "score_aware_own", "sybil", "backdoor"} | {
        f"{a}+leaked" for a in old
    }
    assert len(grid.seeds) >= 3 and grid.base.report_rounds == 5 and grid.base.validation_fraction > 0
    for attack in attacks:
        assert make_participant_attack(attack, 20, 8).name == attack


def test_grid_summary_gives_spreads_the_worst_attack_clean_ratio_backdoor_success_and_the_defaults_losses(
    tmp_path,
):
    grid = GridConfig(
        SimConfig(), attacks=("sf", "backdoor"), byzantine=(0.0, 0.4), alphas=(1.0,), seeds=(0, 1)
    )
    default = DEFAULT_SOFTMAX_RULE
    per_seed = {  # (attack, f): ({rule: test accuracy per seed}, backdoor success per seed)
        ("none", 0.0): {default: [0.90, 0.92], "fedavg": [0.95, 0.95], "fltrust": [0.93, 0.93]},
        ("sf", 0.4): {default: [0.80, 0.84], "fedavg": [0.30, 0.50], "fltrust": [0.70, 0.70]},
        ("backdoor", 0.4): {default: [0.85, 0.85], "fedavg": [0.60, 0.60], "fltrust": [0.88, 0.90]},
        ("sf+leaked", 0.4): {default: [0.70, 0.70], "fedavg": [0.45, 0.45], "fltrust": [0.65, 0.65]},
    }
    success = {default: [0.5, 0.7], "fedavg": [1.0, 1.0], "fltrust": [0.0, 0.1]}
    records = []
    for (attack, f), rules in per_seed.items():
        for seed in (0, 1):
            r = record(attack, {n: v[seed] for n, v in rules.items()}, {n: v[seed] for n, v in rules.items()})
            r |= {"f": f, "seed": seed}
            if attack == "backdoor":
                r["attack_success_rate"] = {n: v[seed] for n, v in success.items()}
                r["skipped"] = {"krum": "krum: needs n > 2f + 2"}
            records.append(r)
    write_grid(grid, records, tmp_path)
    summary = (tmp_path / "summary.md").read_text()
    rows = {line.split(" | ")[1]: line.split(" | ") for line in summary.splitlines() if line.startswith("| ")}
    # The worst attack is the lowest mean (sf+leaked for the default; sf, 0.82 ± 0.02, among the attacks not
    # told the validators' data); clean ÷ FedAvg's clean 0.95.
    assert rows[default][2:6] == ["0.700 ± 0.000", "sf+leaked", "0.820 ± 0.020", "sf"]
    assert rows[default][6:9] == ["0.910 ± 0.010", "0.958", "0.600 ± 0.100 |"]
    assert rows["fedavg"][2:6] == ["0.400 ± 0.100", "sf", "0.400 ± 0.100", "sf"]
    # FLTrust beats the default under the backdoor (0.89 vs 0.85, beyond both spreads) but not under sf;
    # clean, FedAvg and FLTrust both do.
    assert "applies under every attack (not_applicable.csv): multikrum." in summary
    losses = summary.split("## Where the default loses")[1]
    assert "| 0.4 | 1 | backdoor | 0.850 ± 0.000 | fltrust | 0.890 ± 0.010 | 0.040 | yes | 1 |" in losses
    assert "| 0 | 1 | none | 0.910 ± 0.010 | fedavg | 0.950 ± 0.000 | 0.040 | yes | 2 |" in losses
    assert " sf " not in losses and "2 of 4 cells, 2 of them" in losses


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


def test_a_terminated_grid_takes_its_workers_down(tmp_path):
    config = tmp_path / "grid.yaml"
    config.write_text(
        "name: long\nbase: {dataset: digits, rounds: 500, aggregators: fedavg}\n"
        "grid: {attacks: [sf], byzantine: [0.2], alphas: [1.0], seeds: [0, 1]}\n"
    )
    command = [
        sys.executable,
        "-m",
        "sabfl.cli",
        "sim",
        "--config",
        str(config),
        "--out",
        str(tmp_path / "out"),
    ]
    grid = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (workers := [p for p in _children(grid.pid) if "spawn_main" in _command_line(p)]):
        assert time.monotonic() < deadline and grid.poll() is None, "the grid started no worker"
        time.sleep(0.2)
    time.sleep(1.0)  # the worker is inside its run
    grid.terminate()
    assert grid.wait(timeout=30) != 0
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{p}").exists() for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(Path(f"/proc/{p}").exists() for p in workers), "a worker outlived its grid"


def test_rules_are_selected_on_validation_over_every_grid_at_once(tmp_path):
    grid = GridConfig(SimConfig(), attacks=("sf",), byzantine=(0.4,), alphas=(1.0,), seeds=(0,))
    # softmax_step has the best validation on digits but the worst on the other grid; softmax_paper's
    # minimum over both grids is higher. median is n/a in the second grid: not eligible anywhere.
    validation = {
        "digits": {"softmax_step": 0.9, "softmax_paper": 0.8, "median": 0.95},
        "other": {"softmax_step": 0.5, "softmax_paper": 0.7},
    }
    for name, values in validation.items():
        skipped = {"median": "precondition"} if name == "other" else {}
        test = {rule: value - 0.01 for rule, value in values.items()}
        (tmp_path / name).mkdir()
        write_grid(grid, [record("sf", test, values, skipped)], tmp_path / name)
    text = select_over_grids([tmp_path / "digits", tmp_path / "other"], tmp_path)
    rows = {r["family"]: r for r in csv.DictReader((tmp_path / "selection_over_grids.csv").open())}
    chosen = rows["softmax (on chain)"]
    assert (chosen["selected"], chosen["validation_worst_case"]) == ("softmax_paper", "0.7000")
    assert (chosen["digits_test_worst_case"], chosen["other_test_worst_case"]) == ("0.7900", "0.6900")
    assert rows["all rules"]["selected"] == "softmax_paper"
    assert "median" not in rows and "every grid: median" in text
