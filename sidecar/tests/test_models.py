import pytest
import torch

from sabfl.ml.models import ParamLayout, build_model, flatten_params, load_flat_params, unflatten_params


@pytest.mark.parametrize("name", ["logreg", "mlp", "cnn", "cnn-large"])
@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28)])
def test_models_output_logits(name, shape):
    model = build_model(name, shape, 10)
    assert model(torch.zeros(3, *shape)).shape == (3, 10)


def test_the_large_cnn_has_over_100k_parameters_whose_bytes_go_by_reference():
    """Issue 9's model: its canonical bytes exceed the chain's default max_inline_bytes (256 KiB)."""
    numel = ParamLayout.of(build_model("cnn-large", (1, 28, 28), 10)).numel
    assert numel >= 100_000 and 4 * numel > 256 << 10


def test_init_is_seeded():
    a = flatten_params(build_model("mlp", (1, 8, 8), 10, seed=1))
    b = flatten_params(build_model("mlp", (1, 8, 8), 10, seed=1))
    c = flatten_params(build_model("mlp", (1, 8, 8), 10, seed=2))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_flatten_unflatten_roundtrip():
    model = build_model("cnn", (1, 8, 8), 10)
    layout = ParamLayout.of(model)
    flat = torch.arange(layout.numel, dtype=torch.float32)
    load_flat_params(model, flat)
    assert torch.equal(flatten_params(model), flat)
    params = unflatten_params(torch.stack([flat, flat]), layout)
    assert params[layout.names[0]].shape == (2, *layout.shapes[0])


def test_wrong_length_is_rejected():
    layout = ParamLayout.of(build_model("logreg", (1, 8, 8), 10))
    with pytest.raises(ValueError, match="650"):
        unflatten_params(torch.zeros(649), layout)


def test_models_built_on_several_threads_at_once_keep_their_seeds():
    """A validator builds its tasks' models on their own threads: each must still be its seed's."""
    from concurrent.futures import ThreadPoolExecutor

    expected = {seed: flatten_params(build_model("mlp", (1, 8, 8), 10, seed=seed)) for seed in range(4)}
    with ThreadPoolExecutor(4) as pool:
        built = list(pool.map(lambda s: (s, build_model("mlp", (1, 8, 8), 10, seed=s)), list(range(4)) * 25))
    assert all(torch.equal(flatten_params(model), expected[seed]) for seed, model in built)
