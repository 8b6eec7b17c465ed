"""Dense: the fully connected layer, ``y = activation(x @ kernel + bias)``.

The maths lives in ``minidl.ops.dense`` (the affine map) and ``minidl.ops.activations``; the
parameters, the cache and the order of the backward steps (through the activation first, then
the affine map) are shared with Conv2D in ``KernelLayer`` (layers/base.py).
"""

from __future__ import annotations

import numpy as np

from ..ops.dense import dense_backward, dense_forward
from .base import KernelLayer
from .serialization import register

__all__ = ["Dense"]


@register
class Dense(KernelLayer):
    """Fully connected layer (Keras's ``Dense``).

    Args:
        units: number of output units, D_out.
        activation: name of an activation applied to the output ('relu', 'sigmoid', 'tanh',
            'softmax', 'leaky_relu') or None for none (default None).
        use_bias: whether to add a bias (default True).
        kernel_initializer: name from ``minidl.init`` (default 'glorot_uniform', as in Keras).
        bias_initializer: name from ``minidl.init`` (default 'zeros').
        kernel_regularizer, bias_regularizer: a penalty on the weights, e.g.
            ``regularizers.L2(1e-4)`` or 'l2' (default None); added to the loss during ``fit``.
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
        kernel_regularizer=None,
        bias_regularizer=None,
        seed: np.random.Generator | int | None = None,
        dtype: str = "float64",
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            seed=seed,
            dtype=dtype,
            name=name,
            trainable=trainable,
        )
        self.units = int(units)

    def _kernel_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) != 2:
            raise ValueError(
                f"{self._where()}: expected input of shape (N, D_in), received shape "
                f"{input_shape}; flatten images first (e.g. x.reshape(len(x), -1))"
            )
        return (int(input_shape[-1]), self.units)

    def _affine_forward(self, x: np.ndarray) -> tuple[np.ndarray, tuple]:
        return dense_forward(x, self.params["kernel"], self.params.get("bias"))

    def _affine_backward(self, dz: np.ndarray, cache: tuple) -> tuple:
        return dense_backward(dz, cache)

    def output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.units)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units}
