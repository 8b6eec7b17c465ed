"""Weight regularizers: a penalty on the size of the weights, added to the loss.

A regularizer maps a weight array w to a number that grows with the weights. Adding it to the
data loss makes the optimizer trade a little training error for smaller weights, which usually
generalises better. Each regularizer also gives its gradient, which a layer adds to the
gradient of its weight. Keras's definitions, names and defaults:

    L1(l1=0.01)               penalty = l1 * sum|w|                  gradient = l1 * sign(w)
    L2(l2=0.01)               penalty = l2 * sum(w^2)                gradient = 2 * l2 * w
    L1L2(l1=0.0, l2=0.0)      penalty = l1 * sum|w| + l2 * sum(w^2)  gradient = the sum of both

Note that there is no factor 1/2 in the L2 penalty (some textbooks write (lambda/2) ||w||^2),
so its gradient is 2 * l2 * w. |w| has no derivative at 0; sign(0) = 0 is used there (a
subgradient), so a weight that is exactly zero feels no L1 pull.

L2 regularization is not the same thing as the ``weight_decay`` of the optimizers in
``minidl.optimizers``: that one shrinks the weights directly, outside the gradient, so Adam's
per-weight scaling does not weaken it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import (
    ArgumentTypeError,
    as_float_array,
    build_from_config,
    check_number,
    from_identifier,
    is_real,
)

__all__ = ["L1", "L1L2", "L2", "Regularizer", "get", "serialize"]


def _factor(value: object, name: str, where: str) -> float:
    """Return a regularization factor as a float, refusing negative, NaN, infinite and non-numbers."""
    if not is_real(value):
        raise ArgumentTypeError(
            f"{where}: expected {name} as a non-negative number, received {value!r} "
            f"({type(value).__name__})"
        )
    return check_number(value, name, where, 0, expected="a non-negative finite number")


class Regularizer:
    """Base class: ``reg(w)`` is the penalty (a float), ``reg.gradient(w)`` is d penalty / dw.

    Subclasses define both; neither modifies ``w``.
    """

    def __call__(self, w: np.ndarray) -> float:
        raise NotImplementedError(f"{type(self).__name__} does not define its penalty")

    def gradient(self, w: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not define its gradient")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as a dict that ``from_config`` accepts."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        """Rebuild a regularizer from ``get_config()``'s dict."""
        return build_from_config(cls, config)

    def _weights(self, w: object) -> np.ndarray:
        return as_float_array(w, "w", type(self).__name__, allow_empty=True)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """``l1 * sum|w| + l2 * sum(w^2)``: both penalties at once (Keras's ``L1L2``).

    Args:
        l1: factor of the L1 penalty, >= 0 (default 0.0).
        l2: factor of the L2 penalty, >= 0 (default 0.0).

    Raises:
        TypeError: a factor is not a number.
        ValueError: a factor is negative, NaN or infinite.

    Example:
        >>> reg = L1L2(l1=0.5, l2=0.25)
        >>> reg(np.array([1.0, -2.0]))  # 0.5 * (1 + 2) + 0.25 * (1 + 4)
        2.75
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        where = type(self).__name__
        self.l1 = _factor(l1, "l1", where)
        self.l2 = _factor(l2, "l2", where)

    def __call__(self, w: np.ndarray) -> float:
        w = self._weights(w)
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.sum(np.abs(w)))
        if self.l2:
            penalty += self.l2 * float(np.sum(np.square(w)))
        return penalty

    def gradient(self, w: np.ndarray) -> np.ndarray:
        """``l1 * sign(w) + 2 * l2 * w``, with sign(0) = 0; same shape and dtype as ``w``."""
        w = self._weights(w)
        return self.l1 * np.sign(w) + (2.0 * self.l2) * w

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum|w|``: pushes weights to exactly zero, giving sparse weights (Keras's ``L1``).

    Args:
        l1: factor of the penalty, >= 0 (default 0.01).

    Example:
        >>> L1(0.5)(np.array([1.0, -2.0]))  # 0.5 * (1 + 2)
        1.5
    """

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1, l2=0.0)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(w^2)``: shrinks large weights most, rarely to exactly zero (Keras's ``L2``).

    Args:
        l2: factor of the penalty, >= 0 (default 0.01).

    Example:
        >>> L2(0.5)(np.array([1.0, -2.0]))  # 0.5 * (1 + 4)
        2.5
    """

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l1=0.0, l2=l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2}


def get(identifier: str | dict | Regularizer | None) -> Regularizer | None:
    """A regularizer from what a layer's ``kernel_regularizer`` argument accepts.

    Args:
        identifier: None (no regularizer: returns None), a ``Regularizer`` (returned as is), a
            name ('l1', 'l2', 'l1_l2'; case does not matter) for the class with Keras's default
            factors, or a dict ``{"class_name": "L2", "config": {"l2": 0.001}}`` as
            ``serialize`` writes it.

    Returns:
        A ``Regularizer``, or None.

    Raises:
        ValueError: an unknown name or class name, or a malformed dict.
    """
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    known = "'l1', 'l2', 'l1_l2' (or a dict {'class_name': ..., 'config': {...}})"
    return from_identifier(identifier, _BY_NAME, "regularizer", known)


def serialize(regularizer: Regularizer | None) -> dict[str, Any] | None:
    """``{"class_name": ..., "config": ...}`` for a regularizer (None stays None); ``get`` inverts it."""
    if regularizer is None:
        return None
    if not isinstance(regularizer, Regularizer):
        raise TypeError(
            f"regularizers.serialize: expected a Regularizer, received {type(regularizer).__name__}"
        )
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
