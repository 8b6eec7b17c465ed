"""Sliding windows: the slow, literal way to classify every window of an image.

Each P x P window is cut out and classified by the patch model on its own. It is the reference
the fully convolutional recast (minidl.detect.fully_convolutional) must agree with, and the
baseline its speed is measured against: the same numbers, but each convolution output computed
again for every window that contains it, where the recast computes it once for the image.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_int
from ..models import Sequential
from .fully_convolutional import patch_shape

__all__ = ["sliding_window_predict"]


def _as_image(image: object, channels: int, where: str) -> np.ndarray:
    """(H, W) or (H, W, C) -> float (H, W, C)."""
    if (
        not isinstance(image, np.ndarray)
        or image.ndim not in (2, 3)
        or image.dtype.kind not in "uif"
    ):
        raise ValueError(
            f"{where}: expected an image as a numeric array (H, W) or (H, W, {channels}), "
            f"received {getattr(image, 'shape', type(image).__name__)}"
        )
    image = image[:, :, None] if image.ndim == 2 else image
    if image.shape[2] != channels:
        raise ValueError(
            f"{where}: expected {channels} channel(s), received image of shape {image.shape}"
        )
    return image if image.dtype.kind == "f" else image.astype(np.float32)


def sliding_window_predict(
    model: Sequential, image: np.ndarray, stride: int, batch_size: int = 256
) -> np.ndarray:
    """The slow reference: cut every P x P window and classify each with the patch model.

    Window (i, j) has its top-left corner at (i * stride, j * stride). The windows are a view
    of the image; each batch of ``batch_size`` of them is copied out and goes through
    ``model.predict`` in one forward pass (1 classifies them literally one at a time).

    Args:
        model: the patch classifier, input (P, P, C), output (N, K).
        image: (H, W) or (H, W, C), in the units the model was trained on, H and W >= P.
        stride: pixels between neighbouring windows, >= 1.
        batch_size: windows per forward pass (default 256).

    Returns:
        float array (n_rows, n_cols, K), n_rows = (H - P) // stride + 1 (likewise n_cols).

    Raises:
        TypeError, ValueError: a bad model, image, stride or batch size.
    """
    where = "sliding_window_predict"
    P_h, P_w, C = patch_shape(model, where)
    image = _as_image(image, C, where)
    stride = check_int(stride, "stride", where, 1, expected="a positive int")
    batch_size = check_int(batch_size, "batch_size", where, 1, expected="an int >= 1")
    H, W = image.shape[:2]
    if H < P_h or W < P_w:
        raise ValueError(f"{where}: the image {H}x{W} is smaller than a {P_h}x{P_w} patch")
    windows = np.lib.stride_tricks.sliding_window_view(image, (P_h, P_w), axis=(0, 1))
    windows = windows[::stride, ::stride]  # (rows, cols, C, P, P), a view
    rows, cols = windows.shape[:2]
    out = []
    for k in range(0, rows * cols, batch_size):
        i, j = np.divmod(np.arange(k, min(k + batch_size, rows * cols)), cols)
        batch = np.moveaxis(windows[i, j], 1, -1)  # this batch's windows copied, (n, P, P, C)
        out.append(model.predict(batch, batch_size=len(batch), verbose=0))
    probs = np.concatenate(out, axis=0)
    if probs.ndim != 2:
        raise ValueError(f"{where}: expected model outputs (N, K), received {probs.shape[1:]}")
    return probs.reshape(rows, cols, -1)
