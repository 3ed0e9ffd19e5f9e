import numpy as np
import pytest
import torch

from sabfl.aggregators import DEFAULT_SOFTMAX_RULE
from sabfl.attacks.backdoor import apply_trigger
from sabfl.attacks.context import AttackContext, camouflage
from sabfl.attacks.registry import make_participant_attack
from sabfl.ml.data import load_dataset
from sabfl.sim.config import SimConfig
from sabfl.sim.dedup import first_copies
from sabfl.sim.runner import Simulation, run_simulation
from sabfl.sim.setup import TaskSetup

DIGITS = load_dataset("digits")
GENERATOR = torch.Generator().manual_seed(0)
HONEST = torch.randn(12, 50, generator=GENERATOR)
OWN = torch.randn(8, 50, generator=GENERATOR)


def round_context(attack: str) -> tuple[Simulation, torch.Tensor, AttackContext]:
    """The first round of a run as its attackers see it: honest updates and the context."""
    simulation = Simulation(
        SimConfig(byzantine=0.4, attack=attack, aggregators=(DEFAULT_SOFTMAX_RULE,)), DIGITS
    )
    participants, references, _ = simulation._train_round()
    rule = simulation.aggregators[DEFAULT_SOFTMAX_RULE]
    context = simulation._attack_context(rule, 0, references[0], participants[0])
    return simulation, participants[0], context


def test_attacks_that_need_the_validators_data_refuse_to_forge_without_it():
    for name in ("score_aware", "alie+leaked"):
        with pytest.raises(ValueError, match="AttackContext"):
            make_participant_attack(name, 20, 8).forge(OWN, HONEST, GENERATOR)


def test_score_aware_updates_score_among_the_honest_ones_and_survive_de_duplication():
    simulation, updates, context = round_context("score_aware")
    bad = torch.from_numpy(simulation.setup.byzantine)
    honest = updates[~bad]
    forged = simulation.setup.attack.forge(updates[bad], honest, torch.Generator().manual_seed(0), context)
    losses = context.estimated_losses(torch.cat([honest, forged]))
    assert losses[len(honest) :].max() <= np.median(losses[: len(honest)]) + 1e-3
    # It moves away from the honest mean, and each attacker's copy is a distinct update on chain.
    assert (forged.mean(0) - honest.mean(0)).norm() > 0.1 * honest.mean(0).norm()
    assert bool(first_copies(forged).all())


def test_score_aware_without_the_validators_data_estimates_scores_on_the_attackers_own():
    simulation, updates, context = round_context("score_aware_own")
    attackers = np.flatnonzero(simulation.setup.byzantine)[:4]
    assert len(context.heldout) == 4
    for (x, _), reference, i in zip(context.heldout, context.references, attackers, strict=True):
        assert torch.equal(x, simulation.setup.x[simulation.setup.split.participants[i]])
        assert torch.equal(reference, updates[i])
    bad = torch.from_numpy(simulation.setup.byzantine)
    attack = simulation.setup.attack
    forged = attack.forge(updates[bad], updates[~bad], torch.Generator().manual_seed(0), context)
    losses = context.estimated_losses(torch.cat([updates[~bad], forged]))
    assert losses[-len(forged) :].max() <= np.median(losses[: int((~bad).sum())]) + 1e-3


def test_leaked_variant_pulls_a_detectable_attack_back_among_the_honest_scores():
    simulation, updates, context = round_context("sf+leaked")
    bad = torch.from_numpy(simulation.setup.byzantine)
    honest = updates[~bad]
    plain = make_participant_attack("sf", 20, 8).forge(updates[bad], honest, GENERATOR)
    leaked = simulation.setup.attack.forge(updates[bad], honest, GENERATOR, context)
    threshold = np.median(context.estimated_losses(honest))
    assert context.estimated_losses(plain).min() > threshold
    assert context.estimated_losses(leaked).max() <= threshold + 1e-3
    assert simulation.setup.attack.name == "sf+leaked"


def test_camouflage_looking_ahead_finds_the_one_step_bisections_gamma():
    simulation, updates, context = round_context("sf+leaked")
    bad = torch.from_numpy(simulation.setup.byzantine)
    honest = updates[~bad]
    # Targets on both sides of the threshold: some pass at γ = max, the others need the bisection.
    mean = honest.mean(0)
    targets = torch.cat([-4 * updates[bad], mean[None]])
    one_step = camouflage(context, honest, targets, 1.0, lookahead=1)
    looking_ahead = camouflage(context, honest, targets, 1.0, lookahead=4)
    assert torch.equal(one_step, looking_ahead)
    assert torch.equal(one_step[-1], mean + 1.0 * (targets[-1] - mean))
    assert (one_step[:-1] - targets[:-1]).norm(dim=1).min() > 0.1 * targets[0].norm()
    alone = torch.stack([camouflage(context, honest, row[None], 1.0, iterations=7)[0] for row in targets])
    assert torch.equal(alone, camouflage(context, honest, targets, 1.0, iterations=7, lookahead=3))


def test_sybils_are_distinct_near_copies_of_one_malicious_update():
    forged = make_participant_attack("sybil", 20, 8).forge(OWN, HONEST, GENERATOR)
    malicious = -OWN.mean(0)
    assert bool(first_copies(forged).all())
    assert float((forged - malicious).norm(dim=1).max()) < 0.05 * float(malicious.norm())


def test_backdoor_stamps_half_its_images_and_boosts_its_update():
    attack = make_participant_attack("backdoor", 20, 4)
    images = np.zeros((4, 1, 8, 8), dtype=np.float32)
    poisoned, labels = attack.poison(images, np.array([3, 4, 5, 6]), 10)
    np.testing.assert_array_equal(labels, [0, 4, 0, 6])
    assert poisoned[0, 0, -2:, -2:].min() == 1.0 and poisoned[1].max() == 0.0 and images.max() == 0.0
    assert apply_trigger(images).sum() == 4 * 4
    torch.testing.assert_close(attack.forge(OWN, HONEST, GENERATOR), OWN * 5)


def test_backdoor_success_is_reported_per_rule():
    config = SimConfig(byzantine=0.2, attack="backdoor", rounds=3, aggregators=("fedavg", "median"))
    result = run_simulation(config, progress=False, dataset=DIGITS)
    success = result.attack_success_rate
    assert set(success) == {"fedavg", "median"} and len(result.attack_success["fedavg"]) == 3
    # Boosted model replacement plants the trigger under FedAvg; the median resists it.
    assert success["fedavg"] > 0.5 and success["median"] < success["fedavg"]
    assert result.to_json()["attack_success_rate"] == success


def test_backdoor_success_is_measured_for_its_leaked_variant_too():
    def measures(attack: str, byzantine: float = 0.2) -> bool:
        config = SimConfig(byzantine=byzantine, attack=attack)
        return TaskSetup.build(config, DIGITS).triggered is not None

    assert measures("backdoor") and measures("backdoor+leaked")
    assert not measures("sf") and not measures("backdoor", byzantine=0.0)
