"""``sabfl sim``: one simulation from flags, or a grid from ``--preset``/``--config``."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

import torch

from sabfl.aggregators import aggregator_names
from sabfl.attacks.registry import LEAKED, PARTICIPANT_ATTACKS, is_attack
from sabfl.attacks.validators import VALIDATOR_ATTACKS
from sabfl.ml.models import MODEL_NAMES
from sabfl.ml.partition import SCHEMES
from sabfl.sim.config import GridConfig, SimConfig, load_config, preset_path
from sabfl.sim.report import format_table, write_run


def attack_name(value: str) -> str:
    if not is_attack(value):
        raise argparse.ArgumentTypeError(f"unknown attack {value!r}")
    return value


# Flags map one-to-one onto SimConfig fields; None means "keep the config file's (or default) value".
FLAGS: list[tuple[str, dict]] = [
    ("dataset", {"help": "digits | fashion-mnist | npz:PATH | mnist:DIR"}),
    ("max_train", {"type": int, "help": "keep a seeded subset of this many training images"}),
    ("max_test", {"type": int, "help": "keep a seeded subset of this many test images"}),
    ("model", {"choices": MODEL_NAMES}),
    ("participants", {"type": int}),
    ("byzantine", {"type": float, "help": "fraction f of Byzantine participants"}),
    (
        "attack",
        {"type": attack_name, "help": f"{' | '.join(PARTICIPANT_ATTACKS)}, or any of them with {LEAKED}"},
    ),
    ("partition", {"choices": SCHEMES}),
    ("alpha", {"type": float, "help": "Dirichlet concentration (smaller = more non-IID)"}),
    ("shards_per_participant", {"type": int}),
    ("validators", {"type": int}),
    ("holdout", {"type": int, "help": "held-out samples per validator"}),
    ("byzantine_validators", {"type": float, "help": "fraction of Byzantine validators"}),
    ("validator_attack", {"choices": list(VALIDATOR_ATTACKS)}),
    ("rounds", {"type": int}),
    ("epochs", {"type": int}),
    ("batch_size", {"type": int}),
    ("lr", {"type": float}),
    ("seed", {"type": int}),
    ("validation_fraction", {"type": float, "help": "share of participants' data set aside for validation"}),
    ("report_rounds", {"type": int, "help": "report the mean accuracy of this many last rounds"}),
    ("aggregators", {"help": f"comma-separated, or 'all': {','.join(aggregator_names())}"}),
]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sim", help="simulate federated rounds with attacks, without a chain")
    for name, options in FLAGS:
        parser.add_argument("--" + name.replace("_", "-"), dest=name, default=None, **options)
    parser.add_argument("--config", type=Path, help="YAML run or grid config (flags override run settings)")
    parser.add_argument("--preset", help="a committed grid config, e.g. paper, paper-fmnist")
    parser.add_argument("--out", type=Path, default=Path("out/sim"), help="output directory")
    parser.add_argument("--workers", type=int, default=1, help="parallel grid runs (processes)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    parser.add_argument("--histogram", action="store_true", help="print each participant's label histogram")
    parser.add_argument(
        "--select-over",
        nargs="+",
        type=Path,
        metavar="GRID_DIR",
        help="choose each rule family's rule on validation over these finished grids (writes --out)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log per-round accuracy to stderr")
    leak = parser.add_argument_group("leakage study (--leakage, sim/leakage.py)")
    leak.add_argument("--leakage", action="store_true", help="probe a validator's class mix instead of a run")
    leak.add_argument("--leak-rules", default="softmax_paper,softmax_guarded_norm", help="comma-separated")
    leak.add_argument("--leak-steps", default="1e-6,1e-3,1e-2,1e-1,1,10", help="loss quantization steps")
    leak.add_argument("--leak-seeds", default="0,1,2", help="comma-separated seeds")
    leak.add_argument("--probe-shift", type=float, default=100.0, help="the attacker's bias shift δ")
    leak.add_argument("--mix-rows", type=int, default=40, help="the target validator's held-out rows")
    leak.add_argument("--mix-alpha", type=float, default=0.3, help="Dirichlet α of the target's class mix")
    leak.add_argument("--no-probe", action="store_true", help="only the cost of each step (no probing)")
    leak.add_argument("--no-cost", action="store_true", help="only the probing (no accuracy runs)")
    parser.set_defaults(handler=run)


def overrides(args: argparse.Namespace) -> dict:
    values = {name: getattr(args, name) for name, _ in FLAGS if getattr(args, name) is not None}
    if "aggregators" in values:
        values["aggregators"] = tuple(values["aggregators"].split(","))
    return values


def run(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("sabfl")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    console = logging.StreamHandler()
    console.setLevel(logging.INFO if args.verbose else logging.WARNING)
    file_log = logging.FileHandler(args.out / "sim.log", mode="w")
    for handler in (console, file_log):
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)

    if args.select_over:
        from sabfl.sim.selection import select_over_grids

        print(select_over_grids(args.select_over, args.out))
        return 0
    config_path = preset_path(args.preset) if args.preset else args.config
    config = load_config(config_path) if config_path else SimConfig()
    if args.leakage:
        if isinstance(config, GridConfig):
            raise SystemExit("--leakage takes one run's settings (flags or a run config), not a grid")
        return run_leakage(dataclasses.replace(config, **overrides(args)), args)
    if isinstance(config, GridConfig):
        from sabfl.sim.grid import run_grid

        grid = dataclasses.replace(config, base=dataclasses.replace(config.base, **overrides(args)))
        summary = run_grid(grid, args.out, workers=args.workers, threads=args.threads)
        print(summary)
        return 0

    from sabfl.sim.runner import run_simulation

    config = dataclasses.replace(config, **overrides(args))
    if args.histogram:
        from sabfl.ml.partition import format_histogram, label_histogram
        from sabfl.sim.setup import TaskSetup

        setup = TaskSetup.build(config)
        data = setup.dataset
        print(format_histogram(label_histogram(data.y_train, setup.split.participants, data.num_classes)))
    result = run_simulation(config)
    write_run(result, args.out)
    print(format_table(result))
    print(f"results in {args.out}/results.json")
    return 0


def run_leakage(config: SimConfig, args: argparse.Namespace) -> int:
    """The leakage study (sim/leakage_report.py) around ``config``; its tables go to ``args.out``."""
    from sabfl.protocol import LOSS_SCALE
    from sabfl.sim.leakage_report import Study, run_study

    study = Study(
        rules=args.leak_rules.split(","),
        steps=[max(1, round(float(s) * LOSS_SCALE)) for s in args.leak_steps.split(",")],
        seeds=[int(s) for s in args.leak_seeds.split(",")],
        shift=args.probe_shift,
        rows=args.mix_rows,
        alpha=args.mix_alpha,
        probe=not args.no_probe,
        cost=not args.no_cost,
    )
    command = ["sabfl", "sim", *sys.argv[2:]] if sys.argv[1:2] == ["sim"] else ["sabfl", "sim", "--leakage"]
    print(run_study(config, study, args.out, command))
    return 0
