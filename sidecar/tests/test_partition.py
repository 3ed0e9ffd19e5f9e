import numpy as np
import pytest

from sabfl.ml.partition import format_histogram, label_histogram, split_federated

LABELS = np.repeat(np.arange(10), 60)


def split(**kwargs):
    options = dict(num_participants=8, num_validators=3, holdout_per_validator=20, seed=3)
    options.update(kwargs)
    return split_federated(LABELS, **options)


@pytest.mark.parametrize("scheme", ["iid", "dirichlet", "shards"])
def test_every_sample_used_once_and_holdout_disjoint(scheme):
    result = split(scheme=scheme, alpha=0.5)
    participant_rows = np.concatenate(result.participants)
    validator_rows = np.concatenate(result.validators)
    assert len(np.unique(participant_rows)) == len(participant_rows)
    assert not set(participant_rows) & set(validator_rows)
    assert len(participant_rows) + len(validator_rows) == len(LABELS)
    assert all(len(v) == 20 for v in result.validators)


def test_deterministic_by_seed():
    a, b, c = split(alpha=0.3), split(alpha=0.3), split(alpha=0.3, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a.participants, b.participants, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a.participants, c.participants, strict=True))


def test_small_alpha_skews_labels():
    def top_class_share(alpha):
        hist = label_histogram(LABELS, split(alpha=alpha).participants, 10)
        return (hist.max(1) / hist.sum(1)).mean()

    assert top_class_share(0.05) > 0.6 > 0.3 > top_class_share(100.0)


def test_shards_give_few_classes():
    hist = label_histogram(LABELS, split(scheme="shards", shards_per_participant=2).participants, 10)
    assert (hist > 0).sum(1).max() <= 4  # each of the 2 shards may straddle one class boundary


def test_validators_share_every_class_of_the_holdout_evenly():
    hist = label_histogram(LABELS, split().validators, 10)
    assert (hist.max(0) - hist.min(0)).max() <= 1


def test_histogram_format():
    text = format_histogram(np.array([[1, 2], [3, 4]]))
    assert "P0" in text and "total" in text and text.splitlines()[2].rstrip().endswith("7")


def test_bad_inputs():
    with pytest.raises(ValueError, match="alpha"):
        split(alpha=0)
    with pytest.raises(ValueError, match="nothing for participants"):
        split(holdout_per_validator=1000)


def test_validation_set_is_carved_from_participants_data_only():
    without, with_validation = split(alpha=0.5), split(alpha=0.5, validation_fraction=0.1)
    participant_rows = np.concatenate(with_validation.participants)
    validation = with_validation.validation
    assert len(validation) == int(0.1 * (len(LABELS) - 3 * 20))
    assert not set(validation) & set(participant_rows)
    assert not set(validation) & set(np.concatenate(with_validation.validators))
    # The validators' held-out sets do not move; the validation rows come out of the participants' pool.
    assert all(
        np.array_equal(a, b) for a, b in zip(without.validators, with_validation.validators, strict=True)
    )
    assert len(participant_rows) + len(validation) == len(np.concatenate(without.participants))
    with pytest.raises(ValueError, match="validation_fraction"):
        split(validation_fraction=1.0)
