"""``minidl data wafer``: a data set of wafer patches, written as HDF5.

Defect and background patches are cut from generated wafers (``minidl.data.wafer`` and
``minidl.data.patches``), the same number of each class, so that a classifier trained on the
file learns the defects rather than how rare they are.

The output file is checked (not a folder, in a folder that can be created) before any wafer is
generated, and its folder is created only once the patches are cut, so that a refused run
leaves nothing behind.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..data.patches import make_patch_dataset, save_patch_dataset
from ..data.wafer import generate_wafers
from .arguments import check_folder, fail, file_path, make_folder, non_negative_int, positive_int

__all__ = ["DESCRIPTION", "HELP", "NAME", "add_arguments", "run"]

NAME = "wafer"
HELP = "wafer defect patches"
DESCRIPTION = "Write a wafer patch data set (HDF5)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The output file, how many wafers and patches, and the seed."""
    parser.add_argument(
        "--out", type=file_path, default=Path("data/wafer_patches.h5"), help="output file"
    )
    parser.add_argument(
        "--images", type=positive_int, default=40, help="wafers to cut patches from"
    )
    parser.add_argument("--per-class", type=positive_int, default=500, help="patches per class")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="seed")


def run(args: argparse.Namespace) -> int:
    """Generate the wafers, cut the patches and write the file."""
    if args.out.is_dir():
        return fail(f"cannot write {args.out}: it is a folder; expected a file name")
    if not check_folder(args.out.parent):
        return 2
    images, annotations = generate_wafers(args.images, seed=args.seed)
    try:
        x, y = make_patch_dataset(images, annotations, per_class=args.per_class, seed=args.seed)
    except ValueError as err:
        return fail(
            f"cannot cut --per-class {args.per_class} patches from {args.images} wafers: {err}"
        )
    if not make_folder(args.out.parent):
        return 2
    try:
        save_patch_dataset(args.out, x, y, {"wafers": args.images, "seed": args.seed})
    except OSError as err:
        return fail(f"cannot write {args.out}: {err.strerror or err}")
    print(f"Wrote {len(x)} patches of {x.shape[1]}x{x.shape[2]} to {args.out}")
    return 0
