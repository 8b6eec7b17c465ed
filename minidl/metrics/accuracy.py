"""The accuracies: the weighted fraction of examples whose prediction is right.

    Accuracy()                     y_pred == y_true              class predictions already made
    BinaryAccuracy(threshold=0.5)  (y_pred > 0.5) == y_true      one probability per output
    CategoricalAccuracy()          argmax y_pred == argmax y_true   one-hot labels
    SparseCategoricalAccuracy()    argmax y_pred == y_true          integer labels

They differ only in what counts as right (``_matches``); each keeps the state of Mean, a weighted
mean of 1 (right) and 0 (wrong) over the examples. ``metrics.get('accuracy', ...)`` picks one
from the shapes of the labels and predictions, as Keras does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_binary_labels, check_number
from .base import WeightedMean
from .inputs import as_batch, check_lengths, class_labels, paired

__all__ = ["Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy"]


class _MatchRate(WeightedMean):
    """An accuracy: the weighted mean over examples of ``_matches`` (1 right, 0 wrong)."""

    def _matches(self, y_true: object, y_pred: object, where: str) -> np.ndarray:
        raise NotImplementedError

    def update_state(self, y_true: object, y_pred: object, sample_weight: object = None) -> None:
        where = self._where()
        self._add(self._matches(y_true, y_pred, where).astype(np.float64), sample_weight, where)


class Accuracy(_MatchRate):
    """How often predictions equal labels exactly: ``mean(y_pred == y_true)``.

    For class predictions already decided (integers); for probabilities use BinaryAccuracy,
    CategoricalAccuracy or SparseCategoricalAccuracy, or ``get('accuracy', ...)``, which picks one.
    Labels are compared in y_pred's dtype, as in Keras.

    Args:
        name: default 'accuracy'.

    Shape:
        y_true and y_pred (N, ...) of the same shape, or (N,) against (N, 1).
    """

    default_name = "accuracy"

    def _matches(self, y_true: object, y_pred: object, where: str) -> np.ndarray:
        y_true, y_pred = paired(y_true, y_pred, where)
        return y_true.astype(y_pred.dtype) == y_pred


class BinaryAccuracy(_MatchRate):
    """How often a thresholded probability equals the 0/1 label: ``mean((p > threshold) == y)``.

    The comparison is strict, as in Keras: p = 0.5 counts as a prediction of 0.

    Args:
        threshold: default 0.5; use 0.0 when y_pred are logits (sigmoid(z) > 0.5 iff z > 0).
        name: default 'binary_accuracy'.

    Shape:
        y_true and y_pred (N, ...) of the same shape, or (N,) against (N, 1); with several
        outputs per example, an example scores the fraction of its outputs that are right.

    Raises:
        ValueError: labels other than 0 and 1, or mismatched shapes.
    """

    default_name = "binary_accuracy"

    def __init__(self, threshold: float = 0.5, name: str | None = None) -> None:
        # An infinite threshold is allowed (nothing, or everything, counts as positive).
        self.threshold = check_number(threshold, "threshold", type(self).__name__, allow_inf=True)
        super().__init__(name)

    def _matches(self, y_true: object, y_pred: object, where: str) -> np.ndarray:
        y_true, y_pred = paired(y_true, y_pred, where)
        check_binary_labels(
            y_true, "y_true", where, hint=" (for class indices use SparseCategoricalAccuracy)"
        )
        return (y_pred > self.threshold) == (y_true == 1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(_MatchRate):
    """How often the top-scoring class is the labelled class: ``mean(argmax y_pred == argmax y_true)``.

    y_true are one-hot rows (or smoothed labels: only their argmax matters). On ties argmax takes
    the first class, as NumPy and Keras do.

    Args:
        name: default 'categorical_accuracy'.

    Shape:
        y_true and y_pred (N, K), or (N, ..., K), of the same shape.
    """

    default_name = "categorical_accuracy"

    def _matches(self, y_true: object, y_pred: object, where: str) -> np.ndarray:
        y_true, y_pred = as_batch(y_true, "y_true", where), as_batch(y_pred, "y_pred", where)
        check_lengths(y_true, y_pred, where)
        if y_pred.ndim < 2 or y_true.shape != y_pred.shape:
            raise ValueError(
                f"{where}: expected one-hot y_true and scores y_pred of the same shape (N, K), "
                f"received y_true of shape {y_true.shape} and y_pred of shape {y_pred.shape} "
                f"(for integer labels (N,) use SparseCategoricalAccuracy)"
            )
        return np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)


class SparseCategoricalAccuracy(_MatchRate):
    """How often the top-scoring class is the label: ``mean(argmax y_pred == y_true)``.

    Args:
        name: default 'sparse_categorical_accuracy'.

    Shape:
        y_true integer labels (N,) or (N, 1) in [0, K - 1]; y_pred scores (N, K). More generally
        y_true (N, ...) or (N, ..., 1) against y_pred (N, ..., K).

    Raises:
        ValueError: labels that are not whole numbers in [0, K - 1], or mismatched shapes.
    """

    default_name = "sparse_categorical_accuracy"

    def _matches(self, y_true: object, y_pred: object, where: str) -> np.ndarray:
        labels, y_pred = as_batch(y_true, "y_true", where), as_batch(y_pred, "y_pred", where)
        check_lengths(labels, y_pred, where)
        if y_pred.ndim < 2:
            raise ValueError(
                f"{where}: expected y_pred as class scores (N, K), received shape {y_pred.shape}"
            )
        if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
            labels = labels[..., 0]
        if labels.shape != y_pred.shape[:-1]:
            raise ValueError(
                f"{where}: expected integer labels y_true of shape {y_pred.shape[:-1]} for "
                f"y_pred of shape {y_pred.shape}, received shape {labels.shape}"
            )
        idx = class_labels(labels, "y_true", where, y_pred.shape[-1])
        return np.argmax(y_pred, axis=-1) == idx
