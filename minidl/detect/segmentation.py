"""Segmentation: the objects that stand out of the background-free residual, each with its box.

Both detectors start from it: the classical one names each object by its shape
(minidl.detect.classical), the CNN detector by its network's probability map
(minidl.detect.cnn). Four steps, each a standard image-processing operation:

Blur. A ``blur_kernel`` x ``blur_kernel`` box filter (``scipy.ndimage.uniform_filter``; 1 = no
blur) averages the noise down and keeps blobs a few pixels across. The blurred residual is then
divided by its robust noise level (``noise_sigma``: the median absolute value, which the defects
barely move, as a Gaussian's sigma). This gives a z-score: how many noise sigmas a pixel stands
out.

Threshold. A pixel is a candidate when ``|z| >= threshold``, in noise sigmas (so one setting
suits bright and dark images and noisy and clean cameras alike). Hysteresis, as in Canny's edge
detector: a region of pixels with ``|z| >= hysteresis * threshold`` is kept whole when it holds
at least one candidate. The faded ends of a scratch stay joined to its strong middle, and
isolated noise is dropped.

Morphology. A binary closing (dilate, then erode, with a 3x3 square) bridges one- or two-pixel
gaps, so a line broken by noise stays one object. There is no opening: it would erase the
one-pixel-wide scratches. Tiny noise blobs are removed by ``min_area`` instead.

Connected components. ``scipy.ndimage.label`` with 8-connectivity gives one label per object and
``find_objects`` its bounding slice; objects smaller than ``min_area`` pixels are dropped. The
blur and the hysteresis make an object larger than the defect, so its box is tightened. The
pixels kept are those whose unblurred residual, with the object's own sign, reaches
``box_fraction`` of the object's peak (its 95th percentile). This is the defect's footprint at
about half its height, much as a lens's resolution is read from a star's image. The box is tight
around those pixels, half-open like the generator's: ``[x_min, y_min, x_max + 1, y_max + 1]``.

Every per-pixel step is vectorised (filters, masks, labelling); Python loops run only over the
objects found, a handful per image.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from .._checks import check_int
from .background import NOISE_FLOOR, noise_sigma

__all__ = ["check_blur_kernel", "segment"]


def check_blur_kernel(value: object, where: str) -> int:
    """An odd int >= 1: a box blur centred on its pixel, so that the blur shifts no object."""
    k = check_int(value, "blur_kernel", where, 1)
    if k % 2 == 0:
        raise ValueError(
            f"{where}: expected blur_kernel as an odd int (a window centred on its pixel; 1 = no "
            f"blur), received {value!r}"
        )
    return k


def _z_score(residual: np.ndarray, region: np.ndarray, blur_kernel: int) -> np.ndarray:
    """The blur: the blurred residual in units of its own robust noise level, a z-score."""
    blurred = ndimage.uniform_filter(residual, blur_kernel) if blur_kernel > 1 else residual
    return blurred / max(noise_sigma(blurred[region]), NOISE_FLOOR)


def _objects(z: np.ndarray, region: np.ndarray, threshold: float, hysteresis: float, min_area):
    """Threshold, closing, components: the label image and the labels kept (hysteresis, size)."""
    strong = (np.abs(z) >= threshold) & region
    weak = (np.abs(z) >= hysteresis * threshold) & region
    weak |= ndimage.binary_closing(weak, np.ones((3, 3), bool)) & region
    labels, n = ndimage.label(weak, np.ones((3, 3), bool))
    keep = np.zeros(n + 1, bool)
    keep[labels[strong]] = True
    keep &= np.bincount(labels.ravel(), minlength=n + 1) >= min_area
    keep[0] = False
    return labels, np.flatnonzero(keep)


def segment(
    residual: np.ndarray,
    region: np.ndarray,
    blur_kernel: int,
    threshold: float,
    hysteresis: float = 0.5,
    min_area: int = 4,
    box_fraction: float = 0.4,
) -> list[dict[str, Any]]:
    """The objects that stand out of a residual image: blur, threshold with hysteresis, closing,
    components and each one's footprint (the module docstring).

    Args:
        residual: float (H, W), ``remove_background``'s residual.
        region: bool (H, W), where objects are sought.
        blur_kernel: odd int >= 1, the box blur's side (1 = none).
        threshold: noise sigmas a pixel's blurred residual must reach to seed an object.
        hysteresis: an object's pixels need only ``hysteresis * threshold`` (0 < h <= 1).
        min_area: objects of fewer pixels (after closing) are dropped.
        box_fraction: the footprint keeps the pixels reaching this fraction of the object's
            peak.

    Returns:
        One dict per object, in label order: 'bbox' [x1, y1, x2, y2] (half-open, tight around
        the footprint), 'ys' and 'xs' (the footprint's pixel rows and columns in the image),
        'polarity' (+1.0 brighter than the wafer, -1.0 darker), 'peak' (the 95th percentile of
        the signed residual over the object, grey levels) and 'z_peak' (the largest |z|).
    """
    if not region.any():
        return []
    z = _z_score(residual, region, blur_kernel)
    labels, kept = _objects(z, region, threshold, hysteresis, min_area)
    slices = ndimage.find_objects(labels)
    found = []
    for k in kept:
        window = slices[k - 1]
        inside = labels[window] == k
        r = residual[window]
        polarity = 1.0 if r[inside].sum() >= 0 else -1.0
        signed = polarity * r
        peak = float(np.percentile(signed[inside], 95))
        footprint = inside & (signed >= box_fraction * peak) if peak > 0 else inside
        ys, xs = np.nonzero(footprint)
        ys, xs = ys + window[0].start, xs + window[1].start
        found.append(
            {
                # half-open: one past the last row and column
                "bbox": [int(xs.min()), int(ys.min()), int(xs.max() + 1), int(ys.max() + 1)],
                "ys": ys,
                "xs": xs,
                "polarity": polarity,
                "peak": peak,
                "z_peak": float(np.abs(z[window][inside]).max()),
            }
        )
    return found
