"""The check every detector and the pipeline run on their images: a stack of 2-D grey images.

Wafer images are grey (one channel), so a detector refuses what is probably a mistake (a single
image passed where a list belongs, a colour image, a boolean mask, floats scaled to [0, 1])
with a message that says how to fix the call, instead of detecting nonsense.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["IMAGE_STACK", "as_uint8_stack", "check_images"]

IMAGE_STACK = "a non-empty list of grey images (H, W) or an (N, H, W) array"
"""What every detector takes as its images, as error messages name it."""


def check_images(
    images: object,
    where: str,
    expected: str = "a 2-D grey image (H, W)",
    *,
    min_side: int = 1,
    grey_levels: bool = False,
) -> list[np.ndarray]:
    """The images as a non-empty list of 2-D integer or float arrays, or a ValueError.

    An (N, H, W) array is read as N images. A single 2-D array is refused, not read row by row:
    its rows would pass for N one-pixel-high images.

    Args:
        images: a list (or tuple) of 2-D arrays, or an (N, H, W) array.
        where: the function that checks, named first in every message.
        expected: how a message names one valid image (the caller's wording).
        min_side: the least height and width an image may have, in pixels.
        grey_levels: refuse values outside [0, 255] and floats in [0, 1] (an image scaled
            down, whose defects would be 255 times too faint for thresholds set in grey
            levels), and round the images that are not uint8 to uint8 copies.

    Returns:
        The images as a list: the given arrays themselves, or with ``grey_levels`` uint8
        arrays (the given ones where they were uint8 already).

    Raises:
        ValueError: not a non-empty list of 2-D numeric arrays of at least ``min_side`` pixels
            a side (or, with ``grey_levels``, not of grey levels 0..255).
    """
    if isinstance(images, np.ndarray):
        if images.ndim == 2:
            raise ValueError(
                f"{where}: expected {IMAGE_STACK}, received one image of shape {images.shape} "
                f"(wrap it in a list): a single 2-D array of shape {images.shape} is one image"
            )
        if images.ndim != 3:
            raise ValueError(
                f"{where}: expected {IMAGE_STACK}, received an array of shape {images.shape}"
            )
        images = list(images)
    if not isinstance(images, Sequence) or isinstance(images, (str, bytes)):
        raise ValueError(f"{where}: expected {IMAGE_STACK}, received {type(images).__name__}")
    if len(images) == 0:
        raise ValueError(f"{where}: expected {IMAGE_STACK}, received an empty list (no images)")
    checked = []
    for i, image in enumerate(images):
        if not isinstance(image, np.ndarray):
            raise ValueError(
                f"{where}: expected image {i} as {expected}, received {type(image).__name__}"
            )
        if image.ndim == 3:
            raise ValueError(
                f"{where}: expected image {i} as {expected}, received a 3-D array of shape "
                f"{image.shape}, such as a colour image; convert it to grey"
            )
        if image.ndim != 2:
            raise ValueError(f"{where}: expected image {i} as {expected}, received {image.shape}")
        if image.dtype.kind not in "uif":
            raise ValueError(
                f"{where}: expected image {i} as {expected}, received dtype {image.dtype}"
            )
        if min(image.shape) < min_side:
            raise ValueError(
                f"{where}: expected image {i} of at least {min_side} x {min_side} pixels, "
                f"received shape {image.shape}"
            )
        if grey_levels and image.dtype != np.uint8:
            image = _rounded_grey_levels(image, i, where)
        checked.append(image)
    return checked


def _rounded_grey_levels(image: np.ndarray, i: int, where: str) -> np.ndarray:
    """A uint8 copy of an integer or float image whose values are grey levels in [0, 255]."""
    low, high = float(image.min()), float(image.max())
    if not (0.0 <= low and high <= 255.0):  # also catches NaN
        raise ValueError(
            f"{where}: expected image {i} with grey levels in [0, 255], received values from "
            f"{low:g} to {high:g}"
        )
    if image.dtype.kind == "f" and 0.0 < high <= 1.0:
        raise ValueError(
            f"{where}: expected image {i} with grey levels in [0, 255], received floats in "
            f"[0, 1]; multiply a scaled image by 255"
        )
    return np.rint(image).astype(np.uint8)


def as_uint8_stack(images: list[np.ndarray], where: str) -> np.ndarray:
    """Checked images of one size as one (N, H, W) uint8 array, rounded and clipped to 0..255."""
    if len({image.shape for image in images}) != 1:
        raise ValueError(f"{where}: expected images of one size, received several sizes")
    stack = np.stack(images)
    if stack.dtype == np.uint8:
        return stack
    return np.clip(np.rint(stack), 0, 255).astype(np.uint8)
