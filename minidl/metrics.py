"""Metrics: running summaries of a model's predictions, with Keras 3's names and semantics.

A metric is a small accumulator. ``update_state(y_true, y_pred, sample_weight=None)`` adds one
batch, ``result()`` reads the value so far and ``reset_state()`` starts again (a model resets its
metrics at the start of every epoch). The state is a few float64 sums, so the result over several
batches equals the result over their concatenation, whatever the batch sizes.

    Mean()                                'mean'                         weighted mean of values
    Accuracy()                            'accuracy'                     y_pred == y_true
    BinaryAccuracy(threshold=0.5)         'binary_accuracy'              (y_pred > 0.5) == y_true
    CategoricalAccuracy()                 'categorical_accuracy'         argmax y_true == argmax y_pred
    SparseCategoricalAccuracy()           'sparse_categorical_accuracy'  y_true == argmax y_pred
    Precision(thresholds=None)            'precision'                    TP / (TP + FP)
    Recall(thresholds=None)               'recall'                       TP / (TP + FN)
    AUC(num_thresholds=200, curve='ROC')  'auc'                          area under the ROC/PR curve

``get('accuracy', y_true_shape, y_pred_shape)`` chooses among the three accuracies as Keras does;
``confusion_counts`` is the confusion matrix that ``minidl.plot.confusion_matrix`` draws.

Weights: every metric takes ``sample_weight``, one non-negative weight per example, shape (N,),
or one number for all; an example of weight w counts as w examples. A ratio whose denominator is
still 0 (no update yet, all weights 0, no predicted positive) is reported as 0.0, as in Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_float_array, check_binary_labels
from .ops.activations import sigmoid

__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "Mean",
    "Metric",
    "Precision",
    "Recall",
    "SparseCategoricalAccuracy",
    "confusion_counts",
    "get",
    "serialize",
]

# Keras's backend.epsilon(): the end thresholds sit just outside [0, 1], so that a score of exactly
# 0 is still "above" the first one and a score of exactly 1 is not above the last one.
_EPSILON = 1e-7


# ---------------------------------------------------------------------------------------------
# Input handling shared by the metrics
# ---------------------------------------------------------------------------------------------


def _batch(x: object, name: str, where: str) -> np.ndarray:
    """``x`` as a float array with one row per example (N, ...)."""
    arr = as_float_array(x, name, where)
    if arr.ndim == 0:
        raise ValueError(
            f"{where}: expected {name} as a batch with one row per example (N, ...), "
            f"received a single number"
        )
    return arr


def _check_lengths(y_true: np.ndarray, y_pred: np.ndarray, where: str) -> None:
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"{where}: expected y_true and y_pred with the same number of examples, received "
            f"y_true of shape {y_true.shape} and y_pred of shape {y_pred.shape}"
        )


def _paired(y_true: object, y_pred: object, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels and predictions of one shape, for metrics that compare them element by element.

    (N,) against (N, 1) is accepted, as in Keras: a Dense(1) output is (N, 1) while labels are
    often stored as (N,). Any other difference is refused rather than broadcast, since (N,)
    against (N, 1) broadcast would compare every label with every prediction.
    """
    y_true, y_pred = _batch(y_true, "y_true", where), _batch(y_pred, "y_pred", where)
    _check_lengths(y_true, y_pred, where)
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{where}: expected y_true and y_pred of the same shape (or (N,) against (N, 1)), "
            f"received y_true of shape {y_true.shape} and y_pred of shape {y_pred.shape}"
        )
    return y_true, y_pred


def _example_weights(sample_weight: object, n: int, where: str) -> np.ndarray:
    """One weight per example, shape (n,): ones when None, a single number repeated, or (n,)."""
    if sample_weight is None:
        return np.ones(n)
    w = as_float_array(sample_weight, "sample_weight", where, ndim=(0, 1))
    if w.ndim == 1 and w.shape[0] != n:
        raise ValueError(
            f"{where}: expected sample_weight of shape ({n},), one weight per example, "
            f"received shape {w.shape}"
        )
    if (w < 0).any():
        raise ValueError(
            f"{where}: expected non-negative sample_weight, received values such as "
            f"{np.unique(w[w < 0])[:5].tolist()}"
        )
    return np.broadcast_to(w, (n,)).astype(np.float64)


def _class_labels(
    y: np.ndarray, name: str, where: str, n_classes: int, hint: str = ""
) -> np.ndarray:
    """Class indices as intp, after checking they are whole numbers in [0, n_classes - 1]."""
    fractional = y != np.round(y)
    if fractional.any():
        raise ValueError(
            f"{where}: expected {name} as integer class indices, received values such as "
            f"{np.unique(y[fractional])[:5].tolist()}{hint}"
        )
    if y.min() < 0 or y.max() > n_classes - 1:
        raise ValueError(
            f"{where}: expected {name} in [0, {n_classes - 1}] for {n_classes} classes, "
            f"received values from {y.min():g} to {y.max():g}"
        )
    return y.astype(np.intp)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b where b > 0, else 0 (Keras's divide_no_nan)."""
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def _counts_above(
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


# ---------------------------------------------------------------------------------------------
# The protocol
# ---------------------------------------------------------------------------------------------


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


class _WeightedMean(Metric):
    """The state of Mean and of the accuracies: ``total = sum(w * v)`` and ``count = sum(w)``."""

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def _add(self, values: np.ndarray, sample_weight: object, where: str) -> None:
        # One value per example: an example with several entries (a (N, D) batch) contributes
        # the mean of its entries, so that its weight applies to it as a whole, as in Keras.
        per_example = values.reshape(values.shape[0], -1).mean(axis=1)
        w = _example_weights(sample_weight, per_example.shape[0], where)
        self.total += float(np.sum(w * per_example))
        self.count += float(np.sum(w))

    def result(self) -> float:
        """``total / count``: the weighted mean so far (0.0 while count is 0)."""
        return self.total / self.count if self.count > 0 else 0.0


class Mean(_WeightedMean):
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


class _MatchRate(_WeightedMean):
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
        y_true, y_pred = _paired(y_true, y_pred, where)
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
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)):
            raise TypeError(
                f"BinaryAccuracy: expected threshold as a number, received {threshold!r}"
            )
        self.threshold = float(threshold)
        super().__init__(name)

    def _matches(self, y_true: object, y_pred: object, where: str) -> np.ndarray:
        y_true, y_pred = _paired(y_true, y_pred, where)
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
        y_true, y_pred = _batch(y_true, "y_true", where), _batch(y_pred, "y_pred", where)
        _check_lengths(y_true, y_pred, where)
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
        labels, y_pred = _batch(y_true, "y_true", where), _batch(y_pred, "y_pred", where)
        _check_lengths(labels, y_pred, where)
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
        idx = _class_labels(labels, "y_true", where, y_pred.shape[-1])
        return np.argmax(y_pred, axis=-1) == idx


# ---------------------------------------------------------------------------------------------
# Metrics from confusion counts
# ---------------------------------------------------------------------------------------------


class _BinaryCounts(Metric):
    """Input handling of Precision, Recall and AUC: 0/1 labels, scores, weights per score."""

    def _flat(
        self, y_true: object, y_pred: object, sample_weight: object
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        where = self._where()
        y_true, y_pred = _paired(y_true, y_pred, where)
        check_binary_labels(y_true, "y_true", where, hint=" (binary labels: 1 positive, 0 not)")
        w = _example_weights(sample_weight, y_true.shape[0], where)
        # Each score is its own yes/no decision (Keras flattens (N, K) too), and an example's
        # weight applies to each of its scores.
        per_example = y_true.size // y_true.shape[0]
        return y_true.ravel(), y_pred.ravel(), np.repeat(w, per_example)


class _AtThreshold(_BinaryCounts):
    """Precision and Recall: counts at one decision threshold, ``y_pred > threshold``."""

    def __init__(self, thresholds: float | None = None, name: str | None = None) -> None:
        where = type(self).__name__
        if thresholds is not None and (
            isinstance(thresholds, bool) or not isinstance(thresholds, (int, float, np.number))
        ):
            raise TypeError(
                f"{where}: expected thresholds as one number in [0, 1] or None, received "
                f"{thresholds!r} (Keras also takes a list; here make one metric per threshold)"
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
        y, p, w = self._flat(y_true, y_pred, sample_weight)
        tp, fp, _, fn = _counts_above(y, p, w, np.array([self.threshold]))
        self.true_positives += float(tp[0])
        self.false_positives += float(fp[0])
        self.false_negatives += float(fn[0])

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
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted > 0 else 0.0


class Recall(_AtThreshold):
    """Of the positive examples, the fraction predicted positive: ``TP / (TP + FN)``.

    Args:
        thresholds: the decision threshold in [0, 1] (``y_pred > threshold``); None means 0.5.
        name: default 'recall'.

    Shape:
        As Precision.

    Example:
        >>> m = Recall()
        >>> m.update_state([0, 1, 1, 0], [0.7, 0.9, 0.2, 0.1])
        >>> m.result()  # positives: 0.9 (found) and 0.2 (missed)
        0.5
    """

    default_name = "recall"

    def result(self) -> float:
        positives = self.true_positives + self.false_negatives
        return self.true_positives / positives if positives > 0 else 0.0


class AUC(_BinaryCounts):
    """Area under the ROC curve (or the precision-recall curve), from counts at fixed thresholds.

    Ranking quality, whatever the threshold: the ROC AUC is the probability that a random
    positive scores above a random negative (ties count half), 0.5 for guessing, 1 for perfect.
    As Keras does, the counts TP, FP, TN, FN are kept at T = num_thresholds thresholds

        t_0 = -1e-7,   t_i = i / (T - 1)  for i = 1 .. T - 2,   t_{T-1} = 1 + 1e-7

    (an example is positive at t_i when ``y_pred > t_i``), which is all the state needed: batches
    just add their counts. The result joins the points of the curve by straight lines:

        ROC:  x = FPR = FP / (FP + TN),  y = TPR = TP / (TP + FN)
              AUC = sum_i (x_i - x_{i+1}) * (y_i + y_{i+1}) / 2          (trapezoidal rule)
        PR:   x = recall,  y = precision = TP / P with P = TP + FP. Within each interval TP is
              taken as linear in P (slope s = dTP / dP, intercept c = TP - s P), so precision is
              s + c / P and the area is s * (dTP + c * ln(P_i / P_{i+1})) / (TP + FN)
              (Davis and Goadrich's interpolation, in Keras's closed form).

    Scores between the same two thresholds are not told apart: such pairs count as ties. So the
    ROC AUC equals the pair-counting definition above for scores on the grid i / (T - 1), i >= 1
    (0 and 1 / (T - 1) share a bucket, the first threshold being -1e-7), and is close to it when
    the scores spread over [0, 1] (within 1e-2 for T = 200 in the tests); scores crowded into a
    few buckets need more thresholds.

    Args:
        num_thresholds: T, at least 2 (default 200).
        curve: 'ROC' (default) or 'PR'.
        from_logits: y_pred are logits; the sigmoid is applied first (default False).
        name: default 'auc'.

    Shape:
        As Precision. Probabilities outside [0, 1] are clipped to it, as Keras does.

    Example:
        >>> m = AUC(num_thresholds=3)  # thresholds -1e-7, 0.5, 1 + 1e-7
        >>> m.update_state([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])
        >>> m.result()  # TPR [1, 0.5, 0], FPR [1, 0, 0]: (1 - 0) * (1 + 0.5) / 2
        0.75
    """

    default_name = "auc"

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        from_logits: bool = False,
        name: str | None = None,
    ) -> None:
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, (int, np.integer)):
            raise TypeError(
                f"AUC: expected num_thresholds as an integer > 1, received {num_thresholds!r}"
            )
        if num_thresholds < 2:
            raise ValueError(f"AUC: expected num_thresholds > 1, received {num_thresholds}")
        if not isinstance(curve, str) or curve.upper() not in ("ROC", "PR"):
            raise ValueError(f"AUC: expected curve 'ROC' or 'PR', received {curve!r}")
        self.num_thresholds = int(num_thresholds)
        self.curve = curve.upper()
        self.from_logits = bool(from_logits)
        inner = np.arange(1, self.num_thresholds - 1) / (self.num_thresholds - 1)
        self.thresholds = np.concatenate([[-_EPSILON], inner, [1.0 + _EPSILON]])
        super().__init__(name)

    def reset_state(self) -> None:
        zeros = np.zeros(self.num_thresholds)
        self.true_positives, self.false_positives = zeros.copy(), zeros.copy()
        self.true_negatives, self.false_negatives = zeros.copy(), zeros.copy()

    def update_state(self, y_true: object, y_pred: object, sample_weight: object = None) -> None:
        y, p, w = self._flat(y_true, y_pred, sample_weight)
        if self.from_logits:
            with np.errstate(under="ignore"):  # exp(-|z|) rounding to 0 is the right answer
                p = sigmoid(p)
        # Clipped so that every example is positive at t_0 and none at t_{T-1}: the curve then
        # always runs from (1, 1) to (0, 0).
        p = np.clip(p, 0.0, 1.0)
        tp, fp, tn, fn = _counts_above(y, p, w, self.thresholds)
        self.true_positives += tp
        self.false_positives += fp
        self.true_negatives += tn
        self.false_negatives += fn

    def result(self) -> float:
        tp, fp, tn, fn = (
            self.true_positives,
            self.false_positives,
            self.true_negatives,
            self.false_negatives,
        )
        if self.curve == "PR":
            return _pr_area(tp, fp, fn)
        tpr, fpr = _ratio(tp, tp + fn), _ratio(fp, fp + tn)
        # Thresholds rise along the arrays, so the points run from (1, 1) to (0, 0) and each
        # width x_i - x_{i+1} is >= 0.
        return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "from_logits": self.from_logits,
        }


def _pr_area(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> float:
    """The interpolated area under the precision-recall curve (see AUC)."""
    n_positive = tp[0] + fn[0]
    if n_positive <= 0:
        return 0.0
    p = tp + fp  # predicted positive at each threshold
    d_tp, d_p = tp[:-1] - tp[1:], p[:-1] - p[1:]
    slope = _ratio(d_tp, d_p)
    intercept = tp[1:] - slope * p[1:]
    # Where P_{i+1} = 0, TP_{i+1} = 0 too, so the intercept is 0 and the log term drops out.
    both = (p[:-1] > 0) & (p[1:] > 0)
    log_ratio = np.log(np.where(both, p[:-1], 1.0) / np.where(both, p[1:], 1.0))
    return float(np.sum(slope * (d_tp + intercept * log_ratio)) / n_positive)


# ---------------------------------------------------------------------------------------------
# The confusion matrix
# ---------------------------------------------------------------------------------------------


def _as_labels(y: object, name: str, where: str) -> tuple[np.ndarray, int | None]:
    """Labels (N,) from labels (N,) or (N, 1), or from one-hot rows / scores (N, K) by argmax;
    with K when the input said it."""
    arr = _batch(y, name, where)
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
    if n_classes is not None and (
        isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1
    ):
        raise ValueError(
            f"{where}: expected n_classes as a positive integer, received {n_classes!r}"
        )
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
    t_idx = _class_labels(t, "y_true", where, k)
    p_idx = _class_labels(p, "y_pred", where, k, hint)
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (t_idx, p_idx), 1)  # one count at (true, predicted) for each example
    return counts


# ---------------------------------------------------------------------------------------------
# Names and serialization
# ---------------------------------------------------------------------------------------------

_CLASSES: dict[str, type[Metric]] = {
    cls.__name__: cls
    for cls in (
        Mean,
        Accuracy,
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        Precision,
        Recall,
        AUC,
    )
}

_BY_NAME: dict[str, type[Metric]] = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "precision": Precision,
    "recall": Recall,
    "auc": AUC,
}


def _accuracy_for(name: str, y_true_shape: object, y_pred_shape: object) -> Metric:
    """The accuracy Keras 3 picks for ``metrics=['accuracy']``, from the shapes of one batch."""
    if y_true_shape is None or y_pred_shape is None:
        raise ValueError(
            f"metrics.get: {name!r} means binary, categorical or sparse categorical accuracy "
            f"depending on the shapes of y_true and y_pred; pass y_true_shape and y_pred_shape, "
            f"or name one: {sorted(n for n in _BY_NAME if n.endswith('accuracy'))}"
        )
    t, p = tuple(y_true_shape), tuple(y_pred_shape)
    if not t or not p:
        raise ValueError(
            f"metrics.get: expected shapes with at least one dimension, received "
            f"y_true_shape {t} and y_pred_shape {p}"
        )
    if p[-1] == 1:  # one probability per example: a binary classifier
        cls: type[Metric] = BinaryAccuracy
    elif len(t) < len(p) or (t[-1] == 1 and p[-1] > 1):  # labels (N,) or (N, 1) against (N, K)
        cls = SparseCategoricalAccuracy
    else:  # one-hot labels (N, K) against (N, K)
        cls = CategoricalAccuracy
    return cls(name=name)


def get(
    identifier: str | Metric | dict,
    y_true_shape: tuple | None = None,
    y_pred_shape: tuple | None = None,
) -> Metric:
    """A metric from what ``compile(metrics=[...])`` accepts.

    Args:
        identifier: a Metric (returned as is); a name ('binary_accuracy', 'categorical_accuracy',
            'sparse_categorical_accuracy', 'precision', 'recall', 'auc'); 'accuracy' or 'acc';
            or a ``serialize`` dict.
        y_true_shape, y_pred_shape: shapes of a batch, batch dimension first (it may be None).
            Needed for 'accuracy', which Keras 3 resolves as: y_pred (..., 1) gives
            BinaryAccuracy; y_true of lower rank than y_pred, or (..., 1) against (..., K > 1),
            gives SparseCategoricalAccuracy; otherwise CategoricalAccuracy. The metric keeps
            the name given ('accuracy' or 'acc'), so the logs show that key.

    Raises:
        ValueError: an unknown name, or 'accuracy' without shapes.
        TypeError: an identifier of another type.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return _from_dict(identifier)
    if not isinstance(identifier, str):
        raise TypeError(
            f"metrics.get: expected a metric name, a Metric or a serialize() dict, received "
            f"{type(identifier).__name__}"
        )
    if identifier.lower() in ("accuracy", "acc"):
        return _accuracy_for(identifier, y_true_shape, y_pred_shape)
    if identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(
        f"metrics.get: unknown metric {identifier!r}; expected one of "
        f"{sorted([*_BY_NAME, 'accuracy', 'acc'])}"
    )


def serialize(metric: Metric) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}``, JSON-friendly; ``get`` of it rebuilds the metric
    (settings only: the accumulated state is not saved, as in Keras)."""
    if not isinstance(metric, Metric):
        raise TypeError(f"metrics.serialize: expected a Metric, received {type(metric).__name__}")
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def _from_dict(spec: dict) -> Metric:
    if set(spec) != {"class_name", "config"} or not isinstance(spec["config"], dict):
        raise ValueError(
            f"metrics.get: expected a dict {{'class_name': ..., 'config': {{...}}}} as serialize() "
            f"writes, received keys {sorted(spec)}"
        )
    cls = _CLASSES.get(spec["class_name"])
    if cls is None:
        raise ValueError(
            f"metrics.get: unknown class_name {spec['class_name']!r}; expected one of "
            f"{sorted(_CLASSES)}"
        )
    try:
        return cls.from_config(spec["config"])
    except TypeError as err:
        raise TypeError(
            f"metrics.get: cannot build {cls.__name__} from config {spec['config']!r}: {err}"
        ) from err
