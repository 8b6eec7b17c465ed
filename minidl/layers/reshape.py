"""Flatten and Reshape: the same numbers in another shape (Flatten: each example's values in
one row, so that images can feed a Dense layer).

Reshaping moves no number and changes none, so the backward pass only undoes the reshape:
dx = dy.reshape(x.shape).
"""

from __future__ import annotations

import numpy as np

from .base import Layer
from .serialization import register

__all__ = ["Flatten", "Reshape"]


@register
class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1*d2*...), in C order (channels fastest, as Keras)."""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._prepare_input(x)
        self._cache = x.shape
        return self._read_only(x.reshape(x.shape[0], -1))

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_dy(dy)
        return dy.reshape(self._cache)

    def output_shape(self, input_shape: tuple) -> tuple:
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else int(np.prod(rest)))


@register
class Reshape(Layer):
    """(N, ...) -> (N, *target_shape) (Keras's ``Reshape``); one entry may be -1 (inferred).

    Example:
        >>> Reshape((2, -1)).forward(np.zeros((5, 6))).shape
        (5, 2, 3)
    """

    def __init__(
        self, target_shape: tuple, name: str | None = None, trainable: bool = True
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        target = tuple(target_shape) if isinstance(target_shape, (tuple, list)) else None
        if (
            target is None
            or not target
            or not all(isinstance(d, (int, np.integer)) and (d > 0 or d == -1) for d in target)
            or target.count(-1) > 1
        ):
            raise ValueError(
                f"{self._where()}: expected target_shape as a tuple of positive ints (one may be "
                f"-1), received {target_shape!r}"
            )
        self.target_shape = tuple(int(d) for d in target)

    def _resolved(self, input_shape: tuple) -> tuple:
        rest = input_shape[1:]
        if None in rest:
            return tuple(None if d == -1 else d for d in self.target_shape)
        size, known = int(np.prod(rest)), int(np.prod([d for d in self.target_shape if d != -1]))
        if (-1 in self.target_shape and size % known) or (
            -1 not in self.target_shape and size != known
        ):
            raise ValueError(
                f"{self._where()}: cannot reshape examples of shape {tuple(rest)} ({size} values) "
                f"to {self.target_shape}"
            )
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._prepare_input(x)
        self._cache = x.shape
        return self._read_only(x.reshape(x.shape[0], *self._resolved(x.shape)))

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_dy(dy)
        return dy.reshape(self._cache)

    def output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], *self._resolved(tuple(input_shape)))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}
