"""Dense: the fully connected layer, ``y = activation(x @ kernel + bias)``.

The maths lives in ``minidl.ops.dense`` (the affine map) and ``minidl.ops.activations``; this
class owns the parameters and the cache, so ``backward`` can run the two backward functions in
reverse order: first through the activation, then through the affine map.
"""

from __future__ import annotations

import numpy as np

from ..init import get_initializer
from ..ops.activations import get_activation
from ..ops.dense import dense_backward, dense_forward
from ..random import as_generator
from .base import Layer

__all__ = ["Dense"]


class Dense(Layer):
    """Fully connected layer (Keras's ``Dense``).

    Args:
        units: number of output units, D_out.
        activation: name of an activation applied to the output ('relu', 'sigmoid', 'tanh',
            'softmax', 'leaky_relu') or None for none (default None).
        use_bias: whether to add a bias (default True).
        kernel_initializer: name from ``minidl.init`` (default 'glorot_uniform', as in Keras).
        bias_initializer: name from ``minidl.init`` (default 'zeros').
        seed: int or ``np.random.Generator`` for the initial weights; None derives one from
            ``minidl.seed`` (default None).
        dtype: dtype of the parameters (default 'float64').
        name: layer name; default 'dense', 'dense_1', ...

    Shape:
        input (N, D_in) -> output (N, units); kernel (D_in, units), bias (units,).

    Example:
        >>> layer = Dense(4, activation="relu", seed=0)
        >>> layer.forward(np.ones((2, 3))).shape
        (2, 4)
    """

    def __init__(
        self,
        units: int,
        activation: str | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        seed: np.random.Generator | int | None = None,
        dtype: str = "float64",
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        where = self._where()
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"{where}: expected units as a positive integer, received {units!r}")
        self.units = int(units)
        self.activation = activation
        self._act_forward, self._act_backward = get_activation(activation, where)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self._init_kernel = get_initializer(kernel_initializer, where)
        self._init_bias = get_initializer(bias_initializer, where)
        self._rng = as_generator(seed, where)
        self.seed = seed if isinstance(seed, (int, np.integer)) else None
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            self.dtype = None
        if self.dtype is None or self.dtype.kind != "f":
            raise TypeError(f"{where}: expected dtype 'float32' or 'float64', received {dtype!r}")

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 2:
            raise ValueError(
                f"{self._where()}: expected input of shape (N, D_in), received shape "
                f"{tuple(input_shape)}; flatten images first (e.g. x.reshape(len(x), -1))"
            )
        d_in = int(input_shape[-1])
        self.params["kernel"] = self._init_kernel((d_in, self.units), self._rng).astype(self.dtype)
        if self.use_bias:
            self.params["bias"] = self._init_bias((self.units,), self._rng).astype(self.dtype)
        super().build(input_shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._prepare_input(x)
        z, dense_cache = dense_forward(x, self.params["kernel"], self.params.get("bias"))
        y, act_cache = self._act_forward(z)
        self._cache = (dense_cache, act_cache)
        return self._read_only(y)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_dy(dy)
        dense_cache, act_cache = self._cache
        dz = self._act_backward(dy, act_cache)
        dx, dW, db = dense_backward(dz, dense_cache)
        self.grads["kernel"] = dW
        if self.use_bias:
            self.grads["bias"] = db
        return dx

    def output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.units)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }
