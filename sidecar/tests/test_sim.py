import numpy as np
import pytest

from sabfl.aggregators import DEFAULT_SOFTMAX_RULE
from sabfl.ml.data import load_dataset
from sabfl.sim.config import GridConfig, SimConfig, load_config, preset_path
from sabfl.sim.runner import Simulation, run_simulation

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


def test_non_finite_updates_never_reach_a_rule():
    config = SimConfig(byzantine=0.2, attack="nan", rounds=2, aggregators=("fedavg",))
    final = run_simulation(config, progress=False, dataset=DIGITS).final_accuracy
    assert final["fedavg"] > 0.3


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
    assert simulation.byzantine.sum() == 8


@pytest.mark.parametrize("name", ["paper", "paper-fmnist"])
def test_presets_expand_to_grids(name):
    grid = load_config(preset_path(name))
    assert isinstance(grid, GridConfig)
    attacks = {run.attack for run in grid.runs if run.byzantine > 0}
    assert attacks == {"lf", "sf", "gaussian", "scaling", "alie", "ipm", "minmax"}
    assert {run.attack for run in grid.runs if run.byzantine == 0} == {"none"}
    assert np.isclose(min(run.alpha for run in grid.runs), 0.1)
