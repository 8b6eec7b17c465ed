"""ModelCheckpoint: save the model, or only its weights, as training goes.

A long run can crash, and its last epoch is seldom its best; a checkpoint on disk keeps the
best model (or every epoch's) whatever happens to the run.
"""

from __future__ import annotations

import os
from pathlib import Path

from .._checks import check_number
from ..saving import SUFFIXES
from ._bounds import check_at_least
from ._output import print_line
from .monitor import MonitorCallback, check_monitor, resolve_mode


class ModelCheckpoint(MonitorCallback):
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
        if not self.filepath.endswith(SUFFIXES):  # found now, not after the first epoch
            raise ValueError(
                f"{where}: expected filepath ending in {' or '.join(SUFFIXES)}, received "
                f"{self.filepath!r}"
            )
        self.monitor = check_monitor(monitor, where)
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.mode = resolve_mode(mode, self.monitor, where)
        if save_freq != "epoch":
            if isinstance(save_freq, str):
                raise ValueError(
                    f"{where}: expected save_freq 'epoch' or a number of batches, received "
                    f"{save_freq!r}"
                )
            save_freq = check_at_least(save_freq, "save_freq", where, 1, integer=True)
        self.save_freq = save_freq
        threshold = check_number(
            initial_value_threshold,
            "initial_value_threshold",
            where,
            allow_none=True,
            allow_inf=True,
        )
        self.best = self._worst() if threshold is None else threshold
        self._epoch = 0
        self._batches_since_save = 0

    def on_train_begin(self, logs=None):
        """Refuse a filepath whose folder cannot exist (it lies under a regular file) or cannot
        be written, now: otherwise the error would come after the first epoch had trained."""
        super().on_train_begin(logs)
        folder = Path(self.filepath).parent
        while "{" in str(folder) and folder != folder.parent:  # a field fills it at each save
            folder = folder.parent
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise ValueError(
                f"ModelCheckpoint: cannot save to {self.filepath!r}: {str(existing)!r} is a "
                f"file, not a folder; expected filepath in a folder that exists or can be created"
            )
        if not os.access(existing, os.W_OK | os.X_OK):
            raise ValueError(
                f"ModelCheckpoint: cannot save to {self.filepath!r}: the folder "
                f"{str(existing)!r} is not writable"
            )

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

    def _missing_note(self, available: str) -> str:
        return (
            f"ModelCheckpoint: can save the best model only when '{self.monitor}' is in the "
            f"logs (available: {available}); saving every time instead."
        )

    def _save(self, epoch: int, batch: int | None, logs: dict) -> None:
        path = self._filename(epoch, batch, logs)
        if self.save_best_only:
            current = self._monitored_value(logs)
            # Without the quantity there is no "best" to compare with: save every time.
            if current is not None:
                if not self._is_improvement(current, self.best):
                    if self.verbose > 0:
                        print_line(
                            f"Epoch {epoch + 1}: {self.monitor} did not improve from "
                            f"{self.best:.5f}"
                        )
                    return
                if self.verbose > 0:
                    print_line(
                        f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                        f"{current:.5f}, saving model to {path}"
                    )
                self.best = current
        elif self.verbose > 0:
            print_line(f"Epoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
