"""Losses as pure functions: ``forward(pred, target) -> (loss, cache)`` and
``backward(cache, dout=1.0) -> dpred``.

Every loss is the mean over the batch (and over output units, for the element-wise ones), so the
gradient of every loss carries the factor 1/n. ``dout`` scales the gradient, as when the loss
is itself a term of a larger objective.

Sample weights. Every forward takes ``sample_weight`` (N,), one weight per example (axis 0), and
then returns Keras's weighted loss: with l_n example n's loss (the mean of its element-wise
terms, or for cross-entropy its sum over classes),

    L = (1/N) sum_n w_n l_n        (divided by N, not by sum w: a weight of 2 counts an example twice)

and each example's gradient is multiplied by its w_n.

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

from .._checks import as_float_array, check_binary_labels, check_number, check_same_shape
from .activations import _check_axis, sigmoid, softmax, underflow_ok

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


def _check_eps(eps: object, where: str) -> float:
    """The clipping margin: a number in (0, 0.5), so that [eps, 1 - eps] is a non-empty range
    inside (0, 1) and log never sees 0."""
    return check_number(eps, "eps", where, 0.0, 0.5, open_low=True, open_high=True)


def _check_dout(dout: object, where: str) -> float:
    """The factor that scales a loss's gradient: one finite number."""
    return check_number(dout, "dout", where, expected="a finite number (the loss's weight)")


def _check_sample_weight(sample_weight, n: int, where: str) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(
            f"{where}: expected sample_weight as {n} finite non-negative numbers (one per example), "
            f"received {'shape ' + str(w.shape) if w.shape != (n,) else 'negative or non-finite values'}"
        )
    return w


def _weighted_loss(per_example: np.ndarray, w: np.ndarray) -> float:
    """(1/N) sum_n w_n l_n."""
    return float(np.sum(w * per_example) / per_example.shape[0])


def _example_means(terms: np.ndarray) -> np.ndarray:
    """Each example's mean of its element-wise terms (axis 0 indexes the examples)."""
    return terms.reshape(terms.shape[0], -1).mean(axis=1)


def _per_example(grad: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Scale each example's gradient by its weight (no-op without weights)."""
    if w is None:
        return grad
    return grad * w.astype(grad.dtype, copy=False).reshape((-1,) + (1,) * (grad.ndim - 1))


@underflow_ok
def binary_crossentropy_grad(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Element-wise derivative of -[y log p + (1-y) log(1-p)] with respect to p.

    This is the course's ``dAL = -(Y/AL - (1-Y)/(1-AL))``, before any averaging.
    """
    return -(y / p - (1 - y) / (1 - p))


@underflow_ok
def binary_crossentropy_forward(
    probs: np.ndarray, y: np.ndarray, eps: float = EPSILON, sample_weight=None
) -> tuple[float, tuple]:
    """Mean binary cross-entropy of predicted probabilities.

    ``L = -mean(y log p + (1 - y) log(1 - p))`` with p = clip(probs, eps, 1 - eps).

    Args:
        probs: predicted probabilities in [0, 1], any shape.
        y: targets of the same shape, in [0, 1] (hard 0/1 labels or soft labels).
        eps: clipping margin (default 1e-7).
        sample_weight: optional weights (N,) of the examples along axis 0 (module docstring).

    Returns:
        ``(loss, cache)``.

    Raises:
        ValueError: on mismatched shapes, or probabilities or labels outside [0, 1].
    """
    where = "binary_crossentropy"
    eps = _check_eps(eps, where)
    check_same_shape(probs, y, ("predictions", "labels"), where)
    check_binary_labels(y, "labels", where, soft=True)
    check_binary_labels(probs, "predictions (probabilities)", where, soft=True, hint=_LOGITS_HINT)
    w = _check_sample_weight(sample_weight, y.shape[0], where)
    p = np.clip(probs, eps, 1 - eps)
    terms = y * np.log(p) + (1 - y) * np.log(1 - p)
    if w is not None:
        return _weighted_loss(-_example_means(terms), w), (probs, y, p, eps, w)
    # -(1/n) * sum, as the course writes it (np.mean divides last and can round the final digit
    # the other way; this order reproduces the course's printed costs).
    loss = -(1.0 / y.size) * np.sum(terms)
    return float(loss), (probs, y, p, eps, w)


@underflow_ok
def binary_crossentropy_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """Gradient with respect to the probabilities; zero where clipping was active.

    Clipping is a constant outside [eps, 1 - eps], so its derivative there is 0, as in Keras.
    """
    dout = _check_dout(dout, "binary_crossentropy_backward")
    probs, y, p, eps, w = cache
    inside = (probs >= eps) & (probs <= 1 - eps)
    return _per_example(binary_crossentropy_grad(p, y) * inside * (dout / y.size), w)


@underflow_ok
def binary_crossentropy_with_logits_forward(
    logits: np.ndarray, y: np.ndarray, sample_weight=None
) -> tuple[float, tuple]:
    """Mean binary cross-entropy computed from logits z (before the sigmoid).

    ``L = mean(max(z, 0) - z*y + log1p(exp(-|z|)))``, exact and finite for any finite z.
    """
    where = "binary_crossentropy_with_logits"
    check_same_shape(logits, y, ("logits", "labels"), where)
    check_binary_labels(y, "labels", where, soft=True)
    w = _check_sample_weight(sample_weight, y.shape[0], where)
    z = logits
    terms = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    loss = np.mean(terms) if w is None else _weighted_loss(_example_means(terms), w)
    return float(loss), (z, y, w)


@underflow_ok
def binary_crossentropy_with_logits_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """``(sigmoid(z) - y) / n``: the sigmoid's derivative cancels the log's."""
    dout = _check_dout(dout, "binary_crossentropy_with_logits_backward")
    z, y, w = cache
    return _per_example((sigmoid(z) - y) * (dout / y.size), w)


@underflow_ok
def categorical_crossentropy_forward(
    probs: np.ndarray, y: np.ndarray, eps: float = EPSILON, sample_weight=None
) -> tuple[float, tuple]:
    """Categorical cross-entropy of predicted class probabilities (the output of a softmax).

    ``L = -mean_n sum_c y[n, c] log p[n, c]`` with p = clip(probs, eps, 1 - eps).
    """
    where = "categorical_crossentropy"
    eps = _check_eps(eps, where)
    _check_logits_2d(probs, where)
    check_same_shape(probs, y, ("predictions", "labels"), where)
    check_binary_labels(y, "labels", where, soft=True)
    check_binary_labels(probs, "predictions (probabilities)", where, soft=True, hint=_LOGITS_HINT)
    w = _check_sample_weight(sample_weight, y.shape[0], where)
    p = np.clip(probs, eps, 1 - eps)
    if w is None:
        loss = -np.sum(y * np.log(p)) / probs.shape[0]
    else:
        loss = _weighted_loss(-np.sum(y * np.log(p), axis=1), w)
    return float(loss), (probs, y, p, eps, w)


@underflow_ok
def categorical_crossentropy_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """``-y / p / N``, zero where clipping was active."""
    dout = _check_dout(dout, "categorical_crossentropy_backward")
    probs, y, p, eps, w = cache
    inside = (probs >= eps) & (probs <= 1 - eps)
    return _per_example(-(y / p) * inside * (dout / probs.shape[0]), w)


@underflow_ok
def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """``z - logsumexp(z)``, computed with the maximum shifted out.

    Raises:
        TypeError: z is not a real array.
        ValueError: z holds NaN or infinite values (as ``softmax``), or axis is not one of its axes.
    """
    z = as_float_array(z, "z", "log_softmax")
    axis = _check_axis(axis, z, "log_softmax")
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@underflow_ok
def softmax_crossentropy_forward(
    logits: np.ndarray, y: np.ndarray, sample_weight=None
) -> tuple[float, tuple]:
    """Softmax followed by categorical cross-entropy, fused.

    ``L = -mean_n sum_c y[n, c] log softmax(z)[n, c]`` with one-hot (or probability) targets y.
    Fusing the two makes the gradient the simple ``softmax(z) - y`` and avoids log(0).
    """
    where = "softmax_crossentropy"
    _check_logits_2d(logits, where)
    check_same_shape(logits, y, ("logits", "labels"), where)
    check_binary_labels(y, "labels", where, soft=True)
    w = _check_sample_weight(sample_weight, y.shape[0], where)
    if w is None:
        loss = -np.sum(y * log_softmax(logits)) / logits.shape[0]
    else:
        loss = _weighted_loss(-np.sum(y * log_softmax(logits), axis=1), w)
    return float(loss), (logits, y, w)


@underflow_ok
def softmax_crossentropy_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """``(softmax(z) * sum_c y - y) / N``, which is ``(softmax(z) - y) / N`` for one-hot y."""
    dout = _check_dout(dout, "softmax_crossentropy_backward")
    z, y, w = cache
    s = softmax(z)
    return _per_example((s * y.sum(axis=1, keepdims=True) - y) * (dout / z.shape[0]), w)


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
    logits: np.ndarray, labels: np.ndarray, sample_weight=None
) -> tuple[float, tuple]:
    """Softmax cross-entropy with integer class labels of shape (N,) instead of one-hot rows."""
    where = "sparse_softmax_crossentropy"
    idx = sparse_labels(labels, logits, where)
    w = _check_sample_weight(sample_weight, logits.shape[0], where)
    per_example = -log_softmax(logits)[np.arange(logits.shape[0]), idx]
    loss = np.mean(per_example) if w is None else _weighted_loss(per_example, w)
    return float(loss), (logits, idx, w)


@underflow_ok
def sparse_softmax_crossentropy_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """``(softmax(z) - onehot(labels)) / N``."""
    dout = _check_dout(dout, "sparse_softmax_crossentropy_backward")
    z, idx, w = cache
    grad = softmax(z)
    grad[np.arange(z.shape[0]), idx] -= 1
    return _per_example(grad * (dout / z.shape[0]), w)


@underflow_ok
def mse_forward(pred: np.ndarray, target: np.ndarray, sample_weight=None) -> tuple[float, tuple]:
    """Mean squared error over every element: ``mean((pred - target)**2)``."""
    check_same_shape(pred, target, ("predictions", "targets"), "mse")
    w = _check_sample_weight(sample_weight, pred.shape[0], "mse")
    diff = pred - target
    loss = np.mean(diff**2) if w is None else _weighted_loss(_example_means(diff**2), w)
    return float(loss), (diff, w)


@underflow_ok
def mse_backward(cache: tuple, dout: float = 1.0) -> np.ndarray:
    """``2 (pred - target) / n``."""
    dout = _check_dout(dout, "mse_backward")
    diff, w = cache
    return _per_example(diff * (2 * dout / diff.size), w)
