"""How the metrics read their arguments: batches, labels against predictions, weights, classes.

Every check runs before a metric's state changes, so a refused batch leaves the sums as they
were, and every message names the metric (``where``) and the argument to fix.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array, check_binary_labels

__all__ = [
    "as_batch",
    "binary_scores",
    "check_lengths",
    "check_probabilities",
    "class_labels",
    "example_weights",
    "paired",
]


def as_batch(x: object, name: str, where: str) -> np.ndarray:
    """``x`` as a float array with one row per example (N, ...)."""
    arr = as_float_array(x, name, where)
    if arr.ndim == 0:
        raise ValueError(
            f"{where}: expected {name} as a batch with one row per example (N, ...), "
            f"received a single number"
        )
    return arr


def check_lengths(y_true: np.ndarray, y_pred: np.ndarray, where: str) -> None:
    """Refuse batches of labels and predictions that hold different numbers of examples."""
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"{where}: expected y_true and y_pred with the same number of examples, received "
            f"y_true of shape {y_true.shape} and y_pred of shape {y_pred.shape}"
        )


def paired(y_true: object, y_pred: object, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels and predictions of one shape, for metrics that compare them element by element.

    (N,) against (N, 1) is accepted, as in Keras: a Dense(1) output is (N, 1) while labels are
    often stored as (N,). Any other difference is refused rather than broadcast, since (N,)
    against (N, 1) broadcast would compare every label with every prediction.
    """
    y_true, y_pred = as_batch(y_true, "y_true", where), as_batch(y_pred, "y_pred", where)
    check_lengths(y_true, y_pred, where)
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


def example_weights(sample_weight: object, n: int, where: str) -> np.ndarray:
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


def binary_scores(
    y_true: object, y_pred: object, sample_weight: object, where: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat 0/1 labels, scores and one weight per score, as Precision, Recall and AUC count them.

    Each score is its own yes/no decision (Keras flattens (N, K) too), and an example's weight
    applies to each of its scores.
    """
    y_true, y_pred = paired(y_true, y_pred, where)
    check_binary_labels(y_true, "y_true", where, hint=" (binary labels: 1 positive, 0 not)")
    w = example_weights(sample_weight, y_true.shape[0], where)
    per_example = y_true.size // y_true.shape[0]
    return y_true.ravel(), y_pred.ravel(), np.repeat(w, per_example)


def check_probabilities(p: np.ndarray, where: str) -> None:
    """Refuse scores outside [0, 1]: logits thresholded as probabilities give wrong counts.

    NaN is left to the finite checks (a diverging model's NaN output is not a logit)."""
    bad = (p < 0) | (p > 1)
    if bad.any():
        raise ValueError(
            f"{where}: expected y_pred as probabilities in [0, 1], received values such as "
            f"{np.unique(p[bad])[:5].tolist()} (for logits, apply a sigmoid first)"
        )


def class_labels(
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
