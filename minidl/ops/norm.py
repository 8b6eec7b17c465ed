"""Batch normalization: standardise each feature over the batch, then scale and shift it.

For a feature (a channel c of images, or a column of a dense batch), over the m values that
share it (m = N for (N, D) inputs, m = N*H*W for (N, H, W, C) images):

    mu      = (1/m) sum_i x_i
    var     = (1/m) sum_i (x_i - mu)^2          (biased: divided by m, not m - 1)
    x_hat_i = (x_i - mu) / sqrt(var + eps)
    y_i     = gamma * x_hat_i + beta

Backward. Every x_i moves mu and var too, so dx is not just gamma * dy / sqrt(var + eps).
With g_i = gamma * dy_i (the gradient reaching x_hat_i), the three paths collect into

    dx_i   = (1 / sqrt(var + eps)) * (g_i - mean(g) - x_hat_i * mean(g * x_hat))
    dgamma = sum_i dy_i * x_hat_i,   dbeta = sum_i dy_i

At inference the batch's mu and var are replaced by the moving statistics, constants, so the
layer is a fixed affine map: dx = gamma * dy / sqrt(moving_var + eps).

Large inputs. The formulas above square x - mu, which overflows for finite inputs: |x| above
about 1e154 in float64, 1e19 in float32, 256 in float16 (whose sums overflow even sooner). The
forward pass computes them as written, in the input's dtype (the fast path), and checks the
(C,) statistics it found; only when one is not finite (or always, for float16) does it compute
them again the safe way:
in float64, each feature divided by its largest magnitude s and shifted by its first value, so
that every intermediate lies in [-2, 2]; then mu and var are scaled back by s and s^2. A
variance beyond float64's range (|x| near 1e200) cannot be stored in the moving statistics, and
is refused.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import as_float_array, check_int, check_number
from .reduce import channel_sums

__all__ = [
    "BatchNormCache",
    "batchnorm_backward",
    "batchnorm_forward",
    "batchnorm_inference_forward",
]


class BatchNormCache(NamedTuple):
    """What the backward pass needs, plus the batch statistics (for the moving averages)."""

    x_hat: np.ndarray
    gamma: np.ndarray | None
    inv_std: np.ndarray  # 1 / sqrt(var + eps), per feature
    axes: tuple  # the axes averaged over: every axis but the feature axis
    mean: np.ndarray
    var: np.ndarray
    training: bool


def _feature_axes(x: np.ndarray, axis: int) -> tuple:
    axis = axis % x.ndim
    return tuple(a for a in range(x.ndim) if a != axis)


def _sums(a: np.ndarray, axes: tuple) -> np.ndarray:
    """Per-feature sums; channels-last data takes the fast path of ``channel_sums``."""
    return channel_sums(a) if axes == tuple(range(a.ndim - 1)) else a.sum(axis=axes)


def _broadcastable(v: np.ndarray, x: np.ndarray, axis: int) -> np.ndarray:
    """A (C,) vector shaped to broadcast along ``axis`` of x, e.g. (1, C, 1, 1) for axis 1."""
    shape = [1] * x.ndim
    shape[axis % x.ndim] = -1
    return v.reshape(shape)


def _safe_statistics(x: np.ndarray, axes: tuple, axis: int, where: str) -> tuple:
    """``(mean, var, x - mean)`` in float64 without overflow (module docstring): each feature is
    divided by s = max(1, its largest magnitude) and shifted by its first value, so that the
    sums only see numbers in [-2, 2]; the statistics are then scaled back."""
    x64 = x.astype(np.float64)
    first = [0] * x.ndim
    first[axis] = slice(None)
    s = np.maximum(np.abs(x64).max(axis=axes), 1.0)
    u = x64 / _broadcastable(s, x, axis)
    ref = u[tuple(first)].copy()  # a copy: u is shifted in place next
    u -= _broadcastable(ref, x, axis)
    m = x.size // x.shape[axis]
    mean_u = u.sum(axis=axes) / m
    u -= _broadcastable(mean_u, x, axis)
    with np.errstate(over="ignore"):
        var = (u * u).sum(axis=axes) / m * s * s
        mean = (mean_u + ref) * s
    bad = np.flatnonzero(~(np.isfinite(var) & np.isfinite(mean)))
    if bad.size:
        raise ValueError(
            f"{where}: the batch variance of feature(s) {bad[:5].tolist()} exceeds float64's "
            f"range (about 1.8e308), received inputs of magnitude up to {s[bad].max():.3g}; "
            f"expected inputs below about 1e154 (rescale them, e.g. divide by their maximum)"
        )
    return mean, var, u * _broadcastable(s, x, axis)


def _check_axis(x: np.ndarray, axis: object, where: str) -> int:
    """The feature axis as a non-negative int; axis 0 holds the examples, never features."""
    axis = check_int(axis, "axis", where, expected="an int")
    if x.ndim < 2 or not -x.ndim <= axis < x.ndim or axis % x.ndim == 0:
        raise ValueError(
            f"{where}: expected axis to be a feature axis of x (not axis 0, the batch), "
            f"received axis {axis} for x of shape {x.shape}"
        )
    return axis % x.ndim


def _check_vector(v: object, name: str, x: np.ndarray, axis: int, where: str, optional=True):
    """One value per feature: a (C,) array, C = x.shape[axis]; None when the op has none."""
    if v is None and optional:
        return None
    v = as_float_array(v, name, where, ndim=1)
    if v.shape != (x.shape[axis],):
        raise ValueError(
            f"{where}: expected {name} of shape ({x.shape[axis]},), one value per feature of "
            f"x {x.shape} along axis {axis}, received shape {v.shape}"
        )
    return v


def _scale_shift(x_hat, gamma, beta, axis):
    out = x_hat if gamma is None else x_hat * _broadcastable(gamma, x_hat, axis)
    return out if beta is None else out + _broadcastable(beta, x_hat, axis)


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray | None,
    beta: np.ndarray | None,
    epsilon: float = 1e-3,
    axis: int = -1,
) -> tuple[np.ndarray, BatchNormCache]:
    """Training-mode batch normalization with the batch's own statistics.

    Args:
        x: a batch, features along ``axis`` (default -1, channels-last).
        gamma, beta: scale and shift (C,), or None for none (Keras's scale=False, center=False).
        epsilon: added to the variance (default 1e-3, as Keras).
        axis: the feature axis.

    Returns:
        ``(out, cache)``; ``cache.mean`` and ``cache.var`` (biased) are the batch statistics.
    """
    where = "batchnorm_forward"
    x = as_float_array(x, "x", where)
    axis = _check_axis(x, axis, where)
    epsilon = check_number(epsilon, "epsilon", where, 0, open_low=True)
    gamma = _check_vector(gamma, "gamma", x, axis, where)
    beta = _check_vector(beta, "beta", x, axis, where)
    axes = _feature_axes(x, axis)
    m = x.size // x.shape[axis]
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow shows in mean and var
        mean = _sums(x, axes) / m
        centred = x - _broadcastable(mean, x, axis)
        var = _sums(centred * centred, axes) / m
    if x.dtype.itemsize < 4 or not (np.isfinite(mean).all() and np.isfinite(var).all()):
        mean, var, centred = _safe_statistics(x, axes, axis, where)  # float16 always
    inv_std = 1.0 / np.sqrt(var + epsilon)
    x_hat = (centred * _broadcastable(inv_std, x, axis)).astype(x.dtype, copy=False)
    out = _scale_shift(x_hat, gamma, beta, axis)
    return out, BatchNormCache(x_hat, gamma, inv_std, axes, mean, var, True)


def batchnorm_inference_forward(
    x: np.ndarray,
    gamma: np.ndarray | None,
    beta: np.ndarray | None,
    moving_mean: np.ndarray,
    moving_variance: np.ndarray,
    epsilon: float = 1e-3,
    axis: int = -1,
) -> tuple[np.ndarray, BatchNormCache]:
    """Inference-mode batch normalization: the moving statistics in place of the batch's."""
    where = "batchnorm_inference_forward"
    x = as_float_array(x, "x", where)
    axis = _check_axis(x, axis, where)
    epsilon = check_number(epsilon, "epsilon", where, 0, open_low=True)
    gamma = _check_vector(gamma, "gamma", x, axis, where)
    beta = _check_vector(beta, "beta", x, axis, where)
    moving_mean = _check_vector(moving_mean, "moving_mean", x, axis, where, optional=False)
    moving_variance = _check_vector(
        moving_variance, "moving_variance", x, axis, where, optional=False
    )
    if (moving_variance < 0).any():
        raise ValueError(f"{where}: expected moving_variance >= 0, received {moving_variance}")
    axes = _feature_axes(x, axis)
    inv_std = 1.0 / np.sqrt(moving_variance + epsilon)
    x_hat = (x - _broadcastable(moving_mean, x, axis)) * _broadcastable(inv_std, x, axis)
    out = _scale_shift(x_hat, gamma, beta, axis)
    return out, BatchNormCache(x_hat, gamma, inv_std, axes, moving_mean, moving_variance, False)


def batchnorm_backward(
    dout: np.ndarray, cache: BatchNormCache, axis: int = -1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of either forward: returns ``(dx, dgamma, dbeta)`` (formulas in the module doc).

    dgamma and dbeta are returned even when the layer has no gamma or beta; the caller drops them.
    """
    where = "batchnorm_backward"
    if not isinstance(cache, BatchNormCache):
        raise TypeError(
            f"{where}: expected the cache batchnorm_forward returned, received {type(cache).__name__}"
        )
    x_hat, gamma, inv_std, axes = cache.x_hat, cache.gamma, cache.inv_std, cache.axes
    dout = as_float_array(dout, "dout", where)
    if dout.shape != x_hat.shape:
        raise ValueError(
            f"{where}: expected dout with the shape of the forward output {x_hat.shape}, "
            f"received {dout.shape}"
        )
    dbeta = _sums(dout, axes)
    dgamma = _sums(dout * x_hat, axes)
    g = dout if gamma is None else dout * _broadcastable(gamma, dout, axis)
    if not cache.training:  # constants mean and var: a per-feature scaling
        return g * _broadcastable(inv_std, dout, axis), dgamma, dbeta
    m = dout.size // inv_std.size
    g_mean = _sums(g, axes) / m
    gx_mean = _sums(g * x_hat, axes) / m
    dx = (
        g - _broadcastable(g_mean, dout, axis) - x_hat * _broadcastable(gx_mean, dout, axis)
    ) * _broadcastable(inv_std, dout, axis)
    return dx, dgamma, dbeta
