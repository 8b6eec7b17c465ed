"""``minidl train wafer``: the wafer defect detectors, trained, compared and saved.

The work itself is ``minidl.detect.job.train_wafer``; this module reads its settings from the
command line and makes sure the output folder can be written before the long run starts.
"""

from __future__ import annotations

import argparse

from ..detect.job import train_wafer
from .arguments import (
    add_out_folder,
    check_folder,
    make_folder,
    non_negative_int,
    positive_int,
    run_folder,
    wafer_size,
)

__all__ = ["DESCRIPTION", "HELP", "NAME", "add_arguments", "run"]

NAME = "wafer"
HELP = "the wafer defect detectors (the main job)"
DESCRIPTION = (
    "Generate synthetic wafers, train the patch CNN and tune the classical detector, compare "
    "them on held-out wafers and write models, metrics and pictures."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The job's sizes and seed; None defaults leave the choice to the detector's settings."""
    parser.add_argument("--images", type=positive_int, default=150, help="training wafers")
    parser.add_argument("--test-images", type=positive_int, default=20, help="held-out wafers")
    parser.add_argument(
        "--epochs", type=positive_int, default=None, help="CNN epochs (default: the detector's)"
    )
    parser.add_argument(
        "--patches-per-class",
        type=positive_int,
        default=None,
        help="CNN training patches per class (default: the detector's)",
    )
    parser.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed of the data and training"
    )
    parser.add_argument("--size", type=wafer_size, default=400, help="wafer image side in pixels")
    add_out_folder(parser, "wafer")


def run(args: argparse.Namespace) -> int:
    """Run the job into ``--out`` (by default a new folder under runs/)."""
    out = run_folder(args.out, "wafer")
    if not (check_folder(out) and make_folder(out)):
        return 2
    train_wafer(
        out,
        n_images=args.images,
        n_test=args.test_images,
        epochs=args.epochs,
        seed=args.seed,
        image_size=(args.size, args.size),
        patches_per_class=args.patches_per_class,
    )
    return 0
