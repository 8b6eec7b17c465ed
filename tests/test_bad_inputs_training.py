"""Hostile and mistyped input to the training APIs: every refusal is one of minidl's errors, its
message names the function, layer or class that refused, the input is left as it was, and no
file is left behind.

The cases are generated (parametrize over tables of bad values, hypothesis where a whole range
of values is bad), so one table row is one case a student or an autograder could produce.
"""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minidl
from minidl import Sequential, callbacks, layers, losses, metrics, optimizers
from minidl.errors import ArgumentTypeError, DataFileError, ModelFileError, ModelFileNotFoundError
from minidl.gradcheck import check_gradients
from minidl.io import load_arrays, save_arrays
from minidl.saving import load_model, load_weights, save_model, save_weights

NOT_PATHS = [123, 1.5, None, b"model.h5", ["model.h5"], {"path": "m.h5"}, object(), True]
NOT_PATH_IDS = ["int", "float", "None", "bytes", "list", "dict", "object", "bool"]
NAN_INF = [np.nan, np.inf, -np.inf]


def model(compiled: bool = True, optimizer="sgd", loss="mse") -> Sequential:
    net = Sequential([layers.Input((4,)), layers.Dense(3, seed=0), layers.Dense(2, seed=1)])
    if compiled:
        net.compile(optimizer=optimizer, loss=loss)
    return net


def data(n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 4)), rng.standard_normal((n, 2))


def refused(call, error, caller: str):
    """Run ``call``; it must raise ``error`` (a minidl error type) naming ``caller``."""
    with pytest.raises(error) as info:
        call()
    assert caller in str(info.value), f"{caller!r} not named in: {info.value}"
    return info.value


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# -- minidl.io: parameters files ---------------------------------------------------------------
@pytest.mark.parametrize("path", NOT_PATHS, ids=NOT_PATH_IDS)
def test_load_arrays_refuses_what_is_not_a_path(path):
    refused(lambda: load_arrays(path), TypeError, "load_arrays")


@pytest.mark.parametrize("path", NOT_PATHS, ids=NOT_PATH_IDS)
def test_save_arrays_refuses_what_is_not_a_path(monkeypatch, tmp_path, path):
    monkeypatch.chdir(tmp_path)
    refused(lambda: save_arrays(path, {"w": np.ones(2)}), TypeError, "save_arrays")
    assert listing(tmp_path) == []


BAD_ARRAYS = {
    "list of arrays": ([np.ones(2)], TypeError),
    "array itself": (np.ones(2), TypeError),
    "None": (None, TypeError),
    "empty name": ({"": np.ones(2)}, ValueError),
    "int name": ({1: np.ones(2)}, ValueError),
    "slash in name": ({"a/b": np.ones(2)}, ValueError),
    "dot name": ({".": np.ones(2)}, ValueError),
    "strings": ({"w": np.array(["a", "b"])}, ValueError),
    "objects": ({"w": np.array([object()])}, ValueError),
    "complex": ({"w": np.ones(2) * 1j}, ValueError),
    "ragged": ({"w": [[1.0], [1.0, 2.0]]}, ValueError),
    "dict value": ({"w": {"a": 1}}, ValueError),
}


@pytest.mark.parametrize("case", list(BAD_ARRAYS))
def test_save_arrays_refuses_bad_arrays_and_writes_nothing(tmp_path, case):
    arrays, error = BAD_ARRAYS[case]
    before = copy.deepcopy(arrays)
    refused(lambda: save_arrays(tmp_path / "p.h5", arrays), error, "save_arrays")
    assert listing(tmp_path) == []
    if isinstance(arrays, dict):
        assert list(arrays) == list(before)


@pytest.mark.parametrize(
    "metadata",
    [[1, 2], "text", 3, {"x": object()}, {"x": {1, 2}}, {"x": math.nan}, {"x": math.inf}],
    ids=["list", "str", "int", "object", "set", "nan", "inf"],
)
def test_save_arrays_refuses_bad_metadata_and_keeps_the_previous_file(tmp_path, metadata):
    path = tmp_path / "p.h5"
    save_arrays(path, {"w": np.ones(2)}, {"run": 1})
    before = path.read_bytes()
    refused(lambda: save_arrays(path, {"w": np.zeros(2)}, metadata), TypeError, "save_arrays")
    assert path.read_bytes() == before
    assert listing(tmp_path) == ["p.h5"]


def _saved(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "parameters.h5"
    save_arrays(path, {"W1": np.arange(64.0).reshape(8, 8), "b1": np.zeros(8)}, {"k": 1})
    return path, path.read_bytes()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_one_flipped_bit_anywhere_in_a_parameters_file_is_refused(tmp_path, position, bit):
    path, data = _saved(tmp_path)
    damaged = bytearray(data)
    damaged[position % len(data)] ^= 1 << bit
    path.write_bytes(bytes(damaged))
    refused(lambda: load_arrays(path), DataFileError, str(path))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(keep=st.floats(min_value=0.0, max_value=0.999))
def test_a_truncated_parameters_file_is_refused(tmp_path, keep):
    path, data = _saved(tmp_path)
    path.write_bytes(data[: int(len(data) * keep)])
    refused(lambda: load_arrays(path), DataFileError, str(path))


def test_an_edited_array_is_named(tmp_path):
    path, _ = _saved(tmp_path)
    with h5py.File(path, "r+") as f:
        f["arrays/W1"][0, 0] = 99.0
    error = refused(lambda: load_arrays(path), DataFileError, str(path))
    assert "'W1'" in str(error)


def test_the_header_is_checked_and_h5py_still_reads_the_file(tmp_path):
    path, data = _saved(tmp_path)
    assert data.startswith(b"minidl arrays\nformat 1\nsha256 ")
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["arrays/b1"][()], np.zeros(8))


def test_a_model_file_is_not_a_parameters_file(tmp_path):
    save_model(model(), tmp_path / "m.h5")
    refused(lambda: load_arrays(tmp_path / "m.h5"), DataFileError, "m.h5")


# -- saving: load_model / load_weights / save -----------------------------------------------------
@pytest.mark.parametrize("path", NOT_PATHS, ids=NOT_PATH_IDS)
@pytest.mark.parametrize(
    ("caller", "call"),
    [
        ("load_model", lambda p: load_model(p)),
        ("load_weights", lambda p: load_weights(model(), p)),
        ("load_weights", lambda p: model().load_weights(p)),
        ("save_model", lambda p: save_model(model(), p)),
        ("save_model", lambda p: model().save(p)),
        ("save_weights", lambda p: save_weights(model(), p)),
        ("save_weights", lambda p: model().save_weights(p)),
    ],
    ids=[
        "load_model",
        "load_weights",
        "Model.load_weights",
        "save_model",
        "Model.save",
        "save_weights",
        "Model.save_weights",
    ],
)
def test_saving_refuses_what_is_not_a_path(monkeypatch, tmp_path, caller, call, path):
    monkeypatch.chdir(tmp_path)
    error = refused(lambda: call(path), TypeError, caller)
    assert "path" in str(error)
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    "content",
    [b"", b"not a model", b"\x89HDF\r\n\x1a\n" + b"\0" * 100, b"minidl arrays\nformat 1\n"],
    ids=["empty", "text", "bare HDF5 signature", "another kind"],
)
@pytest.mark.parametrize("loader", ["load_model", "load_weights"])
def test_loading_a_foreign_file_is_a_model_file_error(tmp_path, content, loader):
    path = tmp_path / "m.h5"
    path.write_bytes(content)
    call = (
        (lambda: load_model(path))
        if loader == "load_model"
        else (lambda: load_weights(model(), path))
    )
    refused(call, ModelFileError, str(path))
    assert path.read_bytes() == content


@pytest.mark.parametrize("loader", ["load_model", "load_weights"])
def test_loading_a_missing_file(tmp_path, loader):
    path = tmp_path / "none.h5"
    call = (
        (lambda: load_model(path))
        if loader == "load_model"
        else (lambda: load_weights(model(), path))
    )
    refused(call, ModelFileNotFoundError, "none.h5")
    assert listing(tmp_path) == []


@pytest.mark.parametrize("suffix", [".txt", ".npz", "", ".pkl"])
def test_save_refuses_a_name_of_another_format(tmp_path, suffix):
    refused(lambda: model().save(tmp_path / f"m{suffix}"), ValueError, "save")
    assert listing(tmp_path) == []


# -- Sequential: compile / fit / evaluate / predict / train_on_batch ----------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        {"validation_split": "0.2"},
        {"validation_split": None},
        {"validation_split": [0.2]},
        {"validation_split": 1.0},
        {"validation_split": -0.1},
        {"validation_split": math.nan},
        {"validation_split": math.inf},
        {"epochs": -1},
        {"epochs": 1.5},
        {"epochs": "3"},
        {"batch_size": 0},
        {"batch_size": -4},
        {"batch_size": 2.5},
        {"batch_size": "8"},
        {"verbose": 3},
        {"verbose": "loud"},
        {"initial_epoch": -1},
        {"class_weight": [1.0, 2.0]},
        {"class_weight": "balanced"},
    ],
    ids=lambda kw: "-".join(f"{k}={v!r}" for k, v in kw.items()),
)
def test_fit_refuses_bad_arguments_and_trains_nothing(kwargs):
    net = model()
    x, y = data()
    x0, y0, w0 = x.copy(), y.copy(), [w.copy() for w in net.get_weights()]
    refused(lambda: net.fit(x, y, **{"verbose": 0, **kwargs}), ValueError, "fit")
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    for got, want in zip(net.get_weights(), w0, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("weight", [-1.0, math.nan, math.inf, -math.inf, "2", None, [1.0]])
def test_a_bad_class_weight_is_named_as_class_weight(weight):
    net = model(loss="sparse_categorical_crossentropy")
    x = data()[0]
    y = np.array([0, 1] * 4)
    error = refused(
        lambda: net.fit(x, y, class_weight={0: 1.0, 1: weight}, verbose=0), ValueError, "fit"
    )
    assert "class_weight" in str(error) and "sample_weight" not in str(error)


@pytest.mark.parametrize("bad", NAN_INF, ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("where", ["x", "y"])
@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_nan_in_an_iterated_batch_is_refused_naming_the_batch(bad, where, method):
    net = model()
    x, y = data()
    batches = [(x[:4].copy(), y[:4].copy()), (x[4:].copy(), y[4:].copy())]
    (batches[1][0] if where == "x" else batches[1][1])[0, 0] = bad
    w0 = [w.copy() for w in net.get_weights()]
    call = getattr(net, method)
    error = refused(lambda: call(iter(batches), verbose=0), ValueError, method)
    assert "batch 1" in str(error)
    if method == "fit":  # the first batch trained; the second changed nothing more
        assert all(np.isfinite(w).all() for w in net.get_weights())
    else:
        for got, want in zip(net.get_weights(), w0, strict=True):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("bad", NAN_INF, ids=["nan", "inf", "-inf"])
def test_nan_in_a_predicted_batch_is_refused_naming_the_batch(bad):
    net = model()
    x, y = data()
    batches = [(x[:4].copy(), y[:4]), (x[4:].copy(), y[4:])]
    batches[0][0][1, 2] = bad
    error = refused(lambda: net.predict(iter(batches), verbose=0), ValueError, "predict")
    assert "batch 0" in str(error)


@pytest.mark.parametrize(
    "item",
    [np.ones((4, 4)), (np.ones((4, 4)),), (1, 2, 3, 4), "xy", None, ({"x": 1}, np.ones((4, 2)))],
    ids=["bare array", "1-tuple", "4-tuple", "str", "None", "dict x"],
)
def test_a_malformed_iterated_batch_is_refused(item):
    net = model()
    with pytest.raises((ValueError, TypeError)) as info:
        net.fit(iter([item]), verbose=0)
    assert "fit" in str(info.value)


@pytest.mark.parametrize(
    "x",
    [[[1.0, 2.0], [3.0]], [(np.ones((4, 4)), np.ones((4, 2))), (np.ones((3, 4)), np.ones((3, 2)))]],
    ids=["ragged rows", "a list of batches"],
)
@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_a_list_numpy_cannot_stack_is_refused_by_name(x, method):
    net = model()
    args = (x,) if method == "predict" else (x, np.ones((2, 2)))
    refused(lambda: getattr(net, method)(*args, verbose=0), ValueError, method)


@pytest.mark.parametrize("bad", NAN_INF, ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("where", ["x", "y", "sample_weight"])
@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
def test_nan_in_arrays_is_refused(bad, where, method):
    net = model()
    x, y = data()
    sw = np.ones(len(x))
    {"x": x, "y": y, "sample_weight": sw}[where].flat[3] = bad
    kwargs = {"sample_weight": sw}
    if method in ("fit", "evaluate"):
        kwargs["verbose"] = 0
    w0 = [w.copy() for w in net.get_weights()]
    refused(lambda: getattr(net, method)(x, y, **kwargs), ValueError, method)
    for got, want in zip(net.get_weights(), w0, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "x",
    [np.ones((8, 5)), np.ones((8,)), np.array([["a"] * 4] * 8), "x", 3.0, {"x": 1}],
    ids=["wrong width", "1-D", "strings", "str", "scalar", "dict"],
)
@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_bad_x_is_refused(x, method):
    net = model()
    args = (x,) if method == "predict" else (x, np.ones((8, 2)))
    with pytest.raises((ValueError, TypeError)) as info:
        getattr(net, method)(*args, verbose=0)
    assert method in str(info.value) or "Sequential" in str(info.value)


@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch"])
def test_training_before_compile_is_refused(method):
    x, y = data()
    kwargs = {"verbose": 0} if method != "train_on_batch" else {}
    with pytest.raises((ValueError, RuntimeError, TypeError)) as info:
        getattr(model(compiled=False), method)(x, y, **kwargs)
    assert "compile" in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [{"optimizer": "sgdd"}, {"optimizer": 3}, {"loss": "msee"}, {"loss": 3}, {"metrics": "acc!"}],
    ids=["optimizer name", "optimizer int", "loss name", "loss int", "metric name"],
)
def test_compile_refuses_unknown_names(kwargs):
    net = model(compiled=False)
    with pytest.raises((ValueError, TypeError)):
        net.compile(**{"optimizer": "sgd", "loss": "mse", **kwargs})


# -- optimizers ------------------------------------------------------------------------------
OPTIMIZERS = {
    "SGD": lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9),
    "Adam": lambda: optimizers.Adam(learning_rate=0.1),
    "AdamW": lambda: optimizers.AdamW(learning_rate=0.1),
    "RMSprop": lambda: optimizers.RMSprop(learning_rate=0.1),
}


@pytest.mark.parametrize("bad", NAN_INF, ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizers_refuse_non_finite_gradients_and_change_nothing(name, bad):
    opt = OPTIMIZERS[name]()
    params = {"w": np.ones((2, 2)), "b": np.zeros(2)}
    grads = {"w": np.full((2, 2), 0.5), "b": np.array([0.1, bad])}
    opt.apply(params, {"w": grads["w"], "b": np.array([0.1, 0.2])})  # slots exist now
    before = {k: v.copy() for k, v in params.items()}
    given_grads = {k: v.copy() for k, v in grads.items()}
    error = refused(lambda: opt.apply(params, given_grads), ValueError, name)
    assert "'b'" in str(error) and "TerminateOnNaN" in str(error)
    assert "learning rate" in str(error)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        np.testing.assert_array_equal(given_grads[k], grads[k])
    assert opt.iterations == 1


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_gradient_too_large_for_float32_is_refused_without_a_warning(name):
    opt = OPTIMIZERS[name]()
    params = {"w": np.ones(3, np.float32)}
    refused(lambda: opt.apply(params, {"w": np.array([1.0, 1e300, 0.0])}), ValueError, name)
    np.testing.assert_array_equal(params["w"], np.ones(3, np.float32))


@pytest.mark.parametrize(
    ("params", "grads", "error"),
    [
        ([np.ones(2)], [np.ones(2)], TypeError),
        ({"w": np.ones(2)}, {"v": np.ones(2)}, ValueError),
        ({"w": np.ones(2)}, {"w": np.ones(3)}, ValueError),
        ({"w": np.ones(2)}, {"w": np.array(["a", "b"])}, TypeError),
        ({"w": np.ones(2, int)}, {"w": np.ones(2)}, TypeError),
        ({"w": [1.0, 2.0]}, {"w": np.ones(2)}, TypeError),
    ],
    ids=["lists", "other keys", "other shape", "string gradient", "int parameter", "list param"],
)
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizers_refuse_malformed_parameters(name, params, grads, error):
    refused(lambda: OPTIMIZERS[name]().apply(params, grads), error, name)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"learning_rate": -0.1},
        {"learning_rate": "0.1"},
        {"learning_rate": math.nan},
        {"clipnorm": -1.0},
        {"clipvalue": 0.0},
        {"clipnorm": 1.0, "clipvalue": 1.0},
        {"weight_decay": -0.1},
        {"name": 3},
    ],
    ids=lambda kw: "-".join(f"{k}={v!r}" for k, v in kw.items()),
)
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_optimizer_constructors_refuse_bad_settings(name, kwargs):
    cls = getattr(optimizers, name)
    refused(lambda: cls(**{"learning_rate": 0.1, **kwargs}), (ValueError, TypeError), name)


def test_a_diverging_network_is_still_a_nan_loss_not_an_error():
    net = Sequential([layers.Input((1,)), layers.Dense(1, seed=0)])
    net.compile(optimizer=optimizers.SGD(learning_rate=1e6), loss="mse")
    x = np.linspace(1, 100, 64)[:, None]
    history = net.fit(x, x * 1e3, epochs=50, verbose=0, callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) < 50
    assert not np.isfinite(history.history["loss"][-1])


# -- losses and metrics ---------------------------------------------------------------------------
LOSSES = ["mse", "binary_crossentropy", "categorical_crossentropy"]


@pytest.mark.parametrize("bad", NAN_INF, ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("name", LOSSES)
def test_losses_refuse_non_finite_input(name, bad):
    loss = losses.get(name)
    y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
    y_pred = np.array([[0.2, 0.8], [0.6, bad]])
    keep = y_pred.copy()
    with pytest.raises(ValueError):
        loss(y_true, y_pred)
    np.testing.assert_array_equal(y_pred, keep)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize(
    ("y_true", "y_pred"),
    [
        (np.ones((2, 2)), np.ones((3, 2)) * 0.5),
        (np.ones((2, 2)), "preds"),
        (np.array([["a", "b"]]), np.ones((1, 2)) * 0.5),
    ],
    ids=["shapes", "string", "string labels"],
)
def test_losses_refuse_mismatched_input(name, y_true, y_pred):
    with pytest.raises((ValueError, TypeError)):
        losses.get(name)(y_true, y_pred)


@pytest.mark.parametrize("name", ["msee", "", 3, None])
def test_losses_get_refuses_unknown(name):
    with pytest.raises((ValueError, TypeError)):
        losses.get(name)


METRICS = {
    "BinaryAccuracy": (metrics.BinaryAccuracy, np.array([[1.0], [0.0]]), np.array([[0.9], [0.2]])),
    "CategoricalAccuracy": (
        metrics.CategoricalAccuracy,
        np.array([[0.0, 1.0], [1.0, 0.0]]),
        np.array([[0.2, 0.8], [0.6, 0.4]]),
    ),
    "Precision": (metrics.Precision, np.array([[1.0], [0.0]]), np.array([[0.9], [0.2]])),
    "Recall": (metrics.Recall, np.array([[1.0], [0.0]]), np.array([[0.9], [0.2]])),
    "AUC": (metrics.AUC, np.array([[1.0], [0.0]]), np.array([[0.9], [0.2]])),
}


@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["nan", "inf"])
@pytest.mark.parametrize("name", list(METRICS))
def test_metrics_refuse_non_finite_predictions_and_keep_their_state(name, bad):
    cls, y_true, y_pred = METRICS[name]
    metric = cls()
    metric.update_state(y_true, y_pred)
    before = metric.result()
    bad_pred = y_pred.copy()
    bad_pred[0, 0] = bad
    with pytest.raises(ValueError) as info:
        metric.update_state(y_true, bad_pred)
    assert name in str(info.value) or metric.name in str(info.value)
    assert metric.result() == before


@pytest.mark.parametrize("name", list(METRICS))
def test_metrics_refuse_mismatched_shapes(name):
    cls, y_true, y_pred = METRICS[name]
    with pytest.raises((ValueError, TypeError)):
        cls().update_state(y_true, np.concatenate([y_pred, y_pred]))


NOT_BOOLS = ["no", "False", 0, 1, None, [True]]
NOT_BOOL_IDS = ["str-no", "str-False", "int-0", "int-1", "None", "list"]


@pytest.mark.parametrize("bad", NOT_BOOLS, ids=NOT_BOOL_IDS)
@pytest.mark.parametrize(
    "cls", [losses.BinaryCrossentropy, losses.CategoricalCrossentropy, metrics.AUC]
)
def test_from_logits_must_be_true_or_false(cls, bad):
    error = refused(lambda: cls(from_logits=bad), ArgumentTypeError, cls.__name__)
    assert "from_logits" in str(error)


@pytest.mark.parametrize("flag", [np.True_, np.False_])
def test_from_logits_takes_numpy_bools(flag):
    assert losses.BinaryCrossentropy(from_logits=flag).from_logits is bool(flag)


@pytest.mark.parametrize("bad", NOT_BOOLS, ids=NOT_BOOL_IDS)
def test_evaluate_and_batch_steps_refuse_a_return_dict_that_is_not_a_bool(bad):
    net = model()
    x, y = data()
    refused(lambda: net.evaluate(x, y, verbose=0, return_dict=bad), ArgumentTypeError, "evaluate")
    refused(lambda: net.train_on_batch(x, y, return_dict=bad), ArgumentTypeError, "train_on_batch")
    refused(lambda: net.test_on_batch(x, y, return_dict=bad), ArgumentTypeError, "test_on_batch")


@pytest.mark.parametrize("bad", NOT_BOOLS, ids=NOT_BOOL_IDS)
def test_fit_refuses_a_shuffle_that_is_not_a_bool(bad):
    net = model()
    x, y = data()
    w0 = [w.copy() for w in net.get_weights()]
    error = refused(lambda: net.fit(x, y, verbose=0, shuffle=bad), ArgumentTypeError, "fit")
    assert "shuffle" in str(error)
    for got, want in zip(net.get_weights(), w0, strict=True):
        np.testing.assert_array_equal(got, want)


def test_fit_and_evaluate_take_numpy_bools():
    net = model()
    x, y = data()
    net.fit(x, y, verbose=0, shuffle=np.False_)
    assert isinstance(net.evaluate(x, y, verbose=0, return_dict=np.True_), dict)


# -- gradcheck ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("f", "arrays", "analytic", "error"),
    [
        (None, {}, {}, ArgumentTypeError),
        (3.0, {"x": np.ones(2)}, {"x": np.ones(2)}, ArgumentTypeError),
        (lambda: 0.0, {}, {}, ValueError),
        (lambda: 0.0, [np.ones(2)], {}, ArgumentTypeError),
        (lambda: 0.0, {"x": np.ones(2)}, None, ArgumentTypeError),
    ],
    ids=["None-and-nothing", "not-callable", "no-arrays", "arrays-list", "analytic-None"],
)
def test_check_gradients_refuses_to_check_nothing(f, arrays, analytic, error):
    refused(lambda: check_gradients(f, arrays, analytic), error, "check_gradients")


# -- metrics: probabilities and finite values -----------------------------------------------------
@pytest.mark.parametrize("bad", [-0.5, 1.5, 3.0], ids=["negative", "above-1", "logit"])
@pytest.mark.parametrize("name", ["Precision", "Recall"])
def test_threshold_metrics_refuse_scores_outside_0_1_and_keep_their_state(name, bad):
    cls, y_true, y_pred = METRICS[name]
    metric = cls()
    metric.update_state(y_true, y_pred)
    before = metric.result()
    bad_pred = y_pred.copy()
    bad_pred[0, 0] = bad
    error = refused(lambda: metric.update_state(y_true, bad_pred), ValueError, name)
    assert "probabilities" in str(error) and "sigmoid" in str(error)
    assert metric.result() == before


# -- callbacks --------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["under a file", "deep under a file"])
def test_model_checkpoint_under_a_regular_file_fails_before_training(tmp_path, layout):
    (tmp_path / "taken").write_text("a file")
    target = tmp_path / "taken" / "ckpt.h5"
    if layout == "deep under a file":
        target = tmp_path / "taken" / "a" / "{epoch:02d}" / "ckpt.h5"
    net = model()
    x, y = data()
    w0 = [w.copy() for w in net.get_weights()]
    epochs = []
    spy = callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs.append(epoch))
    error = refused(
        lambda: net.fit(x, y, verbose=0, callbacks=[spy, callbacks.ModelCheckpoint(target)]),
        ValueError,
        "ModelCheckpoint",
    )
    assert "taken" in str(error)
    assert epochs == []
    for got, want in zip(net.get_weights(), w0, strict=True):
        np.testing.assert_array_equal(got, want)
    assert listing(tmp_path) == ["taken"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"filepath": 3},
        {"filepath": None},
        {"filepath": "ckpt.txt"},
        {"filepath": "ckpt.h5", "save_freq": 0},
        {"filepath": "ckpt.h5", "save_freq": "batch"},
        {"filepath": "ckpt.h5", "mode": "largest"},
        {"filepath": "ckpt.h5", "initial_value_threshold": "1"},
    ],
    ids=lambda kw: "-".join(f"{k}={v!r}" for k, v in kw.items()),
)
def test_model_checkpoint_refuses_bad_settings(monkeypatch, tmp_path, kwargs):
    monkeypatch.chdir(tmp_path)
    refused(lambda: callbacks.ModelCheckpoint(**kwargs), (ValueError, TypeError), "ModelCheckpoint")
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        ("EarlyStopping", {"patience": -1}),
        ("EarlyStopping", {"patience": 1.5}),
        ("EarlyStopping", {"min_delta": "0.1"}),
        ("EarlyStopping", {"mode": "up"}),
        ("ReduceLROnPlateau", {"factor": 1.0}),
        ("ReduceLROnPlateau", {"factor": -0.5}),
        ("ReduceLROnPlateau", {"patience": -2}),
        ("ReduceLROnPlateau", {"min_lr": -1.0}),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x!r}" for k, x in v.items()),
)
def test_callbacks_refuse_bad_settings(cls, kwargs):
    refused(lambda: getattr(callbacks, cls)(**kwargs), (ValueError, TypeError), cls)


@pytest.mark.parametrize("bad", [3, "history", [3], None])
def test_fit_refuses_what_is_not_a_callback(bad):
    net = model()
    x, y = data()
    with pytest.raises((ValueError, TypeError)):
        net.fit(x, y, verbose=0, callbacks=bad if bad is not None else [None])


def test_the_package_raises_no_warning_for_any_of_this():
    # pytest turns warnings into errors: reaching here means none escaped above; a module
    # attribute keeps the public names in use.
    assert minidl.io.load_arrays is load_arrays


@pytest.mark.parametrize("bad", [np.nan, np.inf, "1", None], ids=["nan", "inf", "str", "None"])
def test_loss_backward_refuses_a_bad_dout(bad):
    loss = losses.BinaryCrossentropy()
    loss(np.array([[1.0], [0.0]]), np.array([[0.9], [0.2]]))
    refused(lambda: loss.backward(bad), (ValueError, TypeError), "BinaryCrossentropy.backward")


def test_reduce_lr_on_plateau_to_a_rate_of_0_fails_before_training():
    net = model()
    x, y = data()
    w0 = [w.copy() for w in net.get_weights()]
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.0, patience=0)
    error = refused(
        lambda: net.fit(x, y, epochs=3, verbose=0, callbacks=[reduce]),
        ValueError,
        "ReduceLROnPlateau",
    )
    assert "factor" in str(error) and "min_lr" in str(error)
    for got, want in zip(net.get_weights(), w0, strict=True):
        np.testing.assert_array_equal(got, want)


def test_reduce_lr_on_plateau_with_factor_0_drops_to_min_lr():
    net = model()
    x, y = data()
    reduce = callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.0, patience=0, min_lr=1e-3, min_delta=1e9
    )
    net.fit(x, y, epochs=2, verbose=0, callbacks=[reduce])
    assert float(net.optimizer.learning_rate) == pytest.approx(1e-3)
