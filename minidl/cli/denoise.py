"""``minidl denoise``: an image file denoised by hard thresholding in the sliding DCT.

The work itself is ``minidl.sparse.job.denoise_file``; this module reads the settings, prints
the estimated and the used sigma (in grey levels, 0-255, the unit a user thinks in) and, when a
clean reference is given, the PSNR before and after.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..sparse.job import denoise_file
from .arguments import check_folder, fail, file_path, positive_int, sigma

__all__ = ["DESCRIPTION", "HELP", "NAME", "add_arguments", "run"]

NAME = "denoise"
HELP = "denoise an image by hard thresholding in the sliding DCT"
DESCRIPTION = (
    "Denoise an image file (PNG, JPEG, TIFF, ...; read as grey) by hard thresholding in the "
    "sliding DCT; write the denoised PNG, a side-by-side figure and a JSON report (the "
    "estimated sigma, and the PSNR when a reference is given)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The image, the noise level, the patch size and how the patches are averaged."""
    parser.add_argument("image", type=file_path, metavar="IMAGE", help="the noisy image file")
    parser.add_argument(
        "--sigma",
        type=sigma,
        default="auto",
        help="the noise's standard deviation in grey levels (0-255), or 'auto' to estimate it "
        "from the image",
    )
    parser.add_argument("--patch", type=positive_int, default=8, help="patch side in pixels")
    parser.add_argument(
        "--aggregation",
        choices=["uniform", "sparsity"],
        default="uniform",
        help="how overlapping patch estimates are averaged",
    )
    parser.add_argument(
        "--reference", type=file_path, default=None, help="the clean image, to report the PSNR"
    )
    parser.add_argument("--out", type=file_path, default=Path("denoised"), help="output folder")


def run(args: argparse.Namespace) -> int:
    """Denoise the image into ``--out`` and print what was done.

    ``--out`` is checked first but created only by ``denoise_file``, once the images are read
    and denoised, so that a refused image leaves no empty folder behind.
    """
    if not check_folder(args.out):
        return 2
    try:
        report = denoise_file(
            args.image, args.out, args.sigma, args.patch, args.aggregation, args.reference
        )
    except (FileNotFoundError, ValueError) as err:
        return fail(str(err))
    except OSError as err:
        return fail(f"cannot write into {args.out}: {err.strerror or err}")
    print(
        f"{args.image}: sigma estimated {report['sigma_estimated']:.2f}/255, used "
        f"{report['sigma_used']:.2f}/255; {report['patch_size']}x{report['patch_size']} "
        f"patches, {report['aggregation']} aggregation, {report['seconds']:.2f} s"
    )
    if "psnr_denoised_db" in report:
        print(
            f"PSNR against {args.reference}: {report['psnr_noisy_db']:.2f} dB noisy, "
            f"{report['psnr_denoised_db']:.2f} dB denoised"
        )
    print(f"Wrote the denoised image, a comparison figure and a JSON report to {args.out}")
    return 0
