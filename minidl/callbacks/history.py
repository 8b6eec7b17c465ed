"""History: the record of every epoch's logs that ``fit`` returns.

Plotting a learning curve, or choosing the epoch count for a final run, needs the numbers of
every epoch, not just the last; History keeps them as lists, one per logged name.
"""

from __future__ import annotations

from .base import Callback


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
