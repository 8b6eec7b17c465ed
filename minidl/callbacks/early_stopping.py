"""EarlyStopping: end training once a monitored quantity has stopped improving.

Training past the best validation loss only fits the training set more closely; stopping there
(and, optionally, going back to the best epoch's weights) saves the time and the overfitting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_number
from ._bounds import check_at_least
from ._output import print_line
from .monitor import MonitorCallback, check_monitor, resolve_mode


def _copy_weights(model: Any) -> list[np.ndarray]:
    """Copies of the model's weights: a model may hand out its live arrays, which the optimizer
    then updates in place, so keeping references would not keep the old values."""
    return [np.array(w, copy=True) for w in model.get_weights()]


class EarlyStopping(MonitorCallback):
    """Stop training when a monitored quantity has stopped improving.

    At the end of each epoch, ``logs[monitor]`` is compared with the best value so far. An
    improvement means better by *more* than ``min_delta``; after ``patience`` epochs in a row
    without one, ``model.stop_training`` is set and ``fit`` ends after that epoch.

    Args:
        monitor: the logged quantity to watch (default 'val_loss').
        min_delta: smallest change that counts as an improvement, >= 0 (default 0).
        patience: epochs without improvement to tolerate before stopping (default 0: stop at
            the first epoch that does not improve).
        verbose: 0 silent (default); > 0 prints "Epoch N: early stopping" when it stops and a
            line when it restores weights.
        mode: 'min', 'max' or 'auto' (default): the direction of improvement; 'auto' picks
            'max' for names containing 'acc', 'auc', 'precision', 'recall' or 'f1', else 'min'.
        baseline: a value the monitored quantity must beat (default None). An epoch that
            improves on the best so far but not on the baseline does not reset the patience
            count, so training stops after ``patience`` epochs unless the baseline is beaten.
        restore_best_weights: at the end of training, put back the weights of the best epoch
            (default False: keep the last weights). Done whether or not training stopped early.
        start_from_epoch: epochs to ignore at the start, a warm-up in which the quantity is not
            expected to improve (default 0).

    Attributes:
        best: the best value seen; ``best_epoch`` its epoch (from 0).
        stopped_epoch: the epoch (from 0) at which training was stopped, 0 if it was not.
        wait: epochs since the last improvement.

    If ``monitor`` is not in the logs (a misspelled name, or 'val_loss' without validation
    data), a line listing the available names is printed once per ``fit`` and the callback
    does nothing.

    Raises:
        ValueError, TypeError: an argument out of range or of the wrong type.

    Example:
        >>> stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
        >>> history = model.fit(x, y, validation_split=0.2, epochs=100, callbacks=[stop])
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__()
        where = "EarlyStopping"
        self.monitor = check_monitor(monitor, where)
        self.min_delta = check_at_least(min_delta, "min_delta", where, 0.0)
        self.patience = check_at_least(patience, "patience", where, 0, integer=True)
        self.verbose = verbose
        self.mode = resolve_mode(mode, self.monitor, where)
        self.baseline = check_number(baseline, "baseline", where, allow_none=True, allow_inf=True)
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = check_at_least(
            start_from_epoch, "start_from_epoch", where, 0, integer=True
        )
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        # Reset everything, so one instance can serve several fit calls.
        super().on_train_begin(logs)
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self._worst()
        self.best_epoch = 0
        self.best_weights: list[np.ndarray] | None = None

    def on_epoch_end(self, epoch, logs=None):
        current = self._monitored_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # The first monitored epoch is the best so far, even if it misses the baseline.
            self.best_weights = _copy_weights(self.model)
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best, self.min_delta):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = _copy_weights(self.model)
            # Patience restarts only when the baseline is beaten as well.
            if self.baseline is None or self._is_improvement(
                current, self.baseline, self.min_delta
            ):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_line(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_line(
                    f"Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)
