"""Residual blocks: y = F(x) + shortcut(x), the skip connection of ResNets (He et al., 2015).

Why it helps: the gradient reaching x is dF/dx^T dy + dshortcut/dx^T dy. With the identity
shortcut the second term is dy itself, so however many blocks are stacked the gradient has a
path to the first layers that no weight can shrink, and a block that has nothing useful to add
can learn F = 0 and pass x through.

    forward:   h = F(x) (the branch, layer by layer); s = x or a projection of x; y = h + s
               (then an optional activation: ResNet applies ReLU after the sum)
    backward:  the sum sends dy to both terms unchanged; dx = (branch backward of dy)
               + (shortcut backward of dy)

The shortcut must produce F(x)'s shape. When the branch changes the number of channels or the
image size (strides), the identity does not fit: use a projection such as
``shortcut=Conv2D(filters, 1, strides=s)`` (a 1x1 convolution), optionally with BatchNormalization.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array
from .activations import Activation
from .base import Composite, Layer, build_sequence
from .conv import Conv2D
from .norm import BatchNormalization
from .serialization import deserialize, register, serialize

__all__ = ["Residual", "bottleneck_block"]


def _as_layer_list(layers: object, what: str, where: str, allow_empty: bool) -> list[Layer]:
    if layers is None:
        layers = []
    elif isinstance(layers, Layer):
        layers = [layers]
    if not isinstance(layers, (list, tuple)) or not all(isinstance(x, Layer) for x in layers):
        raise TypeError(
            f"{where}: expected {what} as a layer or a list of layers, received {layers!r}"
        )
    if not layers and not allow_empty:
        raise ValueError(f"{where}: expected at least one layer in {what}, received none")
    return list(layers)


@register
class Residual(Composite):
    """A residual block: ``F(x) + shortcut(x)``, then an optional activation.

    Args:
        layers: the branch F, a list of layers applied in order (e.g. Conv2D, BN, ReLU, Conv2D, BN).
        shortcut: None for the identity (default), or a layer or list of layers (a projection,
            e.g. ``Conv2D(64, 1, strides=2)``).
        activation: applied after the sum (e.g. 'relu'), or None (default).
        name: layer name; default 'residual', 'residual_1', ...

    Example (a basic ResNet block that keeps the shape)::

        Residual([Conv2D(16, 3, padding="same"), BatchNormalization(), ReLU(),
                  Conv2D(16, 3, padding="same"), BatchNormalization()], activation="relu")
    """

    def __init__(
        self,
        layers: list[Layer],
        shortcut: Layer | list[Layer] | None = None,
        activation: str | None = None,
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        where = self._where()
        self.branch = _as_layer_list(layers, "layers", where, allow_empty=False)
        self.shortcut = _as_layer_list(shortcut, "shortcut", where, allow_empty=True)
        self.activation = activation
        self._activation = [] if activation is None else [Activation(activation)]
        self._children = [*self.branch, *self.shortcut, *self._activation]
        self.trainable = trainable  # now that the sublayers exist, pass it on to them

    def build(self, input_shape: tuple) -> None:
        branch = build_sequence(self.branch, input_shape)
        shortcut = build_sequence(self.shortcut, input_shape)
        if branch[1:] != shortcut[1:]:
            kind = "the identity" if not self.shortcut else "the projection"
            raise ValueError(
                f"{self._where()}: the branch gives {branch} but the shortcut ({kind}) gives "
                f"{shortcut}; they must match to be added. Use a projection shortcut, e.g. "
                f"shortcut=Conv2D({branch[-1]}, 1, strides=...)"
            )
        build_sequence(self._activation, branch)
        super().build(input_shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = as_float_array(x, "input", self._where())
        if not self.built:
            self.build(x.shape)
        h = x
        for layer in self.branch:
            h = layer.forward(h, training=training)
        s = x
        for layer in self.shortcut:
            s = layer.forward(s, training=training)
        y = h + s
        for layer in self._activation:
            y = layer.forward(y, training=training)
        self._cache, self._dy_shape = True, y.shape
        return self._read_only(y)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_dy(dy)
        for layer in self._activation:
            dy = layer.backward(dy)
        dh = dy
        for layer in reversed(self.branch):
            dh = layer.backward(dh)
        ds = dy
        for layer in reversed(self.shortcut):
            ds = layer.backward(ds)
        return dh + ds

    def output_shape(self, input_shape: tuple) -> tuple:
        shape = tuple(input_shape)
        for layer in self.branch:
            shape = tuple(layer.output_shape(shape))
        return shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "layers": [serialize(layer) for layer in self.branch],
            "shortcut": [serialize(layer) for layer in self.shortcut],
            "activation": self.activation,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Residual:
        config = dict(config)
        config["layers"] = [deserialize(c, custom_objects) for c in config["layers"]]
        config["shortcut"] = [deserialize(c, custom_objects) for c in config["shortcut"]]
        return cls(**config)


def bottleneck_block(
    filters: int, strides: int = 1, project: bool = False, reduction: int = 4
) -> Residual:
    """The bottleneck block of deeper ResNets: 1x1 reduce, 3x3, 1x1 restore, plus the shortcut.

    The 1x1 convolutions shrink the channels by ``reduction`` around the expensive 3x3 one.
    ``project=True`` (needed when the input does not already have ``filters`` channels, or when
    strides > 1) makes the shortcut a 1x1 convolution with batch normalization.

    Example:
        >>> block = bottleneck_block(64, strides=2, project=True)
    """
    inner = max(1, filters // reduction)
    branch = [
        Conv2D(inner, 1, strides=strides, use_bias=False),
        BatchNormalization(),
        Activation("relu"),
        Conv2D(inner, 3, padding="same", use_bias=False),
        BatchNormalization(),
        Activation("relu"),
        Conv2D(filters, 1, use_bias=False),
        BatchNormalization(),
    ]
    shortcut = (
        [Conv2D(filters, 1, strides=strides, use_bias=False), BatchNormalization()]
        if project
        else None
    )
    return Residual(branch, shortcut=shortcut, activation="relu")
