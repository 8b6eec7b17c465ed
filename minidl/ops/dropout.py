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

__all__ = ["dropout_backward", "dropout_forward", "dropout_mask"]


def dropout_mask(
    shape: tuple, rate: float, rng: np.random.Generator, dtype=np.float64
) -> np.ndarray:
    """A scaled keep-mask of ``shape``: 1/(1-rate) where kept, 0 where dropped.

    ``shape`` may have 1s where the mask is shared (Keras's noise_shape, e.g. (N, 1, 1, C) drops
    whole channels); it broadcasts against the input.
    """
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout_mask: expected rate in [0, 1), received {rate!r}")
    keep = rng.random(shape) >= rate
    return keep.astype(dtype) / np.asarray(1.0 - rate, dtype=dtype)


def dropout_forward(x: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``out = x * mask``; the cache is the mask."""
    return x * mask, mask


def dropout_backward(dout: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``dx = dout * mask`` (a shared mask broadcasts, as in the forward pass)."""
    return dout * mask
