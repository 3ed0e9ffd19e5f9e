"""The test accuracy validators measure on each global model, scraped from their Prometheus endpoints
(`sabfl_validator_test_accuracy{task, round}`)."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

ACCURACY_METRIC = "sabfl_validator_test_accuracy"
# (task id, round) → the test accuracy of the global model that round produced (round 0: the initial one).
Accuracy = dict[tuple[int, int], float]


def accuracy_samples(text: str) -> Accuracy:
    """Every sabfl_validator_test_accuracy sample of a Prometheus text exposition."""
    found: Accuracy = {}
    for family in text_string_to_metric_families(text):
        if family.name != ACCURACY_METRIC:
            continue
        for sample in family.samples:
            found[int(sample.labels["task"]), int(sample.labels["round"])] = float(sample.value)
    return found


def scrape(address: str, timeout: float = 2.0) -> str:
    """The metrics text of a sidecar at host:port."""
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=timeout) as response:
        return response.read().decode()


def read_accuracy(addresses: list[str]) -> dict[str, Accuracy | None]:
    """Per metrics address its accuracy samples, or None when the endpoint did not answer."""
    result: dict[str, Accuracy | None] = {}
    for address in addresses:
        try:
            result[address] = accuracy_samples(scrape(address))
        except OSError:
            result[address] = None
    return result
