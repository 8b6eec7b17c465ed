"""Synthetic wafer-inspection images with labelled defects (patches for a classifier: patches.py).

A camera looks down at a polished silicon wafer lying on a dark chuck. ``generate_wafers`` builds
such a picture layer by layer, each layer standing for something physical, so that a detector
trained here has to cope with the things that make real inspection hard:

    wafer      a bright disc with a V-shaped notch (it tells the machines how the crystal is
               oriented) and an edge-exclusion ring: the outer few millimetres carry no chips.
    dies       the chips, printed as a repeating grid. The gaps between them (die streets or
               scribe lines, where the saw will cut) are long straight edges; inside each die a
               faint pattern of blocks, memory-array stripes and bond pads repeats. All of it is
               regular structure that is *not* a defect.
    light      the illumination is never flat: a smooth gradient, vignetting (darker corners) and
               faint concentric rings from the coating's thickness, multiplied onto the scene.
    camera     a slight optical blur, read noise (Gaussian) and shot noise (its spread grows with
               the brightness, like photon counts), then rounding to 8 bits.

Defects (scratches, particles, cracks) are drawn into the scene before the light and the
camera, as real ones are (wafer_defects.py says how each is modelled).

Coordinates and boxes: a pixel is addressed as ``image[y, x]``: x is the column, y the row,
both counted from 0 at the top-left corner. A box ``[x1, y1, x2, y2]`` is half-open, like a
Python slice: it holds the columns x1 <= x < x2 and the rows y1 <= y < y2, so
``image[y1:y2, x1:x2]`` is exactly the boxed region, its width is ``x2 - x1`` and its height
``y2 - y1``. Each box is tight around its mask: x1 and y1 are the smallest column and row of a
mask pixel, x2 and y2 one more than the largest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from .._checks import check_int
from ..random import as_generator
from .wafer_defects import add_defects

__all__ = ["CLASS_NAMES", "MIN_IMAGE_SIZE", "generate_wafers", "wafer_mask"]

CLASS_NAMES = ("background", "scratch", "particle", "crack")
MIN_IMAGE_SIZE = 64


# --------------------------------------------------------------------------- the clean wafer


def _die_template(rng: np.random.Generator, pitch_y: int, pitch_x: int, street: int) -> np.ndarray:
    """One die plus its streets (to the right and below) as brightness offsets, to be tiled."""
    t = np.zeros((pitch_y, pitch_x))
    hy, hx = pitch_y - street, pitch_x - street  # the die itself is t[:hy, :hx]
    blocks = []
    for _ in range(rng.integers(2, 6)):
        h = int(rng.integers(max(1, hy // 6), max(2, hy // 2) + 1))
        w = int(rng.integers(max(1, hx // 6), max(2, hx // 2) + 1))
        y0 = int(rng.integers(1, max(2, hy - h)))
        x0 = int(rng.integers(1, max(2, hx - w)))
        t[y0 : y0 + h, x0 : x0 + w] += rng.uniform(-9.0, 9.0)
        blocks.append((y0, x0, h, w))
    y0, x0, h, w = blocks[0]  # a memory array: fine stripes
    period = int(rng.integers(2, 5))
    stripes = np.cos(2 * np.pi * np.arange(w) / period)
    t[y0 : y0 + h, x0 : x0 + w] += rng.uniform(2.0, 4.0) * stripes
    if min(hy, hx) >= 14:  # bond pads along the top and bottom edges
        size = max(1, round(min(hy, hx) / 14))
        xs = np.arange(2, hx - size - 1, 2 * size + 1)
        bright = rng.uniform(8.0, 16.0)
        for y in (1, hy - size - 1):
            for x in xs:
                t[y : y + size, x : x + size] += bright
    level = rng.choice([-1.0, 1.0]) * rng.uniform(14.0, 28.0)
    t[hy:, :] = level
    t[:, hx:] = level
    if pitch_x >= 16 and street >= 2:  # a test structure in the scribe line
        x0 = int(rng.integers(0, hx - 3))
        t[hy:, x0 : x0 + 3] = -0.6 * level
    return t


def _clean_wafer(rng: np.random.Generator, H: int, W: int) -> tuple[np.ndarray, dict]:
    """The defect-free scene (float brightness) and its geometry."""
    s = min(H, W) / 400.0
    cy = (H - 1) / 2 + rng.uniform(-0.02, 0.02) * H
    cx = (W - 1) / 2 + rng.uniform(-0.02, 0.02) * W
    R = min(H, W) * rng.uniform(0.43, 0.47)
    yy = np.arange(H, dtype=np.float64)[:, None] - cy
    xx = np.arange(W, dtype=np.float64)[None, :] - cx
    r = np.hypot(yy, xx)

    # The notch: a 90-degree V cut into the rim, usually at the bottom (y grows downward).
    angle = rng.choice([0.5, 0.0, 1.0, 1.5], p=[0.7, 0.1, 0.1, 0.1]) * np.pi
    ny, nx = np.sin(angle), np.cos(angle)
    along, across = yy * ny + xx * nx, xx * ny - yy * nx
    depth = max(4.0, 9.0 * s)
    coverage = np.clip(R - r + 0.5, 0, 1) * np.clip(R - depth + np.abs(across) - along + 0.5, 0, 1)

    ring = max(3.0, rng.uniform(0.035, 0.055) * R)
    pitch_x = max(5, round(2 * R / rng.uniform(9.0, 17.0)))
    pitch_y = max(5, round(pitch_x * rng.uniform(0.7, 1.3)))
    street = max(1, round(min(pitch_x, pitch_y) * rng.uniform(0.07, 0.11)))
    template = _die_template(rng, pitch_y, pitch_x, street)
    rows = (np.arange(H) - round(cy) + int(rng.integers(pitch_y))) % pitch_y
    cols = (np.arange(W) - round(cx) + int(rng.integers(pitch_x))) % pitch_x
    dies = template[rows[:, None], cols[None, :]]
    patterned = np.clip(R - ring - r + 0.5, 0, 1)

    base = rng.uniform(105.0, 150.0)
    wafer = base + rng.choice([-1.0, 1.0]) * rng.uniform(5.0, 12.0) * (1 - patterned)
    wafer = wafer + dies * patterned
    # The edge-bead-removal line: a thin circle where the coating was trimmed off the edge.
    wafer += rng.uniform(-12.0, 12.0) * np.exp(-(((r - (R - 0.6 * ring)) / 0.8) ** 2))
    bevel = max(1.5, 4.0 * s)
    wafer -= rng.uniform(20.0, 45.0) * np.clip(1 - (R - r) / bevel, 0, 1) ** 2
    wafer *= 1 + 0.015 * np.cos(2 * np.pi * r / (R * rng.uniform(0.15, 0.4)) + rng.uniform(0, 7))
    chuck = rng.uniform(12.0, 28.0)
    scene = chuck + (wafer - chuck) * coverage

    usable = R - max(ring, depth) - 2.0
    geometry = {"cy": cy, "cx": cx, "R": R, "usable_radius": usable, "scale": s}
    geometry["usable"] = r <= usable
    return scene, geometry


def _illumination(rng: np.random.Generator, H: int, W: int, geometry: dict) -> np.ndarray:
    """A smooth multiplicative light field: tilt, vignetting and a slow random undulation."""
    yn = (np.arange(H)[:, None] - geometry["cy"]) / geometry["R"]
    xn = (np.arange(W)[None, :] - geometry["cx"]) / geometry["R"]
    light = 1 + rng.uniform(-0.1, 0.1) * yn + rng.uniform(-0.1, 0.1) * xn
    light = light - rng.uniform(0.05, 0.18) * (yn**2 + xn**2)
    for _ in range(3):
        k = rng.normal(0.0, 1.5, size=2)
        light = light + rng.uniform(0.0, 0.025) * np.cos(k[0] * yn + k[1] * xn + rng.uniform(0, 7))
    return light


def _camera(rng: np.random.Generator, scene: np.ndarray) -> np.ndarray:
    """Blur, read noise, shot noise and 8-bit rounding."""
    img = ndimage.gaussian_filter(scene, rng.uniform(0.5, 0.8))
    read = rng.uniform(1.5, 3.5)
    gain = rng.uniform(0.03, 0.08)
    noise = rng.standard_normal((2, *img.shape))
    img = img + read * noise[0] + np.sqrt(gain * np.maximum(img, 0.0)) * noise[1]
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- public API


def _check_generate_args(n_images, image_size, n_defects_range, classes, fraction):
    where = "generate_wafers"
    check_int(n_images, "n_images", where, 0, expected="a non-negative int")
    if isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    ok = isinstance(image_size, Sequence) and len(image_size) == 2
    ok = ok and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in image_size
    )
    if not ok or min(image_size) < MIN_IMAGE_SIZE:
        raise ValueError(
            f"{where}: expected image_size as (height, width) ints of at least {MIN_IMAGE_SIZE} "
            f"(smaller wafers leave no room for dies and defects), received {image_size!r}"
        )
    ok = isinstance(n_defects_range, Sequence) and len(n_defects_range) == 2
    ok = ok and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in n_defects_range
    )
    if not ok or not 0 <= n_defects_range[0] <= n_defects_range[1]:
        raise ValueError(
            f"{where}: expected n_defects_range as (low, high) ints with 0 <= low <= high "
            f"(both inclusive), received {n_defects_range!r}"
        )
    if isinstance(classes, str) or not isinstance(classes, Sequence) or len(classes) == 0:
        raise ValueError(
            f"{where}: expected classes as a non-empty sequence of names from "
            f"{CLASS_NAMES[1:]}, received {classes!r}"
        )
    unknown = [c for c in classes if c not in CLASS_NAMES[1:]]
    if unknown or len(set(classes)) != len(classes):
        raise ValueError(
            f"{where}: expected distinct class names from {CLASS_NAMES[1:]}, received "
            f"{tuple(classes)!r}" + (f" (unknown: {unknown!r})" if unknown else " (repeated)")
        )
    if not isinstance(fraction, (int, float, np.number)) or not 0.0 <= fraction <= 1.0:
        raise ValueError(f"{where}: expected defect_free_fraction in [0, 1], received {fraction!r}")
    return (int(image_size[0]), int(image_size[1])), (
        int(n_defects_range[0]),
        int(n_defects_range[1]),
    )


def generate_wafers(
    n_images: int = 10,
    image_size: tuple[int, int] = (400, 400),
    n_defects_range: tuple[int, int] = (2, 5),
    classes: Sequence[str] = ("scratch", "particle", "crack"),
    defect_free_fraction: float = 0.0,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, list[list[dict]]]:
    """Generate grayscale wafer-inspection images and their defect annotations.

    Image i depends only on ``(seed, i)`` (it has its own ``np.random.SeedSequence`` child), so
    asking for more images never changes the first ones:
    ``generate_wafers(5, seed=0)[0][:3]`` equals ``generate_wafers(3, seed=0)[0]``.

    Args:
        n_images: how many images (default 10).
        image_size: (height, width), each at least ``MIN_IMAGE_SIZE`` (default (400, 400)); one
            int means a square. Defect sizes scale with ``min(height, width) / 400``.
        n_defects_range: (low, high), both inclusive: each defective image gets a number of
            defects drawn uniformly from this range (default (2, 5)).
        classes: the defect classes to draw from, uniformly (default all three:
            'scratch', 'particle', 'crack').
        defect_free_fraction: the probability that an image has no defect at all (default 0.0).
        seed: an int, an ``np.random.Generator`` (one number is drawn from it) or None to draw
            from minidl's root generator (see ``minidl.seed``).

    Returns:
        (images, annotations): ``images`` is uint8 of shape (N, H, W); ``annotations[i]`` is a
        list, empty for a defect-free image, of dicts ``{'bbox': [x1, y1, x2, y2], 'class':
        name, 'mask': bool array (H, W)}``. Boxes are half-open pixel boxes, tight around the
        mask (see the module docstring); masks are non-empty and pairwise disjoint.

    Raises:
        ValueError: an argument is out of range (image too small, bad range, unknown class,
            fraction outside [0, 1]), or the defects asked for do not fit on the wafer without
            touching (far too many for the image size).
        TypeError: ``seed`` is not an int, a Generator or None.

    Example:
        >>> images, annotations = generate_wafers(4, seed=0)
        >>> x1, y1, x2, y2 = annotations[0][0]["bbox"]
        >>> crop = images[0, y1:y2, x1:x2]
    """
    (H, W), (low, high) = _check_generate_args(
        n_images, image_size, n_defects_range, classes, defect_free_fraction
    )
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        root = int(seed)
    else:
        root = int(as_generator(seed, "generate_wafers").integers(0, 2**63))
    classes = list(classes)
    images = np.empty((n_images, H, W), np.uint8)
    annotations = []
    for i in range(n_images):
        rng = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(i,)))
        scene, geometry = _clean_wafer(rng, H, W)
        defect_free = rng.random() < defect_free_fraction
        n_defects = 0 if defect_free else int(rng.integers(low, high + 1))
        annotations.append(add_defects(rng, scene, geometry, classes, n_defects))
        images[i] = _camera(rng, scene * _illumination(rng, H, W, geometry))
    return images, annotations


# --------------------------------------------------------------------------- patches


def _otsu_threshold(image: np.ndarray) -> float:
    """The grey level that best splits the histogram into two classes (Otsu's method)."""
    hist = np.bincount(image.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256.0)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    w1 = w0[-1] - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 - m0 * w0[-1]) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = -1.0
    return float(np.argmax(between)) + 0.5


def wafer_mask(image: np.ndarray) -> np.ndarray:
    """Find the wafer in an inspection image: the pixels of the bright disc, notch excluded.

    The wafer is far brighter than the chuck, so Otsu's threshold on a lightly smoothed copy
    separates them; the largest bright region is the wafer, and filling its holes brings back
    dark defects inside it.

    Args:
        image: a uint8 grayscale image (H, W).

    Returns:
        A bool array (H, W), True on the wafer.

    Raises:
        ValueError: ``image`` is not a 2-D uint8 array.
    """
    if not isinstance(image, np.ndarray) or image.ndim != 2 or image.dtype != np.uint8:
        raise ValueError(
            f"wafer_mask: expected a uint8 image of shape (H, W), received "
            f"{getattr(image, 'dtype', type(image).__name__)} of shape {np.shape(image)}"
        )
    smooth = np.rint(ndimage.gaussian_filter(image.astype(np.float64), 1.5)).astype(np.uint8)
    bright = smooth > _otsu_threshold(smooth)
    labels, n = ndimage.label(bright)
    if n == 0:
        return bright
    largest = np.argmax(np.bincount(labels.ravel())[1:]) + 1
    return ndimage.binary_fill_holes(labels == largest)
