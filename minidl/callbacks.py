"""Callbacks: code that ``fit``, ``evaluate`` and ``predict`` run at fixed moments of training.

A training loop has a handful of moments worth hooking into: the start and end of training,
of each epoch, and of each batch. A callback is an object with one method per moment (a
"hook"); the model calls every hook of every callback at that moment, passing ``logs``, a dict
of the numbers measured so far (``{"loss": 0.41, "accuracy": 0.81, "val_loss": ...}``). This
is the Keras 3 protocol, hook for hook, so Keras tutorials and callbacks carry over.

The order of the hooks during ``fit`` (``epoch`` and ``batch`` count from 0, as in Keras)::

    on_train_begin(logs)
        on_epoch_begin(epoch, logs)
            on_train_batch_begin(batch, logs)     for every batch
            on_train_batch_end(batch, logs)       logs: running means over the epoch so far
            on_test_begin / on_test_batch_* / on_test_end     when there is validation data
        on_epoch_end(epoch, logs)                 logs: loss, metrics, val_..., learning_rate
    on_train_end(logs)

``evaluate`` calls the ``on_test_*`` hooks and ``predict`` the ``on_predict_*`` hooks.

What lives here:
    Callback            the base class: every hook, doing nothing
    CallbackList        calls one hook on each callback in turn (what the model talks to)
    History             records each epoch's logs; ``fit`` returns it
    ProgbarLogger       the progress bar and the per-epoch line of numbers
    EarlyStopping       stops training when a monitored number stops improving
    ReduceLROnPlateau   divides the learning rate when a monitored number stops improving
    ModelCheckpoint     saves the model (or its weights) every epoch, or only when it improves
    CSVLogger           writes one CSV row per epoch
    TerminateOnNaN      stops training as soon as the loss becomes NaN or infinite
    LambdaCallback      a callback made of plain functions

Callbacks change training only through the model: ``model.stop_training = True`` ends ``fit``
after the current batch or epoch, ``model.optimizer.learning_rate`` is read and set,
``model.get_weights()`` / ``model.set_weights()`` copy the parameters, and ``model.save`` /
``model.save_weights`` write files. All messages go to stdout (an autograder scores a notebook
cell 0 when anything reaches stderr), so nothing here uses ``warnings``.
"""

from __future__ import annotations

import csv
import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]

# The clock the progress bar reads; a monotonic clock never jumps back when the system time is
# adjusted. Tests replace it to make the timing deterministic.
_now = time.monotonic

# The stream on which a '\r' progress bar line is still open (no newline yet), or None. Any other
# message must end that line first, or it would be glued to the end of the bar.
_open_line: dict[str, Any] = {"stream": None}


def _print(message: str) -> None:
    """Print one line to the current ``sys.stdout``, ending an unfinished progress bar first.

    ``sys.stdout`` is looked up at each call (not at import) so that notebooks and pytest's
    ``capsys``, which replace it, receive the text.
    """
    out = sys.stdout
    if _open_line["stream"] is out:
        out.write("\n")
    _open_line["stream"] = None
    out.write(message + "\n")
    out.flush()


def _grader_mode() -> bool:
    """True under ``MINIDL_GRADER=1``: autograders capture output, where '\\r' bars are noise."""
    return os.environ.get("MINIDL_GRADER", "") == "1"


# ---------------------------------------------------------------------------------------------
# Argument checks shared by the callbacks below
# ---------------------------------------------------------------------------------------------


def _check_int(value: object, name: str, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{where}: expected {name} as an integer >= {minimum}, received "
            f"{type(value).__name__} {value!r}"
        )
    if value < minimum:
        raise ValueError(f"{where}: expected {name} >= {minimum}, received {value}")
    return int(value)


def _check_number(
    value: object, name: str, where: str, minimum: float | None = None, allow_none: bool = False
) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        kind = "a number or None" if allow_none else "a number"
        raise TypeError(
            f"{where}: expected {name} as {kind}, received {type(value).__name__} {value!r}"
        )
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{where}: expected {name} to be a number, received nan")
    if minimum is not None and value < minimum:
        raise ValueError(f"{where}: expected {name} >= {minimum}, received {value}")
    return value


def _check_monitor(monitor: object, where: str) -> str:
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(
            f"{where}: expected monitor as the name of a logged quantity such as 'val_loss', "
            f"received {monitor!r}"
        )
    return monitor


# Quantities that get better as they grow. Losses and errors (mse, mae, ...) get better as they
# shrink, which is also the default for names that match nothing here.
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1")


def _resolve_mode(mode: object, monitor: str, where: str) -> str:
    """Return 'min' or 'max': the direction in which ``monitor`` improves.

    ``mode='auto'`` guesses from the name, ignoring a ``val_`` prefix: 'max' when the name
    contains 'acc', 'auc', 'precision', 'recall' or 'f1' (``val_accuracy``), else 'min'
    (``val_loss``, ``mae``).
    """
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{where}: expected mode 'auto', 'min' or 'max', received {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    if name == "loss" or name.endswith("_loss"):
        return "min"
    return "max" if any(hint in name for hint in _HIGHER_IS_BETTER) else "min"


def _improved(current: float, reference: float, mode: str, min_delta: float) -> bool:
    """True when ``current`` beats ``reference`` by *more* than ``min_delta``.

    A change of exactly ``min_delta`` does not count, and NaN never counts (every comparison
    with NaN is False).
    """
    if mode == "min":
        return current < reference - min_delta
    return current > reference + min_delta


def _worst(mode: str) -> float:
    """The starting 'best' value: anything real beats it."""
    return math.inf if mode == "min" else -math.inf


def _copy_weights(model: Any) -> list[np.ndarray]:
    """Copies of the model's weights: a model may hand out its live arrays, which the optimizer
    then updates in place, so keeping references would not keep the old values."""
    return [np.array(w, copy=True) for w in model.get_weights()]


# ---------------------------------------------------------------------------------------------
# The protocol
# ---------------------------------------------------------------------------------------------


class Callback:
    """Base class of every callback: each hook exists and does nothing.

    Subclass it and override the hooks you need. ``model`` is the model being trained (set by
    ``set_model``) and ``params`` the training settings (set by ``set_params``), e.g.
    ``{"epochs": 10, "steps": 32, "verbose": 1}``; ``steps`` (batches per epoch) is None when
    the data has no known length.

    Example:
        >>> class PrintLoss(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(f"epoch {epoch + 1}: loss {logs['loss']:.3f}")
    """

    def __init__(self) -> None:
        self.params: dict | None = None
        self._model: Any = None

    def set_params(self, params: dict) -> None:
        """Receive the training settings (called by ``fit``/``evaluate``/``predict``)."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Receive the model the hooks act on."""
        self._model = model

    @property
    def model(self) -> Any:
        """The model being trained (None before ``set_model``)."""
        # getattr: a subclass that forgot super().__init__() still works.
        return getattr(self, "_model", None)

    # Training: the whole run, each epoch, each batch.
    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called once, before the first epoch of ``fit``."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """Called once, after the last epoch of ``fit`` (also after an early stop)."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of each epoch; ``epoch`` counts from 0."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of each epoch with the epoch's loss, metrics and val_ metrics."""

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each training batch; ``batch`` counts from 0 within the epoch."""

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each training batch with the epoch's running means so far."""

    # Evaluation: ``evaluate``, and validation inside ``fit``.
    def on_test_begin(self, logs: dict | None = None) -> None:
        """Called before evaluation (or before each epoch's validation)."""

    def on_test_end(self, logs: dict | None = None) -> None:
        """Called after evaluation with its results."""

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each evaluation batch."""

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each evaluation batch with the running means so far."""

    # Prediction.
    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Called before ``predict``."""

    def on_predict_end(self, logs: dict | None = None) -> None:
        """Called after ``predict``."""

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each prediction batch."""

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each prediction batch."""


class CallbackList(Callback):
    """Calls each hook on every callback, in order: the one object the model talks to.

    Args:
        callbacks: a Callback, a list of them, or None (default).
        add_history: add a ``History`` unless the list already has one (default False).
        add_progbar: add a ``ProgbarLogger`` unless the list already has one (default False).
        model: passed to every callback's ``set_model`` (default None: set it later).
        **params: when given, passed to every callback's ``set_params``.

    Order: an added ProgbarLogger goes first, so that its epoch line is printed before the
    messages other callbacks print at the same moment ("Epoch 5: ReduceLROnPlateau ...");
    an added History goes last, so that it records the logs after other callbacks have added
    to them (ReduceLROnPlateau adds ``learning_rate``). This is the order of Keras 2; Keras 3
    appends both. All callbacks receive the same ``logs`` dict.

    Raises:
        TypeError: an element of ``callbacks`` is not a Callback.

    Example:
        >>> callbacks = CallbackList([EarlyStopping(patience=2)], add_history=True,
        ...                          model=model, epochs=10, steps=32, verbose=0)
        >>> callbacks.on_train_begin()
    """

    def __init__(
        self,
        callbacks: Callback | Iterable[Callback] | None = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback):
            callbacks = [callbacks]
        elif isinstance(callbacks, (str, bytes, dict)) or not isinstance(callbacks, Iterable):
            raise TypeError(
                f"CallbackList: expected callbacks as a list of Callback objects, received "
                f"{type(callbacks).__name__}"
            )
        self.callbacks: list[Callback] = []
        for callback in callbacks:
            self.append(callback)
        self.history: History | None = next(
            (c for c in self.callbacks if isinstance(c, History)), None
        )
        if self.history is None and add_history:
            self.history = History()
            self.callbacks.append(self.history)
        self.progbar: ProgbarLogger | None = next(
            (c for c in self.callbacks if isinstance(c, ProgbarLogger)), None
        )
        if self.progbar is None and add_progbar:
            self.progbar = ProgbarLogger()
            self.callbacks.insert(0, self.progbar)
        if model is not None:
            self.set_model(model)
        self.params = {}
        if params:
            self.set_params(params)

    def append(self, callback: Callback) -> None:
        """Add a callback at the end of the list."""
        if not isinstance(callback, Callback):
            raise TypeError(
                f"CallbackList: expected Callback objects (subclasses of "
                f"minidl.callbacks.Callback), received {type(callback).__name__}"
            )
        self.callbacks.append(callback)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)

    def set_params(self, params: dict) -> None:
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model: Any) -> None:
        self._model = model
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook: str, *args: Any) -> None:
        """Call ``hook`` on each callback in turn; the last argument is ``logs``."""
        *position, logs = args
        if logs is None:
            logs = {}  # one dict for all, so what one callback adds the next ones see
        for callback in self.callbacks:
            getattr(callback, hook)(*position, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs)


class History(Callback):
    """Records every epoch's logs; ``model.fit`` returns this object.

    Attributes:
        history: dict from each logged name to its list of per-epoch values, in the order the
            names first appeared in the logs, e.g. ``{"loss": [0.7, 0.5], "val_loss": [...]}``.
        epoch: the epoch indices recorded (from 0), reset by each ``on_train_begin``.
        params, model: as for every Callback.

    As in Keras, ``history`` keeps growing when the same History is used for several ``fit``
    calls, while ``epoch`` restarts.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


# ---------------------------------------------------------------------------------------------
# Progress display
# ---------------------------------------------------------------------------------------------


def _format_value(value: Any) -> str:
    """Four decimals, or scientific notation for tiny values that would print as 0.0000."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.4e}"
    return f"{value:.4f}"


def _format_step_time(seconds: float) -> str:
    """Time per step in the unit that gives a readable whole number: '2s', '20ms' or '350us'."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def _format_eta(seconds: float) -> str:
    """Whole seconds left as '42s', '2:05' (m:ss) or '1:02:05' (h:mm:ss)."""
    s = int(seconds)
    if s > 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    if s > 60:
        return f"{s // 60}:{s % 60:02d}"
    return f"{s}s"


class ProgbarLogger(Callback):
    """Prints training progress to stdout, as Keras does.

    The verbosity comes from ``params["verbose"]`` (given to ``fit``):

    * 0: silent.
    * 1 (or "auto"): a bar per epoch, redrawn in place with '\\r' as batches finish (at most
      every ``interval`` seconds, and always at the last batch), then completed with the
      epoch's numbers::

          Epoch 3/10
          32/32 [==============================] - 1s 20ms/step - loss: 0.4123 - val_loss: 0.5000

    * 2: one line per epoch, for logs and files, where '\\r' redraws would pile up::

          Epoch 3/10
          32/32 - 1s - 20ms/step - loss: 0.4123 - val_loss: 0.5000

    Values print with four decimals, or as ``1.2345e-05`` when 0 < |value| < 1e-3. The
    "Epoch 3/10" line is left out when there is a single epoch. With no known number of steps
    (``params["steps"]`` None) the bar shows the count only ("     12/Unknown") until the first
    epoch ends, which reveals the length. Validation inside ``fit`` draws no bar of its own; its
    results appear on the epoch's line. ``evaluate`` and ``predict`` get a bar too.

    ``MINIDL_GRADER=1`` in the environment turns verbose 1 into 2: an autograder captures the
    output, and every '\\r' redraw would be kept as text.

    Timing: the elapsed time since the epoch began, and that time divided by the steps done.
    """

    interval = 0.05  # seconds between two redraws of the bar
    width = 30  # characters inside the brackets

    def __init__(self) -> None:
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target: int | None = None
        self._in_fit = False
        self._reset()

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        verbose = params.get("verbose", 1)
        if verbose == "auto":
            verbose = 1
        if isinstance(verbose, bool) or verbose not in (0, 1, 2):
            raise ValueError(
                f"ProgbarLogger: expected verbose 0, 1, 2 or 'auto', received {verbose!r}"
            )
        self.verbose = int(verbose)
        self.epochs = params.get("epochs") or 1
        self.target = params.get("steps")

    def _mode(self) -> int:
        if self.verbose == 1 and _grader_mode():
            return 2
        return self.verbose

    def _reset(self) -> None:
        self._seen = 0
        self._start = _now()
        self._last_draw: float | None = None
        self._prev_width = 0

    # Inside fit, validation is silent: its numbers appear on the epoch line.
    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self._mode() and self.epochs > 1:
            _print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._reset()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._update(batch + 1, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._reset()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch + 1, None)  # predictions are not numbers to display

    def on_predict_end(self, logs=None):
        self._finish(None)

    def _update(self, seen: int, logs: dict | None) -> None:
        self._seen = seen
        if self._mode() != 1:
            return
        now = _now()
        last_step = self.target is not None and seen >= self.target
        if not last_step and self._last_draw is not None and now - self._last_draw < self.interval:
            return  # redrawing on every fast batch would cost more than the batch itself
        self._draw(logs, now, final=False)

    def _finish(self, logs: dict | None) -> None:
        if self.target is None:
            self.target = self._seen  # now the length is known, for the next epochs too
        mode = self._mode()
        if mode == 1:
            self._draw(logs, _now(), final=True)
        elif mode == 2:
            elapsed = _now() - self._start
            per_step = elapsed / self._seen if self._seen else 0.0
            _print(
                f"{self._count()} - {elapsed:.0f}s - {_format_step_time(per_step)}"
                + self._metrics(logs)
            )

    def _count(self) -> str:
        if not self.target:
            return f"{self._seen:7d}/Unknown"
        return f"{self._seen:{len(str(self.target))}d}/{self.target}"

    @staticmethod
    def _metrics(logs: dict | None) -> str:
        return "".join(f" - {key}: {_format_value(value)}" for key, value in (logs or {}).items())

    def _draw(self, logs: dict | None, now: float, final: bool) -> None:
        line = self._count()
        if self.target:
            done = int(self.width * min(self._seen / self.target, 1.0))
            if done > 0:
                line += " [" + "=" * (done - 1) + (">" if self._seen < self.target else "=")
            else:
                line += " ["
            line += "." * (self.width - done) + "]"
        elapsed = now - self._start
        per_step = elapsed / self._seen if self._seen else 0.0
        if self.target and self._seen < self.target and not final:
            line += f" - ETA: {_format_eta(per_step * (self.target - self._seen))}"
        else:
            line += f" - {elapsed:.0f}s {_format_step_time(per_step)}"
        line += self._metrics(logs)
        # Spaces erase the tail of a longer previous line.
        padding = " " * max(0, self._prev_width - len(line))
        self._prev_width = len(line)
        out = sys.stdout
        out.write("\r" + line + padding + ("\n" if final else ""))
        out.flush()
        _open_line["stream"] = None if final else out
        self._last_draw = now


# ---------------------------------------------------------------------------------------------
# Callbacks that watch a quantity
# ---------------------------------------------------------------------------------------------


class EarlyStopping(Callback):
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
        self.monitor = _check_monitor(monitor, where)
        self.min_delta = _check_number(min_delta, "min_delta", where, minimum=0.0)
        self.patience = _check_int(patience, "patience", where)
        self.verbose = verbose
        self.mode = _resolve_mode(mode, self.monitor, where)
        self.baseline = _check_number(baseline, "baseline", where, allow_none=True)
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = _check_int(start_from_epoch, "start_from_epoch", where)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        # Reset everything, so one instance can serve several fit calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = _worst(self.mode)
        self.best_epoch = 0
        self.best_weights: list[np.ndarray] | None = None
        self._reported_missing = False

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored_value(self, logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # The first monitored epoch is the best so far, even if it misses the baseline.
            self.best_weights = _copy_weights(self.model)
            self.best_epoch = epoch

        self.wait += 1
        if _improved(current, self.best, self.mode, self.min_delta):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = _copy_weights(self.model)
            # Patience restarts only when the baseline is beaten as well.
            if self.baseline is None or _improved(
                current, self.baseline, self.mode, self.min_delta
            ):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print(
                    f"Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)


def _monitored_value(callback: Any, logs: dict | None) -> float | None:
    """``logs[callback.monitor]`` as a float, or None (and one printed note per fit) if absent."""
    logs = logs or {}
    value = logs.get(callback.monitor)
    if value is None:
        if not callback._reported_missing:
            available = ", ".join(logs) or "none"
            _print(
                f"{type(callback).__name__}: the monitored quantity '{callback.monitor}' is not "
                f"in the logs, so the callback does nothing. Available: {available}."
            )
            callback._reported_missing = True
        return None
    return float(value)


class ReduceLROnPlateau(Callback):
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
        factor: new_lr = lr * factor, with 0 <= factor < 1 (default 0.1).
        patience: epochs without improvement before reducing (default 10).
        verbose: 0 silent (default); > 0 prints each reduction.
        mode: 'min', 'max' or 'auto' (default), as for EarlyStopping.
        min_delta: an improvement must beat the best by more than this, >= 0 (default 1e-4).
        cooldown: epochs to wait after a reduction before counting again (default 0).
        min_lr: lower bound on the learning rate, >= 0 (default 0.0).

    Raises:
        ValueError, TypeError: an argument out of range (factor >= 1, ...) or of the wrong type.

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
        self.monitor = _check_monitor(monitor, where)
        self.factor = _check_number(factor, "factor", where, minimum=0.0)
        if self.factor >= 1.0:
            raise ValueError(
                f"{where}: expected factor < 1 (new_lr = lr * factor must be smaller), "
                f"received factor={factor}"
            )
        self.patience = _check_int(patience, "patience", where)
        self.verbose = verbose
        self.mode = _resolve_mode(mode, self.monitor, where)
        self.min_delta = _check_number(min_delta, "min_delta", where, minimum=0.0)
        self.cooldown = _check_int(cooldown, "cooldown", where)
        self.min_lr = _check_number(min_lr, "min_lr", where, minimum=0.0)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.best = _worst(self.mode)
        self.wait = 0
        self.cooldown_counter = 0
        self._reported_missing = False

    def in_cooldown(self) -> bool:
        """True during the epochs after a reduction that are not counted."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            logs = {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = _monitored_value(self, logs)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if _improved(current, self.best, self.mode, self.min_delta):
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
                        _print(
                            f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                            f"to {new_lr}."
                        )
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class ModelCheckpoint(Callback):
    """Save the model, or only its weights, during training.

    Args:
        filepath: where to save. It may contain format fields filled at each save from
            ``epoch`` (counted from 1), ``batch`` (from 1, when saving every N batches) and the
            logs: ``"ckpt/model-{epoch:02d}-{val_loss:.2f}.h5"`` gives
            ``ckpt/model-03-0.41.h5``. Without fields the same file is overwritten.
        monitor: the quantity that decides what "best" means (default 'val_loss').
        verbose: 0 silent (default); > 0 prints a line at each decision.
        save_best_only: save only when ``monitor`` improves on the best value so far
            (default False: save every time).
        save_weights_only: call ``model.save_weights`` instead of ``model.save``
            (default False).
        mode: 'min', 'max' or 'auto' (default), as for EarlyStopping.
        save_freq: 'epoch' (default) to save at the end of each epoch, or an integer N to
            save every N training batches (then ``monitor`` is the running mean so far).
        initial_value_threshold: with ``save_best_only``, the value the first save must beat
            (default None: the first epoch always saves).

    The best value is kept across ``fit`` calls, so a second ``fit`` only overwrites the
    checkpoint with a better model. Saving relies on the model writing atomically, so an
    interrupted save never leaves a half-written checkpoint.

    Raises:
        ValueError, TypeError: an argument out of range or of the wrong type.
        ValueError: (when saving) ``filepath`` names a field that is not in the logs.
    """

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__()
        where = "ModelCheckpoint"
        if not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(
                f"{where}: expected filepath as a str or path, received {type(filepath).__name__}"
            )
        self.filepath = os.fspath(filepath)
        from .saving import SUFFIXES

        if not self.filepath.endswith(SUFFIXES):  # found now, not after the first epoch
            raise ValueError(
                f"{where}: expected filepath ending in {' or '.join(SUFFIXES)}, received "
                f"{self.filepath!r}"
            )
        self.monitor = _check_monitor(monitor, where)
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.mode = _resolve_mode(mode, self.monitor, where)
        if save_freq != "epoch":
            if isinstance(save_freq, str):
                raise ValueError(
                    f"{where}: expected save_freq 'epoch' or a number of batches, received "
                    f"{save_freq!r}"
                )
            save_freq = _check_int(save_freq, "save_freq", where, minimum=1)
        self.save_freq = save_freq
        threshold = _check_number(
            initial_value_threshold, "initial_value_threshold", where, allow_none=True
        )
        self.best = _worst(self.mode) if threshold is None else threshold
        self._epoch = 0
        self._batches_since_save = 0
        self._reported_missing = False

    def on_train_begin(self, logs=None):
        self._reported_missing = False

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _filename(self, epoch: int, batch: int | None, logs: dict) -> str:
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as err:
            raise ValueError(
                f"ModelCheckpoint: filepath {self.filepath!r} uses the field {err}, which is "
                f"not among the available fields: {', '.join(fields)}"
            ) from None
        except (IndexError, ValueError) as err:  # '{}' without a name, or a bad format spec
            raise ValueError(
                f"ModelCheckpoint: cannot fill filepath {self.filepath!r} from the fields "
                f"{', '.join(fields)} ({err}); expected named fields such as '{{epoch:02d}}'"
            ) from None

    def _save(self, epoch: int, batch: int | None, logs: dict) -> None:
        path = self._filename(epoch, batch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                if not self._reported_missing:
                    _print(
                        f"ModelCheckpoint: can save the best model only when '{self.monitor}' "
                        f"is in the logs (available: {', '.join(logs) or 'none'}); saving "
                        f"every time instead."
                    )
                    self._reported_missing = True
            elif _improved(float(current), self.best, self.mode, 0.0):
                if self.verbose > 0:
                    _print(
                        f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                        f"{float(current):.5f}, saving model to {path}"
                    )
                self.best = float(current)
            else:
                if self.verbose > 0:
                    _print(
                        f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}"
                    )
                return
        elif self.verbose > 0:
            _print(f"Epoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


# ---------------------------------------------------------------------------------------------
# Logging and small utilities
# ---------------------------------------------------------------------------------------------


def _csv_value(value: Any) -> Any:
    """A log value as the csv module should write it: Python floats print with all the digits
    needed to read the same number back (repr precision), NumPy scalars become Python ones."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(str(_csv_value(v)) for v in value) + "]"
    return value


class CSVLogger(Callback):
    """Write each epoch's logs as one row of a CSV file.

    The header is ``epoch`` followed by the log names in alphabetical order (as Keras), e.g.
    ``epoch,learning_rate,loss,val_loss``; ``epoch`` counts from 0. Values are written with
    full precision (reading the file gives back the same floats); a name missing from an
    epoch's logs is written as ``NA``. The file is opened, appended to and closed at every
    epoch, so it is complete on disk after each epoch, even if training then crashes.

    Args:
        filename: the CSV file, e.g. 'run/log.csv' (its folder is created if needed).
        separator: the one-character field separator (default ',').
        append: False (default) starts the file afresh at ``on_train_begin``; True continues
            an existing file without repeating its header, keeping its columns (useful when
            training resumes).

    Raises:
        TypeError, ValueError: a bad filename or separator.
    """

    def __init__(
        self, filename: str | os.PathLike, separator: str = ",", append: bool = False
    ) -> None:
        super().__init__()
        if not isinstance(filename, (str, os.PathLike)):
            raise TypeError(
                f"CSVLogger: expected filename as a str or path, received {type(filename).__name__}"
            )
        if not isinstance(separator, str) or len(separator) != 1 or separator in '\r\n"':
            raise ValueError(
                f"CSVLogger: expected separator as one character such as ',' or '\\t', "
                f"received {separator!r}"
            )
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = bool(append)
        self.keys: list[str] | None = None
        self._write_header = True

    def on_train_begin(self, logs=None):
        self.keys = None
        self._write_header = True
        folder = os.path.dirname(self.filename)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.append and os.path.isfile(self.filename):
            with open(self.filename, newline="", encoding="utf-8") as f:
                header = next(csv.reader(f, delimiter=self.sep), None)
            if header:
                # Continue under the existing columns, so that old and new rows line up.
                self.keys = [key for key in header if key != "epoch"]
                self._write_header = False
        else:
            # Like Keras, an existing file is emptied as soon as training starts.
            with open(self.filename, "w", newline="", encoding="utf-8"):
                pass

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        row = [epoch] + [_csv_value(logs[key]) if key in logs else "NA" for key in self.keys]
        with open(self.filename, "a", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, delimiter=self.sep, lineterminator="\n")
            if self._write_header:
                writer.writerow(["epoch", *self.keys])
                self._write_header = False
            writer.writerow(row)


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    Once the loss is NaN every later update is NaN too, so going on only wastes time. Prints
    "Batch N: Invalid loss, terminating training" (``batch`` from 0, as Keras) and sets
    ``model.stop_training``.
    """

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            _print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


_HOOKS = tuple(name for name in vars(Callback) if name.startswith("on_"))


class LambdaCallback(Callback):
    """A callback made of plain functions, for one-off needs.

    Each argument, when given, replaces the hook of the same name and is called with the
    hook's arguments: ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``,
    ``on_train_begin(logs)``, ``on_train_end(logs)``, ``on_train_batch_begin(batch, logs)``,
    ``on_train_batch_end(batch, logs)``. Any other hook can be given by name in ``**kwargs``
    (``on_test_end=lambda logs: ...``).

    Raises:
        TypeError: an argument is not callable, or a keyword is not a hook name.

    Example:
        >>> losses = []
        >>> record = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    """

    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        on_train_batch_begin: Callable | None = None,
        on_train_batch_end: Callable | None = None,
        **kwargs: Callable,
    ) -> None:
        super().__init__()
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
            **kwargs,
        }
        for name, function in hooks.items():
            if name not in _HOOKS:
                raise TypeError(
                    f"LambdaCallback: expected hook names such as {', '.join(_HOOKS)}, "
                    f"received the keyword {name!r}"
                )
            if function is None:
                continue
            if not callable(function):
                raise TypeError(
                    f"LambdaCallback: expected {name} to be a function, received "
                    f"{type(function).__name__}"
                )
            # An instance attribute hides the method of the same name.
            setattr(self, name, function)
