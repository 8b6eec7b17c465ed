"""MonitorCallback: what EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share.

Each of the three watches one logged quantity (``monitor``, such as 'val_loss') and acts when
it improves, or when it stops improving. They agree on what the name may be, on which direction
counts as better (``mode``), on what counts as an improvement, and on what happens when the
quantity is not in the logs, so those rules are written here once.
"""

from __future__ import annotations

import math

from ._output import print_line
from .base import Callback

# Quantities that get better as they grow. Losses and errors (mse, mae, ...) get better as they
# shrink, which is also the default for names that match nothing here.
HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1")


def check_monitor(monitor: object, where: str) -> str:
    """``monitor`` if it can name a logged quantity: a non-empty string.

    Raises:
        TypeError: anything else (a number, None, '').
    """
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(
            f"{where}: expected monitor as the name of a logged quantity such as 'val_loss', "
            f"received {monitor!r}"
        )
    return monitor


def resolve_mode(mode: object, monitor: str, where: str) -> str:
    """Return 'min' or 'max': the direction in which ``monitor`` improves.

    ``mode='auto'`` guesses from the name, ignoring a ``val_`` prefix: 'max' when the name
    contains 'acc', 'auc', 'precision', 'recall' or 'f1' (``val_accuracy``), else 'min'
    (``val_loss``, ``mae``).

    Raises:
        ValueError: ``mode`` is not 'auto', 'min' or 'max'.
    """
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{where}: expected mode 'auto', 'min' or 'max', received {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    if name == "loss" or name.endswith("_loss"):
        return "min"
    return "max" if any(hint in name for hint in HIGHER_IS_BETTER) else "min"


class MonitorCallback(Callback):
    """Base class of the callbacks that watch one logged quantity.

    A subclass sets ``monitor`` (with ``check_monitor``) and ``mode`` (with ``resolve_mode``)
    in its ``__init__``, keeps its best value so far in ``best``, and reads the quantity with
    ``_monitored_value``. When the quantity is missing from the logs (a misspelled name, or
    'val_loss' without validation data) a note listing the available names is printed once per
    ``fit`` rather than at every epoch, so the cause is visible without flooding the output.
    """

    monitor: str
    mode: str
    best: float

    def __init__(self) -> None:
        super().__init__()
        self._reported_missing = False

    def on_train_begin(self, logs=None):
        # A new fit may log different names, so a missing quantity is reported again.
        self._reported_missing = False

    def _worst(self) -> float:
        """The starting 'best' value: anything real beats it."""
        return math.inf if self.mode == "min" else -math.inf

    def _is_improvement(self, current: float, reference: float, min_delta: float = 0.0) -> bool:
        """True when ``current`` beats ``reference`` by *more* than ``min_delta``.

        A change of exactly ``min_delta`` does not count, and NaN never counts (every
        comparison with NaN is False).
        """
        if self.mode == "min":
            return current < reference - min_delta
        return current > reference + min_delta

    def _monitored_value(self, logs: dict | None) -> float | None:
        """``logs[monitor]`` as a float, or None (and the note of ``_missing_note``, once per
        fit) when the logs do not have it."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            if not self._reported_missing:
                print_line(self._missing_note(", ".join(logs) or "none"))
                self._reported_missing = True
            return None
        return float(value)

    def _missing_note(self, available: str) -> str:
        """What is printed when the quantity is missing; ``available`` lists the logged names.

        A subclass that still acts without the quantity says what it does instead.
        """
        return (
            f"{type(self).__name__}: the monitored quantity '{self.monitor}' is not in the "
            f"logs, so the callback does nothing. Available: {available}."
        )
