"""Layers as plain data: ``{"class_name": "Conv2D", "config": {...}}`` and back.

A saved model stores its architecture this way, as JSON. Rebuilding looks the class name up in a
fixed table of minidl's layers (plus any classes the caller passes in ``custom_objects``): no
name from a file is ever imported or evaluated, so a file cannot make minidl run its code.
"""

from __future__ import annotations

from .activations import Activation, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .base import Layer
from .conv import Conv2D, Conv2DTranspose, UpSampling2D
from .dense import Dense
from .dropout import Dropout
from .merge import Add
from .norm import BatchNormalization
from .pool import AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D
from .reshape import Flatten, Reshape
from .residual import Residual

__all__ = ["LAYER_CLASSES", "deserialize", "serialize"]

LAYER_CLASSES: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (
        Activation,
        Add,
        AveragePooling2D,
        BatchNormalization,
        Conv2D,
        Conv2DTranspose,
        Dense,
        Dropout,
        Flatten,
        GlobalAveragePooling2D,
        GlobalMaxPooling2D,
        LeakyReLU,
        MaxPooling2D,
        ReLU,
        Reshape,
        Residual,
        Sigmoid,
        Softmax,
        Tanh,
        UpSampling2D,
    )
}


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
    if issubclass(cls, Residual):  # holds layers of its own, which may be custom ones
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)
