import numpy as np
import torch

from sabfl.ml.evaluate import evaluate_many
from sabfl.ml.models import build_model, flatten_params
from sabfl.ml.train import TrainConfig, batch_schedule, local_train, train_many


def toy_data(n=200, seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 2, 2, generator=generator)
    y = (x.flatten(1).sum(1) > 0).long()
    return x, y


def test_local_training_reduces_loss_and_returns_delta():
    x, y = toy_data()
    model = build_model("logreg", (1, 2, 2), 2)
    start = flatten_params(model)
    delta = local_train(model, start, x, y, TrainConfig(epochs=3, batch_size=16, lr=0.5), seed=(0,))
    before, after = evaluate_many(model, torch.stack([start, start + delta]), x, y, 2).loss
    assert after < before * 0.7


def test_training_is_deterministic_and_seeded():
    x, y = toy_data()
    model = build_model("mlp", (1, 2, 2), 2)
    start = flatten_params(model)
    config = TrainConfig(epochs=1, batch_size=8, lr=0.1)
    a = local_train(model, start, x, y, config, seed=(1, 2))
    b = local_train(model, start, x, y, config, seed=(1, 2))
    c = local_train(model, start, x, y, config, seed=(1, 3))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_stacked_training_matches_one_at_a_time():
    x, y = toy_data()
    model = build_model("logreg", (1, 2, 2), 2)
    start = flatten_params(model)
    config = TrainConfig(epochs=2, batch_size=16, lr=0.3)
    sets = [np.arange(0, 40), np.arange(40, 200)]  # different lengths: the short one gets padded steps
    stacked = train_many(model, torch.stack([start, start]), x, y, sets, config, [(0,), (1,)])
    alone = local_train(model, start, x[:40], y[:40], config, seed=(0,))
    # The same bits: the short model sits out the long one's extra steps instead of taking masked ones.
    assert torch.equal(stacked[0], alone)


def test_schedule_covers_every_sample_each_epoch():
    index, mask = batch_schedule([np.arange(10)], TrainConfig(epochs=2, batch_size=4), [(0,)])
    assert index.shape == (1, 6, 4)
    used = index[0][mask[0] > 0]
    assert sorted(used.tolist()) == sorted(list(range(10)) * 2)
