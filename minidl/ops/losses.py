"""Losses as pure functions: ``forward(pred, target) -> (loss, cache)`` and
``backward(cache, dout=1.0) -> dpred``.

Every loss is the mean over the batch (and over output units, for the element-wise ones), so the
gradient of every loss carries the factor 1/n. ``dout`` scales the gradient, as when the loss
is itself a term of a larger objective.

Stability. Each formula is arranged so that it is finite and warning-free for any finite input:
    binary cross-entropy from probabilities  probabilities are clipped to [eps, 1 - eps], eps=1e-7
                                            (Keras's epsilon), so log never sees 0;
    binary cross-entropy from logits         max(z, 0) - z*y + log(1 + exp(-|z|)), which equals
                                            -y log s(z) - (1-y) log(1 - s(z)) but never exponentiates
                                            a positive number;
    softmax cross-entropy                    log-softmax via log-sum-exp: z - max(z) - log(sum exp(z - max z)).
"""

from __future__ import annotations

import numpy as np

from .._checks import check_binary_labels, check_same_shape
from .activations import sigmoid, softmax, underflow_ok

__all__ = [
    "EPSILON",
    "binary_crossentropy_backward",
    "binary_crossentropy_forward",
    "binary_crossentropy_grad",
    "binary_crossentropy_with_logits_backward",
    "binary_crossentropy_with_logits_forward",
    "categorical_crossentropy_backward",
    "categorical_crossentropy_forward",
    "log_softmax",
    "mse_backward",
    "mse_forward",
    "one_hot",
    "softmax_crossentropy_backward",
    "softmax_crossentropy_forward",
    "sparse_labels",
    "sparse_softmax_crossentropy_backward",
    "sparse_softmax_crossentropy_forward",
]

EPSILON = 1e-7


_LOGITS_HINT = " (for scores before a sigmoid or softmax, use the from_logits form of the loss)"


def _check_logits_2d(logits: np.ndarray, where: str) -> None:
    if logits.ndim != 2:
        raise ValueError(f"{where}: expected predictions of shape (N, C), received {logits.shape}")


@underflow_ok
def binary_crossentropy_grad(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Element-wise derivative of -[y log p + (1-y) log(1-p)] with respect to p.

    This is the course's ``dAL = -(Y/AL - (1-Y)/(1-AL))``, before any averaging.
    """
    return -(y / p - (1 - y) / (1 - p))


@underflow_ok
def binary_crossentropy_forward(
    probs: np.ndarray, y: np.ndarray, eps: float = EPSILON
) -> tuple[float, tuple]:
    """Mean binary cross-entropy of predicted probabilities.

    ``L = -mean(y log p + (1 - y) log(1 - p))`` with p = clip(probs, eps, 1 - eps).

    Args:
        probs: predicted probabilities in [0, 1], any shape.
        y: targets of the same shape, in [0, 1] (hard 0/1 labels or soft labels).
        eps: clipping margin (default 1e-7).

    Returns:
        ``(loss, cache)``.

    Raises:
        ValueError: on mismatched shapes, or probabilities or labels outside [0, 1].
    """
    where = "binary_crossentropy"
    check_same_shape(probs, y, ("predictions", "labels"), where)
    check_binary_labels(y, "labels", where, soft=True)
    check_binary_labels(probs, "predictions (probabilities)", where, soft=True, hint=_LOGITS_HINT)
    p = np.clip(probs, eps, 1 - eps)
    # -(1/n) * sum, as the course writes it (np.mean divides last and can round the final digit
    # the other way; this order reproduces the course's printed costs).
    loss = -(1.0 / y.size) * np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(loss), (probs, y, p, eps)


@underflow_ok
def binary_crossentropy_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """Gradient with respect to the probabilities; zero where clipping was active.

    Clipping is a constant outside [eps, 1 - eps], so its derivative there is 0, as in Keras.
    """
    probs, y, p, eps = cache
    inside = (probs >= eps) & (probs <= 1 - eps)
    return binary_crossentropy_grad(p, y) * inside * (dout / y.size)


@underflow_ok
def binary_crossentropy_with_logits_forward(
    logits: np.ndarray, y: np.ndarray
) -> tuple[float, tuple]:
    """Mean binary cross-entropy computed from logits z (before the sigmoid).

    ``L = mean(max(z, 0) - z*y + log1p(exp(-|z|)))``, exact and finite for any finite z.
    """
    where = "binary_crossentropy_with_logits"
    check_same_shape(logits, y, ("logits", "labels"), where)
    check_binary_labels(y, "labels", where, soft=True)
    z = logits
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    return float(loss), (z, y)


@underflow_ok
def binary_crossentropy_with_logits_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """``(sigmoid(z) - y) / n``: the sigmoid's derivative cancels the log's."""
    z, y = cache
    return (sigmoid(z) - y) * (dout / y.size)


@underflow_ok
def categorical_crossentropy_forward(
    probs: np.ndarray, y: np.ndarray, eps: float = EPSILON
) -> tuple[float, tuple]:
    """Categorical cross-entropy of predicted class probabilities (the output of a softmax).

    ``L = -mean_n sum_c y[n, c] log p[n, c]`` with p = clip(probs, eps, 1 - eps).
    """
    where = "categorical_crossentropy"
    _check_logits_2d(probs, where)
    check_same_shape(probs, y, ("predictions", "labels"), where)
    check_binary_labels(y, "labels", where, soft=True)
    check_binary_labels(probs, "predictions (probabilities)", where, soft=True, hint=_LOGITS_HINT)
    p = np.clip(probs, eps, 1 - eps)
    loss = -np.sum(y * np.log(p)) / probs.shape[0]
    return float(loss), (probs, y, p, eps)


@underflow_ok
def categorical_crossentropy_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """``-y / p / N``, zero where clipping was active."""
    probs, y, p, eps = cache
    inside = (probs >= eps) & (probs <= 1 - eps)
    return -(y / p) * inside * (dout / probs.shape[0])


@underflow_ok
def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """``z - logsumexp(z)``, computed with the maximum shifted out."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@underflow_ok
def softmax_crossentropy_forward(logits: np.ndarray, y: np.ndarray) -> tuple[float, tuple]:
    """Softmax followed by categorical cross-entropy, fused.

    ``L = -mean_n sum_c y[n, c] log softmax(z)[n, c]`` with one-hot (or probability) targets y.
    Fusing the two makes the gradient the simple ``softmax(z) - y`` and avoids log(0).
    """
    where = "softmax_crossentropy"
    _check_logits_2d(logits, where)
    check_same_shape(logits, y, ("logits", "labels"), where)
    check_binary_labels(y, "labels", where, soft=True)
    loss = -np.sum(y * log_softmax(logits)) / logits.shape[0]
    return float(loss), (logits, y)


@underflow_ok
def softmax_crossentropy_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """``(softmax(z) * sum_c y - y) / N``, which is ``(softmax(z) - y) / N`` for one-hot y."""
    z, y = cache
    s = softmax(z)
    return (s * y.sum(axis=1, keepdims=True) - y) * (dout / z.shape[0])


def sparse_labels(labels: np.ndarray, pred: np.ndarray, where: str) -> np.ndarray:
    """Check integer class labels of shape (N,) against predictions (N, C); return them as intp."""
    _check_logits_2d(pred, where)
    labels = np.asarray(labels)
    if labels.shape != (pred.shape[0],):
        raise ValueError(
            f"{where}: expected labels of shape ({pred.shape[0]},) for predictions {pred.shape}, "
            f"received {labels.shape}"
        )
    if labels.dtype.kind not in "iuf" or (
        labels.dtype.kind == "f" and not np.array_equal(labels, np.round(labels))
    ):
        raise TypeError(f"{where}: expected integer class labels, received {labels.dtype} values")
    n_classes = pred.shape[1]
    if labels.min() < 0 or labels.max() >= n_classes:  # checked before the cast to int
        raise ValueError(
            f"{where}: expected labels in [0, {n_classes - 1}] for {n_classes} classes, "
            f"received values from {labels.min()} to {labels.max()}"
        )
    idx = labels.astype(np.intp)
    return idx


def one_hot(idx: np.ndarray, n_classes: int, dtype: np.dtype = np.float64) -> np.ndarray:
    """Rows of the identity: ``one_hot([2, 0], 3) == [[0, 0, 1], [1, 0, 0]]``."""
    return np.eye(n_classes, dtype=dtype)[idx]


@underflow_ok
def sparse_softmax_crossentropy_forward(
    logits: np.ndarray, labels: np.ndarray
) -> tuple[float, tuple]:
    """Softmax cross-entropy with integer class labels of shape (N,) instead of one-hot rows."""
    idx = sparse_labels(labels, logits, "sparse_softmax_crossentropy")
    rows = np.arange(logits.shape[0])
    loss = -np.mean(log_softmax(logits)[rows, idx])
    return float(loss), (logits, idx)


@underflow_ok
def sparse_softmax_crossentropy_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """``(softmax(z) - onehot(labels)) / N``."""
    z, idx = cache
    grad = softmax(z)
    grad[np.arange(z.shape[0]), idx] -= 1
    return grad * (dout / z.shape[0])


@underflow_ok
def mse_forward(pred: np.ndarray, target: np.ndarray) -> tuple[float, tuple]:
    """Mean squared error over every element: ``mean((pred - target)**2)``."""
    check_same_shape(pred, target, ("predictions", "targets"), "mse")
    diff = pred - target
    return float(np.mean(diff**2)), (diff,)


@underflow_ok
def mse_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """``2 (pred - target) / n``."""
    (diff,) = cache
    return diff * (2 * dout / diff.size)
