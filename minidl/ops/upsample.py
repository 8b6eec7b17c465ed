"""Making images larger: the transposed convolution and nearest-neighbour upsampling.

Transposed convolution (a.k.a. "deconvolution", though it inverts nothing) is the adjoint of
``conv2d`` with respect to its input: where conv2d gathers a kh x kw window into one output
pixel, the transposed convolution spreads each input pixel, weighted by the kernel, over a
kh x kw window of the output. With the same kernel w (kh, kw, C, F) and geometry,

    <conv2d(z, w), x> = <z, conv2d_transpose(x, w)>     for every z (N, H_out, W_out, C), x (N, H, W, F)

so conv2d_transpose maps (N, H, W, F) to (N, H_out, W_out, C), with
    H_out = (H - 1)*sh + dh*(kh - 1) + 1 - P_top - P_bottom + output_padding
(the conv2d output-size formula solved for its input). 'same' gives H_out = H * sh, as in Keras.
Its forward pass is conv2d's input gradient (col2im); its backward pass is a conv2d.

Nearest-neighbour upsampling repeats each pixel (sh x sw) times; its backward sums each block.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, as_gradient, check_cache
from .conv import (
    _batch_chunk,
    _buffer_budget,
    _correlate,
    _input_gradient,
    _kernel_gradient,
    bias_gradient,
    normalize_padding,
    to_pair,
)

__all__ = [
    "conv2d_transpose_backward",
    "conv2d_transpose_forward",
    "upsample_nearest_backward",
    "upsample_nearest_forward",
]


def _transpose_padding(padding: object, k: tuple, stride: tuple, dilation: tuple, where: str):
    """((top, bottom), (left, right)) cropped from the full output, and the output padding."""
    if isinstance(padding, str) and padding.lower() == "same":
        sides, extra = [], []
        for kk, s, d in zip(k, stride, dilation, strict=True):
            total = d * (kk - 1) + 1 - s  # what must be cropped for H_out = H * s
            sides.append((max(total, 0) // 2, max(total, 0) - max(total, 0) // 2))
            extra.append(max(-total, 0))  # a kernel shorter than the stride: add zeros instead
        return (sides[0], sides[1]), tuple(extra)
    return normalize_padding(padding, k, stride, dilation, None, where), (0, 0)


def conv2d_transpose_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    output_padding: object = 0,
    max_buffer_bytes: int | None = None,
) -> tuple[np.ndarray, tuple]:
    """Transposed convolution: x (N, H, W, F), w (kh, kw, C, F), b (C,) -> (N, H_out, W_out, C).

    Args:
        padding: int, pair, ((top, bottom), (left, right)), 'valid' (0) or 'same' (H_out = H*sh).
        output_padding: int or pair: rows/columns added at the bottom/right (they get only the
            bias), to reach sizes that several inputs of conv2d would share.

    Shape:
        H_out = (H - 1)*sh + dh*(kh - 1) + 1 - P_top - P_bottom + output_padding.
    """
    where = "conv2d_transpose_forward"
    x = as_float_array(x, "x", where, ndim=4)
    w = as_float_array(w, "w", where, ndim=4)
    kh, kw, C, F = w.shape
    if x.shape[3] != F:
        raise ValueError(
            f"{where}: expected w of shape (kh, kw, C_out, {x.shape[3]}) for x {x.shape} "
            f"(the last axis of w matches x's channels), received w {w.shape}"
        )
    if b is not None:
        b = as_float_array(b, "b", where, ndim=1)
        if b.shape != (C,):
            raise ValueError(f"{where}: expected b of shape ({C},), received {b.shape}")
    stride = to_pair(stride, "stride", where, 1)
    dilation = to_pair(dilation, "dilation", where, 1)
    pad, extra = _transpose_padding(padding, (kh, kw), stride, dilation, where)
    op = to_pair(output_padding, "output_padding", where, 0)
    extra = (extra[0] + op[0], extra[1] + op[1])
    N, H, W, _ = x.shape
    full = (
        (H - 1) * stride[0] + dilation[0] * (kh - 1) + 1 + extra[0],
        (W - 1) * stride[1] + dilation[1] * (kw - 1) + 1 + extra[1],
    )
    out_hw = (full[0] - sum(pad[0]), full[1] - sum(pad[1]))
    if out_hw[0] < 1 or out_hw[1] < 1:
        raise ValueError(f"{where}: padding {pad} crops the whole {full[0]}x{full[1]} output")
    dtype = np.result_type(x.dtype, w.dtype)
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    budget = _buffer_budget(max_buffer_bytes, where)
    chunk = _batch_chunk(N, H * W * kh * kw * C * dtype.itemsize, budget)
    full_out = _input_gradient(x, w, (N, *full, C), stride, dilation, chunk)
    (pt, _), (pl, _) = pad
    out = np.ascontiguousarray(full_out[:, pt : pt + out_hw[0], pl : pl + out_hw[1]])
    if b is not None:
        out += b.astype(dtype, copy=False)
    return out, (x, w, b is not None, stride, pad, dilation, full, chunk)


def conv2d_transpose_backward(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Gradients of ``conv2d_transpose_forward``: ``(dx, dw, db)``.

    dx is conv2d of dout (zero-filled back to the full size) with the same kernel; dw is conv2d's
    kernel gradient with the roles of input and output gradient exchanged.
    """
    where = "conv2d_transpose_backward"
    cached = check_cache(cache, 8, where, "conv2d_transpose_forward")
    x, w, has_bias, stride, pad, dilation, full, chunk = cached
    N, H, W, _ = x.shape
    C = w.shape[2]
    (pt, pb), (pl, pr) = pad
    expected = (N, full[0] - pt - pb, full[1] - pl - pr, C)
    dout = as_gradient(dout, expected, "dout", where)
    dout = dout.astype(x.dtype, copy=False)
    dfull = np.zeros((N, *full, C), dtype=x.dtype)
    dfull[:, pt : pt + expected[1], pl : pl + expected[2]] = dout
    dx = _correlate(dfull, w, (H, W), stride, dilation, chunk)
    dw = _kernel_gradient(dfull, x, w.shape, stride, dilation, chunk)
    db = bias_gradient(dout) if has_bias else None
    return dx, dw, db


def upsample_nearest_forward(x: np.ndarray, size: object = 2) -> tuple[np.ndarray, tuple]:
    """Repeat each pixel: (N, H, W, C) -> (N, H*sh, W*sw, C)."""
    where = "upsample_nearest_forward"
    x = as_float_array(x, "x", where, ndim=4)
    sh, sw = to_pair(size, "size", where, 1)
    return x.repeat(sh, axis=1).repeat(sw, axis=2), (x.shape, (sh, sw))


def upsample_nearest_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Each input pixel was copied to an sh x sw block; its gradient is the block's sum."""
    where = "upsample_nearest_backward"
    (N, H, W, C), (sh, sw) = check_cache(cache, 2, where, "upsample_nearest_forward")
    dout = as_gradient(dout, (N, H * sh, W * sw, C), "dout", where)
    return dout.reshape(N, H, sh, W, sw, C).sum(axis=(2, 4))
