"""Sequential: a stack of layers, each feeding the next, trained as one model.

    model = Sequential([
        Input(shape=(64, 64, 1)),
        Conv2D(8, 3, padding="same", activation="relu"),
        MaxPooling2D(),
        Flatten(),
        Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, validation_split=0.2)

Forward runs the layers in order; backward runs them in reverse, each turning the gradient
with respect to its output into the gradient with respect to its input (the chain rule, one
layer at a time). What every model shares (weights, saving, the summary) is in model.py;
training (compile, fit, evaluate, predict) in trainer.py.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array
from ..layers.base import Layer, build_sequence
from ..layers.input import Input
from ..layers.serialization import deserialize, serialize
from ..saving import register_model
from .model import Model

__all__ = ["Sequential"]


@register_model
class Sequential(Model):
    """A linear stack of layers (Keras's ``Sequential``).

    Args:
        layers: layers in order; the first may be an ``Input(shape)``, which builds the model
            at once (so ``summary()`` works before any data is seen).
        name: default 'sequential', 'sequential_1', ...
        trainable: False freezes every layer.
    """

    def __init__(
        self, layers: list | None = None, name: str | None = None, trainable: bool = True
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        self._layers: list[Layer] = []
        self._children = self._layers
        self._input_shape: tuple | None = None
        if layers is not None:
            if not isinstance(layers, (list, tuple)):
                raise TypeError(
                    f"{self._where()}: expected layers as a list, received {type(layers).__name__}"
                )
            for layer in layers:
                self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        """The layers, in order (an ``Input`` is not one of them, as in Keras)."""
        return list(self._layers)

    def add(self, layer: Layer | Input) -> None:
        """Append a layer (or, first of all, an ``Input``)."""
        where = self._where()
        if isinstance(layer, Input):
            if self._layers or self._input_shape is not None:
                raise ValueError(f"{where}: an Input can only come first")
            self._input_shape = layer.shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"{where}: expected a layer (e.g. Dense(3)), received {type(layer).__name__}"
            )
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(
                f"{where}: there is already a layer named {layer.name!r}; layer names must be "
                f"unique in a model"
            )
        self._layers.append(layer)
        if not self.trainable:
            layer.trainable = False
        if self._input_shape is not None:
            try:
                self.build(self._input_shape)
            except (ValueError, TypeError):
                self._layers.pop()  # refused: the model stays as it was
                raise

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by position."""
        if (name is None) == (index is None):
            raise ValueError(f"{self._where()}.get_layer: give exactly one of name and index")
        if index is not None:
            if not -len(self._layers) <= index < len(self._layers):
                raise ValueError(
                    f"{self._where()}.get_layer: index {index} is out of range for "
                    f"{len(self._layers)} layers"
                )
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"{self._where()}.get_layer: no layer named {name!r}; the layers are "
            f"{[layer.name for layer in self._layers]}"
        )

    # -- the layer protocol --------------------------------------------------------------------
    def build(self, input_shape: tuple | None = None) -> None:
        """Build every layer for inputs of ``input_shape`` (batch first, may be None)."""
        shape = input_shape if input_shape is not None else self._input_shape
        if shape is None:
            raise ValueError(
                f"{self._where()}: the input shape is unknown; start the model with "
                f"Input(shape=...) or call build((None, ...))"
            )
        if not self._layers:
            raise ValueError(f"{self._where()}: the model has no layers; add some first")
        shape = (None, *tuple(shape)[1:])
        if not all(
            d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0)
            for d in shape[1:]
        ):
            raise ValueError(
                f"{self._where()}: expected an input shape of positive sizes (or None), received "
                f"{tuple(shape)}"
            )
        build_sequence(self._layers, shape)
        self._input_shape = shape
        super().build(shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = as_float_array(x, "input", self._where())
        if not self.built:
            self.build((None, *x.shape[1:]))
        for layer in self._layers:
            x = layer.forward(x, training=training)
        self._cache, self._dy_shape = True, x.shape
        return x

    def backward(self, dy: np.ndarray, input_gradient: bool = True) -> np.ndarray | None:
        """dL/dx, after filling every layer's grads; ``input_gradient=False`` (as ``fit`` calls
        it) lets the first layer skip computing a gradient nobody uses, and returns None."""
        dy = self._check_dy(dy)
        first = self._layers[0]
        first.input_gradient = input_gradient
        try:
            for layer in reversed(self._layers):
                dy = layer.backward(dy)
        finally:
            first.input_gradient = True
        return dy if input_gradient else None

    def __call__(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return self.forward(x, training=training)

    def output_shape(self, input_shape: tuple) -> tuple:
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = tuple(layer.output_shape(shape))
        return shape

    # -- configuration -------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": [serialize(layer) for layer in self._layers],
            "build_input_shape": None if self._input_shape is None else list(self._input_shape),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Sequential:
        """A new, untrained model with the same architecture (weights are not in the config)."""
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config.get("layers", []):
            model.add(deserialize(layer_config, custom_objects))
        shape = config.get("build_input_shape")
        if shape is not None:
            model.build(tuple(shape))
        return model
