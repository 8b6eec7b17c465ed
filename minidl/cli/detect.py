"""``minidl detect``: a saved detection pipeline run on image files.

Every image is read, the pipeline loaded and checked against the images' sizes, and the
defects found, before the output folder is created, so that a typing mistake in the last file
name, or an image too small for the detector, costs nothing and leaves nothing behind; each
image then gets an annotated PNG, and detections.json lists every defect found, with its class,
score and box.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from .. import plot
from ..data.images import load_grey
from ..detect.figures import detections as draw
from ..detect.pipeline import DefectDetectionPipeline
from ..io import write_json
from .arguments import check_folder, fail, file_path, make_folder

__all__ = ["DESCRIPTION", "HELP", "NAME", "add_arguments", "run"]

NAME = "detect"
HELP = "find defects on wafer images with a saved pipeline"
DESCRIPTION = (
    "Run a saved detection pipeline on image files (PNG, JPEG, TIFF, ... of any size); write "
    "annotated PNGs and detections.json."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The images, the pipeline file and the output folder."""
    parser.add_argument("images", nargs="+", type=file_path, metavar="IMAGE", help="image files")
    parser.add_argument(
        "--model", type=file_path, required=True, help="a pipeline saved by 'minidl train wafer'"
    )
    parser.add_argument("--out", type=file_path, default=Path("detections"), help="output folder")


def _grey_image(path: Path) -> np.ndarray:
    """An image file as uint8 grey (H, W), the layout the pipeline was trained on, or
    ValueError naming the file."""
    return np.round(load_grey(path, where="minidl detect")).clip(0, 255).astype(np.uint8)


def run(args: argparse.Namespace) -> int:
    """Detect, draw and list the defects of every image; print a line per defect."""
    if not check_folder(args.out):
        return 2
    try:
        images = [_grey_image(path) for path in args.images]
    except (FileNotFoundError, ValueError) as err:
        return fail(str(err))
    if args.model.is_dir():
        return fail(
            f"--model {args.model} is a folder; expected a pipeline file saved by "
            f"'minidl train wafer' (such as wafer_cnn.h5)"
        )
    pipeline = DefectDetectionPipeline.load(args.model)
    side = pipeline.min_image_side
    for path, image in zip(args.images, images, strict=True):
        if min(image.shape) < side:
            return fail(
                f"{path} is {image.shape[1]}x{image.shape[0]} pixels; the {pipeline.backend} "
                f"pipeline {args.model} expects images of at least {side}x{side}"
            )
    try:
        found = pipeline.predict(images)
    except ValueError as err:
        return fail(f"cannot detect with {args.model}: {err}")
    if not make_folder(args.out):
        return 2
    report = []
    for path, image, items in zip(args.images, images, found, strict=True):
        name = f"{path.stem}_detections.png"
        fig = draw(image, None, items, title=f"{path.name}: {len(items)} defect(s)")
        plot.save_png(fig, args.out / name)
        plot.close(fig)
        report.append({"image": str(path), "detections": items, "picture": name})
        print(
            f"{path}: {len(items)} defect(s)"
            + "".join(f"\n  {d['class']:<9} score {d['score']:.2f} box {d['bbox']}" for d in items)
        )
    write_json(
        args.out / "detections.json",
        {"model": str(args.model), "backend": pipeline.backend, "images": report},
    )
    print(f"Wrote {len(report)} picture(s) and detections.json to {args.out}")
    return 0
