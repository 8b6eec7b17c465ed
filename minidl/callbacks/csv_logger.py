"""CSVLogger: each epoch's logs as one row of a CSV file.

A CSV file outlives the notebook that trained the model: it opens in a spreadsheet, loads with
pandas, and keeps the numbers of a run that crashed, up to its last finished epoch.
"""

from __future__ import annotations

import csv
import os
from typing import Any

import numpy as np

from .base import Callback


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
