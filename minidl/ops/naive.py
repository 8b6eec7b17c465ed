"""The textbook loops: each operation written as directly as its formula, one output at a time.

These are the lesson (read them next to the formulas) and the oracle (the fast paths in
``minidl.ops`` are tested against them). They are slow on purpose: four nested Python loops do
in seconds what one matrix product does in milliseconds (benchmarks/bench_conv.py shows by how
much). Same arguments, caches and results as the fast functions they mirror.
"""

from __future__ import annotations

import numpy as np

from .conv import _output_shape, normalize_padding, to_pair
from .pool import pool_geometry

__all__ = [
    "avg_pool2d_backward_naive",
    "avg_pool2d_forward_naive",
    "conv2d_backward_naive",
    "conv2d_forward_naive",
    "max_pool2d_backward_naive",
    "max_pool2d_forward_naive",
]


def conv2d_forward_naive(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
) -> tuple[np.ndarray, tuple]:
    """Convolution by the formula, channels-last:

        out[n, i, j, f] = b[f] + sum_{p, q, c} xp[n, i*sh + p*dh, j*sw + q*dw, c] * w[p, q, c, f]

    for every example n, output row i, output column j and filter f; xp is x zero-padded.
    """
    where = "conv2d_forward_naive"
    kh, kw, _, F = w.shape
    sh, sw = to_pair(stride, "stride", where, 1)
    dh, dw = to_pair(dilation, "dilation", where, 1)
    pad = normalize_padding(padding, (kh, kw), (sh, sw), (dh, dw), x.shape[1:3], where)
    N, H_out, W_out, _ = _output_shape(x.shape, w.shape, (sh, sw), pad, (dh, dw), where)
    xp = np.pad(x, ((0, 0), pad[0], pad[1], (0, 0)))
    out = np.zeros((N, H_out, W_out, F), dtype=np.result_type(x, w))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                # the window under the kernel: rows i*sh, i*sh + dh, ..., likewise columns
                window = xp[
                    n,
                    i * sh : i * sh + dh * (kh - 1) + 1 : dh,
                    j * sw : j * sw + dw * (kw - 1) + 1 : dw,
                    :,
                ]
                for f in range(F):
                    out[n, i, j, f] = np.sum(window * w[:, :, :, f]) + (0 if b is None else b[f])
    return out, (x, w, b is not None, (sh, sw), pad, (dh, dw))


def conv2d_backward_naive(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The two backward formulas, by the chain rule on each term of the forward sum:

        dw[p, q, c, f] = sum_{n, i, j} xp[n, i*sh + p*dh, j*sw + q*dw, c] * dout[n, i, j, f]
        dxp[n, i*sh + p*dh, j*sw + q*dw, c] += w[p, q, c, f] * dout[n, i, j, f]   (for all n, i, j, f)
        db[f] = sum_{n, i, j} dout[n, i, j, f]

    then dx is dxp without its padding.
    """
    x, w, has_bias, (sh, sw), pad, (dh, dw) = cache
    kh, kw, _, F = w.shape
    N, H_out, W_out, _ = dout.shape
    xp = np.pad(x, ((0, 0), pad[0], pad[1], (0, 0)))
    dxp = np.zeros_like(xp, dtype=np.result_type(x, w))
    dW = np.zeros_like(w, dtype=np.result_type(x, w))
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
                cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                for f in range(F):
                    dW[:, :, :, f] += xp[n, rows, cols, :] * dout[n, i, j, f]
                    dxp[n, rows, cols, :] += w[:, :, :, f] * dout[n, i, j, f]
    (pt, _), (pl, _) = pad
    dx = dxp[:, pt : pt + x.shape[1], pl : pl + x.shape[2], :]
    db = dout.sum(axis=(0, 1, 2)) if has_bias else None
    return dx, dW, db


def _pool_windows(x_shape, pool_size, strides, padding, where):
    """Yield (n, i, j, rows, cols) for every window, with rows/cols clipped to the real image."""
    (ph, pw), (sh, sw), ((top, _), (left, _)), (h_out, w_out) = pool_geometry(
        x_shape, pool_size, strides, padding, where
    )
    for n in range(x_shape[0]):
        for i in range(h_out):
            for j in range(w_out):
                r0, c0 = i * sh - top, j * sw - left  # window corner in unpadded coordinates
                rows = range(max(r0, 0), min(r0 + ph, x_shape[1]))
                cols = range(max(c0, 0), min(c0 + pw, x_shape[2]))
                yield n, i, j, rows, cols


def max_pool2d_forward_naive(x, pool_size=2, strides=None, padding="valid"):
    """out[n, i, j, c] = max of x over the window's real (unpadded) cells."""
    *_, (h_out, w_out) = pool_geometry(
        x.shape, pool_size, strides, padding, "max_pool2d_forward_naive"
    )
    out = np.zeros((x.shape[0], h_out, w_out, x.shape[3]), x.dtype)
    for n, i, j, rows, cols in _pool_windows(x.shape, pool_size, strides, padding, "max_pool2d"):
        for c in range(x.shape[3]):
            out[n, i, j, c] = max(x[n, r, s, c] for r in rows for s in cols)
    return out, (x, pool_size, strides, padding)


def max_pool2d_backward_naive(dout, cache):
    """dx[first maximum of each window] += dout (row-major order decides ties)."""
    x, pool_size, strides, padding = cache
    dx = np.zeros_like(x)
    for n, i, j, rows, cols in _pool_windows(x.shape, pool_size, strides, padding, "max_pool2d"):
        for c in range(x.shape[3]):
            best = None
            for r in rows:
                for s in cols:
                    if best is None or x[n, r, s, c] > x[n, best[0], best[1], c]:
                        best = (r, s)
            dx[n, best[0], best[1], c] += dout[n, i, j, c]
    return dx


def avg_pool2d_forward_naive(x, pool_size=2, strides=None, padding="valid"):
    """out[n, i, j, c] = mean of x over the window's real (unpadded) cells."""
    *_, (h_out, w_out) = pool_geometry(
        x.shape, pool_size, strides, padding, "avg_pool2d_forward_naive"
    )
    out = np.zeros((x.shape[0], h_out, w_out, x.shape[3]), x.dtype)
    for n, i, j, rows, cols in _pool_windows(x.shape, pool_size, strides, padding, "avg_pool2d"):
        for c in range(x.shape[3]):
            values = [x[n, r, s, c] for r in rows for s in cols]
            out[n, i, j, c] = sum(values) / len(values)
    return out, (x, pool_size, strides, padding)


def avg_pool2d_backward_naive(dout, cache):
    """Each cell of a window gets dout / (number of real cells in the window)."""
    x, pool_size, strides, padding = cache
    dx = np.zeros_like(x)
    for n, i, j, rows, cols in _pool_windows(x.shape, pool_size, strides, padding, "avg_pool2d"):
        for c in range(x.shape[3]):
            for r in rows:
                for s in cols:
                    dx[n, r, s, c] += dout[n, i, j, c] / (len(rows) * len(cols))
    return dx
