"""The callback protocol: one method per moment of training, each doing nothing until overridden.

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

Callbacks change training only through the model: ``model.stop_training = True`` ends ``fit``
after the current batch or epoch, ``model.optimizer.learning_rate`` is read and set,
``model.get_weights()`` / ``model.set_weights()`` copy the parameters, and ``model.save`` /
``model.save_weights`` write files. The model arrives at run time through ``set_model``, so
this package never imports ``minidl.models``.
"""

from __future__ import annotations

from typing import Any


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


# The names of all hooks, in the order above.
HOOKS = tuple(name for name in vars(Callback) if name.startswith("on_"))
