"""Pooling layers: MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D.

Parameter-free wrappers over ``minidl.ops.pool`` with Keras's names and defaults (strides default
to the pool size; padding 'valid' or 'same'). Like Conv2D, a pooling layer works on any image
size; only the rank (N, H, W, C) is required.
"""

from __future__ import annotations

import numpy as np

from ..ops import pool as ops
from ..ops.conv import to_pair
from .base import Layer
from .serialization import register

__all__ = ["AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "MaxPooling2D"]


class _Pooling2D(Layer):
    images_of_any_size = True
    _forward = staticmethod(ops.max_pool2d_forward)
    _backward = staticmethod(ops.max_pool2d_backward)

    def __init__(
        self,
        pool_size: int | tuple[int, int] = 2,
        strides: int | tuple[int, int] | None = None,
        padding: str = "valid",
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        where = self._where()
        self.pool_size = to_pair(pool_size, "pool_size", where, 1)
        self.strides = self.pool_size if strides is None else to_pair(strides, "strides", where, 1)
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"{where}: expected padding 'valid' or 'same', received {padding!r}")
        self.padding = padding.lower()

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._prepare_input(x)
        y, self._cache = self._forward(x, self.pool_size, self.strides, self.padding)
        return self._read_only(y)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return self._backward(self._check_dy(dy), self._cache)

    def output_shape(self, input_shape: tuple) -> tuple:
        n, h, w, c = input_shape
        if h is None or w is None:
            return (n, None, None, c)
        where = self._where()
        *_, (h_out, w_out) = ops.pool_geometry(
            (1, h, w, c), self.pool_size, self.strides, self.padding, where
        )
        return (n, h_out, w_out, c)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
        }


@register
class MaxPooling2D(_Pooling2D):
    """The maximum of each window (Keras's ``MaxPooling2D``; ties: see ``minidl.ops.pool``).

    Shape:
        (N, H, W, C) -> (N, H_out, W_out, C), H_out = floor((H - ph) / sh) + 1 ('valid') or
        ceil(H / sh) ('same').
    """


@register
class AveragePooling2D(_Pooling2D):
    """The mean of each window, padding excluded from the count (Keras's ``AveragePooling2D``)."""

    _forward = staticmethod(ops.avg_pool2d_forward)
    _backward = staticmethod(ops.avg_pool2d_backward)


class _GlobalPooling2D(Layer):
    images_of_any_size = True
    _forward = staticmethod(ops.global_avg_pool2d_forward)
    _backward = staticmethod(ops.global_avg_pool2d_backward)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        y, self._cache = self._forward(self._prepare_input(x))
        return self._read_only(y)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return self._backward(self._check_dy(dy), self._cache)

    def output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], input_shape[3])


@register
class GlobalAveragePooling2D(_GlobalPooling2D):
    """Mean over H and W: (N, H, W, C) -> (N, C)."""


@register
class GlobalMaxPooling2D(_GlobalPooling2D):
    """Max over H and W: (N, H, W, C) -> (N, C)."""

    _forward = staticmethod(ops.global_max_pool2d_forward)
    _backward = staticmethod(ops.global_max_pool2d_backward)
