"""RMSprop: divide each gradient by a running root-mean-square of its recent values.

    v <- rho * v + (1 - rho) * g^2                     (running mean of g^2)
    d = v + epsilon
        centered:  a <- rho * a + (1 - rho) * g;   d = v - a^2 + epsilon   (a variance)
    step = lr * g / sqrt(d)
    momentum = 0:  w <- w - step;   otherwise  m <- momentum * m + step;   w <- w - m

Dividing by sqrt(v) gives every weight a step of about lr, whether its gradients are large or
small. Unlike Adam's, RMSprop's epsilon goes inside the square root.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_bool, check_unit
from .base import Optimizer, check_positive

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Divide each gradient by a running root-mean-square of its recent values (Keras's ``RMSprop``).

    Args:
        learning_rate: step size (default 0.001).
        rho: decay of the running mean of g^2, in [0, 1) (default 0.9).
        momentum: in [0, 1]; 0 for none (default 0.0).
        epsilon: added to the mean square inside the square root, > 0 (default 1e-7).
        centered: divide by the running standard deviation of g instead of its root mean
            square (default False).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Slots: 'velocity' (v); 'momentum' when momentum > 0; 'average_gradient' (a) when centered.

    Example:
        Keras's documented example: w = 10, loss w^2 / 2, so g = w = 10; v = 0.1 * 100 = 10.
        >>> import numpy as np
        >>> w = np.array([10.0])
        >>> RMSprop(learning_rate=0.1).apply({"w": w}, {"w": w.copy()})
        >>> w  # 10 - 0.1 * 10 / sqrt(10 + 1e-7)
        array([9.68377224])
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        where = type(self).__name__
        self.rho = check_unit(rho, "rho", where, open_high=True)
        self.momentum = check_unit(momentum, "momentum", where)
        self.epsilon = check_positive(epsilon, "epsilon", where)
        self.centered = check_bool(centered, "centered", where)

    @property
    def slot_names(self) -> tuple[str, ...]:
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        return tuple(names)

    def _update(self, key: str, w: np.ndarray, g: np.ndarray, lr: float) -> None:
        rho = self.rho
        v = self._slot("velocity", key, w)
        v *= rho
        v += (1 - rho) * np.square(g)
        if self.centered:
            a = self._slot("average_gradient", key, w)
            a *= rho
            a += (1 - rho) * g
            # v - a^2 >= 0 (a weighted variance), up to rounding that epsilon absorbs
            denominator = v - np.square(a) + self.epsilon
        else:
            denominator = v + self.epsilon
        step = lr * g / np.sqrt(denominator)
        if self.momentum > 0:
            m = self._slot("momentum", key, w)
            m *= self.momentum
            m += step
            w -= m
        else:
            w -= step
