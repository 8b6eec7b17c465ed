"""Pooling, channels-last: max and average over windows, and their global versions.

For x (N, H, W, C), a pool of (ph, pw) moved by strides (sh, sw) over x padded by
((top, bottom), (left, right)):

    max:      out[n, i, j, c] = max  over (p, q) of xp[n, i*sh + p, j*sw + q, c]
    average:  out[n, i, j, c] = mean over (p, q) of the same values, padded cells left out

Padding cells never win a max (they are -inf) and are not counted in an average (Keras's rule;
PyTorch's ``count_include_pad=False``). Shape: H_out = floor((H + top + bottom - ph) / sh) + 1;
'same' padding gives H_out = ceil(H / sh), with the odd padding pixel at the bottom/right.

Backward:
    max:      each dout goes to the one input that was the maximum of its window. Ties: the first
              maximum in row-major window order (top row first, then left to right) takes it all,
              so every window passes on exactly its dout and the gradients sum correctly.
    average:  each dout is shared equally among the window's counted cells: dout / count.

The fast path loops over the ph*pw offsets inside the window only: each step is one
whole-array operation on a strided view (no Python loop over batch, height or width).
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, as_gradient, check_cache
from .conv import _windows, normalize_padding, to_pair

__all__ = [
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "global_avg_pool2d_backward",
    "global_avg_pool2d_forward",
    "global_max_pool2d_backward",
    "global_max_pool2d_forward",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "pool_geometry",
]


def pool_geometry(x_shape: tuple, pool_size: object, strides: object, padding: object, where: str):
    """Check the arguments and return ``(pool, strides, pad, (H_out, W_out))``.

    strides=None means strides = pool_size, as in Keras.
    """
    pool = to_pair(pool_size, "pool_size", where, 1)
    strides = pool if strides is None else to_pair(strides, "strides", where, 1)
    if isinstance(padding, str) and padding.lower() not in ("valid", "same"):
        raise ValueError(f"{where}: expected padding 'valid' or 'same', received {padding!r}")
    pad = normalize_padding(padding, pool, strides, (1, 1), x_shape[1:3], where)
    h_out = (x_shape[1] + sum(pad[0]) - pool[0]) // strides[0] + 1
    w_out = (x_shape[2] + sum(pad[1]) - pool[1]) // strides[1] + 1
    if h_out < 1 or w_out < 1:
        raise ValueError(
            f"{where}: the {pool[0]}x{pool[1]} pool does not fit in the padded input "
            f"{x_shape[1] + sum(pad[0])}x{x_shape[2] + sum(pad[1])}: the output would be empty"
        )
    if max(pad[0]) >= pool[0] or max(pad[1]) >= pool[1]:
        raise ValueError(
            f"{where}: padding {pad} must be smaller than the pool {pool} on each side"
        )
    return pool, strides, pad, (h_out, w_out)


def _check_x(x: np.ndarray, where: str) -> np.ndarray:
    return as_float_array(x, "x", where, ndim=4)


def _offsets(pool: tuple) -> list[tuple[int, int]]:
    return [(p, q) for p in range(pool[0]) for q in range(pool[1])]


def max_pool2d_forward(
    x: np.ndarray, pool_size: object = 2, strides: object = None, padding: object = "valid"
) -> tuple[np.ndarray, tuple]:
    """Max pooling. Returns ``(out, cache)``, out of shape (N, H_out, W_out, C)."""
    where = "max_pool2d_forward"
    x = _check_x(x, where)
    pool, strides, pad, out_hw = pool_geometry(x.shape, pool_size, strides, padding, where)
    padded = any(pad[0]) or any(pad[1])
    xp = np.pad(x, ((0, 0), pad[0], pad[1], (0, 0)), constant_values=-np.inf) if padded else x
    windows = _windows(xp, pool, out_hw, strides, (1, 1))
    taps = _offsets(pool)
    out = windows[:, :, :, 0, 0].copy()
    # argmax: which offset won, as p * pw + q. Only a strictly greater value takes over, so on a
    # tie the earlier offset keeps it (the first maximum in row-major order). Updated by
    # arithmetic, argmax += better * (k - argmax), which NumPy runs far faster than a masked copy.
    index = np.uint8 if len(taps) <= 256 else np.intp
    argmax = np.zeros(out.shape, dtype=index)
    better = np.empty(out.shape, dtype=bool)
    for k, (p, q) in enumerate(taps[1:], start=1):
        candidate = windows[:, :, :, p, q]
        np.greater(candidate, out, out=better)
        np.maximum(out, candidate, out=out)
        argmax += better.astype(index) * (index(k) - argmax)
    return out, (x.shape, pool, strides, pad, argmax)


def max_pool2d_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Route each dout to its window's maximum (see the module docstring for ties)."""
    x_shape, pool, strides, pad, argmax = check_cache(
        cache, 5, "max_pool2d_backward", "max_pool2d_forward"
    )
    dout = _check_dout(dout, argmax.shape, "max_pool2d_backward")
    dxp = np.zeros(
        (x_shape[0], x_shape[1] + sum(pad[0]), x_shape[2] + sum(pad[1]), x_shape[3]), dout.dtype
    )
    # Windows that do not overlap (strides >= pool, the usual 2x2/2) each own their cells, so
    # every tap can write its share straight into place; overlapping ones must add up.
    overlap = strides[0] < pool[0] or strides[1] < pool[1]
    for k, (p, q) in enumerate(_offsets(pool)):
        cells = _window_slice(dxp, p, q, strides, argmax.shape)
        if overlap:
            cells += dout * (argmax == k)
        else:
            np.multiply(dout, argmax == k, out=cells)
    return _unpad(dxp, pad, x_shape)


def avg_pool2d_forward(
    x: np.ndarray, pool_size: object = 2, strides: object = None, padding: object = "valid"
) -> tuple[np.ndarray, tuple]:
    """Average pooling, padded cells excluded from the count."""
    where = "avg_pool2d_forward"
    x = _check_x(x, where)
    pool, strides, pad, out_hw = pool_geometry(x.shape, pool_size, strides, padding, where)
    xp = np.pad(x, ((0, 0), pad[0], pad[1], (0, 0)))
    inside = np.pad(np.ones((1, *x.shape[1:3], 1), x.dtype), ((0, 0), pad[0], pad[1], (0, 0)))
    windows = _windows(xp, pool, out_hw, strides, (1, 1))
    inside_windows = _windows(inside, pool, out_hw, strides, (1, 1))
    total = np.zeros((x.shape[0], *out_hw, x.shape[3]), x.dtype)
    count = np.zeros((1, *out_hw, 1), x.dtype)
    for p, q in _offsets(pool):
        total += windows[:, :, :, p, q]
        count += inside_windows[:, :, :, p, q]
    return total / count, (x.shape, pool, strides, pad, count)


def avg_pool2d_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Share each dout equally among the counted cells of its window."""
    x_shape, pool, strides, pad, count = check_cache(
        cache, 5, "avg_pool2d_backward", "avg_pool2d_forward"
    )
    dout = _check_dout(dout, (x_shape[0], *count.shape[1:3], x_shape[3]), "avg_pool2d_backward")
    share = dout / count
    dxp = np.zeros(
        (x_shape[0], x_shape[1] + sum(pad[0]), x_shape[2] + sum(pad[1]), x_shape[3]), share.dtype
    )
    for p, q in _offsets(pool):
        _window_slice(dxp, p, q, strides, share.shape)[...] += share
    return _unpad(dxp, pad, x_shape)  # shares that landed on padding are dropped


def global_avg_pool2d_forward(x: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Mean over H and W: (N, H, W, C) -> (N, C)."""
    x = _check_x(x, "global_avg_pool2d_forward")
    return x.mean(axis=(1, 2)), (x.shape,)


def global_avg_pool2d_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Every pixel of a channel gets dout / (H * W)."""
    (x_shape,) = check_cache(cache, 1, "global_avg_pool2d_backward", "global_avg_pool2d_forward")
    dout = _check_dout(dout, (x_shape[0], x_shape[3]), "global_avg_pool2d_backward")
    share = dout / (x_shape[1] * x_shape[2])
    return np.broadcast_to(share[:, None, None, :], x_shape).copy()


def global_max_pool2d_forward(x: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Max over H and W: (N, H, W, C) -> (N, C)."""
    x = _check_x(x, "global_max_pool2d_forward")
    flat = x.reshape(x.shape[0], -1, x.shape[3])
    argmax = flat.argmax(axis=1)  # the first maximum in row-major order, as max_pool2d
    return np.take_along_axis(flat, argmax[:, None, :], axis=1)[:, 0, :], (x.shape, argmax)


def global_max_pool2d_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """All of dout goes to the (first) maximum of each channel."""
    x_shape, argmax = check_cache(
        cache, 2, "global_max_pool2d_backward", "global_max_pool2d_forward"
    )
    dout = _check_dout(dout, (x_shape[0], x_shape[3]), "global_max_pool2d_backward")
    dx = np.zeros((x_shape[0], x_shape[1] * x_shape[2], x_shape[3]), dout.dtype)
    np.put_along_axis(dx, argmax[:, None, :], dout[:, None, :], axis=1)
    return dx.reshape(x_shape)


def _check_dout(dout: np.ndarray, shape: tuple, where: str) -> np.ndarray:
    return as_gradient(dout, shape, "dout", where, of="the output's")


def _window_slice(dxp: np.ndarray, p: int, q: int, strides: tuple, out_shape: tuple) -> np.ndarray:
    """The cells that offset (p, q) of every window reads: a strided view of dxp."""
    h_out, w_out = out_shape[1:3]
    return dxp[
        :,
        p : p + strides[0] * (h_out - 1) + 1 : strides[0],
        q : q + strides[1] * (w_out - 1) + 1 : strides[1],
    ]


def _unpad(dxp: np.ndarray, pad: tuple, x_shape: tuple) -> np.ndarray:
    (top, _), (left, _) = pad
    return np.ascontiguousarray(dxp[:, top : top + x_shape[1], left : left + x_shape[2]])
