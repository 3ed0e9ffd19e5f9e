"""PNG plots: accuracy per round per aggregator, and worst-case accuracy heatmaps."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402


def plot_accuracy_per_round(accuracy: dict[str, list[float]], path: Path, title: str) -> None:
    figure, axes = plt.subplots(figsize=(8, 5))
    for name, values in accuracy.items():
        axes.plot(range(1, len(values) + 1), values, label=name, linewidth=2 if "softmax" in name else 1)
    axes.set_xlabel("round")
    axes.set_ylabel("test accuracy")
    axes.set_ylim(0, 1)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def plot_heatmap(values: np.ndarray, rows: list[str], columns: list[str], path: Path, title: str) -> None:
    figure, axes = plt.subplots(figsize=(1.1 * len(columns) + 3, 0.45 * len(rows) + 1.5))
    image = axes.imshow(values, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    axes.set_xticks(range(len(columns)), columns, rotation=30, ha="right")
    axes.set_yticks(range(len(rows)), rows)
    for r in range(len(rows)):
        for c in range(len(columns)):
            if np.isfinite(values[r, c]):
                axes.text(
                    c,
                    r,
                    f"{values[r, c]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if values[r, c] < 0.6 else "black",
                )
    axes.set_title(title)
    figure.colorbar(image, ax=axes, fraction=0.03)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
