"""Metrics by name and as plain data: what ``compile(metrics=[...])`` and saved files hold.

Names are looked up in fixed tables of minidl's metrics; a name from a file is never imported,
so a file cannot make minidl run its code. 'accuracy' names no one class: it becomes the
accuracy that fits the shapes of the labels and predictions, as in Keras 3.
"""

from __future__ import annotations

from typing import Any

from .accuracy import Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy
from .auc import AUC
from .base import Mean, Metric
from .confusion import Precision, Recall

__all__ = ["get", "serialize"]

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
