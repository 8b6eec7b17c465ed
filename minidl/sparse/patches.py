"""Cutting an image into overlapping patches, and putting processed patches back together.

Patch-based methods (DCT denoising, sparse coding, inpainting) work on every p x p patch of an
image on its own, then average: each pixel lies in up to p^2 patches, and its estimate is the
weighted mean of what those patches say about it (overlap-add, or *aggregation*):

    x_hat(i) = sum_k w_k * patch_k(i) / sum_k w_k,    over the patches k that contain pixel i.

Patches start every ``step`` pixels, and one more row and column of patches ends exactly at the
border when ``step`` does not divide ``H - p`` (``patch_positions``), so every pixel is covered:
no border pixel is left without an estimate.

``extract_patches`` uses NumPy's strides to return the patches as a view of the image: a
(rows, cols, p, p) array that shares the image's memory, so cutting 250,000 patches out of a
512 x 512 image costs nothing until they are used. ``aggregate_patches`` loops over the p^2
offsets inside a patch, never over the patches: offset (a, b) of every patch lands on the
pixels (top + a, left + b), one strided slice of the output.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_int

__all__ = ["aggregate_patches", "extract_patches", "overlap_add", "patch_positions"]


def _check_patch_size(patch_size: object, shape: tuple, where: str) -> int:
    patch_size = check_int(patch_size, "patch_size", where, expected="an int >= 1")
    if patch_size < 1 or patch_size > min(shape):
        raise ValueError(
            f"{where}: expected patch_size between 1 and the image's smaller side "
            f"{min(shape)}, received {patch_size}"
        )
    return patch_size


def _check_image(image: object, where: str) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.ndim != 2 or image.dtype.kind not in "buif":
        raise ValueError(
            f"{where}: expected a 2-D image (H, W) of numbers or booleans, received "
            f"{getattr(image, 'shape', type(image).__name__)}"
        )
    return image


def patch_positions(length: int, patch_size: int, step: int) -> np.ndarray:
    """Start positions 0, step, 2*step, ... of the patches along one side, plus
    ``length - patch_size`` when the regular grid stops short of it, so that the last pixel is
    covered.

    Example:
        >>> patch_positions(10, 4, 3)    # 0, 3, 6 end at 9 (6 + 4 = 10): nothing to add
        array([0, 3, 6])
        >>> patch_positions(10, 4, 4)    # 0, 4 end at 7; 6 covers 6..9
        array([0, 4, 6])

    Raises:
        ArgumentTypeError: an argument is not an integer.
        ValueError: step < 1, or patch_size outside [1, length].
    """
    where = "patch_positions"
    length = check_int(length, "length", where, 1)
    patch_size = check_int(patch_size, "patch_size", where, 1, length)
    step = check_int(step, "step", where, 1)
    last = length - patch_size
    positions = np.arange(0, last + 1, step)
    if positions[-1] != last:
        positions = np.append(positions, last)
    return positions


def extract_patches(image: np.ndarray, patch_size: int, step: int = 1) -> np.ndarray:
    """All p x p patches of an image, starting every ``step`` pixels (``patch_positions``).

    Args:
        image: a 2-D array (H, W).
        patch_size: p, between 1 and min(H, W).
        step: pixels between the starts of neighbouring patches (default 1, every patch;
            ``step = p`` tiles the image without overlap).

    Returns:
        Array (rows, cols, p, p): [i, j] is the patch whose top-left corner is
        (positions_y[i], positions_x[j]). A read-only view of the image (no copy) when step
        divides H - p and W - p, always the case for step 1; otherwise the extra last row or
        column of patches makes it a copy.

    Shape:
        rows = ceil((H - p) / step) + 1, cols = ceil((W - p) / step) + 1.

    Raises:
        ValueError: not a 2-D image, or a patch size or step out of range.
    """
    where = "extract_patches"
    image = _check_image(image, where)
    p = _check_patch_size(patch_size, image.shape, where)
    step = check_int(step, "step", where, 1, expected="an int >= 1")
    windows = np.lib.stride_tricks.sliding_window_view(image, (p, p))
    ys = patch_positions(image.shape[0], p, step)
    xs = patch_positions(image.shape[1], p, step)
    if (image.shape[0] - p) % step == 0 and (image.shape[1] - p) % step == 0:
        return windows[::step, ::step]
    return windows[ys[:, None], xs[None, :]]


def _regular_blocks(positions: np.ndarray) -> list[tuple[slice, int, int]]:
    """Split positions into runs with a constant step: (index slice, first position, step)."""
    if len(positions) == 1:
        return [(slice(0, 1), int(positions[0]), 1)]
    step = int(positions[1] - positions[0])
    if np.all(np.diff(positions) == step):
        return [(slice(0, len(positions)), int(positions[0]), step)]
    n = len(positions) - 1  # a regular grid and the extra last position
    return [(slice(0, n), int(positions[0]), step), (slice(n, n + 1), int(positions[-1]), 1)]


def overlap_add(
    total: np.ndarray,
    norm: np.ndarray,
    planes: np.ndarray,
    weights: np.ndarray | None,
    ys: np.ndarray,
    xs: np.ndarray,
) -> None:
    """Add ``weights * patches`` into ``total`` and ``weights`` into ``norm``, in place.

    The patches come as *planes*, array (p, p, rows, cols): plane [a, b] holds pixel (a, b) of
    every patch, the patches starting at rows ``ys`` and columns ``xs`` (as
    ``patch_positions`` gives them, or a run of them). Offset (a, b) of all patches lands on
    one strided slice of the image, so the loop runs over the p^2 offsets only; with the
    planes contiguous, each addition reads memory in order. ``weights`` (rows, cols), or None
    for 1 each. Callers that process the patches a band at a time (to bound memory) call it
    once per band.
    """
    p = planes.shape[0]
    for rows, top, sy in _regular_blocks(ys):
        for cols, left, sx in _regular_blocks(xs):
            wb = None if weights is None else weights[rows, cols]
            nr, nc = len(ys[rows]), len(xs[cols])
            for a in range(p):
                for b in range(p):
                    target = (
                        slice(top + a, top + a + sy * (nr - 1) + 1, sy),
                        slice(left + b, left + b + sx * (nc - 1) + 1, sx),
                    )
                    values = planes[a, b, rows, cols]
                    if wb is None:
                        total[target] += values
                        norm[target] += 1.0
                    else:
                        total[target] += wb * values
                        norm[target] += wb


def aggregate_patches(
    patches: np.ndarray,
    image_shape: tuple[int, int],
    step: int = 1,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Put patches back into an image, averaging where they overlap (weighted overlap-add).

    Args:
        patches: array (rows, cols, p, p), laid out as ``extract_patches`` gives them for an
            image of ``image_shape`` and this ``step``.
        image_shape: (H, W) of the image.
        step: the step the patches were cut with (default 1).
        weights: None (every patch counts the same) or array (rows, cols) of weights >= 0,
            one per patch; every pixel needs some patch of positive weight (so step <= p).

    Returns:
        float64 array (H, W): each pixel's weighted mean over the patches that contain it.

    Raises:
        ValueError: patches not laid out for this image and step, or bad weights.
    """
    where = "aggregate_patches"
    step = check_int(step, "step", where, 1, expected="an int >= 1")
    patches = np.asarray(patches)
    if patches.ndim != 4 or patches.shape[2] != patches.shape[3]:
        raise ValueError(
            f"{where}: expected patches (rows, cols, p, p), received shape {patches.shape}"
        )
    p = patches.shape[2]
    H, W = (int(n) for n in image_shape)
    if p > min(H, W):
        raise ValueError(f"{where}: patches of {p}x{p} do not fit an image of {(H, W)}")
    ys, xs = patch_positions(H, p, step), patch_positions(W, p, step)
    if patches.shape[:2] != (len(ys), len(xs)):
        raise ValueError(
            f"{where}: expected {len(ys)} x {len(xs)} patches for a {H}x{W} image at step "
            f"{step}, received {patches.shape[0]} x {patches.shape[1]}"
        )
    if weights is None:
        w = None
    else:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != patches.shape[:2] or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(
                f"{where}: expected weights (rows, cols) = {patches.shape[:2]} of finite "
                f"numbers >= 0, received {getattr(weights, 'shape', weights)}"
            )
    total, norm = np.zeros((H, W)), np.zeros((H, W))
    overlap_add(total, norm, patches.transpose(2, 3, 0, 1), w, ys, xs)
    if np.any(norm <= 0):
        raise ValueError(
            f"{where}: some pixels lie in no patch of positive weight (a step larger than the "
            f"patch leaves gaps; zero weights leave pixels out)"
        )
    return total / norm
