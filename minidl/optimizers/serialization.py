"""Optimizers by name and as plain data: what ``compile(optimizer=...)`` and saved files hold.

Names are looked up in a fixed table of minidl's optimizers; a name from a file is never
imported, so a file cannot make minidl run its code.
"""

from __future__ import annotations

from typing import Any

from .._checks import from_identifier
from .adam import Adam
from .adamw import AdamW
from .base import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["get", "serialize"]

_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW}
_KNOWN = "'sgd', 'rmsprop', 'adam', 'adamw' (or a dict {'class_name': ..., 'config': {...}})"


def get(identifier: str | dict | Optimizer) -> Optimizer:
    """An optimizer from what ``compile(optimizer=...)`` accepts.

    Args:
        identifier: an ``Optimizer`` (returned as is, slots and all), a name ('sgd', 'rmsprop',
            'adam', 'adamw'; case does not matter) for a new one with Keras's defaults, or a
            dict ``{"class_name": "Adam", "config": {...}}`` as ``serialize`` writes it.

    Returns:
        An ``Optimizer``.

    Raises:
        ValueError: an unknown name or class name, or a malformed dict.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    return from_identifier(identifier, _BY_NAME, "optimizer", _KNOWN)


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """``{"class_name": "Adam", "config": {...}}``: the settings, not the slots (see ``get_state``)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizers.serialize: expected an Optimizer, received {type(optimizer).__name__}"
        )
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}
