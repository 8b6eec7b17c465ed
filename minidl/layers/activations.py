"""Activation layers: parameter-free wrappers over ``minidl.ops.activations``.

``Activation('relu')`` applies any activation by name; ``ReLU``, ``LeakyReLU``, ``Sigmoid``,
``Tanh`` and ``Softmax`` are the same with the name fixed (and, for LeakyReLU and Softmax, their
one hyperparameter). The forward/backward maths is in the ops module, written once.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .._checks import check_int
from ..ops.activations import get_activation
from .base import Layer
from .serialization import register

__all__ = ["Activation", "LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh"]


@register
class Activation(Layer):
    """Apply an activation function element-wise (softmax: along the last axis).

    Args:
        activation: 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'softmax' or 'linear'.
        name: layer name (default from the class name).

    Shape:
        output shape = input shape.
    """

    def __init__(self, activation: str, name: str | None = None, trainable: bool = True) -> None:
        super().__init__(name=name, trainable=trainable)
        self.activation = activation
        self._fwd, self._bwd = get_activation(activation, self._where())

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._prepare_input(x, min_ndim=1)
        y, self._cache = self._fwd(x)
        return self._read_only(y)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_dy(dy)
        return self._bwd(dy, self._cache)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": self.activation}


class _Fixed(Activation):
    """An Activation whose function is fixed by the subclass."""

    _activation = "linear"

    def __init__(self, name: str | None = None, trainable: bool = True) -> None:
        super().__init__(self._activation, name=name, trainable=trainable)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["activation"]
        return config


@register
class ReLU(_Fixed):
    """``max(x, 0)``; gradient 0 at x == 0."""

    _activation = "relu"


@register
class Sigmoid(_Fixed):
    """``1 / (1 + exp(-x))``, computed without overflow."""

    _activation = "sigmoid"


@register
class Tanh(_Fixed):
    """``tanh(x)``."""

    _activation = "tanh"


@register
class LeakyReLU(Activation):
    """``x`` for x > 0, ``negative_slope * x`` otherwise (Keras's default slope, 0.3)."""

    def __init__(
        self, negative_slope: float = 0.3, name: str | None = None, trainable: bool = True
    ) -> None:
        super().__init__("leaky_relu", name=name, trainable=trainable)
        if not isinstance(negative_slope, (int, float, np.integer, np.floating)) or not np.isfinite(
            negative_slope
        ):
            raise ValueError(
                f"{self._where()}: expected a finite negative_slope, received {negative_slope!r}"
            )
        self.negative_slope = float(negative_slope)
        self._fwd = partial(self._fwd, negative_slope=self.negative_slope)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["activation"]
        return {**config, "negative_slope": self.negative_slope}


@register
class Softmax(Activation):
    """Softmax along ``axis`` (default -1, the class axis)."""

    def __init__(self, axis: int = -1, name: str | None = None, trainable: bool = True) -> None:
        super().__init__("softmax", name=name, trainable=trainable)
        self.axis = check_int(axis, "axis", self._where())
        self._fwd = partial(self._fwd, axis=self.axis)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        ndim = np.ndim(x)
        if not -ndim <= self.axis < ndim:
            raise ValueError(
                f"{self._where()}: axis {self.axis} is out of range for input of shape {np.shape(x)}"
            )
        return super().forward(x, training=training)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["activation"]
        return {**config, "axis": self.axis}
