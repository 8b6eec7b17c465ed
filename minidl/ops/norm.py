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
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

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
    axes = _feature_axes(x, axis)
    m = x.size // x.shape[axis]
    mean = _sums(x, axes) / m
    centred = x - _broadcastable(mean, x, axis)
    var = _sums(centred * centred, axes) / m
    inv_std = 1.0 / np.sqrt(var + epsilon)
    x_hat = centred * _broadcastable(inv_std, x, axis)
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
    x_hat, gamma, inv_std, axes = cache.x_hat, cache.gamma, cache.inv_std, cache.axes
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
