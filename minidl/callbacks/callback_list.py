"""CallbackList: the one object a model talks to, passing each hook on to every callback.

The model holds a single CallbackList and calls its hooks; the list calls the same hook on each
of its callbacks in turn, all with the same ``logs`` dict, so that the callbacks later in the
list see what earlier ones added to it (ReduceLROnPlateau's ``learning_rate``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .base import Callback
from .history import History
from .progbar_logger import ProgbarLogger


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
