"""Inverted dropout: during training, zero each value with probability ``rate`` and scale the
survivors by 1 / (1 - rate), so the expected output equals the input and nothing needs to change
at inference (where dropout is the identity).

    mask = (u >= rate) / (1 - rate),  u ~ Uniform[0, 1)
    out  = x * mask,   dx = dout * mask

The mask is drawn separately (``dropout_mask``) so that a test can fix it: with the mask fixed,
dropout is a plain element-wise product and its gradient can be checked like any other.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, check_int, check_number

__all__ = ["dropout_backward", "dropout_forward", "dropout_mask"]


def _check_shape(shape: object, where: str) -> tuple:
    if not isinstance(shape, (tuple, list)):
        raise TypeError(
            f"{where}: expected shape as a tuple of ints, received {type(shape).__name__}"
        )
    return tuple(check_int(n, "each entry of shape", where, 1) for n in shape)


def _check_mask(mask: object, shape: tuple, where: str) -> np.ndarray:
    """The mask must match the data's shape, or broadcast to it along axes of size 1 only (a
    shared mask): a mask of another shape would silently change the data's shape."""
    mask = as_float_array(mask, "mask", where, allow_empty=True)
    if mask.ndim == 0:  # one factor for every value
        return mask
    if mask.ndim != len(shape) or any(
        m not in (1, n) for m, n in zip(mask.shape, shape, strict=True)
    ):
        raise ValueError(
            f"{where}: expected mask of shape {shape} (or 1 along shared axes), received "
            f"{mask.shape}"
        )
    return mask


def dropout_mask(
    shape: tuple, rate: float, rng: np.random.Generator, dtype=np.float64
) -> np.ndarray:
    """A scaled keep-mask of ``shape``: 1/(1-rate) where kept, 0 where dropped.

    ``shape`` may have 1s where the mask is shared (Keras's noise_shape, e.g. (N, 1, 1, C) drops
    whole channels); it broadcasts against the input.
    """
    rate = check_number(rate, "rate", "dropout_mask", 0.0, 1.0, open_high=True)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"dropout_mask: expected rng as a numpy.random.Generator, received {type(rng).__name__}"
        )
    shape = _check_shape(shape, "dropout_mask")
    keep = rng.random(shape) >= rate
    return keep.astype(dtype) / np.asarray(1.0 - rate, dtype=dtype)


def dropout_forward(x: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``out = x * mask``; the cache is the mask."""
    x = as_float_array(x, "x", "dropout_forward")
    mask = _check_mask(mask, x.shape, "dropout_forward")
    return x * mask, mask


def dropout_backward(dout: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``dx = dout * mask`` (a shared mask broadcasts, as in the forward pass)."""
    dout = as_float_array(dout, "dout", "dropout_backward")
    mask = _check_mask(mask, dout.shape, "dropout_backward")
    return dout * mask
