"""The fully connected (dense, affine, linear) layer as a pair of pure functions.

Forward, for a batch of N examples stored as rows (batch-first):

    out = x @ W + b          x: (N, D_in)   W: (D_in, D_out)   b: (D_out,)   out: (N, D_out)

Backward, given dout = dL/dout of shape (N, D_out), by the chain rule on each entry of the
product out[n, j] = sum_i x[n, i] W[i, j] + b[j]:

    dx = dout @ W.T          (N, D_in)    each input feeds every output through its weight
    dW = x.T @ dout          (D_in, D_out) summed over the batch: W is shared by every example
    db = dout.sum(axis=0)    (D_out,)      the bias is added to every example

No 1/N appears here: averaging over the batch belongs to the loss, whose gradient already
carries it.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, as_gradient, check_cache

__all__ = ["dense_backward", "dense_forward"]


def dense_forward(
    x: np.ndarray, W: np.ndarray, b: np.ndarray | None = None
) -> tuple[np.ndarray, tuple]:
    """Affine map of a batch: ``out = x @ W + b``.

    Args:
        x: inputs, one example per row.
        W: weights, one column per output unit.
        b: biases, or None for a layer without bias (default None).

    Returns:
        ``(out, cache)``; the cache ``(x, W, has_bias)`` is what ``dense_backward`` needs.

    Shape:
        x (N, D_in), W (D_in, D_out), b (D_out,) -> out (N, D_out).

    Raises:
        ValueError: when the shapes do not line up.
    """
    x, W = as_float_array(x, "x", "dense_forward"), as_float_array(W, "W", "dense_forward")
    if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[0]:
        raise ValueError(
            f"dense_forward: expected x (N, D_in) and W (D_in, D_out) with matching D_in, "
            f"received x {x.shape} and W {W.shape}"
        )
    out = x @ W
    if b is not None:
        b = as_float_array(b, "b", "dense_forward")
        if b.shape != (W.shape[1],):
            raise ValueError(
                f"dense_forward: expected b of shape ({W.shape[1]},) to match W {W.shape}, "
                f"received b {b.shape}"
            )
        out += b
    return out, (x, W, b is not None)


def dense_backward(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Gradients of the affine map.

    Args:
        dout: upstream gradient dL/dout, shape (N, D_out).
        cache: the cache returned by ``dense_forward``.

    Returns:
        ``(dx, dW, db)`` with the shapes of x, W and b (db is None when there was no bias).
    """
    x, W, has_bias = check_cache(cache, 3, "dense_backward", "dense_forward")
    dout = as_gradient(dout, (x.shape[0], W.shape[1]), "dout", "dense_backward")
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0) if has_bias else None
    return dx, dW, db
