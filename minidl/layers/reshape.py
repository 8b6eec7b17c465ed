"""Flatten: each example's values in one row, so that images can feed a Dense layer.

Reshaping moves no number and changes none, so the backward pass only undoes the reshape:
dx = dy.reshape(x.shape).
"""

from __future__ import annotations

import numpy as np

from .base import Layer

__all__ = ["Flatten"]


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
