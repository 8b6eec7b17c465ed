"""AdamW: Adam with decoupled weight decay switched on (Loshchilov and Hutter, 2019).

    w <- w - lr * weight_decay * w,   then Adam's step          (weight_decay = 0.004)

Adam's own ``weight_decay`` argument does the same; AdamW only makes it the point of the
optimizer: a default of 0.004 (Keras's) and None refused.
"""

from __future__ import annotations

from .._checks import check_number
from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """Adam with decoupled weight decay, ``w <- w - lr * weight_decay * w`` before each step
    (Keras's ``AdamW``; Loshchilov and Hutter, 2019).

    Args:
        learning_rate: step size (default 0.001).
        weight_decay: decay factor, >= 0; required, not None (default 0.004).
        beta_1, beta_2, epsilon, amsgrad: as for ``Adam``.
        clipnorm, clipvalue, global_clipnorm, name: see ``Optimizer``.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
    ) -> None:
        check_number(
            weight_decay,
            "weight_decay",
            type(self).__name__,
            0,
            expected="a non-negative number (for no weight decay use Adam)",
        )
        super().__init__(
            learning_rate,
            beta_1,
            beta_2,
            epsilon,
            amsgrad,
            weight_decay,
            clipnorm,
            clipvalue,
            global_clipnorm,
            name,
        )
