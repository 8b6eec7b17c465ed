"""Add: the element-wise sum of several inputs of one shape, the junction of a skip connection.

A sum passes its gradient unchanged to every term (d(a + b)/da = 1), so backward returns dy once
per input. ``Residual`` (layers/residual.py) uses the same rule for F(x) + shortcut(x).
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array
from .base import Layer
from .serialization import register

__all__ = ["Add"]


@register
class Add(Layer):
    """Sum a list of same-shape arrays (Keras's ``Add``): ``Add()([a, b]) == a + b``.

    Shape:
        a list of k inputs of one shape -> one output of that shape; backward(dy) returns a list
        of k gradients, each equal to dy.
    """

    def forward(self, inputs: list, training: bool = False) -> np.ndarray:
        where = self._where()
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(
                f"{where}: expected a list of at least 2 arrays, received {type(inputs).__name__}"
                + (f" of length {len(inputs)}" if isinstance(inputs, (list, tuple)) else "")
            )
        arrays = [as_float_array(a, f"input {i}", where) for i, a in enumerate(inputs)]
        shapes = [a.shape for a in arrays]
        if len(set(shapes)) != 1:
            raise ValueError(f"{where}: expected inputs of one shape, received shapes {shapes}")
        if not self.built:
            self.build(shapes[0])
        self._cache, self._dy_shape = len(arrays), shapes[0]
        return self._read_only(sum(arrays[1:], arrays[0]))

    def backward(self, dy: np.ndarray) -> list[np.ndarray]:
        dy = self._check_dy(dy)
        return [dy] * self._cache

    def output_shape(self, input_shape: list) -> tuple:
        return tuple(input_shape[0])
