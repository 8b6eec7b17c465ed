"""The metric protocol, and the running weighted mean that Mean and the accuracies keep.

A metric is a small accumulator. ``update_state(y_true, y_pred, sample_weight=None)`` adds one
batch, ``result()`` reads the value so far and ``reset_state()`` starts again (a model resets its
metrics at the start of every epoch). The state is a few float64 sums, so the result over several
batches equals the result over their concatenation, whatever the batch sizes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .inputs import example_weights

__all__ = ["Mean", "Metric", "WeightedMean"]


class Metric:
    """Base class: ``update_state`` adds a batch, ``result`` reads, ``reset_state`` clears.

    Subclasses set ``default_name``, keep their sums in attributes that ``reset_state`` zeroes
    (set their own settings before calling ``Metric.__init__``, which calls it), and list their
    constructor arguments in ``get_config`` so that ``from_config`` rebuilds them.

    Args:
        name: the key under which the model reports the value (default ``default_name``).
    """

    default_name = "metric"

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = self.default_name
        if not isinstance(name, str) or not name:
            raise TypeError(
                f"{type(self).__name__}: expected name as a non-empty string, received {name!r}"
            )
        self.name = name
        self.reset_state()

    def _where(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def update_state(self, y_true: object, y_pred: object, sample_weight: object = None) -> None:
        """Add one batch of labels and predictions (with optional per-example weights)."""
        raise NotImplementedError

    def result(self) -> float:
        """The value over every batch added since the last reset (0.0 before any)."""
        raise NotImplementedError

    def reset_state(self) -> None:
        """Forget every batch: back to the state of a new metric."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-friendly), so that ``from_config`` rebuilds the metric."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        """A new metric (empty state) with the settings of ``get_config``."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class WeightedMean(Metric):
    """The state of Mean and of the accuracies: ``total = sum(w * v)`` and ``count = sum(w)``.

    Not a metric of its own: Mean adds values, an accuracy adds 1 or 0 per example, and both
    then read ``total / count``.
    """

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def _add(self, values: np.ndarray, sample_weight: object, where: str) -> None:
        # One value per example: an example with several entries (a (N, D) batch) contributes
        # the mean of its entries, so that its weight applies to it as a whole, as in Keras.
        per_example = values.reshape(values.shape[0], -1).mean(axis=1)
        w = example_weights(sample_weight, per_example.shape[0], where)
        self.total += float(np.sum(w * per_example))
        self.count += float(np.sum(w))

    def result(self) -> float:
        """``total / count``: the weighted mean so far (0.0 while count is 0)."""
        return self.total / self.count if self.count > 0 else 0.0


class Mean(WeightedMean):
    """The weighted mean of values over batches, ``sum(w * v) / sum(w)``.

    A model averages its loss over an epoch with it: after each batch,
    ``update_state(batch_loss, sample_weight=batch_size)``, so that a last, smaller batch counts
    for fewer examples, and the result is the mean loss per example.

    Args:
        name: default 'mean'.

    Example:
        >>> m = Mean()
        >>> m.update_state([1.0, 3.0])
        >>> m.update_state(6.0, sample_weight=2)
        >>> m.result()  # (1 + 3 + 2 * 6) / (1 + 1 + 2)
        4.0
    """

    default_name = "mean"

    def update_state(self, values: object, sample_weight: object = None) -> None:
        """Add a number, or a batch (N, ...) whose examples each contribute their mean.

        NaN and infinite values are accepted and propagate to the result, as in Keras: a loss
        that diverges must show as nan in the logs, not stop the epoch with an error.
        """
        where = self._where()
        if not isinstance(values, (np.ndarray, list, tuple, int, float, np.number)):
            raise TypeError(
                f"{where}: expected values as numbers, received {type(values).__name__}"
            )
        arr = np.asarray(values)
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{where}: expected numeric values, received dtype {arr.dtype}")
        if arr.size == 0:
            raise ValueError(f"{where}: values is empty (shape {arr.shape}); expected numbers")
        self._add(arr.astype(np.float64).reshape(arr.shape or (1,)), sample_weight, where)
