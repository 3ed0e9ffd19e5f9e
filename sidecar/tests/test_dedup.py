import torch

from sabfl.aggregators import DEFAULT_SOFTMAX_RULE
from sabfl.ml.data import load_dataset
from sabfl.sim.config import SimConfig
from sabfl.sim.dedup import first_copies
from sabfl.sim.runner import run_simulation


def test_the_first_of_identical_updates_is_kept():
    a, b, c = torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]), torch.tensor([-0.0, 0.0])
    keep = first_copies(torch.stack([a, b, a, c, b, torch.zeros(2)]))
    # -0.0 and 0.0 differ in their bytes, so the chain's hash tells them apart too.
    assert keep.tolist() == [True, True, False, True, False, True]


def test_attackers_sending_one_identical_update_count_once():
    # IPM's 8 attackers send the same −ε·mean: the rules see 12 honest updates and one forged update.
    config = SimConfig(byzantine=0.4, attack="ipm", rounds=1, aggregators=("krum", DEFAULT_SOFTMAX_RULE))
    result = run_simulation(config, progress=False, dataset=load_dataset("digits"))
    assert "got n=13, f=8" in result.skipped["krum"]
    assert list(result.accuracy) == [DEFAULT_SOFTMAX_RULE]
