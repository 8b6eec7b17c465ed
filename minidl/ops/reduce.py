"""Sums over the batch and the pixels, one per channel: what bias and BatchNorm gradients need.

``channel_sums(a)`` equals ``a.sum(axis=tuple(range(a.ndim - 1)))``, written as the product of a
row of ones with ``a`` seen as a (pixels, channels) matrix. The result is the same; BLAS runs the
product several times faster than NumPy reduces over three axes of a large float32 array
(about 0.2 ms against 1.6 ms for a (32, 64, 64, 8) batch on the 2-core machine of the benchmarks).
"""

from __future__ import annotations

import numpy as np

__all__ = ["channel_sums"]


def channel_sums(a: np.ndarray) -> np.ndarray:
    """Sum over every axis but the last: (N, ..., C) -> (C,)."""
    rows = a.reshape(-1, a.shape[-1])
    return np.ones(rows.shape[0], dtype=a.dtype) @ rows
