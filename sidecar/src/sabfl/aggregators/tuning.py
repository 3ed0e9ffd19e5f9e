"""Every rule family's candidates, so each gets the same tuning budget: the softmax family's four on-chain
rules are chosen among on validation accuracy, and so is each baseline among its variants (a radius
quantile, a trimmed share, a number of selected updates, a bucket size, or — for NNM and ARC — the rule
they precede). A rule without a knob (FedAvg, FLTrust, the median, the geometric median, Bulyan) is a
family of one: it has nothing to tune."""

from __future__ import annotations

from sabfl.aggregators.centered_clipping import QUANTILES
from sabfl.aggregators.krum import SHARES
from sabfl.aggregators.softmax import SOFTMAX_RULES
from sabfl.aggregators.trimmed_mean import FRACTIONS

# The name of the family the chain can run (its candidates are the softmax rules, a grid's own included).
ON_CHAIN = "softmax (on chain)"

FAMILIES: dict[str, tuple[str, ...]] = {
    ON_CHAIN: tuple(SOFTMAX_RULES),
    "centered_clipping": tuple(QUANTILES),
    "trimmed_mean": ("trimmed_mean", *FRACTIONS),
    "multikrum": ("multikrum", *SHARES, "krum"),
    "nnm": ("nnm+trimmed_mean", "nnm+krum", "nnm+median", "arc+nnm+trimmed_mean"),
    "arc": ("arc+trimmed_mean", "arc+median"),
    "bucketing": ("bucketing+median", "bucketing3+median", "bucketing4+median"),
    "fedavg": ("fedavg",),
    "fltrust": ("fltrust",),
    "median": ("median",),
    "geomed": ("geomed",),
    "bulyan": ("bulyan",),
}


def families(aggregators: list[str], custom_softmax: list[str]) -> dict[str, list[str]]:
    """The families among `aggregators` (a grid's rules), each with the candidates it ran; the grid's own
    softmax rules join the on-chain family and any other rule is a family of one."""
    found: dict[str, list[str]] = {}
    placed = set()
    for family, members in FAMILIES.items():
        wanted = [*members, *custom_softmax] if family == ON_CHAIN else list(members)
        present = [name for name in wanted if name in aggregators]
        if present:
            found[family] = present
            placed.update(present)
    for name in aggregators:
        if name not in placed:
            found[name] = [name]
    return found
