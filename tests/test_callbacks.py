"""Tests for minidl.callbacks, driven by a fake model and scripted metric sequences.

Each scripted sequence comes with its expected outcome worked out by hand in a comment. The
`fit` helper below calls the hooks in the order the real ``Model.fit`` does (Keras 3's order),
so these tests pin the callbacks' behaviour independently of the model code.
"""

from __future__ import annotations

import csv
import math
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minidl.callbacks.progbar_logger as cb_module
from minidl.callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    TerminateOnNaN,
)

# ---------------------------------------------------------------------------------------------
# A fake model and a fake fit loop
# ---------------------------------------------------------------------------------------------


class FakeOptimizer:
    def __init__(self, learning_rate: float = 0.1):
        self._lr = learning_rate

    @property
    def learning_rate(self) -> float:
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._lr = float(value)


class Float32Optimizer(FakeOptimizer):
    """Stores the rate in float32, as Keras optimizers do."""

    @property
    def learning_rate(self) -> float:
        return float(self._lr)

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._lr = np.float32(value)


class FakeModel:
    """Weights that count training steps: after n steps every weight equals n."""

    def __init__(self, learning_rate: float = 0.1, optimizer: FakeOptimizer | None = None):
        self.stop_training = False
        self.optimizer = optimizer or FakeOptimizer(learning_rate)
        self.weights = [np.zeros((2, 3)), np.zeros(3)]
        self.saved: list[tuple[str, str]] = []

    def get_weights(self) -> list[np.ndarray]:
        return self.weights  # the live arrays, on purpose: callbacks must copy them

    def set_weights(self, weights) -> None:
        for w, new in zip(self.weights, weights, strict=True):
            w[...] = new

    def train_step(self) -> None:
        for w in self.weights:
            w += 1.0  # in place, as an optimizer updates parameters

    @property
    def step_count(self) -> float:
        return float(self.weights[0][0, 0])

    def save(self, path) -> None:
        self.saved.append(("model", str(path)))
        Path(path).write_text("model")

    def save_weights(self, path) -> None:
        self.saved.append(("weights", str(path)))
        Path(path).write_text("weights")


def fit(
    model,
    callbacks,
    epoch_logs,
    steps=1,
    verbose=0,
    progbar=False,
    initial_epoch=0,
    known_steps=True,
):
    """Drive the callbacks as Model.fit does; each epoch's logs come from the script.

    Every training batch reports the epoch's scripted 'loss' (default 1.0). When the script
    has val_ entries, a two-batch validation runs before on_epoch_end. ``learning_rate`` is
    appended to the epoch logs, as the model does.
    """
    callbacks = CallbackList(callbacks, add_history=True, add_progbar=progbar)
    callbacks.set_model(model)
    epochs = initial_epoch + len(epoch_logs)
    callbacks.set_params(
        {"epochs": epochs, "steps": steps if known_steps else None, "verbose": verbose}
    )
    model.stop_training = False
    callbacks.on_train_begin({})
    logs = {}
    for epoch, scripted in enumerate(epoch_logs, start=initial_epoch):
        callbacks.on_epoch_begin(epoch, {})
        for batch in range(steps):
            callbacks.on_train_batch_begin(batch, {})
            model.train_step()
            callbacks.on_train_batch_end(batch, {"loss": scripted.get("loss", 1.0)})
            if model.stop_training:
                break
        logs = dict(scripted)
        logs.setdefault("loss", 1.0)
        logs = {"loss": logs.pop("loss"), **logs}
        if any(key.startswith("val_") for key in logs):
            val = {k.removeprefix("val_"): v for k, v in logs.items() if k.startswith("val_")}
            callbacks.on_test_begin({})
            for batch in range(2):
                callbacks.on_test_batch_begin(batch, {})
                callbacks.on_test_batch_end(batch, val)
            callbacks.on_test_end(val)
        logs["learning_rate"] = model.optimizer.learning_rate
        callbacks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callbacks.on_train_end(logs)
    return callbacks.history


def script(key, *values):
    """[{key: v0}, {key: v1}, ...]: one epoch per value."""
    return [{key: v} for v in values]


class Clock:
    """A fake clock that advances ``dt`` seconds each time it is read."""

    def __init__(self, dt: float):
        self.t = 100.0
        self.dt = dt

    def __call__(self) -> float:
        now = self.t
        self.t += self.dt
        return now


@pytest.fixture(autouse=True)
def _not_grader(monkeypatch):
    monkeypatch.delenv("MINIDL_GRADER", raising=False)


# ---------------------------------------------------------------------------------------------
# Callback, CallbackList, History
# ---------------------------------------------------------------------------------------------

HOOKS = [
    ("on_train_begin", ()),
    ("on_train_end", ()),
    ("on_epoch_begin", (0,)),
    ("on_epoch_end", (0,)),
    ("on_train_batch_begin", (0,)),
    ("on_train_batch_end", (0,)),
    ("on_test_begin", ()),
    ("on_test_end", ()),
    ("on_test_batch_begin", (0,)),
    ("on_test_batch_end", (0,)),
    ("on_predict_begin", ()),
    ("on_predict_end", ()),
    ("on_predict_batch_begin", (0,)),
    ("on_predict_batch_end", (0,)),
]


def test_base_callback_has_every_hook_and_does_nothing():
    callback = Callback()
    assert callback.model is None and callback.params is None
    for name, args in HOOKS:
        assert getattr(callback, name)(*args, {"loss": 1.0}) is None
        assert getattr(callback, name)(*args) is None  # logs is optional
    model = FakeModel()
    callback.set_model(model)
    callback.set_params({"epochs": 3, "steps": 2, "verbose": 0})
    assert callback.model is model
    assert callback.params == {"epochs": 3, "steps": 2, "verbose": 0}


def test_subclass_without_super_init_still_works():
    class Forgetful(Callback):
        def __init__(self):
            pass  # no super().__init__()

    callback = Forgetful()
    assert callback.model is None
    callback.set_model("m")
    assert callback.model == "m"


def test_callback_list_dispatches_every_hook_in_order_with_the_same_logs():
    calls = []

    def recorder(tag):
        hooks = {}
        for name, _ in HOOKS:
            hooks[name] = lambda *args, _n=name: calls.append((tag, _n, args))
        return LambdaCallback(**hooks)

    model = FakeModel()
    callbacks = CallbackList([recorder("a"), recorder("b")], model=model, epochs=2, verbose=0)
    assert all(c.model is model for c in callbacks)
    assert all(c.params == {"epochs": 2, "verbose": 0} for c in callbacks)
    for name, args in HOOKS:
        logs = {"loss": 0.5}
        calls.clear()
        getattr(callbacks, name)(*args, logs)
        assert [(tag, hook) for tag, hook, _ in calls] == [("a", name), ("b", name)]
        assert calls[0][2] == (*args, logs)
        assert calls[0][2][-1] is logs and calls[1][2][-1] is logs  # one dict, shared
    calls.clear()
    callbacks.on_epoch_end(3)  # logs omitted: each callback gets a dict
    assert calls[0][2] == (3, {})


def test_callback_list_puts_progbar_first_and_history_last():
    a, b = Callback(), Callback()
    callbacks = CallbackList([a, b], add_history=True, add_progbar=True)
    assert isinstance(callbacks.callbacks[0], ProgbarLogger)
    assert callbacks.callbacks[1:3] == [a, b]
    assert isinstance(callbacks.callbacks[3], History)
    assert callbacks.history is callbacks.callbacks[3]
    assert callbacks.progbar is callbacks.callbacks[0]
    assert len(CallbackList()) == 0 and CallbackList().history is None


def test_callback_list_keeps_a_history_or_progbar_already_given():
    history, progbar = History(), ProgbarLogger()
    callbacks = CallbackList([history, progbar], add_history=True, add_progbar=True)
    assert callbacks.callbacks == [history, progbar]
    assert callbacks.history is history and callbacks.progbar is progbar
    single = CallbackList(history)  # a single callback is accepted too
    assert single.callbacks == [history]


def test_history_records_each_epoch_in_logs_order():
    model = FakeModel(learning_rate=0.5)
    history = fit(
        model,
        [],
        [{"loss": 0.75, "accuracy": 0.5, "val_loss": 1.0}, {"loss": 0.5, "accuracy": 0.625}],
    )
    assert history.epoch == [0, 1]
    assert list(history.history) == ["loss", "accuracy", "val_loss", "learning_rate"]
    assert history.history["loss"] == [0.75, 0.5]
    assert history.history["val_loss"] == [1.0]  # only the epochs that logged it
    assert history.history["learning_rate"] == [0.5, 0.5]
    assert history.params == {"epochs": 2, "steps": 1, "verbose": 0}
    assert history.model is model


# ---------------------------------------------------------------------------------------------
# EarlyStopping
# ---------------------------------------------------------------------------------------------


def test_early_stopping_patience_zero_stops_at_first_non_improvement():
    # best: 1.0 (e0), 0.5 (e1); e2 = 0.75 does not improve, wait 1 >= 0 -> stop at e2.
    model = FakeModel()
    stop = EarlyStopping(patience=0)
    history = fit(model, [stop], script("val_loss", 1.0, 0.5, 0.75, 0.25))
    assert history.epoch == [0, 1, 2]
    assert stop.stopped_epoch == 2 and stop.best == 0.5 and stop.best_epoch == 1


def test_early_stopping_patience_counts_epochs_without_improvement():
    # 4 (best), 3 (best, wait 0), 3 (wait 1), 3 (wait 2 >= 2: stop at e3); the 2 never runs.
    stop = EarlyStopping(monitor="loss", patience=2)
    history = fit(FakeModel(), [stop], script("loss", 4.0, 3.0, 3.0, 3.0, 2.0))
    assert history.epoch == [0, 1, 2, 3]
    assert stop.stopped_epoch == 3 and stop.wait == 2


def test_early_stopping_change_equal_to_min_delta_is_not_an_improvement():
    # min_delta 0.5: 3.5 is exactly 0.5 below 4.0, not more -> no improvement, stop at e1.
    stop = EarlyStopping(min_delta=0.5, patience=1)
    history = fit(FakeModel(), [stop], script("val_loss", 4.0, 3.5, 3.0))
    assert history.epoch == [0, 1] and stop.best == 4.0
    # 3.25 is 0.75 below 4.0 -> improvement; then 3.0 is only 0.25 below 3.25 -> stop at e2.
    stop = EarlyStopping(min_delta=0.5, patience=1)
    history = fit(FakeModel(), [stop], script("val_loss", 4.0, 3.25, 3.0, 1.0))
    assert history.epoch == [0, 1, 2] and stop.best == 3.25


def test_early_stopping_mode_auto_maximises_accuracy_and_minimises_loss():
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    assert EarlyStopping(monitor="acc").mode == "max"
    assert EarlyStopping(monitor="val_auc").mode == "max"
    assert EarlyStopping(monitor="val_loss").mode == "min"
    assert EarlyStopping(monitor="mae").mode == "min"
    assert EarlyStopping(monitor="val_accuracy", mode="min").mode == "min"
    # max: 0.5, 0.75 improve; 0.625 does not -> stop at e2.
    stop = EarlyStopping(monitor="val_accuracy")
    history = fit(FakeModel(), [stop], script("val_accuracy", 0.5, 0.75, 0.625, 1.0))
    assert history.epoch == [0, 1, 2] and stop.best == 0.75
    # Forced min: 0.75 is not below 0.5 -> stop at e1.
    stop = EarlyStopping(monitor="val_accuracy", mode="min")
    history = fit(FakeModel(), [stop], script("val_accuracy", 0.5, 0.75, 0.625, 1.0))
    assert history.epoch == [0, 1]


def test_early_stopping_baseline_not_beaten_stops_after_patience_epochs():
    # baseline 2, patience 2. e0: 3 improves (on inf) but misses the baseline: wait 1.
    # e1: 2.5 improves, still misses: wait 2 (improving epochs skip the stop check).
    # e2: 2.75 no improvement, wait 3 >= 2 -> stop at e2.
    stop = EarlyStopping(baseline=2.0, patience=2)
    history = fit(FakeModel(), [stop], script("val_loss", 3.0, 2.5, 2.75, 1.0))
    assert history.epoch == [0, 1, 2] and stop.best == 2.5


def test_early_stopping_baseline_beaten_restarts_patience():
    # e0: 3 (wait 1, misses baseline); e1: 1.5 beats best and baseline: wait 0;
    # e2: wait 1; e3: wait 2 -> stop at e3.
    stop = EarlyStopping(baseline=2.0, patience=2)
    history = fit(FakeModel(), [stop], script("val_loss", 3.0, 1.5, 1.75, 1.75, 1.75))
    assert history.epoch == [0, 1, 2, 3] and stop.stopped_epoch == 3


def test_early_stopping_restores_the_best_epochs_weights(capsys):
    # One step per epoch, so the weights after epoch e equal e + 1. Best val_loss is e1
    # (weights 2); stop at e2 (weights 3); the weights of e1 come back.
    model = FakeModel()
    stop = EarlyStopping(patience=1, restore_best_weights=True, verbose=1)
    fit(model, [stop], script("val_loss", 3.0, 1.0, 2.0, 0.5))
    assert stop.best_epoch == 1
    assert all(np.all(w == 2.0) for w in model.weights)
    assert model.weights[0].shape == (2, 3)  # set back in place, shapes intact
    out = capsys.readouterr()
    assert out.out == (
        "Epoch 3: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"
    )
    assert out.err == ""


def test_early_stopping_restores_best_weights_even_without_stopping_early():
    # Keras 3: the best weights come back at the end of training in every case.
    model = FakeModel()
    stop = EarlyStopping(patience=5, restore_best_weights=True)
    fit(model, [stop], script("val_loss", 3.0, 1.0, 2.0))
    assert stop.stopped_epoch == 0 and model.step_count == 2.0


def test_early_stopping_keeps_last_weights_without_restore():
    model = FakeModel()
    fit(model, [EarlyStopping(patience=1)], script("val_loss", 3.0, 1.0, 2.0))
    assert model.step_count == 3.0


def test_early_stopping_start_from_epoch_ignores_warm_up():
    # e0, e1 ignored; e2: 3 (best); e3: 2.5 (best); e4: 2.75 -> stop at e4.
    stop = EarlyStopping(patience=0, start_from_epoch=2)
    history = fit(FakeModel(), [stop], script("val_loss", 1.0, 2.0, 3.0, 2.5, 2.75, 0.0))
    assert history.epoch == [0, 1, 2, 3, 4] and stop.stopped_epoch == 4
    # Without the warm-up, 2.0 after 1.0 stops at e1.
    history = fit(FakeModel(), [EarlyStopping()], script("val_loss", 1.0, 2.0, 3.0))
    assert history.epoch == [0, 1]


def test_early_stopping_missing_monitor_prints_once_and_does_nothing(capsys):
    stop = EarlyStopping(monitor="val_loss", verbose=1)
    history = fit(FakeModel(), [stop], script("loss", 1.0, 2.0, 3.0))
    assert history.epoch == [0, 1, 2]
    out = capsys.readouterr()
    assert out.out == (
        "EarlyStopping: the monitored quantity 'val_loss' is not in the logs, so the callback "
        "does nothing. Available: loss, learning_rate.\n"
    )
    assert out.err == ""


def test_early_stopping_can_be_reused_for_a_second_fit():
    stop = EarlyStopping(patience=0)
    fit(FakeModel(), [stop], script("val_loss", 1.0, 2.0))
    assert stop.stopped_epoch == 1
    history = fit(FakeModel(), [stop], script("val_loss", 5.0, 4.0, 3.0))
    assert history.epoch == [0, 1, 2] and stop.stopped_epoch == 0 and stop.best == 3.0


@given(
    losses=st.lists(st.integers(0, 4), min_size=1, max_size=12),
    patience=st.integers(0, 3),
)
def test_early_stopping_matches_the_index_rule(losses, patience):
    # Rule: with strict improvements at indices i_0 < i_1 < ..., training stops at the first
    # epoch e that is not an improvement and lies >= patience epochs after the last one.
    best, best_i, expected_run = math.inf, 0, len(losses)
    for e, value in enumerate(losses):
        if value < best:
            best, best_i = value, e
        elif e - best_i >= patience:
            expected_run = e + 1
            break
    model = FakeModel()
    stop = EarlyStopping(patience=patience, restore_best_weights=True)
    history = fit(model, [stop], script("val_loss", *[float(v) for v in losses]))
    assert len(history.epoch) == expected_run
    assert model.step_count == best_i + 1  # the first epoch reaching the minimum


# ---------------------------------------------------------------------------------------------
# ReduceLROnPlateau
# ---------------------------------------------------------------------------------------------


def test_reduce_lr_sequence_with_cooldown_and_min_lr(capsys):
    # lr 1.0, factor 0.5, patience 1, cooldown 2, min_lr 0.2; the loss never improves after e0.
    # e0: best 1.                        lr 1.0 during e0, 1.0 after
    # e1: wait 1 >= 1: 1.0 -> 0.5, cooldown 2.           after: 0.5
    # e2: cooldown 2 -> 1 (still cooling): nothing.      after: 0.5
    # e3: cooldown 1 -> 0; wait 1: 0.5 -> 0.25, cooldown 2.  after: 0.25
    # e4: cooling.                                       after: 0.25
    # e5: wait 1: 0.25 -> max(0.125, 0.2) = 0.2.         after: 0.2
    # e6: cooling.  e7, e8: lr is already min_lr: no change, no message.
    model = FakeModel(learning_rate=1.0)
    reduce = ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=1, cooldown=2, min_lr=0.2, min_delta=0, verbose=1
    )
    after = []
    record = LambdaCallback(
        on_epoch_end=lambda e, logs: after.append(model.optimizer.learning_rate)
    )
    history = fit(model, [reduce, record], script("loss", *[1.0] * 9))
    assert after == [1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]
    assert history.history["learning_rate"] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2]
    out = capsys.readouterr()
    assert out.out == (
        "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n"
        "Epoch 4: ReduceLROnPlateau reducing learning rate to 0.25.\n"
        "Epoch 6: ReduceLROnPlateau reducing learning rate to 0.2.\n"
    )
    assert out.err == ""


def test_reduce_lr_without_cooldown_reduces_every_patience_epochs():
    # patience 2, cooldown 0, factor 0.5: reductions at e2 (wait 2) and e4 (wait 2 again).
    model = FakeModel(learning_rate=1.0)
    fit(
        model,
        [ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2)],
        script("loss", *[1.0] * 5),
    )
    assert model.optimizer.learning_rate == 0.25


def test_reduce_lr_improvement_must_exceed_min_delta():
    # min_delta 0.5: 3.5 is exactly 0.5 better than 4 -> no improvement -> reduce at e1.
    model = FakeModel(learning_rate=1.0)
    reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=0.5)
    fit(model, [reduce], script("loss", 4.0, 3.5))
    assert model.optimizer.learning_rate == 0.5
    # 3.25 is 0.75 better -> improvement -> no reduction.
    model = FakeModel(learning_rate=1.0)
    reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=0.5)
    fit(model, [reduce], script("loss", 4.0, 3.25))
    assert model.optimizer.learning_rate == 1.0


def test_reduce_lr_mode_auto_follows_accuracy_upwards():
    # Rising accuracy improves every epoch in max mode: no reduction.
    model = FakeModel(learning_rate=1.0)
    reduce = ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1)
    fit(model, [reduce], script("val_accuracy", 0.5, 0.75, 0.875))
    assert reduce.mode == "max" and model.optimizer.learning_rate == 1.0


def test_reduce_lr_compares_with_min_lr_in_float32(capsys):
    # A float32 optimizer stores 0.1 as 0.10000000149 > 0.1. Compared in float64 the rate
    # would look above min_lr forever and be "reduced" to 0.1 again at every epoch.
    model = FakeModel(optimizer=Float32Optimizer(1.0))
    reduce = ReduceLROnPlateau(monitor="loss", factor=0.1, patience=0, min_lr=0.1, verbose=1)
    fit(model, [reduce], script("loss", *[1.0] * 5))
    assert model.optimizer.learning_rate == pytest.approx(0.1)
    assert capsys.readouterr().out.count("ReduceLROnPlateau reducing") == 1


def test_reduce_lr_adds_learning_rate_to_the_logs_history_sees():
    model = FakeModel(learning_rate=0.25)
    callbacks = CallbackList([ReduceLROnPlateau(monitor="loss")], add_history=True, model=model)
    logs = {"loss": 1.0}
    callbacks.on_train_begin()
    callbacks.on_epoch_end(0, logs)
    assert logs == {"loss": 1.0, "learning_rate": 0.25}
    assert callbacks.history.history == {"loss": [1.0], "learning_rate": [0.25]}


@given(
    losses=st.lists(st.integers(0, 3), min_size=1, max_size=15),
    patience=st.integers(0, 3),
    cooldown=st.integers(0, 2),
)
def test_reduce_lr_only_ever_steps_down_by_factor_to_min_lr(losses, patience, cooldown):
    model = FakeModel(learning_rate=1.0)
    reduce = ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=patience, cooldown=cooldown, min_lr=0.1
    )
    rates = []
    record = LambdaCallback(
        on_epoch_end=lambda e, logs: rates.append(model.optimizer.learning_rate)
    )
    fit(model, [reduce, record], script("loss", *[float(v) for v in losses]))
    previous = 1.0
    for lr in rates:
        assert lr >= 0.1
        assert lr in (previous, previous * 0.5, 0.1)
        previous = lr


# ---------------------------------------------------------------------------------------------
# ModelCheckpoint
# ---------------------------------------------------------------------------------------------


def test_checkpoint_formats_epoch_from_one_and_log_values(tmp_path):
    model = FakeModel()
    path = tmp_path / "ckpt" / "m-{epoch:02d}-{val_loss:.2f}.h5"  # the folder is created
    fit(model, [ModelCheckpoint(path)], script("val_loss", 0.5, 0.25, 0.75))
    names = ["m-01-0.50.h5", "m-02-0.25.h5", "m-03-0.75.h5"]
    assert model.saved == [("model", str(tmp_path / "ckpt" / n)) for n in names]
    assert sorted(p.name for p in (tmp_path / "ckpt").iterdir()) == names


def test_checkpoint_save_best_only(tmp_path, capsys):
    # val_loss 0.5 (saved: beats inf), 0.75 (no), 0.25 (saved), 0.25 (equal: no).
    model = FakeModel()
    path = str(tmp_path / "best.h5")
    check = ModelCheckpoint(path, save_best_only=True, verbose=1)
    fit(model, [check], script("val_loss", 0.5, 0.75, 0.25, 0.25))
    assert model.saved == [("model", path), ("model", path)]
    assert check.best == 0.25
    out = capsys.readouterr()
    assert out.out == (
        f"Epoch 1: val_loss improved from inf to 0.50000, saving model to {path}\n"
        "Epoch 2: val_loss did not improve from 0.50000\n"
        f"Epoch 3: val_loss improved from 0.50000 to 0.25000, saving model to {path}\n"
        "Epoch 4: val_loss did not improve from 0.25000\n"
    )
    assert out.err == ""


def test_checkpoint_best_only_on_accuracy_saves_weights(tmp_path):
    # Auto mode on val_accuracy is max: 0.5 (save), 0.75 (save), 0.625 (no).
    model = FakeModel()
    path = str(tmp_path / "w-{epoch}.h5")
    check = ModelCheckpoint(
        path, monitor="val_accuracy", save_best_only=True, save_weights_only=True
    )
    fit(model, [check], script("val_accuracy", 0.5, 0.75, 0.625))
    assert model.saved == [
        ("weights", str(tmp_path / "w-1.h5")),
        ("weights", str(tmp_path / "w-2.h5")),
    ]


def test_checkpoint_initial_value_threshold_and_best_kept_across_fits(tmp_path):
    # Threshold 0.4: 0.5 does not beat it, 0.25 does. A second fit must beat 0.25.
    model = FakeModel()
    check = ModelCheckpoint(tmp_path / "m.h5", save_best_only=True, initial_value_threshold=0.4)
    fit(model, [check], script("val_loss", 0.5, 0.25))
    assert len(model.saved) == 1
    fit(model, [check], script("val_loss", 0.375, 0.125))
    assert len(model.saved) == 2 and check.best == 0.125


def test_checkpoint_every_n_batches(tmp_path):
    # save_freq 2 with 3 batches per epoch: after batches 2 (e1), 1 and 3 (e2), counted from 1.
    model = FakeModel()
    check = ModelCheckpoint(str(tmp_path / "c-{epoch}-{batch}.h5"), save_freq=2)
    fit(model, [check], script("loss", 1.0, 1.0), steps=3)
    assert [Path(p).name for _, p in model.saved] == ["c-1-2.h5", "c-2-1.h5", "c-2-3.h5"]


def test_checkpoint_missing_field_or_monitor(tmp_path, capsys):
    check = ModelCheckpoint(str(tmp_path / "m-{val_acc:.2f}.h5"))
    with pytest.raises(ValueError, match=r"ModelCheckpoint: .*'val_acc'.*val_loss"):
        fit(FakeModel(), [check], script("val_loss", 0.5))
    check = ModelCheckpoint(str(tmp_path / "m-{}.h5"))
    with pytest.raises(ValueError, match=r"ModelCheckpoint: cannot fill filepath .*named fields"):
        fit(FakeModel(), [check], script("val_loss", 0.5))
    # save_best_only without the monitored value saves every time (Keras 3), saying so once.
    model = FakeModel()
    check = ModelCheckpoint(str(tmp_path / "m.h5"), save_best_only=True)
    fit(model, [check], script("loss", 0.5, 0.75))
    assert len(model.saved) == 2
    out = capsys.readouterr()
    assert out.out.count("ModelCheckpoint: can save the best model only when 'val_loss'") == 1
    assert out.err == ""


# ---------------------------------------------------------------------------------------------
# CSVLogger
# ---------------------------------------------------------------------------------------------


def test_csv_logger_writes_sorted_keys_with_full_precision(tmp_path):
    path = tmp_path / "log.csv"
    epochs = [
        {"loss": 0.1 + 0.2, "val_loss": np.float64(0.5), "accuracy": 0.75},
        {"loss": 0.25, "val_loss": 0.375, "accuracy": np.float32(1.0)},
    ]
    fit(FakeModel(learning_rate=0.1), [CSVLogger(path)], epochs)
    assert path.read_text() == (
        "epoch,accuracy,learning_rate,loss,val_loss\n"
        "0,0.75,0.1,0.30000000000000004,0.5\n"
        "1,1.0,0.1,0.25,0.375\n"
    )


def test_csv_logger_is_complete_after_each_epoch(tmp_path):
    path = tmp_path / "log.csv"
    lines = []
    peek = LambdaCallback(on_epoch_end=lambda e, logs: lines.append(path.read_text().count("\n")))
    fit(FakeModel(), [CSVLogger(path), peek], script("loss", 1.0, 0.5, 0.25))
    assert lines == [2, 3, 4]  # header + one row per finished epoch


def test_csv_logger_append_continues_without_a_second_header(tmp_path):
    path = tmp_path / "log.csv"
    fit(FakeModel(), [CSVLogger(path)], script("loss", 1.0, 0.5))
    fit(FakeModel(), [CSVLogger(path, append=True)], script("loss", 0.25), initial_epoch=2)
    assert path.read_text() == ("epoch,learning_rate,loss\n0,0.1,1.0\n1,0.1,0.5\n2,0.1,0.25\n")
    # Without append, the file starts afresh.
    fit(FakeModel(), [CSVLogger(path)], script("loss", 0.125))
    assert path.read_text() == "epoch,learning_rate,loss\n0,0.1,0.125\n"


def test_csv_logger_append_to_a_missing_file_writes_the_header(tmp_path):
    path = tmp_path / "new" / "log.csv"
    fit(FakeModel(), [CSVLogger(path, append=True)], script("loss", 1.0))
    assert path.read_text() == "epoch,learning_rate,loss\n0,0.1,1.0\n"


def test_csv_logger_separator_and_missing_values(tmp_path):
    path = tmp_path / "log.tsv"
    fit(FakeModel(), [CSVLogger(path, separator="\t")], [{"val_loss": 2.0}, {"loss": 0.5}])
    # Columns come from the first epoch; the second lacks val_loss -> NA.
    assert path.read_text() == (
        "epoch\tlearning_rate\tloss\tval_loss\n0\t0.1\t1.0\t2.0\n1\t0.1\t0.5\tNA\n"
    )


@given(values=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=5))
def test_csv_logger_values_read_back_exactly(values):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.csv"
        fit(FakeModel(), [CSVLogger(path)], script("loss", *values))
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    assert [float(row["loss"]) for row in rows] == values


# ---------------------------------------------------------------------------------------------
# TerminateOnNaN and LambdaCallback
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_terminate_on_nan_stops_at_the_first_bad_batch(bad, capsys):
    # Epoch 0 runs its 3 batches; epoch 1 stops after its first batch: 4 training steps.
    model = FakeModel()
    history = fit(model, [TerminateOnNaN()], [{"loss": 1.0}, {"loss": bad}, {"loss": 1.0}], steps=3)
    assert model.step_count == 4 and history.epoch == [0, 1]
    out = capsys.readouterr()
    assert out.out == "Batch 0: Invalid loss, terminating training\n" and out.err == ""


def test_terminate_on_nan_ignores_finite_and_missing_losses():
    model = FakeModel()
    callback = TerminateOnNaN()
    callback.set_model(model)
    callback.on_train_batch_end(0, {"loss": 1e300})
    callback.on_train_batch_end(1, {"accuracy": 0.5})
    callback.on_train_batch_end(2, None)
    assert model.stop_training is False


def test_lambda_callback_calls_the_given_functions():
    calls = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(f"epoch_begin {epoch}"),
        on_train_batch_end=lambda batch, logs: calls.append(f"batch_end {batch} {logs['loss']}"),
        on_epoch_end=lambda epoch, logs: calls.append(f"epoch_end {epoch}"),
        on_train_end=lambda logs: calls.append("train_end"),
        on_test_end=lambda logs: calls.append(f"test_end {logs['loss']}"),
    )
    fit(FakeModel(), [callback], [{"loss": 0.5, "val_loss": 0.75}], steps=2)
    assert calls == [
        "train_begin",
        "epoch_begin 0",
        "batch_end 0 0.5",
        "batch_end 1 0.5",
        "test_end 0.75",
        "epoch_end 0",
        "train_end",
    ]
    # Hooks not given keep the base class's do-nothing behaviour.
    assert LambdaCallback().on_epoch_end(0, {}) is None


# ---------------------------------------------------------------------------------------------
# ProgbarLogger
# ---------------------------------------------------------------------------------------------

EPOCH_LOGS = [
    {"loss": 0.41234, "accuracy": 0.8125, "val_loss": 0.5, "val_accuracy": 0.75},
    {"loss": 0.00012345, "accuracy": 1.0, "val_loss": 0.0, "val_accuracy": 1.0},
]
TIME = r"\d+s - \d+(?:s|ms|us)/step"


def test_progbar_verbose_2_prints_one_line_per_epoch(capsys):
    fit(FakeModel(learning_rate=0.001), [], EPOCH_LOGS, steps=32, verbose=2, progbar=True)
    out = capsys.readouterr()
    assert out.err == ""
    assert "\r" not in out.out
    lines = out.out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert re.fullmatch(
        rf"32/32 - {TIME} - loss: 0\.4123 - accuracy: 0\.8125 - val_loss: 0\.5000 "
        r"- val_accuracy: 0\.7500 - learning_rate: 0\.0010",
        lines[1],
    )
    assert lines[2] == "Epoch 2/2"
    # 0 < |v| < 1e-3 switches to scientific notation; 0 itself stays 0.0000.
    assert re.fullmatch(
        rf"32/32 - {TIME} - loss: 1\.2345e-04 - accuracy: 1\.0000 - val_loss: 0\.0000 "
        r"- val_accuracy: 1\.0000 - learning_rate: 0\.0010",
        lines[3],
    )
    assert len(lines) == 4


def test_progbar_verbose_2_timing_with_a_fake_clock(monkeypatch, capsys):
    # The clock advances 2 s per reading: epoch start, then the epoch end -> 2s over 4 steps.
    monkeypatch.setattr(cb_module, "_now", Clock(2.0))
    fit(FakeModel(), [], script("loss", 0.5), steps=4, verbose=2, progbar=True)
    assert (
        capsys.readouterr().out == "4/4 - 2s - 500ms/step - loss: 0.5000 - learning_rate: 0.1000\n"
    )


def test_progbar_verbose_1_draws_the_bar_in_place(monkeypatch, capsys):
    # The clock advances 1 s per reading: creation, epoch start (t0), batches at t0+1..t0+4,
    # epoch end at t0+5. Validation inside fit draws nothing.
    monkeypatch.setattr(cb_module, "_now", Clock(1.0))
    fit(FakeModel(), [], [{"loss": 0.5, "val_loss": 0.75}], steps=4, verbose=1, progbar=True)
    out = capsys.readouterr()
    assert out.err == ""
    assert out.out == (
        f"\r1/4 [{'=' * 6}>{'.' * 23}] - ETA: 3s - loss: 0.5000"
        f"\r2/4 [{'=' * 14}>{'.' * 15}] - ETA: 2s - loss: 0.5000"
        f"\r3/4 [{'=' * 21}>{'.' * 8}] - ETA: 1s - loss: 0.5000"
        f"\r4/4 [{'=' * 30}] - 4s 1s/step - loss: 0.5000"
        f"\r4/4 [{'=' * 30}] - 5s 1s/step - loss: 0.5000 - val_loss: 0.7500"
        " - learning_rate: 0.1000\n"
    )


def test_progbar_verbose_1_final_line_format(capsys):
    fit(FakeModel(), [], EPOCH_LOGS[:1], steps=32, verbose=1, progbar=True)
    final = capsys.readouterr().out.split("\r")[-1]
    assert re.fullmatch(
        r"32/32 \[={30}\] - \d+s \d+(?:s|ms|us)/step - loss: 0\.4123 - accuracy: 0\.8125 "
        r"- val_loss: 0\.5000 - val_accuracy: 0\.7500 - learning_rate: 0\.1000\n",
        final,
    )


def test_progbar_throttles_redraws_but_always_draws_the_last_step(monkeypatch, capsys):
    # A frozen clock: every batch comes 0 s after the previous draw, so only the first batch,
    # the last batch and the epoch's final line are drawn.
    monkeypatch.setattr(cb_module, "_now", Clock(0.0))
    fit(FakeModel(), [], script("loss", 0.5), steps=50, verbose=1, progbar=True)
    out = capsys.readouterr().out
    assert out.count("\r") == 3
    assert out.startswith("\r 1/50 [") and "\r50/50 [" in out and out.endswith("\n")


def test_progbar_shorter_line_erases_the_previous_tail(monkeypatch, capsys):
    monkeypatch.setattr(cb_module, "_now", Clock(0.0))
    progbar = ProgbarLogger()
    progbar.set_params({"epochs": 1, "steps": None, "verbose": 1})
    progbar.on_epoch_begin(0)
    progbar.on_train_batch_end(0, {"loss": 0.5, "a_long_metric_name": 0.5})
    first = capsys.readouterr().out
    progbar._last_draw = None  # force the next redraw despite the throttle
    progbar.on_train_batch_end(1, {"loss": 0.5})
    second = capsys.readouterr().out
    assert len(second) == len(first) and second.endswith(" " * 10)


def test_progbar_unknown_steps_shows_the_count_then_learns_the_length(monkeypatch, capsys):
    monkeypatch.setattr(cb_module, "_now", Clock(1.0))
    fit(
        FakeModel(),
        [],
        script("loss", 0.5, 0.5),
        steps=3,
        verbose=1,
        progbar=True,
        known_steps=False,
    )
    out = capsys.readouterr().out
    first, second = out.split("Epoch 2/2\n")
    assert "\r      1/Unknown - 1s 1s/step - loss: 0.5000" in first
    assert "\r      3/Unknown - 3s 1s/step - loss: 0.5000" in first
    # The epoch's end reveals the length: the final line already has the full bar.
    assert first.endswith(
        f"\r3/3 [{'=' * 30}] - 4s 1s/step - loss: 0.5000 - learning_rate: 0.1000\n"
    )
    assert f"\r1/3 [{'=' * 9}>{'.' * 20}] - ETA: 2s" in second


def test_progbar_unknown_steps_verbose_2(capsys):
    fit(FakeModel(), [], script("loss", 0.5), steps=3, verbose=2, progbar=True, known_steps=False)
    assert re.fullmatch(
        rf"3/3 - {TIME} - loss: 0\.5000 - learning_rate: 0\.1000\n", capsys.readouterr().out
    )


def test_eta_and_step_time_formats():
    assert cb_module._format_eta(59.9) == "59s"
    assert cb_module._format_eta(125.0) == "2:05"
    assert cb_module._format_eta(3725.0) == "1:02:05"
    assert cb_module._format_step_time(0.0) == "0s/step"
    assert cb_module._format_step_time(2.0) == "2s/step"
    assert cb_module._format_step_time(0.02) == "20ms/step"
    assert cb_module._format_step_time(0.00035) == "350us/step"


def test_grader_mode_turns_the_bar_into_epoch_lines(monkeypatch, capsys):
    monkeypatch.setenv("MINIDL_GRADER", "1")
    fit(FakeModel(), [], EPOCH_LOGS, steps=8, verbose=1, progbar=True)
    out = capsys.readouterr()
    assert "\r" not in out.out and out.err == ""
    lines = out.out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(rf"8/8 - {TIME} - loss: 0\.4123 - accuracy: 0\.8125 - .*", lines[1])


def test_progbar_verbose_0_prints_nothing(capsys):
    fit(FakeModel(), [TerminateOnNaN()], EPOCH_LOGS, steps=4, verbose=0, progbar=True)
    assert capsys.readouterr() == ("", "")


def test_progbar_for_evaluate_and_predict(capsys):
    progbar = ProgbarLogger()
    progbar.set_params({"epochs": 1, "steps": 2, "verbose": 2})
    progbar.on_train_begin()  # validation inside fit is silent ...
    progbar.on_test_begin()
    progbar.on_test_batch_end(0, {"loss": 0.25})
    progbar.on_test_end({"loss": 0.25})
    progbar.on_train_end()
    assert capsys.readouterr().out == ""
    progbar.on_test_begin()  # ... but evaluate after fit shows its line
    for batch in range(2):
        progbar.on_test_batch_end(batch, {"loss": 0.25})
    progbar.on_test_end({"loss": 0.25, "accuracy": 0.5})
    progbar.on_predict_begin()
    for batch in range(2):
        progbar.on_predict_batch_end(batch, {"outputs": np.zeros(3)})
    progbar.on_predict_end()
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(rf"2/2 - {TIME} - loss: 0\.2500 - accuracy: 0\.5000", lines[0])
    assert re.fullmatch(rf"2/2 - {TIME}", lines[1])


def test_messages_follow_the_epoch_line(capsys):
    # The progress bar ends its line before other callbacks print (it runs first), and
    # EarlyStopping reports at the end of training. e1 does not improve: ReduceLROnPlateau
    # (patience 0) reduces and EarlyStopping (patience 0) stops.
    model = FakeModel(learning_rate=1.0)
    reduce = ReduceLROnPlateau(factor=0.5, patience=0, verbose=1)
    stop = EarlyStopping(patience=0, verbose=1)
    fit(model, [reduce, stop], script("val_loss", 1.0, 2.0, 3.0), steps=2, verbose=2, progbar=True)
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert [line.split(" - ")[0] for line in lines] == [
        "Epoch 1/3",
        "2/2",
        "Epoch 2/3",
        "2/2",
        "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.5.",
        "Epoch 2: early stopping",
    ]
    assert out.err == ""


def test_a_message_during_the_bar_starts_on_a_new_line(monkeypatch, capsys):
    monkeypatch.setattr(cb_module, "_now", Clock(1.0))
    fit(FakeModel(), [TerminateOnNaN()], script("loss", math.nan), steps=4, verbose=1, progbar=True)
    out = capsys.readouterr().out
    assert "loss: nan\nBatch 0: Invalid loss, terminating training\n\r1/4" in out
    assert out.endswith("learning_rate: 0.1000\n")


# ---------------------------------------------------------------------------------------------
# Bad arguments
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: EarlyStopping(mode="best"),
            ValueError,
            r"EarlyStopping: expected mode 'auto', 'min' or 'max', received 'best'",
        ),
        (
            lambda: EarlyStopping(patience=-1),
            ValueError,
            r"EarlyStopping: expected patience >= 0, received -1",
        ),
        (
            lambda: EarlyStopping(patience=1.5),
            TypeError,
            r"EarlyStopping: expected patience as an integer",
        ),
        (
            lambda: EarlyStopping(min_delta=-0.1),
            ValueError,
            r"EarlyStopping: expected min_delta >= 0",
        ),
        (
            lambda: EarlyStopping(start_from_epoch=-2),
            ValueError,
            r"EarlyStopping: expected start_from_epoch >= 0",
        ),
        (
            lambda: EarlyStopping(monitor=3),
            TypeError,
            r"EarlyStopping: expected monitor as the name",
        ),
        (
            lambda: EarlyStopping(baseline="low"),
            TypeError,
            r"EarlyStopping: expected baseline as a number or None",
        ),
        (
            lambda: ReduceLROnPlateau(factor=1.0),
            ValueError,
            r"ReduceLROnPlateau: expected factor < 1",
        ),
        (
            lambda: ReduceLROnPlateau(factor=-0.5),
            ValueError,
            r"ReduceLROnPlateau: expected factor >= 0",
        ),
        (
            lambda: ReduceLROnPlateau(min_lr=-1e-3),
            ValueError,
            r"ReduceLROnPlateau: expected min_lr >= 0",
        ),
        (
            lambda: ReduceLROnPlateau(cooldown=-1),
            ValueError,
            r"ReduceLROnPlateau: expected cooldown >= 0",
        ),
        (
            lambda: ReduceLROnPlateau(patience=-3),
            ValueError,
            r"ReduceLROnPlateau: expected patience >= 0",
        ),
        (lambda: ReduceLROnPlateau(mode="up"), ValueError, r"ReduceLROnPlateau: expected mode"),
        (
            lambda: ModelCheckpoint(3),
            TypeError,
            r"ModelCheckpoint: expected filepath as a str or path, received int",
        ),
        (
            lambda: ModelCheckpoint("m.h5", save_freq="batch"),
            ValueError,
            r"ModelCheckpoint: expected save_freq 'epoch'",
        ),
        (
            lambda: ModelCheckpoint("m.h5", save_freq=0),
            ValueError,
            r"ModelCheckpoint: expected save_freq >= 1",
        ),
        (
            lambda: ModelCheckpoint("m.h5", mode="best"),
            ValueError,
            r"ModelCheckpoint: expected mode",
        ),
        (
            lambda: CSVLogger("log.csv", separator=",,"),
            ValueError,
            r"CSVLogger: expected separator as one character",
        ),
        (
            lambda: CSVLogger(None),
            TypeError,
            r"CSVLogger: expected filename as a str or path, received NoneType",
        ),
        (
            lambda: CallbackList([object()]),
            TypeError,
            r"CallbackList: expected Callback objects .* received object",
        ),
        (
            lambda: CallbackList("early"),
            TypeError,
            r"CallbackList: expected callbacks as a list .* received str",
        ),
        (
            lambda: LambdaCallback(on_epoch_end=3),
            TypeError,
            r"LambdaCallback: expected on_epoch_end to be a function, received int",
        ),
        (
            lambda: LambdaCallback(on_epch_end=print),
            TypeError,
            r"LambdaCallback: expected hook names .* received the keyword 'on_epch_end'",
        ),
        (
            lambda: ProgbarLogger().set_params({"verbose": 3}),
            ValueError,
            r"ProgbarLogger: expected verbose 0, 1, 2 or 'auto', received 3",
        ),
    ],
)
def test_bad_arguments_raise_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_valid_edge_arguments_are_accepted():
    assert ReduceLROnPlateau(factor=0.0).factor == 0.0
    assert ModelCheckpoint(Path("m.h5"), save_freq=np.int64(5)).save_freq == 5
    progbar = ProgbarLogger()
    progbar.set_params({"epochs": 2, "steps": 3, "verbose": "auto"})
    assert progbar.verbose == 1
