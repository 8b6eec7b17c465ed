"""The course's convolution assignment ("Convolutional Model: step by step"), as a student writes it.

Names, layouts, caches and results follow the course (Convolutional Neural Networks, week 1), so
its tests and expected outputs apply unchanged:

    X, A_prev  (m, n_H_prev, n_W_prev, n_C_prev)    channels-last, like the rest of minidl
    W          (f, f, n_C_prev, n_C)                 b  (1, 1, 1, n_C)
    hparameters {"stride": s, "pad": p} for convolution, {"stride": s, "f": f} for pooling

Everything here is loops over examples, output rows, output columns and channels: slow, and
meant to be read next to the formulas. The fast versions are ``minidl.ops.conv`` and
``minidl.ops.pool``; tests check that both give the same numbers.

Output size (no padding for pooling):
    n_H = floor((n_H_prev - f + 2 * pad) / stride) + 1, likewise n_W.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, check_int, check_number, received

__all__ = [
    "conv_backward",
    "conv_forward",
    "conv_single_step",
    "create_mask_from_window",
    "distribute_value",
    "pool_backward",
    "pool_forward",
    "zero_pad",
]


def _hparameter(hparameters: dict, key: str, where: str, minimum: int) -> int:
    if not isinstance(hparameters, dict) or key not in hparameters:
        raise ValueError(
            f"{where}: expected hparameters with key {key!r}, received {hparameters!r}"
        )
    return check_int(hparameters[key], f"hparameters[{key!r}]", where, minimum)


def _check_batch(A: object, name: str, where: str) -> np.ndarray:
    return as_float_array(A, name, where, ndim=4)


def _check_cache(cache: object, names: tuple[str, ...], made_by: str, where: str) -> tuple:
    if not isinstance(cache, tuple) or len(cache) != len(names):
        if isinstance(cache, tuple):
            shown = f"a tuple of {len(cache)}"
        else:
            shown = "None" if cache is None else type(cache).__name__
        raise TypeError(
            f"{where}: expected the cache ({', '.join(names)}) that {made_by} returned, "
            f"received {shown}"
        )
    return cache


def zero_pad(X: np.ndarray, pad: int) -> np.ndarray:
    """Pad the height and width of every image with ``pad`` zeros on each side.

    Shape: (m, n_H, n_W, n_C) -> (m, n_H + 2*pad, n_W + 2*pad, n_C).
    """
    X = _check_batch(X, "X", "zero_pad")
    pad = check_int(pad, "pad", "zero_pad", 0, expected="a non-negative integer")
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)


def conv_single_step(a_slice_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.float64:
    """One output value: multiply a window by a filter element-wise, sum, add the bias.

    a_slice_prev and W: (f, f, n_C_prev); b: (1, 1, 1).
    """
    where = "conv_single_step"
    # conv_forward passes slices of arrays it has checked; anything else is checked here
    if not isinstance(a_slice_prev, np.ndarray):
        a_slice_prev = as_float_array(a_slice_prev, "a_slice_prev", where)
    if not isinstance(W, np.ndarray):
        W = as_float_array(W, "W", where)
    if not isinstance(b, np.ndarray):
        b = as_float_array(b, "b", where)
    if a_slice_prev.shape != W.shape:
        raise ValueError(
            f"conv_single_step: expected a_slice_prev and W of the same shape, received "
            f"{a_slice_prev.shape} and {W.shape}"
        )
    if b.size != 1:
        raise ValueError(f"{where}: expected b of shape (1, 1, 1), received {b.shape}")
    s = np.multiply(a_slice_prev, W)
    return np.float64(np.sum(s) + np.asarray(b, dtype=np.float64).item())


def _conv_sizes(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: dict, where: str):
    stride = _hparameter(hparameters, "stride", where, 1)
    pad = _hparameter(hparameters, "pad", where, 0)
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    if W.ndim != 4 or W.shape[0] != W.shape[1] or W.shape[2] != n_C_prev:
        raise ValueError(
            f"{where}: expected W of shape (f, f, {n_C_prev}, n_C) for A_prev {A_prev.shape}, received {W.shape}"
        )
    if np.shape(b) != (1, 1, 1, W.shape[3]):
        raise ValueError(
            f"{where}: expected b of shape (1, 1, 1, {W.shape[3]}), received {np.shape(b)}"
        )
    f = W.shape[0]
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1
    if n_H < 1 or n_W < 1:
        raise ValueError(
            f"{where}: the {f}x{f} filter does not fit in the padded input "
            f"{n_H_prev + 2 * pad}x{n_W_prev + 2 * pad}: the output would be empty"
        )
    return m, n_H, n_W, W.shape[3], f, stride, pad


def conv_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: dict):
    """Convolution by loops. Returns ``(Z, cache)``, Z (m, n_H, n_W, n_C), cache (A_prev, W, b, hparameters)."""
    where = "conv_forward"
    A_prev = _check_batch(A_prev, "A_prev", where)
    W = as_float_array(W, "W", where)
    m, n_H, n_W, n_C, f, stride, pad = _conv_sizes(A_prev, W, b, hparameters, where)
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])
    return Z, (A_prev, W, b, hparameters)


def conv_backward(dZ: np.ndarray, cache: tuple):
    """Gradients of ``conv_forward`` by loops: returns ``(dA_prev, dW, db)``.

    da_prev_pad[window] += W[:, :, :, c] * dZ[i, h, w, c]
    dW[:, :, :, c]      += a_slice * dZ[i, h, w, c]
    db[:, :, :, c]      += dZ[i, h, w, c]
    """
    where = "conv_backward"
    A_prev, W, b, hparameters = _check_cache(
        cache, ("A_prev", "W", "b", "hparameters"), "conv_forward", where
    )
    A_prev = _check_batch(A_prev, "A_prev (in the cache)", where)
    W = as_float_array(W, "W (in the cache)", where)
    m, n_H, n_W, n_C, f, stride, pad = _conv_sizes(A_prev, W, b, hparameters, where)
    dZ = _check_batch(dZ, "dZ", where)
    if dZ.shape != (m, n_H, n_W, n_C):
        raise ValueError(
            f"{where}: expected dZ of shape {(m, n_H, n_W, n_C)} (that of Z), received {dZ.shape}"
        )
    dA_prev = np.zeros(A_prev.shape)
    dW = np.zeros(W.shape)
    db = np.zeros((1, 1, 1, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        a_prev_pad, da_prev_pad = A_prev_pad[i], dA_prev_pad[i]
        for h in range(n_H):
            vert_start, vert_end = h * stride, h * stride + f
            for w in range(n_W):
                horiz_start, horiz_end = w * stride, w * stride + f
                a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += (
                        W[:, :, :, c] * dZ[i, h, w, c]
                    )
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        # explicit ends, so that pad = 0 works too (X[0:-0] would be empty)
        dA_prev[i] = da_prev_pad[pad : pad + A_prev.shape[1], pad : pad + A_prev.shape[2], :]
    return dA_prev, dW, db


def _pool_sizes(A_prev: np.ndarray, hparameters: dict, mode: str, where: str):
    if mode not in ("max", "average"):
        raise ValueError(f"{where}: expected mode 'max' or 'average', received {mode!r}")
    f = _hparameter(hparameters, "f", where, 1)
    stride = _hparameter(hparameters, "stride", where, 1)
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    if n_H < 1 or n_W < 1:
        raise ValueError(
            f"{where}: the {f}x{f} pool does not fit in the input {n_H_prev}x{n_W_prev}"
        )
    return m, n_H, n_W, n_C, f, stride


def pool_forward(A_prev: np.ndarray, hparameters: dict, mode: str = "max"):
    """Max or average pooling by loops. Returns ``(A, cache)``, cache (A_prev, hparameters)."""
    where = "pool_forward"
    A_prev = _check_batch(A_prev, "A_prev", where)
    m, n_H, n_W, n_C, f, stride = _pool_sizes(A_prev, hparameters, mode, where)
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            vert_start, vert_end = h * stride, h * stride + f
            for w in range(n_W):
                horiz_start, horiz_end = w * stride, w * stride + f
                for c in range(n_C):
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    A[i, h, w, c] = np.max(a_prev_slice) if mode == "max" else np.mean(a_prev_slice)
    return A, (A_prev, hparameters)


def create_mask_from_window(x: np.ndarray) -> np.ndarray:
    """True where x equals its maximum (every maximum, when there are ties, as in the course).

    x: a non-empty (f, f) window of finite numbers.
    """
    x = as_float_array(x, "x", "create_mask_from_window", ndim=2)
    return x == np.max(x)


def distribute_value(dz: float, shape: tuple) -> np.ndarray:
    """Spread dz evenly over a (n_H, n_W) window: each cell gets dz / (n_H * n_W)."""
    where = "distribute_value"
    dz = check_number(dz, "dz", where)
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(
            f"{where}: expected shape as a pair (n_H, n_W) of positive integers, received "
            f"{received(shape)}"
        )
    n_H = check_int(shape[0], "n_H (shape[0])", where, 1)
    n_W = check_int(shape[1], "n_W (shape[1])", where, 1)
    average = dz / (n_H * n_W)
    return np.ones((n_H, n_W)) * average


def pool_backward(dA: np.ndarray, cache: tuple, mode: str = "max") -> np.ndarray:
    """Gradient of ``pool_forward`` by loops: max sends dA to the window's maximum (the mask),
    average shares it evenly (distribute_value)."""
    where = "pool_backward"
    A_prev, hparameters = _check_cache(cache, ("A_prev", "hparameters"), "pool_forward", where)
    A_prev = _check_batch(A_prev, "A_prev (in the cache)", where)
    m, n_H, n_W, n_C, f, stride = _pool_sizes(A_prev, hparameters, mode, where)
    dA = _check_batch(dA, "dA", where)
    if dA.shape != (m, n_H, n_W, n_C):
        raise ValueError(
            f"{where}: expected dA of shape {(m, n_H, n_W, n_C)} (that of A), received {dA.shape}"
        )
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            vert_start, vert_end = h * stride, h * stride + f
            for w in range(n_W):
                horiz_start, horiz_end = w * stride, w * stride + f
                for c in range(n_C):
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += (
                            mask * dA[i, h, w, c]
                        )
                    else:
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += (
                            distribute_value(dA[i, h, w, c], (f, f))
                        )
    return dA_prev
