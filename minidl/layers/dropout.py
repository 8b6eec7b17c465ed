"""Dropout: randomly silence units while training, so that no unit can rely on another being
there (the maths, inverted dropout, is in ``minidl.ops.dropout``). At inference it does nothing.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_bool
from ..ops.dropout import dropout_backward, dropout_forward, dropout_mask
from ..random import as_generator
from .base import Layer
from .serialization import register

__all__ = ["Dropout"]


@register
class Dropout(Layer):
    """Inverted dropout (Keras's ``Dropout``).

    Args:
        rate: fraction of the values to drop, in [0, 1).
        noise_shape: shape of the mask without the batch size being required (None entries take
            the input's size), e.g. (None, 1, 1, C) drops whole channels; default None (every
            value has its own coin).
        seed: int or ``np.random.Generator`` for the masks; None derives one from
            ``minidl.seed`` (default None).
        name: layer name; default 'dropout', 'dropout_1', ...

    Shape:
        output shape = input shape.

    Example:
        >>> y = Dropout(0.5, seed=0).forward(np.ones((1, 8)), training=True)
        >>> sorted(set(y.ravel().tolist()))  # dropped, or kept and scaled by 1 / (1 - 0.5)
        [0.0, 2.0]
    """

    def __init__(
        self,
        rate: float,
        noise_shape: tuple | None = None,
        seed: np.random.Generator | int | None = None,
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        where = self._where()
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"{where}: expected rate in [0, 1), received {rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self._rng = as_generator(seed, where)
        self.seed = seed if isinstance(seed, (int, np.integer)) else None

    def _mask_shape(self, x_shape: tuple) -> tuple:
        if self.noise_shape is None:
            return x_shape
        if len(self.noise_shape) != len(x_shape) or any(
            s is not None and s not in (1, d)
            for s, d in zip(self.noise_shape, x_shape, strict=False)
        ):
            raise ValueError(
                f"{self._where()}: noise_shape {self.noise_shape} does not fit inputs of shape "
                f"{x_shape}; expected each entry None, 1 or the input's size"
            )
        return tuple(d if s is None else s for s, d in zip(self.noise_shape, x_shape, strict=True))

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        training = check_bool(training, "training", f"{self._where()}.forward")
        x = self._prepare_input(x, min_ndim=1)
        if not training or self.rate == 0.0:
            self._cache = 1.0  # the identity: dx = dy
            return self._read_only(x)
        mask = dropout_mask(self._mask_shape(x.shape), self.rate, self._rng, x.dtype)
        y, self._cache = dropout_forward(x, mask)
        return self._read_only(y)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_dy(dy)
        return dropout_backward(dy, self._cache)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "noise_shape": self.noise_shape,
            "seed": self.seed,
        }
