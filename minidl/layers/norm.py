"""BatchNormalization: normalise each feature with the batch's statistics while training, with
moving averages of them at inference (the maths is in ``minidl.ops.norm``).

The moving averages are updated by every training-mode forward pass, as Keras does:

    moving_mean     = momentum * moving_mean     + (1 - momentum) * batch_mean
    moving_variance = momentum * moving_variance + (1 - momentum) * batch_variance (biased)

PyTorch writes the same update with momentum_torch = 1 - momentum and keeps the *unbiased*
batch variance (divided by m - 1); the two libraries' moving variances therefore differ by the
factor m / (m - 1) for each batch folded in.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_bool, check_int
from ..init import get_initializer
from ..ops.norm import batchnorm_backward, batchnorm_forward, batchnorm_inference_forward
from .base import Layer
from .serialization import register

__all__ = ["BatchNormalization"]


@register
class BatchNormalization(Layer):
    """Batch normalization (Keras's ``BatchNormalization``).

    Args:
        axis: the feature axis (default -1: channels-last images, dense features).
        momentum: weight of the old value in the moving averages (default 0.99).
        epsilon: added to the variance before the square root (default 1e-3).
        center: learn a shift beta (default True).
        scale: learn a scale gamma (default True).
        beta_initializer, gamma_initializer: default 'zeros' and 'ones'.
        moving_mean_initializer, moving_variance_initializer: default 'zeros' and 'ones'.
        dtype: dtype of the weights (default 'float64').
        name: layer name; default 'batch_normalization', 'batch_normalization_1', ...

    Weights: gamma and beta (C,) are trainable; moving_mean and moving_variance (C,) are buffers,
    updated by training-mode forward passes, never by the optimizer. Keras counts all four in the
    summary: 4*C parameters, 2*C of them non-trainable.

    Training vs inference: ``forward(x, training=True)`` uses the batch's statistics;
    ``training=False`` the moving ones. A frozen layer (``trainable = False``) always runs in
    inference mode, as in Keras, so fine-tuning a pretrained network does not disturb them.

    Example:
        >>> bn = BatchNormalization()
        >>> y = bn.forward(np.random.default_rng(0).normal(5, 2, (64, 3)), training=True)
        >>> np.allclose(y.mean(axis=0), 0), np.allclose(y.std(axis=0), 1, atol=1e-3)
        (True, True)
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: str = "zeros",
        gamma_initializer: str = "ones",
        moving_mean_initializer: str = "zeros",
        moving_variance_initializer: str = "ones",
        dtype: str = "float64",
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        where = self._where()
        axis = check_int(axis, "axis", where, expected="an int")
        if not isinstance(momentum, (int, float)) or not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{where}: expected momentum in [0, 1], received {momentum!r}")
        if not isinstance(epsilon, (int, float)) or not epsilon > 0:
            raise ValueError(f"{where}: expected epsilon > 0, received {epsilon!r}")
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = check_bool(center, "center", where)
        self.scale = check_bool(scale, "scale", where)
        self.initializers = {
            "beta": beta_initializer,
            "gamma": gamma_initializer,
            "moving_mean": moving_mean_initializer,
            "moving_variance": moving_variance_initializer,
        }
        self._init = {k: get_initializer(v, where) for k, v in self.initializers.items()}
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"{where}: expected dtype 'float32' or 'float64', received {dtype!r}")

    def build(self, input_shape: tuple) -> None:
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(
                f"{self._where()}: axis {self.axis} is not a feature axis of inputs of shape "
                f"{tuple(input_shape)} (axis 0 is the batch)"
            )
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(
                f"{self._where()}: the feature axis {self.axis} of {tuple(input_shape)} must be known"
            )
        make = lambda key: self._init[key]((int(channels),), None).astype(self.dtype)  # noqa: E731
        # Keras's order of the weights: gamma, beta, moving_mean, moving_variance.
        if self.scale:
            self.params["gamma"] = make("gamma")
        if self.center:
            self.params["beta"] = make("beta")
        self.buffers["moving_mean"] = make("moving_mean")
        self.buffers["moving_variance"] = make("moving_variance")
        super().build(input_shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        training = check_bool(training, "training", f"{self._where()}.forward")
        x = self._prepare_input(x)
        gamma, beta = self.params.get("gamma"), self.params.get("beta")
        if training and self.trainable:
            y, cache = batchnorm_forward(x, gamma, beta, self.epsilon, self.axis)
            self._check_statistics(cache.var)
            for key, batch_value in (("moving_mean", cache.mean), ("moving_variance", cache.var)):
                moving = self.buffers[key]
                moving *= self.momentum
                moving += (1.0 - self.momentum) * batch_value
        else:
            y, cache = batchnorm_inference_forward(
                x,
                gamma,
                beta,
                self.buffers["moving_mean"],
                self.buffers["moving_variance"],
                self.epsilon,
                self.axis,
            )
        self._cache = cache
        return self._read_only(y.astype(x.dtype, copy=False))

    def _check_statistics(self, var: np.ndarray) -> None:
        """The moving variance is kept in the weights' dtype: a batch variance beyond its range
        would turn it infinite for good, so it is refused before anything is updated."""
        limit = np.finfo(self.buffers["moving_variance"].dtype).max
        if var.max() > limit:
            raise ValueError(
                f"{self._where()}: the batch variance ({var.max():.3g}) exceeds the range of the "
                f"moving statistics' dtype {self.buffers['moving_variance'].dtype} "
                f"({limit:.3g}); expected smaller inputs (rescale them) or dtype='float64'"
            )

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_dy(dy)
        dx, dgamma, dbeta = batchnorm_backward(dy, self._cache, self.axis)
        if self.scale:
            self.grads["gamma"] = dgamma
        if self.center:
            self.grads["beta"] = dbeta
        return dx

    def count_params(self) -> int:
        return super().count_params() + int(sum(b.size for b in self.buffers.values()))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **{f"{k}_initializer": v for k, v in self.initializers.items()},
            "dtype": self.dtype.name,
        }
