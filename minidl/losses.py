"""Loss objects, called as Keras calls them: ``loss(y_true, y_pred, sample_weight=None) -> float``,
then ``loss.backward() -> dL/dy_pred`` for the last call. With sample weights (N,) the loss is
Keras's (1/N) sum_n w_n l_n (see ``minidl.ops.losses``).

The formulas are in ``minidl.ops.losses``; these classes check the inputs, remember the cache
and choose the formula (from probabilities or from logits).

    BinaryCrossentropy(from_logits=False)          'binary_crossentropy'
    CategoricalCrossentropy(from_logits=False)     'categorical_crossentropy'  (one-hot labels)
    SparseCategoricalCrossentropy(from_logits=False) 'sparse_categorical_crossentropy' (int labels)
    MeanSquaredError()                             'mse', 'mean_squared_error'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_float_array, check_bool, check_number
from .ops import losses as L

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Loss",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "get",
]


class Loss:
    """Base class: ``__call__(y_true, y_pred)`` computes the mean loss and keeps the cache."""

    name = "loss"

    def __init__(self) -> None:
        self._cache: Any = None
        self._backward = None

    def _forward(self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight) -> float:
        raise NotImplementedError

    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight=None) -> float:
        where = type(self).__name__
        y_pred = as_float_array(y_pred, "y_pred", where)
        y_true = self._labels(y_true, where)
        return self._forward(y_true, y_pred, sample_weight)

    def _labels(self, y_true: object, where: str) -> np.ndarray:
        return as_float_array(y_true, "y_true", where)

    def backward(self, dout: float = 1.0) -> np.ndarray:
        """Gradient of the last computed loss with respect to ``y_pred``."""
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}: backward called before the loss was computed"
            )
        dout = check_number(dout, "dout", f"{type(self).__name__}.backward")
        return self._backward(self._cache, dout)

    def get_config(self) -> dict:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class _ProbsOrLogits(Loss):
    """A loss with a from-probabilities and a from-logits formula."""

    _probs: tuple
    _logits: tuple

    def __init__(self, from_logits: bool = False) -> None:
        super().__init__()
        self.from_logits = check_bool(from_logits, "from_logits", type(self).__name__)

    def _forward(self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight) -> float:
        forward, self._backward = self._logits if self.from_logits else self._probs
        loss, self._cache = forward(y_pred, y_true, sample_weight=sample_weight)
        return loss

    def get_config(self) -> dict:
        return {"from_logits": self.from_logits}


class BinaryCrossentropy(_ProbsOrLogits):
    """``-mean(y log p + (1 - y) log(1 - p))``; from_logits applies the sigmoid inside, stably."""

    name = "binary_crossentropy"
    _probs = (L.binary_crossentropy_forward, L.binary_crossentropy_backward)
    _logits = (
        L.binary_crossentropy_with_logits_forward,
        L.binary_crossentropy_with_logits_backward,
    )


class CategoricalCrossentropy(_ProbsOrLogits):
    """``-mean_n sum_c y log p`` for one-hot labels; from_logits fuses the softmax (log-sum-exp)."""

    name = "categorical_crossentropy"
    _probs = (L.categorical_crossentropy_forward, L.categorical_crossentropy_backward)
    _logits = (L.softmax_crossentropy_forward, L.softmax_crossentropy_backward)


class SparseCategoricalCrossentropy(_ProbsOrLogits):
    """Categorical cross-entropy with integer labels (N,) in place of one-hot rows."""

    name = "sparse_categorical_crossentropy"
    _probs = (L.categorical_crossentropy_forward, L.categorical_crossentropy_backward)
    _logits = (L.sparse_softmax_crossentropy_forward, L.sparse_softmax_crossentropy_backward)

    def _labels(self, y_true: object, where: str) -> np.ndarray:
        y_true = np.asarray(y_true)
        return y_true[:, 0] if y_true.ndim == 2 and y_true.shape[1] == 1 else y_true  # (N, 1) too

    def _forward(self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight) -> float:
        idx = L.sparse_labels(y_true, y_pred, type(self).__name__)
        if self.from_logits:
            return super()._forward(idx, y_pred, sample_weight)
        return super()._forward(
            L.one_hot(idx, y_pred.shape[1], y_pred.dtype), y_pred, sample_weight
        )


class MeanSquaredError(Loss):
    """``mean((y_pred - y_true)**2)`` over every element."""

    name = "mean_squared_error"

    def _forward(self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight) -> float:
        self._backward = L.mse_backward
        loss, self._cache = L.mse_forward(y_pred, y_true, sample_weight=sample_weight)
        return loss


_BY_NAME = {
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
}


def get(identifier: str | Loss) -> Loss:
    """A loss object from its name (as ``compile(loss='mse')`` accepts) or the object itself."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(f"losses.get: unknown loss {identifier!r}; expected one of {sorted(_BY_NAME)}")
