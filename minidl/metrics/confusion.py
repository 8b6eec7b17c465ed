"""Confusion counts: how many examples of each true class were predicted as each class.

For a yes/no decision the four counts are TP (true positives), FP, TN and FN. Precision and
Recall keep them at one decision threshold, ``y_pred > threshold`` (AUC keeps them at many):

    Precision   TP / (TP + FP)   of the examples called positive, the share that are positive
    Recall      TP / (TP + FN)   of the positive examples, the share called positive

For K classes, ``confusion_counts`` is the K x K matrix that ``minidl.plot.confusion_matrix``
draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_int, check_number
from .base import Metric
from .inputs import as_batch, binary_scores, check_probabilities, class_labels

__all__ = ["Precision", "Recall", "confusion_counts", "counts_above"]


def counts_above(
    y: np.ndarray, p: np.ndarray, w: np.ndarray, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weighted confusion counts (TP, FP, TN, FN), each (T,), calling "positive" ``p > t``.

    Example (weights 1): y = [0, 1, 1], p = [0.2, 0.6, 0.4] at threshold 0.5: predicted
    positive [no, yes, no], so TP = 1 (the 0.6), FP = 0, TN = 1 (the 0.2), FN = 1 (the 0.4).
    """
    above = (p[:, None] > thresholds[None, :]).astype(np.float64)  # (n, T): 1 = predicted positive
    below = 1.0 - above
    positives, negatives = w * y, w * (1.0 - y)  # each example's weight, on its true side
    return positives @ above, negatives @ above, negatives @ below, positives @ below


class _AtThreshold(Metric):
    """Precision and Recall: counts at one decision threshold, ``y_pred > threshold``."""

    def __init__(self, thresholds: float | None = None, name: str | None = None) -> None:
        where = type(self).__name__
        check_number(
            thresholds,
            "thresholds",
            where,
            allow_none=True,
            expected="one number in [0, 1] or None "
            "(Keras also takes a list; here make one metric per threshold)",
        )
        if thresholds is not None and not 0.0 <= thresholds <= 1.0:
            raise ValueError(f"{where}: expected thresholds in [0, 1], received {thresholds}")
        self.thresholds = thresholds
        self.threshold = 0.5 if thresholds is None else float(thresholds)
        super().__init__(name)

    def reset_state(self) -> None:
        self.true_positives = 0.0
        self.false_positives = 0.0
        self.false_negatives = 0.0

    def update_state(self, y_true: object, y_pred: object, sample_weight: object = None) -> None:
        where = self._where()
        y, p, w = binary_scores(y_true, y_pred, sample_weight, where)
        check_probabilities(p, where)
        tp, fp, _, fn = counts_above(y, p, w, np.array([self.threshold]))
        self.true_positives += float(tp[0])
        self.false_positives += float(fp[0])
        self.false_negatives += float(fn[0])

    def _share_of_true_positives(self, others: float) -> float:
        """TP / (TP + others), 0.0 while that is 0 (nothing predicted or no positive yet)."""
        total = self.true_positives + others
        return self.true_positives / total if total > 0 else 0.0

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "thresholds": self.thresholds}


class Precision(_AtThreshold):
    """Of the examples predicted positive, the fraction that are positive: ``TP / (TP + FP)``.

    An example is predicted positive when ``y_pred > threshold`` (strictly, as in Keras).

    Args:
        thresholds: the decision threshold in [0, 1]; None means 0.5. Keras also accepts a list
            (and then reports a list); here make one metric per threshold.
        name: default 'precision'.

    Shape:
        y_true 0/1 labels and y_pred probabilities, (N,) or (N, 1) (or any (N, ...) of one
        shape: each entry is then a separate decision).

    Example:
        >>> m = Precision()
        >>> m.update_state([0, 1, 1, 0], [0.7, 0.9, 0.2, 0.1])
        >>> m.result()  # predicted positive: 0.7 (wrong) and 0.9 (right)
        0.5
    """

    default_name = "precision"

    def result(self) -> float:
        return self._share_of_true_positives(self.false_positives)


class Recall(_AtThreshold):
    """Of the positive examples, the fraction predicted positive: ``TP / (TP + FN)``.

    Args:
        thresholds: the decision threshold in [0, 1] (``y_pred > threshold``); None means 0.5.
        name: default 'recall'.

    Shape:
        As Precision.

    Example:
        The same batch as Precision's, at a lower threshold, which finds more positives:
        >>> m = Recall(thresholds=0.1)
        >>> m.update_state([0, 1, 1, 0], [0.7, 0.9, 0.2, 0.1])
        >>> m.result()  # positives: 0.9 and 0.2, both above 0.1
        1.0
    """

    default_name = "recall"

    def result(self) -> float:
        return self._share_of_true_positives(self.false_negatives)


def _as_labels(y: object, name: str, where: str) -> tuple[np.ndarray, int | None]:
    """Labels (N,) from labels (N,) or (N, 1), or from one-hot rows / scores (N, K) by argmax;
    with K when the input said it."""
    arr = as_batch(y, name, where)
    if arr.ndim == 2 and arr.shape[1] == 1:
        return arr[:, 0], None
    if arr.ndim == 2:
        return np.argmax(arr, axis=1).astype(np.float64), arr.shape[1]
    if arr.ndim != 1:
        raise ValueError(
            f"{where}: expected {name} as labels (N,) or one-hot rows / scores (N, K), "
            f"received shape {arr.shape}"
        )
    return arr, None


def confusion_counts(y_true: object, y_pred: object, n_classes: int | None = None) -> np.ndarray:
    """How many examples of each true class were predicted as each class.

    ``C[i, j]`` counts the examples of class i predicted as class j. The diagonal holds the right
    answers, so ``trace(C) / C.sum()`` is the accuracy; row i shows where class i goes wrong.

    Args:
        y_true: integer labels (N,) or (N, 1), or one-hot rows (N, K), reduced by argmax.
        y_pred: integer predictions (N,) or (N, 1), or scores / probabilities (N, K), reduced by
            argmax (the predicted class). Threshold binary probabilities first: ``p > 0.5``.
        n_classes: K (default: the width of an (N, K) input, else 1 + the largest label).

    Returns:
        int64 array (K, K): rows are true classes, columns predicted classes.

    Raises:
        ValueError: different numbers of examples, labels that are not whole numbers in
            [0, K - 1], or inputs that disagree on K.

    Example:
        >>> confusion_counts([0, 1, 1, 2], [0, 2, 1, 2])
        array([[1, 0, 0],
               [0, 1, 1],
               [0, 0, 1]])
    """
    where = "metrics.confusion_counts"
    t, t_width = _as_labels(y_true, "y_true", where)
    p, p_width = _as_labels(y_pred, "y_pred", where)
    if t.shape[0] != p.shape[0]:
        raise ValueError(
            f"{where}: expected y_true and y_pred with the same number of examples, received "
            f"{t.shape[0]} and {p.shape[0]}"
        )
    check_int(n_classes, "n_classes", where, 1, allow_none=True, expected="a positive integer")
    widths = {k for k in (t_width, p_width, n_classes) if k is not None}
    if len(widths) > 1:
        raise ValueError(
            f"{where}: the number of classes disagrees: y_true gives {t_width}, y_pred gives "
            f"{p_width}, n_classes is {n_classes}"
        )
    if widths:
        k = int(widths.pop())
    else:
        k = int(max(t.max(), p.max(), 0)) + 1
    hint = " (threshold probabilities first, e.g. (p > 0.5).astype(int))"
    t_idx = class_labels(t, "y_true", where, k)
    p_idx = class_labels(p, "y_pred", where, k, hint)
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (t_idx, p_idx), 1)  # one count at (true, predicted) for each example
    return counts
