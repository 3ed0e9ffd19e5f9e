"""Write a user-style .npz (uint8 images, int labels) from a Fashion-MNIST subset, for the npz demo."""

import sys

import numpy as np

from sabfl.ml.data import load_dataset

dataset = load_dataset("fashion-mnist", max_train=3000, max_test=1000, seed=7)
np.savez_compressed(
    sys.argv[1],
    x_train=(dataset.x_train[:, 0] * 255).round().astype(np.uint8),
    y_train=dataset.y_train,
    x_test=(dataset.x_test[:, 0] * 255).round().astype(np.uint8),
    y_test=dataset.y_test,
)
