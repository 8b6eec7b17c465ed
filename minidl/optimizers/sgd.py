"""SGD: gradient descent, with optional (Nesterov) momentum.

    momentum = 0:   w <- w - lr * g
    otherwise:      m <- momentum * m - lr * g
                    w <- w + m                         (plain momentum)
                    w <- w + momentum * m - lr * g     (nesterov=True: look one step ahead)

The velocity m carries the factor -lr, as in Keras, so a change of learning rate mid-run only
affects the steps that follow.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_bool, check_unit
from .base import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum (Keras's ``SGD``).

    Args:
        learning_rate: step size (default 0.01).
        momentum: in [0, 1]; 0 is plain gradient descent (default 0.0).
        nesterov: use Nesterov momentum (default False).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Slots: 'momentum' (the velocity m, which includes the factor -lr), when momentum > 0.

    Example:
        >>> import numpy as np
        >>> w = np.array([1.0])
        >>> SGD(learning_rate=0.1).apply({"w": w}, {"w": np.array([2.0])})
        >>> w  # 1 - 0.1 * 2
        array([0.8])
    """

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        self.momentum = check_unit(momentum, "momentum", type(self).__name__)
        self.nesterov = check_bool(nesterov, "nesterov", type(self).__name__)

    @property
    def slot_names(self) -> tuple[str, ...]:
        return ("momentum",) if self.momentum != 0 else ()

    def _update(self, key: str, w: np.ndarray, g: np.ndarray, lr: float) -> None:
        if self.momentum == 0:
            w -= lr * g
            return
        m = self._slot("momentum", key, w)
        m *= self.momentum
        m -= lr * g
        if self.nesterov:
            w += self.momentum * m - lr * g
        else:
            w += m
