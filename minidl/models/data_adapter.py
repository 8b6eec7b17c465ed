"""What ``fit``, ``evaluate`` and ``predict`` accept as data, checked once, cut into batches.

Two sources of batches:

    ArrayBatches     arrays x, y, sample_weight, in a new shuffled order each epoch
    IteratedBatches  an iterable (a data pipeline such as ``Augment.flow``) that yields
                     (x, y) or (x, y, sample_weight) batches

and the checks made once, up front, for a whole data set (``check_arrays``), Keras's
``class_weight`` turned into per-example weights, and ``validation_split``'s rule: the last
fraction of the examples, before any shuffling, is held out.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from .._checks import ArgumentTypeError, as_float_array, check_int, is_real, received

__all__ = [
    "ArrayBatches",
    "IteratedBatches",
    "check_arrays",
    "check_batch",
    "check_batch_size",
    "check_labels",
    "check_validation_split",
    "check_verbose",
    "class_sample_weights",
    "labels_for_loss",
    "prediction_batches",
    "split_validation",
    "unpack_validation_data",
]


class ArrayBatches:
    """Mini-batches of arrays (x, y, sample_weight), in a new shuffled order each epoch."""

    def __init__(
        self, x, y, sample_weight, batch_size: int, shuffle: bool, rng, steps: int | None = None
    ) -> None:
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.batch_size, self.shuffle, self.rng = batch_size, shuffle, rng
        self.steps = math.ceil(len(x) / batch_size)
        if steps is not None:
            self.steps = min(self.steps, steps)

    def __iter__(self):
        order = self.rng.permutation(len(self.x)) if self.shuffle else None
        for start in range(0, self.steps * self.batch_size, self.batch_size):
            rows = slice(start, start + self.batch_size)
            if order is not None:
                rows = order[rows]
            yield (
                self.x[rows],
                None if self.y is None else self.y[rows],
                None if self.sample_weight is None else self.sample_weight[rows],
            )


class IteratedBatches:
    """Batches from an iterable (a data pipeline): each item is (x, y) or (x, y, sample_weight)."""

    def __init__(self, source: Iterable, steps: int | None, where: str) -> None:
        self.source, self.where = source, where
        self.steps = (
            steps if steps is not None else (len(source) if hasattr(source, "__len__") else None)
        )

    def __iter__(self):
        for i, item in enumerate(self.source):
            if self.steps is not None and i >= self.steps:
                return
            if not isinstance(item, tuple) or len(item) not in (2, 3):
                raise ValueError(
                    f"{self.where}: expected each batch as (x, y) or (x, y, sample_weight), "
                    f"received {type(item).__name__}"
                    + (f" of length {len(item)}" if isinstance(item, tuple) else "")
                )
            yield check_batch(*item if len(item) == 3 else (*item, None), i, self.where)


def check_batch(x, y, sample_weight, index: int, where: str) -> tuple:
    """One batch from an iterable, checked as it arrives, as ``check_arrays`` checks arrays
    given whole: training runs with the NaN scan of the layers switched off (a diverging
    network must show as a NaN loss), so a NaN in a pipeline's batch would otherwise reach the
    weights unnoticed. The message names the batch's index."""
    batch = f"{where} (batch {index})"
    x, y, sample_weight = check_arrays(x, y, sample_weight, None, batch, need_y=False)
    for name, value in (("x", x), ("sample_weight", sample_weight)):
        if value is not None and not np.isfinite(value).all():
            bad = int(value.size - np.count_nonzero(np.isfinite(value)))
            raise ValueError(
                f"{batch}: {name} contains {bad} NaN or infinite value(s); expected finite numbers"
            )
    return x, y, sample_weight


def check_verbose(verbose, where: str) -> int:
    """0 silent, 1 a progress bar, 2 a line per epoch; 'auto' is 1, and MINIDL_GRADER=1 turns a
    bar into lines (an autograder's log has no terminal to redraw)."""
    if verbose == "auto":
        verbose = 1
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"{where}: expected verbose 0, 1, 2 or 'auto', received {verbose!r}")
    return 2 if verbose and os.environ.get("MINIDL_GRADER", "") == "1" else verbose


def prediction_batches(source: Iterable, steps: int | None, where: str) -> tuple:
    """``predict``'s batches from an iterable of arrays (or of tuples whose first item is x),
    each checked as it arrives, and how many there are when that is known."""
    batches = (
        check_batch(b[0] if isinstance(b, tuple) else b, None, None, i, where)[0]
        for i, b in enumerate(source)
    )
    known = len(source) if hasattr(source, "__len__") else None
    return batches, steps if steps is not None else known


def check_validation_split(value: object, where: str) -> float:
    """``fit``'s validation_split: a fraction in [0, 1) (a string such as '0.2' is refused)."""
    if not is_real(value):
        raise ArgumentTypeError(
            f"{where}: expected validation_split as a number in [0, 1), received {received(value)}"
        )
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{where}: expected validation_split in [0, 1), received {value!r}")
    return float(value)


def check_batch_size(value, where: str) -> int:
    """Keras's rule: None means 32."""
    value = 32 if value is None else value
    return check_int(value, "batch_size", where, 1)


def check_arrays(
    x, y, sample_weight, input_shape: tuple | None, where: str, need_y: bool = True
) -> tuple:
    """x, y and sample_weight checked once, up front, for a whole data set: x against the
    model's ``input_shape`` (when known), one finite label and one non-negative weight per
    example."""
    if isinstance(x, (list, tuple)):
        try:  # NumPy's own message for a ragged list names neither the caller nor x
            x = np.asarray(x)
        except (ValueError, TypeError) as err:
            raise ValueError(
                f"{where}: expected x as a rectangular array of numbers (an iterable of "
                f"(x, y) batches goes in as an iterator, not a list), received a list NumPy "
                f"cannot stack ({err})"
            ) from err
    x = as_float_array(x, "x", where)
    if input_shape is not None and (
        x.ndim != len(input_shape)
        or any(e is not None and e != d for e, d in zip(input_shape[1:], x.shape[1:], strict=False))
    ):
        raise ValueError(
            f"{where}: expected x of shape {('N', *input_shape[1:])} (the model's input), "
            f"received {x.shape}"
        )
    if y is None:
        if need_y:
            raise ValueError(f"{where}: expected labels y for the {len(x)} examples, received None")
    else:
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != len(x):
            raise ValueError(
                f"{where}: expected one label per example: x has {len(x)} examples, y has "
                f"{'no axis' if y.ndim == 0 else len(y)}"
            )
        if y.dtype.kind not in "biuf" or not np.isfinite(y).all():
            raise ValueError(f"{where}: expected finite numeric labels y, received dtype {y.dtype}")
    if sample_weight is not None:
        sample_weight = as_float_array(sample_weight, "sample_weight", where, ndim=1)
        if sample_weight.shape != (len(x),) or (sample_weight < 0).any():
            raise ValueError(
                f"{where}: expected sample_weight as {len(x)} non-negative numbers, one per "
                f"example, received shape {sample_weight.shape}"
                + (", with negative values" if (sample_weight < 0).any() else "")
            )
    return x, y, sample_weight


def class_sample_weights(
    y: np.ndarray, class_weight: dict, sample_weight: np.ndarray | None, where: str
) -> np.ndarray:
    """Per-example weights from {class index: weight} (Keras's class_weight), times the
    per-example ``sample_weight`` when there is one. A weight that is negative, NaN or not a
    number is refused here, by the name the student wrote (class_weight), not later as a bad
    sample_weight."""
    if not isinstance(class_weight, dict):
        raise ArgumentTypeError(
            f"{where}: expected class_weight as a dict {{class index: weight}}, received "
            f"{received(class_weight)}"
        )
    labels = np.argmax(y, axis=-1) if y.ndim == 2 and y.shape[1] > 1 else np.rint(y).reshape(len(y))
    labels = labels.astype(np.int64)
    missing = sorted(set(np.unique(labels).tolist()) - set(class_weight))
    if missing:
        raise ValueError(
            f"{where}: class_weight has no weight for class(es) {missing}; received keys "
            f"{sorted(class_weight)}"
        )
    for key, value in class_weight.items():
        if not is_real(value) or not math.isfinite(value) or value < 0:
            raise ValueError(
                f"{where}: expected class_weight as {{class index: non-negative finite "
                f"number}}, received {received(value)} for class {key!r}"
            )
    weights = np.array([float(class_weight[int(c)]) for c in labels])
    return weights if sample_weight is None else sample_weight * weights


def split_validation(x, y, sample_weight, validation_split: float, where: str):
    """``(train, validation)``, each ``(x, y, sample_weight)``: the last ``validation_split`` of
    the (already checked) examples is held out, before any shuffling, as Keras does."""
    split = math.floor(len(x) * (1.0 - validation_split))
    if split == 0 or split == len(x):
        raise ValueError(
            f"{where}: validation_split={validation_split} of {len(x)} examples leaves "
            f"{split} for training and {len(x) - split} for validation; both need one"
        )
    weights = (
        (None, None) if sample_weight is None else (sample_weight[:split], sample_weight[split:])
    )
    return (x[:split], y[:split], weights[0]), (x[split:], y[split:], weights[1])


def unpack_validation_data(validation_data, where: str) -> tuple:
    """``fit``'s validation_data as (x, y, sample_weight): a tuple or list of two or three, or
    an iterable of batches (then y and sample_weight are None)."""
    if isinstance(validation_data, list) and len(validation_data) in (2, 3):
        validation_data = tuple(validation_data)  # Keras takes a list too
    if not isinstance(validation_data, tuple):
        return validation_data, None, None
    if len(validation_data) not in (2, 3):
        raise ValueError(
            f"{where}: expected validation_data as (x_val, y_val) or (x_val, y_val, "
            f"sample_weight_val), received a tuple of {len(validation_data)}"
        )
    return (*validation_data[:2], validation_data[2] if len(validation_data) == 3 else None)


def labels_for_loss(loss, y, y_pred: np.ndarray, where: str) -> np.ndarray:
    """y as ``loss`` expects it: Keras adds the trailing axis to (N,) labels for (N, 1)
    outputs; sparse categorical labels stay integers."""
    if isinstance(loss, losses_module.SparseCategoricalCrossentropy):
        return np.asarray(y)
    y = np.asarray(y, dtype=y_pred.dtype)
    if y.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y = y[..., None]
    if isinstance(loss, losses_module.CategoricalCrossentropy) and y.shape != y_pred.shape:
        raise ValueError(
            f"{where}: categorical_crossentropy expects one-hot labels of shape "
            f"{y_pred.shape} like the predictions, received labels of shape {y.shape}; for "
            f"integer class labels use loss='sparse_categorical_crossentropy'"
        )
    return y


def check_labels(loss, metric_specs: list, y, sample_weight, shape: tuple, where: str) -> None:
    """Refuse labels the loss or a metric would refuse, before anything changes: the loss and
    the metrics are run once on stand-in predictions of the model's output ``shape``."""
    if None in shape:
        return
    probe = np.full(shape, 1.0 / shape[-1] if len(shape) > 1 else 0.5)
    y_true = labels_for_loss(loss, y, probe, where)
    loss(y_true, probe, sample_weight=sample_weight)  # raises on labels it refuses
    for spec in metric_specs:
        metric = metrics_module.get(spec, y_true_shape=y_true.shape, y_pred_shape=shape)
        metric = type(metric).from_config(metric.get_config())
        metric.update_state(y_true, probe)
