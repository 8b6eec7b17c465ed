"""``minidl anomaly``: wafer defects found with no labels, by a dictionary of normal patches.

The work itself is ``minidl.sparse.job.anomaly_job``. Two limits are checked here, before any
wafer is generated: the wafer image side (from the generator's smallest to ``MAX_WAFER_SIZE``),
and at least two defect-free wafers (one to fit the dictionary on, one held out to set the threshold).
"""

from __future__ import annotations

import argparse

from ..data.wafer import MIN_IMAGE_SIZE
from ..sparse.job import anomaly_job
from .arguments import (
    MAX_WAFER_SIZE,
    add_out_folder,
    check_folder,
    fail,
    make_folder,
    non_negative_int,
    positive_int,
    rate,
    run_folder,
)

__all__ = ["DESCRIPTION", "HELP", "NAME", "add_arguments", "run"]

NAME = "anomaly"
HELP = "find wafer defects with no labels: a dictionary of normal patches"
DESCRIPTION = (
    "Fit an anomaly detector on generated defect-free wafers (no defect is labelled), score "
    "wafers with defects against their true masks and write anomaly maps, the ROC curve and "
    "metrics.json."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """How many wafers of each kind, their size, the false-positive rate and the seed."""
    parser.add_argument(
        "--normal", type=positive_int, default=12, help="defect-free wafers to fit on"
    )
    parser.add_argument("--test", type=positive_int, default=6, help="wafers with defects to score")
    parser.add_argument("--size", type=positive_int, default=200, help="wafer image side in pixels")
    parser.add_argument("--fpr", type=rate, default=0.01, help="the false-positive rate to aim for")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="seed of the data")
    add_out_folder(parser, "anomaly")


def run(args: argparse.Namespace) -> int:
    """Check the two limits, then run the job into ``--out``."""
    if args.size < MIN_IMAGE_SIZE:
        return fail(f"expected --size of at least {MIN_IMAGE_SIZE}, received {args.size}")
    if args.size > MAX_WAFER_SIZE:
        return fail(f"expected --size of at most {MAX_WAFER_SIZE}, received {args.size}")
    if args.normal < 2:
        return fail(f"expected --normal of at least 2 wafers, received {args.normal}")
    out = run_folder(args.out, "anomaly")
    if not (check_folder(out) and make_folder(out)):
        return 2
    anomaly_job(out, args.normal, args.test, args.size, args.fpr, args.seed)
    print(f"Wrote anomaly maps, roc.png and metrics.json to {out}")
    return 0
