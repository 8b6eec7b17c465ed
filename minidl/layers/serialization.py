"""Layers as plain data: ``{"class_name": "Conv2D", "config": {...}}`` and back.

A saved model stores its architecture this way, as JSON. Rebuilding looks the class name up in a
fixed table of minidl's layers, ``LAYER_CLASSES`` (each class enters it with ``@register``), and
in any classes the caller passes in ``custom_objects``: no name from a file is ever imported or
evaluated, so a file cannot make minidl run its code.
"""

from __future__ import annotations

import inspect

from .._checks import register_class
from .base import Composite, Layer

__all__ = ["LAYER_CLASSES", "deserialize", "register", "serialize"]

# Filled by ``@register`` on each of minidl's layer classes, as their modules are imported (the
# package ``minidl.layers`` imports them all before anyone can call ``deserialize``).
LAYER_CLASSES: dict[str, type[Layer]] = {}


def register(cls: type[Layer]) -> type[Layer]:
    """Class decorator: let ``deserialize`` rebuild ``cls`` from its name in a saved file."""
    return register_class(LAYER_CLASSES, cls, "layers.register")


def serialize(layer: Layer) -> dict:
    """``{"class_name": ..., "config": layer.get_config()}``."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(data: dict, custom_objects: dict | None = None) -> Layer:
    """A new layer from ``serialize``'s output (the weights are not part of it).

    Raises:
        ValueError: not a layer description, or a class name minidl does not know.
    """
    known = {**LAYER_CLASSES, **(custom_objects or {})}
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
        raise ValueError(
            f"layers.deserialize: expected {{'class_name': ..., 'config': {{...}}}}, received {data!r}"
        )
    name = data.get("class_name")
    if name not in known:
        raise ValueError(
            f"layers.deserialize: unknown layer type {name!r}; minidl knows {sorted(LAYER_CLASSES)} "
            f"(pass your own classes as custom_objects={{'{name}': YourLayer}})"
        )
    config = dict(data["config"])
    for key in ("kernel_size", "strides", "dilation_rate", "pool_size", "size", "target_shape"):
        if isinstance(config.get(key), list):  # JSON has no tuples
            config[key] = tuple(config[key])
    cls = known[name]
    # A layer of layers (Residual) rebuilds its sublayers, which may be custom ones.
    if (
        issubclass(cls, Composite)
        and "custom_objects" in inspect.signature(cls.from_config).parameters
    ):
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)
