"""Class-balanced validation splits and class weights, for data sets where some classes are rare.

``balanced_split`` holds out the same number of examples of every class for validation, so that
a rare class is measured at all; ``class_weights`` weighs the rare classes up so that each class
counts equally in the loss (pass it to ``fit(class_weight=...)``).
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import is_real
from ..random import as_generator

__all__ = ["balanced_split", "class_weights"]


def _class_labels(y: object, where: str) -> np.ndarray:
    """Integer class labels from integer labels (N,) or (N, 1), or from one-hot rows (N, K)."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf" or y.ndim not in (1, 2) or len(y) == 0:
        raise ValueError(
            f"{where}: expected labels (N,) or one-hot (N, K), received shape {y.shape} and dtype {y.dtype}"
        )
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    labels = y.reshape(len(y)).astype(np.float64)
    bad = labels[~np.isfinite(labels) | (labels != np.rint(labels))]
    if bad.size:
        raise ValueError(
            f"{where}: expected integer class labels, received values such as {bad[:3].tolist()}"
        )
    return labels.astype(np.int64)


def balanced_split(
    x: np.ndarray,
    y: np.ndarray,
    fraction: float = 0.2,
    seed: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out the same number of examples of every class for validation.

    With 190 good wafers and 10 defective ones, a random 20% validation set holds about 2
    defective wafers, too few to measure anything; here each class gives k examples, so the
    validation accuracy weighs every class equally.

    Args:
        x: examples (N, ...).
        y: integer labels (N,) or (N, 1), or one-hot rows (N, K) (the class is the argmax);
            returned in the form given.
        fraction: the validation share, in (0, 1) (default 0.2).
        seed: an int, an np.random.Generator, or None (derived from ``minidl.seed``).

    Returns:
        (x_train, y_train, x_val, y_val), new arrays. Each class gives
        k = min(floor(fraction * N / n_classes), smallest class count - 1) examples to
        validation, chosen at random, so every class keeps one training example at least.
        Both parts come out in a random order (classes interleaved), drawn from the seed.

    Raises:
        ValueError: lengths differ, fraction is outside (0, 1), a class has fewer than 2
            examples, or k would be 0.
    """
    where = "balanced_split"
    if not is_real(fraction) or not 0 < fraction < 1:
        raise ValueError(f"{where}: expected fraction in (0, 1), received {fraction!r}")
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or len(x) != len(y):
        raise ValueError(
            f"{where}: expected one label per example: x has shape {x.shape}, y has shape {y.shape}"
        )
    labels = _class_labels(y, where)
    rng = as_generator(seed, where)
    classes, counts = np.unique(labels, return_counts=True)
    if counts.min() < 2:
        raise ValueError(
            f"{where}: every class needs 2 examples (one for training, one for validation); class {classes[counts.argmin()]} has {counts.min()}"
        )
    k = min(math.floor(fraction * len(labels) / len(classes)), int(counts.min()) - 1)
    if k == 0:
        raise ValueError(
            f"{where}: fraction={fraction} of {len(labels)} examples in {len(classes)} classes gives 0 per class; raise fraction"
        )
    val, train = [], []
    for c in classes:
        members = rng.permutation(np.flatnonzero(labels == c))
        val.append(members[:k])
        train.append(members[k:])
    val, train = rng.permutation(np.concatenate(val)), rng.permutation(np.concatenate(train))
    return x[train], y[train], x[val], y[val]


def class_weights(y: np.ndarray) -> dict[int, float]:
    """Weights that make every class count equally in the loss (scikit-learn's 'balanced').

    weight[c] = n_samples / (n_classes * count[c]), over the classes present, so a class with
    half the average count weighs 2 and the weights, summed over the examples, give n_samples.
    Pass the result to ``model.fit(..., class_weight=...)``.

    Args:
        y: integer labels (N,) or (N, 1), or one-hot rows (N, K).

    Returns:
        {class: weight}, classes in increasing order.
    """
    labels = _class_labels(y, "class_weights")
    classes, counts = np.unique(labels, return_counts=True)
    return {
        int(c): len(labels) / (len(classes) * int(n)) for c, n in zip(classes, counts, strict=True)
    }
