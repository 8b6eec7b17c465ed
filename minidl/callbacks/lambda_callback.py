"""LambdaCallback: a callback made of plain functions.

Writing a subclass for a one-line need (append each epoch's loss to a list, change the
learning rate by a formula) is more ceremony than the need; a function per hook is enough.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import HOOKS, Callback


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
            if name not in HOOKS:
                raise TypeError(
                    f"LambdaCallback: expected hook names such as {', '.join(HOOKS)}, "
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
