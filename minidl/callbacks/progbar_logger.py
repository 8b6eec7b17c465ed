"""ProgbarLogger: the progress bar during an epoch, and the line of numbers at its end.

The bar is the only feedback a student gets while a long epoch runs, and the epoch line is what
they compare between runs; both follow Keras's layout so that outputs can be set side by side.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ._output import print_line, redraw_line
from .base import Callback

# The clock the progress bar reads; a monotonic clock never jumps back when the system time is
# adjusted. Tests replace it to make the timing deterministic.
_now = time.monotonic


def _grader_mode() -> bool:
    """True under ``MINIDL_GRADER=1``: autograders capture output, where '\\r' bars are noise."""
    return os.environ.get("MINIDL_GRADER", "") == "1"


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
            print_line(f"Epoch {epoch + 1}/{self.epochs}")

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
            print_line(
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
        redraw_line(line + padding, final)
        self._last_draw = now
