"""Adam: momentum on g, divided by a running root-mean-square of g, both bias-corrected.

    m <- m + (1 - beta_1) * (g - m)                   (= beta_1 m + (1 - beta_1) g)
    v <- v + (1 - beta_2) * (g^2 - v)
        amsgrad:   vhat <- max(vhat, v), used in place of v below
    alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)   (bias correction of m and v)
    w <- w - alpha * m / (sqrt(v) + epsilon)

m and v start at zero, so early on they underestimate the mean of g and of g^2 by the factors
(1 - beta_1^t) and (1 - beta_2^t); alpha undoes both. Keras's epsilon is Kingma and Ba's
"epsilon hat": it sits outside the bias correction, so it equals the paper's (and PyTorch's)
epsilon times sqrt(1 - beta_2^t).
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_bool, check_unit
from .base import Optimizer, check_positive

__all__ = ["Adam"]


class Adam(Optimizer):
    """Momentum on g divided by a running root-mean-square of g, bias-corrected (Keras's ``Adam``).

    Args:
        learning_rate: step size (default 0.001); the first step moves each weight by about
            learning_rate, whatever the size of its gradient.
        beta_1: decay of the running mean of g, in [0, 1) (default 0.9).
        beta_2: decay of the running mean of g^2, in [0, 1) (default 0.999).
        epsilon: Keras's "epsilon hat", added to sqrt(v), > 0 (default 1e-7).
        amsgrad: divide by the largest v seen so far (Reddi et al., 2018) (default False).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.

    Slots: 'momentum' (m), 'velocity' (v), and 'velocity_hat' when amsgrad.

    Example:
        >>> import numpy as np
        >>> w = np.array([1.0])
        >>> Adam(learning_rate=0.1).apply({"w": w}, {"w": np.array([2.0])})
        >>> w  # 1 - 0.1 * 2 / (2 + epsilon / sqrt(0.001)): a step of about lr
        array([0.90000016])
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        where = type(self).__name__
        self.beta_1 = check_unit(beta_1, "beta_1", where, open_high=True)
        self.beta_2 = check_unit(beta_2, "beta_2", where, open_high=True)
        self.epsilon = check_positive(epsilon, "epsilon", where)
        self.amsgrad = check_bool(amsgrad, "amsgrad", where)

    @property
    def slot_names(self) -> tuple[str, ...]:
        return (
            ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")
        )

    def _update(self, key: str, w: np.ndarray, g: np.ndarray, lr: float) -> None:
        t = self.iterations + 1
        alpha = lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        m = self._slot("momentum", key, w)
        v = self._slot("velocity", key, w)
        m += (g - m) * (1 - self.beta_1)
        v += (np.square(g) - v) * (1 - self.beta_2)
        if self.amsgrad:
            v_hat = self._slot("velocity_hat", key, w)
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        w -= alpha * m / (np.sqrt(v) + self.epsilon)
