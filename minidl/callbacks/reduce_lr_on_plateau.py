"""ReduceLROnPlateau: lower the learning rate once a monitored quantity stops improving.

A rate large enough to make fast progress early on is often too large to settle into a
minimum; cutting it when the validation loss stalls lets training go on making progress.
"""

from __future__ import annotations

import numpy as np

from ._bounds import check_at_least
from ._output import print_line
from .monitor import MonitorCallback, check_monitor, resolve_mode


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` when a monitored quantity stops improving.

    Once learning stalls, smaller steps often let the loss go lower: after ``patience`` epochs
    without an improvement (better by more than ``min_delta``),
    ``model.optimizer.learning_rate`` becomes ``max(lr * factor, min_lr)``. After a reduction,
    ``cooldown`` epochs pass during which epochs without improvement are not counted. The
    rate is only reduced while it is above ``min_lr`` (compared in float32, as Keras does, so
    a rate stored in float32 and one stored in float64 behave the same).

    Each epoch's logs also receive ``learning_rate``: the rate used during that epoch.

    Args:
        monitor: the logged quantity to watch (default 'val_loss').
        factor: new_lr = lr * factor, with 0 <= factor < 1 (default 0.1); 0 drops the rate
            straight to min_lr, and so needs min_lr > 0 (an optimizer refuses a rate of 0).
        patience: epochs without improvement before reducing (default 10).
        verbose: 0 silent (default); > 0 prints each reduction.
        mode: 'min', 'max' or 'auto' (default), as for EarlyStopping.
        min_delta: an improvement must beat the best by more than this, >= 0 (default 1e-4).
        cooldown: epochs to wait after a reduction before counting again (default 0).
        min_lr: lower bound on the learning rate, >= 0 (default 0.0).

    Raises:
        ValueError, TypeError: an argument out of range (factor >= 1, ...) or of the wrong type;
            at the start of ``fit``, factor 0 with min_lr 0.

    Example:
        >>> reduce = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=1e-5)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        super().__init__()
        where = "ReduceLROnPlateau"
        self.monitor = check_monitor(monitor, where)
        self.factor = check_at_least(factor, "factor", where, 0.0)
        if self.factor >= 1.0:
            raise ValueError(
                f"{where}: expected factor < 1 (new_lr = lr * factor must be smaller), "
                f"received factor={factor}"
            )
        self.patience = check_at_least(patience, "patience", where, 0, integer=True)
        self.verbose = verbose
        self.mode = resolve_mode(mode, self.monitor, where)
        self.min_delta = check_at_least(min_delta, "min_delta", where, 0.0)
        self.cooldown = check_at_least(cooldown, "cooldown", where, 0, integer=True)
        self.min_lr = check_at_least(min_lr, "min_lr", where, 0.0)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        """Reset the state; with a model, refuse now a reduction that would set the rate to 0,
        which the optimizer would refuse only after some epochs had trained."""
        if self.model is not None and self.factor == 0.0 and self.min_lr == 0.0:
            raise ValueError(
                "ReduceLROnPlateau: expected factor > 0 or min_lr > 0 (a reduction would set the "
                "learning rate to 0, which optimizers refuse), received factor=0.0 and min_lr=0.0"
            )
        super().on_train_begin(logs)
        self.best = self._worst()
        self.wait = 0
        self.cooldown_counter = 0

    def in_cooldown(self) -> bool:
        """True during the epochs after a reduction that are not counted."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            logs = {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = self._monitored_value(logs)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best, self.min_delta):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(self.model.optimizer.learning_rate)
                if np.float32(old_lr) > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print_line(
                            f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                            f"to {new_lr}."
                        )
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
