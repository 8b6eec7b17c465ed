"""TerminateOnNaN: stop training as soon as the loss is no longer a finite number."""

from __future__ import annotations

import math

from ._output import print_line
from .base import Callback


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    Once the loss is NaN every later update is NaN too, so going on only wastes time. Prints
    "Batch N: Invalid loss, terminating training" (``batch`` from 0, as Keras) and sets
    ``model.stop_training``.
    """

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print_line(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
