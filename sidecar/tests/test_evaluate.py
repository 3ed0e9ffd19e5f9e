import torch

from sabfl.ml.evaluate import evaluate_many
from sabfl.ml.models import build_model, flatten_params


def test_batched_matches_single_model_loop():
    model = build_model("cnn", (1, 8, 8), 3)
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(30, 1, 8, 8, generator=generator)
    y = torch.randint(0, 3, (30,), generator=generator)
    base = flatten_params(model)
    params = base + 0.1 * torch.randn(5, base.numel(), generator=generator)
    batched = evaluate_many(model, params, x, y, 3)
    for m in range(5):
        single = evaluate_many(model, params[m : m + 1], x, y, 3)
        torch.testing.assert_close(batched.loss[m], single.loss[0])
    assert batched.accuracy.shape == (5,)


def test_balanced_loss_weights_classes_equally():
    model = build_model("logreg", (1, 1, 1), 2)
    # w = 0, bias favours class 0: class-0 samples have low loss, class-1 high.
    params = torch.tensor([[0.0, 0.0, 2.0, 0.0]])
    x = torch.zeros(4, 1, 1, 1)
    y = torch.tensor([0, 0, 0, 1])
    result = evaluate_many(model, params, x, y, 2)
    per_class = torch.nn.functional.cross_entropy(
        torch.tensor([[2.0, 0.0]] * 2), torch.tensor([0, 1]), reduction="none"
    )
    torch.testing.assert_close(result.balanced_loss[0], per_class.mean())
    torch.testing.assert_close(result.loss[0], (3 * per_class[0] + per_class[1]) / 4)
    assert result.accuracy[0] == 0.75
