"""Model: layers trained as one, with weights you can list, copy, save and load.

``Model`` joins the layer protocol (``Composite``: a layer made of layers) to training
(``Trainer``: compile, fit, evaluate, predict). ``Sequential`` (sequential.py) says how the layers
are chained; this class holds what every model shares: its weights in Keras's order, their
copies, the files they are saved to (minidl.saving) and the summary table (summary.py).
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array
from ..layers.base import Composite, Layer
from ..saving import load_weights, save_model, save_weights
from .summary import print_summary
from .trainer import Trainer

__all__ = ["Model"]


def _leaves(layer: Layer, prefix: str = ""):
    """(path prefix, layer) for every layer holding weights itself, depth first, in order."""
    for sub in layer.sublayers():
        if isinstance(sub, Composite):
            yield from _leaves(sub, f"{prefix}{sub.name}/")
        else:
            yield prefix + sub.name + "/", sub


class Model(Trainer, Composite):
    """What every model can do: hold weights, compile, fit, evaluate, predict, save.

    Args:
        name: the model's name (default from its class: 'sequential', 'sequential_1', ...).
        trainable: False freezes every layer.
    """

    def __init__(self, name: str | None = None, trainable: bool = True) -> None:
        super().__init__(name=name, trainable=trainable)

    # -- weights --------------------------------------------------------------------------------
    def _generators(self) -> dict[str, np.random.Generator]:
        """Every random generator the model draws from (its shuffling, each layer's), by path."""
        found = {"": self._rng}
        for prefix, layer in _leaves(self):
            if isinstance(getattr(layer, "_rng", None), np.random.Generator):
                found[prefix.rstrip("/")] = layer._rng
        return found

    def _variables(self) -> list[tuple[str, Layer, str, np.ndarray, bool]]:
        """(path, layer, key, array, trainable) for every weight, in Keras's order: layer by
        layer, each layer's parameters then its buffers."""
        out = []
        for prefix, layer in _leaves(self):
            for key, value in layer.params.items():
                out.append((prefix + key, layer, key, value, layer.trainable))
            for key, value in layer.buffers.items():
                out.append((prefix + key, layer, key, value, False))
        return out

    @property
    def weights(self) -> list[np.ndarray]:
        """Every weight array (the layers' own arrays, not copies)."""
        return [v[3] for v in self._variables()]

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        return [v[3] for v in self._variables() if v[4]]

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        """Frozen layers' weights and every buffer (BatchNormalization's moving statistics)."""
        return [v[3] for v in self._variables() if not v[4]]

    def count_params(self) -> int:
        """All weights, trainable or not, as Keras counts them."""
        return int(sum(w.size for w in self.weights))

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every weight, in the order ``set_weights`` takes them."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights: list) -> None:
        """Copy ``weights`` (as from ``get_weights``) into the model; nothing changes on error."""
        where = self._where()
        current = self._variables()
        if not isinstance(weights, (list, tuple)) or len(weights) != len(current):
            got = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            raise ValueError(f"{where}: expected a list of {len(current)} arrays, received {got}")
        arrays = [
            as_float_array(w, f"weight '{v[0]}'", where, allow_empty=True)
            for v, w in zip(current, weights, strict=True)
        ]
        for (path, *_, value, _), new in zip(current, arrays, strict=True):
            if new.shape != value.shape:
                raise ValueError(
                    f"{where}: weight '{path}' has shape {value.shape}, received {new.shape}"
                )
        for (*_, value, _), new in zip(current, arrays, strict=True):
            value[...] = new

    # -- summary and files -----------------------------------------------------------------------
    def summary(self, print_fn=None, line_length: int | None = None) -> None:
        """Print the layers, output shapes and parameter counts as Keras 3 does (summary.py)."""
        print_summary(self, print_fn=print_fn, line_length=line_length)

    def save(self, path) -> None:
        """Save architecture, weights, optimizer state and compile settings (minidl.saving)."""
        save_model(self, path)

    def save_weights(self, path) -> None:
        """Save the weights alone (minidl.saving); ``load_weights`` reads them into this model."""
        save_weights(self, path)

    def load_weights(self, path) -> None:
        """Read weights saved by ``save_weights`` or ``save`` into this model (same architecture)."""
        load_weights(self, path)
