"""Training a model: ``compile``, ``fit``, ``evaluate``, ``predict``, as Keras 3 names them.

One training step, written out (``Trainer._train_step``):

    1. forward    y_pred = model.forward(x, training=True)   (dropout on, batch statistics)
    2. loss       L = loss(y_true, y_pred, sample_weight) + sum of the weight penalties
    3. backward   dy = dL/dy_pred; model.backward(dy) fills every layer's grads
    4. penalties  each regularized weight's gradient gains d(penalty)/dw
    5. update     optimizer.apply(params, grads) changes the trainable weights in place
    6. track      the running mean of L and every metric, for the progress line and the logs

``fit`` repeats the step over shuffled mini-batches for each epoch, evaluates the validation
data after each epoch, and tells the callbacks at every stage (minidl.callbacks). Everything
random (the shuffling, dropout, initial weights) comes from generators derived from
``minidl.seed``, so the same seed gives bit-identical histories. How data are checked and cut
into batches is in data_adapter.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .._checks import check_bool, check_int, values_unchecked
from ..callbacks import CallbackList
from ..random import as_generator
from .data_adapter import (
    ArrayBatches,
    IteratedBatches,
    check_arrays,
    check_batch_size,
    check_labels,
    check_validation_split,
    check_verbose,
    class_sample_weights,
    labels_for_loss,
    prediction_batches,
    split_validation,
    unpack_validation_data,
)

__all__ = ["Trainer"]


class Trainer:
    """compile / fit / evaluate / predict for a model (``Model`` derives from it and a layer).

    It trains whatever the model computes, through what every model has as a layer: ``forward``
    and ``backward``, ``build``, ``built``, ``input_shape`` and ``output_shape``, ``_where()``
    (its name in messages), and ``_variables()``, which lists the weights with their layers
    (model.py).
    """

    def __init__(self, **layer_arguments) -> None:
        super().__init__(**layer_arguments)  # the layer side of the model first
        self.optimizer: optimizers_module.Optimizer | None = None
        self.loss: losses_module.Loss | None = None
        self.metrics: list[metrics_module.Metric] = []
        self._metric_specs: list = []
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.stop_training = False
        self.history = None
        self._rng = as_generator(None)  # shuffling; saved with the model, so resuming is exact

    # -- compile -------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None) -> None:
        """Choose how to train: the optimizer, the loss and the metrics to report.

        Args:
            optimizer: an Optimizer or a name ('sgd', 'rmsprop', 'adam', 'adamw'); default
                'rmsprop', as Keras.
            loss: a Loss or a name ('binary_crossentropy', 'categorical_crossentropy',
                'sparse_categorical_crossentropy', 'mse').
            metrics: a list of Metric objects or names ('accuracy', 'precision', 'recall',
                'auc', ...); 'accuracy' becomes binary, categorical or sparse accuracy from the
                shapes of the first batch, as in Keras.
        """
        where = f"{self._where()}.compile"
        if loss is None:
            raise ValueError(
                f"{where}: expected a loss, e.g. loss='binary_crossentropy', received None"
            )
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = losses_module.get(loss)
        if metrics is None:
            metrics = []
        if isinstance(metrics, (str, metrics_module.Metric)) or not isinstance(
            metrics, (list, tuple)
        ):
            raise TypeError(
                f"{where}: expected metrics as a list, e.g. ['accuracy'], received {metrics!r}"
            )
        for spec in metrics:  # unknown names fail now, not at the first batch
            if not (isinstance(spec, str) and spec.lower() in ("accuracy", "acc")):
                metrics_module.get(spec)
        self._metric_specs = list(metrics)
        self.metrics = []

    def _require_compiled(self, what: str) -> None:
        if self.optimizer is None or self.loss is None:
            raise RuntimeError(
                f"{self._where()}: call compile(optimizer=..., loss=...) before {what}()"
            )

    # -- one step ------------------------------------------------------------------------------
    def _labels_for(self, y, y_pred: np.ndarray) -> np.ndarray:
        return labels_for_loss(self.loss, y, y_pred, self._where())

    def _penalty(self) -> float:
        total = 0.0
        for _, layer, key, value, _ in self._variables():
            regularizer = getattr(layer, f"{key}_regularizer", None)
            if regularizer is not None:
                total += float(regularizer(value))
        return total

    def _resolve_metrics(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        if len(self.metrics) != len(self._metric_specs):
            self.metrics = [
                metrics_module.get(spec, y_true_shape=y_true.shape, y_pred_shape=y_pred.shape)
                for spec in self._metric_specs
            ]

    def _track(self, loss: float, n: int, y_true, y_pred) -> dict[str, float]:
        self._loss_tracker.update_state(loss, sample_weight=n)
        if np.isfinite(y_pred).all():
            for metric in self.metrics:
                metric.update_state(y_true, y_pred)
        return self._logs()

    def _logs(self) -> dict[str, float]:
        return {"loss": self._loss_tracker.result(), **{m.name: m.result() for m in self.metrics}}

    def _reset_trackers(self) -> None:
        self._loss_tracker.reset_state()
        for metric in self.metrics:
            metric.reset_state()

    # A diverging network overflows: that must show as an inf or NaN loss in the logs (which
    # TerminateOnNaN watches), not as NumPy warnings on stderr.
    @np.errstate(over="ignore", invalid="ignore", divide="ignore")
    def _train_step(self, x, y, sample_weight) -> dict[str, float]:
        y_pred = self.forward(x, training=True)
        y_true = self._labels_for(y, y_pred)
        self._resolve_metrics(y_true, y_pred)
        if not np.isfinite(y_pred).all():  # diverged: report a NaN loss, change nothing
            return self._track(float("nan"), len(x), y_true, y_pred)
        loss = self.loss(y_true, y_pred, sample_weight=sample_weight) + self._penalty()
        if not np.isfinite(loss):
            return self._track(loss, len(x), y_true, y_pred)
        logs = self._track(loss, len(x), y_true, y_pred)  # metrics first: they may refuse y
        self.backward(self.loss.backward(), input_gradient=False)
        params, grads = {}, {}
        for path, layer, key, value, trainable in self._variables():
            if trainable and key in layer.params:
                grad = layer.grads[key]
                regularizer = getattr(layer, f"{key}_regularizer", None)
                if regularizer is not None:
                    grad = grad + regularizer.gradient(value)
                params[path], grads[path] = value, grad
        self.optimizer.apply(params, grads)
        return logs

    @np.errstate(over="ignore", invalid="ignore", divide="ignore")
    def _test_step(self, x, y, sample_weight) -> dict[str, float]:
        y_pred = self.forward(x, training=False)
        y_true = self._labels_for(y, y_pred)
        self._resolve_metrics(y_true, y_pred)
        if not np.isfinite(y_pred).all():
            return self._track(float("nan"), len(x), y_true, y_pred)
        loss = self.loss(y_true, y_pred, sample_weight=sample_weight) + self._penalty()
        return self._track(loss, len(x), y_true, y_pred)

    # -- data ----------------------------------------------------------------------------------
    def _arrays(self, x, y, sample_weight, where: str, need_y: bool = True) -> tuple:
        """data_adapter.check_arrays against this model's input shape, once it is known."""
        input_shape = self.input_shape if self.built else None
        return check_arrays(x, y, sample_weight, input_shape, where, need_y)

    def _data(self, x, y, sample_weight, batch_size, shuffle, steps, where, rng=None):
        if isinstance(x, (np.ndarray, list)):
            x, y, sample_weight = self._arrays(x, y, sample_weight, where)
            self._check_labels(x, y, sample_weight, where)
            return ArrayBatches(x, y, sample_weight, batch_size, shuffle, rng, steps)
        if isinstance(x, Iterable) and not isinstance(x, (str, bytes, dict)):
            if y is not None:
                raise ValueError(f"{where}: y must be None when x is an iterator of (x, y) batches")
            return IteratedBatches(x, steps, where)
        raise TypeError(
            f"{where}: expected x as a NumPy array or an iterable of (x, y) batches, received "
            f"{type(x).__name__}"
        )

    def _check_labels(self, x, y, sample_weight, where: str) -> None:
        """Refuse labels the loss or a metric would refuse, before anything changes."""
        if y is None or self.loss is None:
            return
        if not self.built:
            self.build((None, *x.shape[1:]))
        shape = (len(y), *self.output_shape((None, *x.shape[1:]))[1:])
        check_labels(self.loss, self._metric_specs, y, sample_weight, shape, self._where())

    # -- the loops -----------------------------------------------------------------------------
    def fit(
        self,
        x=None,
        y=None,
        batch_size: int = 32,
        epochs: int = 1,
        verbose="auto",
        callbacks=None,
        validation_split: float = 0.0,
        validation_data=None,
        shuffle: bool = True,
        class_weight: dict | None = None,
        sample_weight=None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
    ):
        """Train for ``epochs`` passes over the data; returns the ``History``.

        Args:
            x: inputs (N, ...), or an iterable giving (x, y) or (x, y, sample_weight) batches
                each epoch (then y is None).
            y: labels (N, ...) (integers for sparse categorical cross-entropy).
            batch_size: examples per step (default 32).
            epochs: index of the last epoch (with initial_epoch, as Keras counts).
            verbose: 0 silent, 1 a progress bar, 2 one line per epoch; 'auto' is 1.
                MINIDL_GRADER=1 turns 1 into 2.
            callbacks: Callback objects (EarlyStopping, ModelCheckpoint, ...).
            validation_split: the fraction of the data, taken from the end before any
                shuffling, held out for validation (Keras's rule).
            validation_data: (x_val, y_val) or (x_val, y_val, sample_weight_val).
            shuffle: reshuffle the training examples every epoch (default True).
            class_weight: {class index: weight}, turned into per-example weights.
            sample_weight: per-example weights (N,).
            initial_epoch: the epoch to start from (to resume training).
            steps_per_epoch: batches per epoch when x is an iterable without a length.

        Returns:
            A ``History``: ``history.history[key]`` lists one value per epoch for the loss,
            every metric, their 'val_' versions and 'learning_rate'.
        """
        where = f"{self._where()}.fit"
        self._require_compiled("fit")
        verbose = check_verbose(verbose, where)
        batch_size = check_batch_size(batch_size, where)
        check_int(epochs, "epochs", where, 0)
        check_int(initial_epoch, "initial_epoch", where, 0)
        shuffle = check_bool(shuffle, "shuffle", where)
        check_validation_split(validation_split, where)
        if validation_split and validation_data is None:
            if not isinstance(x, np.ndarray):
                raise ValueError(
                    f"{where}: validation_split needs x and y as arrays; pass validation_data instead"
                )
            x, y, sample_weight = self._arrays(x, y, sample_weight, where)
            (x, y, sample_weight), validation_data = split_validation(
                x, y, sample_weight, validation_split, where
            )
        if class_weight is not None:
            x, y, sample_weight = self._arrays(x, y, sample_weight, where)
            sample_weight = class_sample_weights(y, class_weight, sample_weight, where)

        train = self._data(
            x, y, sample_weight, batch_size, shuffle, steps_per_epoch, where, self._rng
        )
        self._build_from(train, where)
        val = None
        if validation_data is not None:
            val = self._data(
                *unpack_validation_data(validation_data, where),
                batch_size,
                False,
                None,
                f"{where} (validation_data)",
            )

        callback_list = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            epochs=epochs,
            steps=train.steps,
            verbose=verbose,
        )
        self.stop_training = False
        callback_list.on_train_begin()
        epoch_logs: dict[str, Any] = {}
        with values_unchecked():
            for epoch in range(initial_epoch, epochs):
                self._reset_trackers()
                callback_list.on_epoch_begin(epoch)
                logs: dict[str, Any] = {}
                for step, (xb, yb, swb) in enumerate(train):
                    callback_list.on_train_batch_begin(step)
                    logs = self._train_step(xb, yb, swb)
                    callback_list.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                val_logs = {} if val is None or not logs else self._run_test(val, callback_list)
                if not logs or (val is not None and not val_logs):
                    which = "training" if not logs else "validation"
                    print(
                        f"Epoch {epoch + 1}: the {which} data gave no batches (an iterator "
                        f"that does not restart each epoch?); stopping training"
                    )
                    break
                epoch_logs = dict(logs)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                epoch_logs["learning_rate"] = self.optimizer.learning_rate
                callback_list.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
        callback_list.on_train_end(epoch_logs)
        self.history = callback_list.history
        return self.history

    def _build_from(self, data, where: str) -> None:
        """Build the model from the data's shape if no Input said it before."""
        if not self.built and isinstance(data, ArrayBatches):
            self.build((None, *data.x.shape[1:]))

    def _run_test(self, data, callback_list) -> dict[str, float]:
        self._reset_trackers()
        callback_list.on_test_begin()
        logs: dict[str, float] = {}
        for step, (xb, yb, swb) in enumerate(data):
            callback_list.on_test_batch_begin(step)
            logs = self._test_step(xb, yb, swb)
            callback_list.on_test_batch_end(step, logs)
        callback_list.on_test_end(logs)
        return dict(logs)

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size: int = 32,
        verbose="auto",
        sample_weight=None,
        steps: int | None = None,
        callbacks=None,
        return_dict: bool = False,
    ):
        """The loss and metrics on data, in inference mode.

        Returns:
            The loss alone when no metrics were compiled, else [loss, metric, ...], or a dict
            {'loss': ..., name: ...} with return_dict=True (Keras's conventions).
        """
        where = f"{self._where()}.evaluate"
        self._require_compiled("evaluate")
        verbose = check_verbose(verbose, where)
        batch_size = check_batch_size(batch_size, where)
        return_dict = check_bool(return_dict, "return_dict", where)
        data = self._data(x, y, sample_weight, batch_size, False, steps, where)
        self._build_from(data, where)
        callback_list = CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, steps=data.steps, verbose=verbose
        )
        with values_unchecked():
            logs = self._run_test(data, callback_list)
        if not logs:
            raise ValueError(f"{where}: the data gave no batches")
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(
        self, x, batch_size: int = 32, verbose="auto", steps: int | None = None, callbacks=None
    ) -> np.ndarray:
        """The model's outputs for x (N, ...), computed batch by batch in inference mode.

        x may also be an iterable of batches (arrays, or tuples whose first item is x).
        """
        where = f"{self._where()}.predict"
        verbose = check_verbose(verbose, where)
        batch_size = check_batch_size(batch_size, where)
        if isinstance(x, np.ndarray) or isinstance(x, list):
            x, _, _ = self._arrays(x, None, None, where, need_y=False)
            if not self.built:
                self.build((None, *x.shape[1:]))
            batches = (x[i : i + batch_size] for i in range(0, len(x), batch_size))
            n_steps = math.ceil(len(x) / batch_size)
        elif isinstance(x, Iterable):
            batches, n_steps = prediction_batches(x, steps, where)
        else:
            raise TypeError(
                f"{where}: expected x as a NumPy array or an iterable of batches, received {type(x).__name__}"
            )
        callback_list = CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, steps=n_steps, verbose=verbose
        )
        callback_list.on_predict_begin()
        outputs = []
        with values_unchecked(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for step, xb in enumerate(batches):
                if steps is not None and step >= steps:
                    break
                callback_list.on_predict_batch_begin(step)
                outputs.append(np.array(self.forward(xb, training=False)))
                callback_list.on_predict_batch_end(step, {"outputs": outputs[-1]})
        callback_list.on_predict_end()
        if not outputs:
            raise ValueError(f"{where}: the data gave no batches")
        return np.concatenate(outputs, axis=0)

    def train_on_batch(
        self, x, y, sample_weight=None, class_weight=None, return_dict: bool = False
    ):
        """One training step on one batch; returns the loss (and metrics) for that batch."""
        where = f"{self._where()}.train_on_batch"
        self._require_compiled("train_on_batch")
        return_dict = check_bool(return_dict, "return_dict", where)
        x, y, sample_weight = self._arrays(x, y, sample_weight, where)
        if class_weight is not None:
            sample_weight = class_sample_weights(y, class_weight, sample_weight, where)
        if not self.built:
            self.build((None, *x.shape[1:]))
        self._check_labels(x, y, sample_weight, where)
        self._reset_trackers()
        with values_unchecked():
            logs = self._train_step(x, y, sample_weight)
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else logs["loss"])

    def test_on_batch(self, x, y, sample_weight=None, return_dict: bool = False):
        """The loss (and metrics) on one batch, in inference mode."""
        where = f"{self._where()}.test_on_batch"
        self._require_compiled("test_on_batch")
        return_dict = check_bool(return_dict, "return_dict", where)
        x, y, sample_weight = self._arrays(x, y, sample_weight, where)
        self._reset_trackers()
        with values_unchecked():
            logs = self._test_step(x, y, sample_weight)
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else logs["loss"])

    def predict_on_batch(self, x) -> np.ndarray:
        """The outputs for one batch, in inference mode."""
        return self.predict(x, batch_size=max(1, len(x)), verbose=0)
