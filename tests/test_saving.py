"""Saving and loading models (minidl/saving/): exact round trips, exact resumption of training,
and refusal, with minidl's own error naming the file, of anything truncated, corrupted, foreign
or tampered with.

The tampering tests play an attacker who knows the format: they edit a saved file with h5py and
then re-seal it (write the header again with the SHA-256 of the new contents, as
``checked_file._header`` does), so that only the loader's own checks stand between the file and the
model.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import pathlib
import pickle
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minidl
from minidl import Sequential, layers, load_model, metrics, optimizers, regularizers
from minidl.errors import ModelFileError, ModelFileNotFoundError
from minidl.io import checked_file
from minidl.layers.serialization import LAYER_CLASSES

HEADER_SIZE = 512  # documented in minidl/io/checked_file.py
HEADER_START = b"minidl model\nformat 1\nsha256 "


# -- models and helpers -----------------------------------------------------------------------------
def cnn_model() -> Sequential:
    """Image layers: Residual blocks with the identity and with a projection shortcut (each with
    BatchNormalization inside), the layers that enlarge images, pooling and reshapes."""
    return Sequential(
        [
            layers.Input((8, 8, 2)),
            layers.Conv2D(4, 3, padding="same", activation="relu"),
            layers.Residual(
                [
                    layers.Conv2D(4, 3, padding="same"),
                    layers.BatchNormalization(),
                    layers.ReLU(),
                    layers.Conv2D(4, 3, padding="same"),
                    layers.BatchNormalization(),
                ],
                activation="relu",
            ),
            layers.Residual(
                [layers.Conv2D(6, 3, strides=2, padding="same"), layers.BatchNormalization()],
                shortcut=[layers.Conv2D(6, 1, strides=2), layers.BatchNormalization()],
            ),  # (4, 4, 6)
            layers.Conv2DTranspose(3, 3, strides=2, padding="same"),  # (8, 8, 3)
            layers.MaxPooling2D(2),  # (4, 4, 3)
            layers.UpSampling2D(2),  # (8, 8, 3)
            layers.AveragePooling2D(2),  # (4, 4, 3)
            layers.LeakyReLU(0.2),
            layers.Reshape((4, 12)),
            layers.Reshape((4, 4, 3)),
            layers.GlobalAveragePooling2D(),  # (3,)
            layers.Dense(6, kernel_regularizer=regularizers.L2(1e-2)),
            layers.Dropout(0.25),
            layers.Dense(3),
            layers.Softmax(),
        ]
    )


def mixed_model() -> Sequential:
    """The remaining layer classes, float32 weights and two regularizers."""
    return Sequential(
        [
            layers.Input((8, 8, 2)),
            layers.Conv2D(3, 3, strides=2, use_bias=False, dtype="float32"),  # (3, 3, 3)
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("tanh"),
            layers.Flatten(),  # (27,)
            layers.Reshape((3, 3, 3)),
            layers.GlobalMaxPooling2D(),  # (3,)
            layers.Dense(
                5,
                kernel_regularizer=regularizers.L1L2(l1=1e-3, l2=1e-2),
                bias_regularizer=regularizers.L2(1e-3),
            ),
            layers.Sigmoid(),
            layers.Tanh(),
            layers.ReLU(),
            layers.Dropout(0.5),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


def compile_cnn(model: Sequential) -> None:
    model.compile(
        optimizer=optimizers.Adam(1e-2), loss="categorical_crossentropy", metrics=["accuracy"]
    )


def compile_mixed(model: Sequential) -> None:
    model.compile(
        optimizer=optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        loss="binary_crossentropy",
        metrics=["accuracy", metrics.Precision(thresholds=0.4)],
    )


def image_data(kind: str, n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 8, 8, 2))
    if kind == "categorical":
        return x, np.eye(3)[rng.integers(0, 3, n)]
    return x, (x[:, 0, 0, 0] > 0).astype(np.float64)


CASES = {
    "cnn": (cnn_model, compile_cnn, "categorical"),
    "mixed": (mixed_model, compile_mixed, "binary"),
}


def trained(case: str, epochs: int = 2):
    """A compiled model of ``case`` fitted for ``epochs`` on small random data, and the data."""
    build, compile_, kind = CASES[case]
    model = build()
    compile_(model)
    x, y = image_data(kind)
    model.fit(x, y, epochs=epochs, batch_size=8, verbose=0)
    return model, x, y


def layer_types(layer_list) -> set[str]:
    """Class names of the layers and, recursively, of their sublayers."""
    found = set()
    for layer in layer_list:
        found.add(type(layer).__name__)
        if isinstance(layer, layers.Composite):
            found |= layer_types(layer.sublayers())
    return found


def summary_text(model: Sequential) -> list[str]:
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    return lines


def weight_paths(model: Sequential) -> list[str]:
    return [path for path, *_ in model._variables()]


def assert_same_weights(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b)
    for wa, wb in zip(a, b, strict=True):
        assert wa.dtype == wb.dtype
        assert np.array_equal(wa, wb)


def assert_same_model(model: Sequential, loaded: Sequential, x: np.ndarray, y: np.ndarray):
    assert type(loaded) is Sequential
    assert loaded.name == model.name
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert weight_paths(loaded) == weight_paths(model)
    assert loaded.get_config() == model.get_config()
    assert_same_weights(loaded.get_weights(), model.get_weights())
    a, b = model.predict(x, verbose=0), loaded.predict(x, verbose=0)
    assert a.dtype == b.dtype and np.array_equal(a, b)
    assert summary_text(loaded) == summary_text(model)
    # the training settings: optimizer (settings, step count, slots), loss, metrics
    assert optimizers.serialize(loaded.optimizer) == optimizers.serialize(model.optimizer)
    assert loaded.optimizer.iterations == model.optimizer.iterations > 0
    state, loaded_state = model.optimizer.get_state(), loaded.optimizer.get_state()
    assert sorted(loaded_state["slots"]) == sorted(state["slots"])
    for slot, arrays in state["slots"].items():
        assert sorted(loaded_state["slots"][slot]) == sorted(arrays)
        for key, value in arrays.items():
            assert np.array_equal(loaded_state["slots"][slot][key], value)
    assert type(loaded.loss) is type(model.loss)
    assert loaded.loss.get_config() == model.loss.get_config()
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(
        x, y, verbose=0, return_dict=True
    )


def reseal(path: Path, kind: str = "model") -> None:
    """Rewrite the header so that its digest fits the (edited) contents again."""
    data = path.read_bytes()
    body = data[HEADER_SIZE:]
    path.write_bytes(checked_file._header(kind, hashlib.sha256(body).hexdigest()) + body)


def refusal(load, path: Path) -> str | None:
    """None if ``load(path)`` raises ModelFileError naming the file, else what happened."""
    try:
        load(path)
    except ModelFileError as err:
        return None if str(path) in str(err) else f"message without the path: {err}"
    except Exception as err:  # any other outcome is the finding
        return f"{type(err).__name__}: {err}"
    return "loaded without an error"


def load_weights_into_mixed(path: Path) -> None:
    """Load into a new mixed_model whose layers get the automatic names of the first one."""
    layers.reset_name_counters()
    mixed_model().load_weights(path)


# -- 1. round trips -----------------------------------------------------------------------------------
def test_the_round_trip_models_hold_every_layer_class_that_fits_a_sequential():
    """Add sums a list of inputs (Add()([a, b])), so it cannot take its place in a chain of
    one-input layers; Sequential models add through Residual, which these models use twice."""
    found = set()
    for build, *_ in CASES.values():
        found |= layer_types(build().layers)
    assert found == set(LAYER_CLASSES) - {"Add"}


@pytest.mark.parametrize("suffix", [".h5", ".minidl"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_round_trip_is_exact(tmp_path, case, suffix):
    model, x, y = trained(case)
    path = tmp_path / f"m{suffix}"
    model.save(path)
    loaded = load_model(path)
    assert_same_model(model, loaded, x, y)

    # where every generator stands is saved too: one more epoch gives the same numbers on both
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0).history
    assert loaded.fit(x, y, epochs=1, batch_size=8, verbose=0).history == history
    assert_same_weights(loaded.get_weights(), model.get_weights())

    # and a loaded model saves and loads like any other
    again = tmp_path / f"again{suffix}"
    loaded.save(again)
    assert_same_model(loaded, load_model(again), x, y)


def test_round_trip_of_an_uncompiled_model_and_load_without_compiling(tmp_path):
    model, x, _ = trained("mixed")
    model.save(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5", compile=False)
    assert loaded.optimizer is None and loaded.loss is None
    assert_same_weights(loaded.get_weights(), model.get_weights())
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))

    fresh = mixed_model()  # never compiled: no compile settings in the file
    fresh.save(tmp_path / "fresh.minidl")
    with h5py.File(tmp_path / "fresh.minidl", "r") as f:
        assert "compile_config" not in f.attrs and "optimizer" not in f
    loaded = load_model(tmp_path / "fresh.minidl")
    assert loaded.optimizer is None
    assert loaded.get_config() == fresh.get_config()
    assert_same_weights(loaded.get_weights(), fresh.get_weights())


@settings(max_examples=25)
@given(
    widths=st.lists(st.integers(1, 5), min_size=1, max_size=4),
    activation=st.sampled_from([None, "relu", "leaky_relu", "sigmoid", "tanh", "softmax"]),
    dtype=st.sampled_from(["float64", "float32"]),
    seed=st.integers(0, 2**32 - 1),
    suffix=st.sampled_from([".h5", ".minidl"]),
)
def test_round_trip_of_random_dense_stacks(
    tmp_path_factory, widths, activation, dtype, seed, suffix
):
    rng = np.random.default_rng(seed)
    stack = [layers.Input((3,))]
    for i, width in enumerate(widths):
        stack.append(layers.Dense(width, activation=activation, dtype=dtype, seed=seed + i))
        if i % 2:
            stack.append(layers.BatchNormalization(dtype=dtype))
    model = Sequential(stack)
    x = rng.normal(size=(5, 3))
    path = tmp_path_factory.mktemp("dense") / f"m{suffix}"
    model.save(path)
    loaded = load_model(path)
    assert loaded.get_config() == model.get_config()
    assert_same_weights(loaded.get_weights(), model.get_weights())
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert summary_text(loaded) == summary_text(model)


def test_saving_replaces_the_file_and_leaves_nothing_else(tmp_path):
    folder = tmp_path / "new" / "folder"  # created on demand
    first, _, _ = trained("mixed", epochs=1)
    second = mixed_model()
    path = folder / "m.minidl"
    first.save(path)
    second.save(path)
    assert os.listdir(folder) == ["m.minidl"]
    assert_same_weights(load_model(path).get_weights(), second.get_weights())
    second.save_weights(folder / "w.h5")
    assert sorted(os.listdir(folder)) == ["m.minidl", "w.h5"]


# -- 2. resuming training -------------------------------------------------------------------------------
def resumable_model(optimizer) -> Sequential:
    model = Sequential(
        [
            layers.Input((6,)),
            layers.Dense(8, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.3),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize(
    "make_optimizer",
    [lambda: optimizers.SGD(0.1, momentum=0.9), lambda: optimizers.Adam(1e-2)],
    ids=["sgd-momentum", "adam"],
)
def test_training_resumed_from_a_file_matches_training_straight_through(tmp_path, make_optimizer):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 6))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.float64)
    fit = dict(batch_size=8, verbose=0, shuffle=True, validation_split=0.2)

    minidl.seed(0)
    straight = resumable_model(make_optimizer())
    expected = straight.fit(x, y, epochs=4, **fit).history

    minidl.seed(0)
    first = resumable_model(make_optimizer())
    before = first.fit(x, y, epochs=2, **fit).history
    first.save(tmp_path / "checkpoint.minidl")
    resumed = load_model(tmp_path / "checkpoint.minidl")
    after = resumed.fit(x, y, epochs=4, initial_epoch=2, **fit).history

    assert set(before) == set(after) == set(expected) >= {"loss", "accuracy", "val_loss"}
    for key, values in expected.items():
        assert before[key] + after[key] == values, key
    assert resumed.optimizer.iterations == straight.optimizer.iterations
    assert_same_weights(resumed.get_weights(), straight.get_weights())


# -- 3. weights alone ------------------------------------------------------------------------------------
def named_model(seed: int, units: int = 4) -> Sequential:
    """Layers named explicitly: weights are matched to layers by their names."""
    return Sequential(
        [
            layers.Input((5,)),
            layers.Dense(units, activation="relu", seed=seed, name="hidden"),
            layers.BatchNormalization(name="norm"),
            layers.Dense(1, seed=seed + 1, name="out"),
        ]
    )


def test_weights_round_trip_into_a_fresh_model(tmp_path):
    layers.reset_name_counters()
    model, x, _ = trained("cnn")
    path = tmp_path / "w.minidl"
    model.save_weights(path)

    layers.reset_name_counters()  # as in a new session: the same automatic names again
    fresh = cnn_model()
    assert weight_paths(fresh) == weight_paths(model)
    assert not np.array_equal(fresh.get_weights()[0], model.get_weights()[0])
    fresh.load_weights(path)
    assert_same_weights(fresh.get_weights(), model.get_weights())
    assert np.array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_weights_round_trip_between_models_with_the_same_names(tmp_path):
    source, target = named_model(seed=1), named_model(seed=2)
    path = tmp_path / "w.h5"
    source.save_weights(path)
    assert not np.array_equal(target.get_weights()[0], source.get_weights()[0])
    target.load_weights(path)
    assert_same_weights(target.get_weights(), source.get_weights())


def test_weights_load_into_a_rebuilt_model_with_automatic_names(tmp_path):
    """Weights are matched by position, as Keras matches them by the model's structure: a
    second model built in the same session (dense_2, dense_3, ...) loads the first one's."""

    def build():
        return Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(1)])

    model = build()
    model.save_weights(tmp_path / "w.h5")
    rebuilt = build()
    rebuilt.load_weights(tmp_path / "w.h5")
    assert_same_weights(rebuilt.get_weights(), model.get_weights())


def test_loading_weights_into_another_architecture_names_the_misfits(tmp_path):
    path = tmp_path / "w.h5"
    named_model(seed=1).save_weights(path)

    other = Sequential(
        [layers.Input((5,)), layers.Dense(4, name="hidden"), layers.Dense(1, name="head")]
    )
    with pytest.raises(ModelFileError) as info:
        other.load_weights(path)
    message = str(info.value)
    assert str(path) in message
    missing, unexpected = message.split("missing", 1)[1].split("unexpected", 1)
    assert "'head/kernel'" in missing and "'head/bias'" in missing
    assert "hidden" not in message  # it fits
    for name in ("out/kernel", "out/bias", "norm/gamma", "norm/beta", "norm/moving_mean"):
        assert f"'{name}'" in unexpected

    wider = named_model(seed=1, units=6)  # same names, other shapes
    before = wider.get_weights()
    with pytest.raises(ModelFileError, match=r"hidden/kernel.*shape \(5, 4\).*\(5, 6\)") as info:
        wider.load_weights(path)
    assert str(path) in str(info.value)
    assert_same_weights(wider.get_weights(), before)  # nothing changed


def test_a_weights_file_is_not_a_model_file(tmp_path):
    model = named_model(seed=1)
    model.compile(optimizer="adam", loss="mse")
    model.save_weights(weights := tmp_path / "w.h5")
    model.save(full := tmp_path / "m.h5")
    with pytest.raises(
        ModelFileError, match="expected a minidl model file, found a 'minidl weights'"
    ) as info:
        load_model(weights)
    assert str(weights) in str(info.value)
    other = named_model(seed=3)  # load_weights also reads a whole model's file, as Keras's does
    other.load_weights(full)
    assert_same_weights(other.get_weights(), model.get_weights())


# -- 4. damaged and foreign files ----------------------------------------------------------------------------
@pytest.fixture(params=["model", "weights"])
def saved(request, tmp_path):
    """(path to a valid file of that kind, the function that loads it)."""
    layers.reset_name_counters()
    model, _, _ = trained("mixed", epochs=1)
    path = tmp_path / "valid.h5"
    if request.param == "model":
        model.save(path)
        return path, load_model
    model.save_weights(path)
    return path, load_weights_into_mixed


def test_the_fixture_files_load(saved):
    path, load = saved
    load(path)


def test_truncated_files_are_refused(saved, tmp_path):
    path, load = saved
    data = path.read_bytes()
    rng = np.random.default_rng(0)
    offsets = {0, 1, 7, 13, 29, HEADER_SIZE - 1, HEADER_SIZE, HEADER_SIZE + 1, len(data) - 1}
    offsets |= {int(o) for o in rng.integers(1, HEADER_SIZE, size=8)}
    while len(offsets) < 50:
        offsets.add(int(rng.integers(0, len(data))))
    target = tmp_path / "cut.h5"
    problems = {}
    for offset in sorted(offsets):
        target.write_bytes(data[:offset])
        if (problem := refusal(load, target)) is not None:
            problems[offset] = problem
    assert not problems


def test_files_with_one_byte_changed_are_refused(saved, tmp_path):
    path, load = saved
    data = path.read_bytes()
    rng = np.random.default_rng(0)
    positions = [int(p) for p in rng.integers(0, len(data), size=44)]
    positions += [int(p) for p in rng.integers(0, HEADER_SIZE, size=6)]  # the header, more often
    target = tmp_path / "flipped.h5"
    problems = {}
    for position in positions:
        damaged = bytearray(data)
        damaged[position] ^= int(rng.integers(1, 256))
        target.write_bytes(bytes(damaged))
        if (problem := refusal(load, target)) is not None:
            problems[position] = problem
    assert not problems


@pytest.mark.parametrize(
    ("contents", "expected"),
    [
        (b"", "an empty file"),
        (b"layer,units\ndense,4\n", "a file starting with b'layer,units"),
        (b"\x80\x04\x95 a pickle, say", "a file starting with"),
    ],
    ids=["empty", "text", "binary"],
)
@pytest.mark.parametrize("kind", ["model", "weights"])
def test_foreign_files_are_refused(tmp_path, contents, expected, kind):
    path = tmp_path / "foreign.h5"
    path.write_bytes(contents)
    load = load_model if kind == "model" else load_weights_into_mixed
    with pytest.raises(ModelFileError, match=f"not a minidl {kind} file") as info:
        load(path)
    assert str(path) in str(info.value) and expected in str(info.value)


def test_a_plain_hdf5_file_is_refused(tmp_path):
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("weights/dense/kernel", data=np.ones((3, 2)))
        f.attrs["model_config"] = "{}"
    for load in (load_model, load_weights_into_mixed):
        with pytest.raises(ModelFileError, match="an HDF5 file not written by minidl") as info:
            load(path)
        assert str(path) in str(info.value)


def test_a_newer_format_asks_for_a_newer_minidl(saved):
    path, load = saved
    data = path.read_bytes()
    assert data.count(b"\nformat 1\n") == 1
    path.write_bytes(data.replace(b"\nformat 1\n", b"\nformat 2\n", 1))
    with pytest.raises(ModelFileError, match="format 2 by a newer minidl") as info:
        load(path)
    assert str(path) in str(info.value) and "upgrade minidl" in str(info.value)


def test_a_missing_file(tmp_path):
    path = tmp_path / "nowhere" / "m.h5"
    for load in (load_model, load_weights_into_mixed):
        with pytest.raises(ModelFileNotFoundError) as info:
            load(path)
        assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, ModelFileError)
        assert str(path) in str(info.value)


@pytest.mark.parametrize("name", ["m.pkl", "m", "m.h5.bak"])
def test_saving_needs_a_known_suffix(tmp_path, name):
    model = named_model(seed=0)
    for save in (model.save, model.save_weights):
        with pytest.raises(ValueError, match=r"\.h5 or \.minidl or \.keras"):
            save(tmp_path / name)
    assert os.listdir(tmp_path) == []


def test_keras_file_names_work_and_checkpoints_check_theirs_early(tmp_path):
    model = named_model(seed=0)
    model.save(tmp_path / "m.keras")  # Keras 3's required suffix; the contents are minidl's
    assert_same_weights(load_model(tmp_path / "m.keras").get_weights(), model.get_weights())
    with pytest.raises(ValueError, match=r"expected filepath ending in \.h5 or \.minidl"):
        minidl.callbacks.ModelCheckpoint(str(tmp_path / "best.pt"))


def test_an_unbuilt_model_is_not_saved(tmp_path):
    with pytest.raises(ValueError, match=r"is not built, so it has no weights yet"):
        Sequential([layers.Dense(2)]).save(tmp_path / "m.h5")
    assert os.listdir(tmp_path) == []


class Doubling(layers.Layer):
    """A custom layer, y = 2x, to show custom_objects reaching layers inside a Residual."""

    def forward(self, x, training=False):
        x = self._prepare_input(x)
        self._cache = True
        return self._read_only(2 * x)

    def backward(self, dy):
        return 2 * self._check_dy(dy)


def test_custom_layers_inside_a_residual_load_with_custom_objects(tmp_path):
    model = Sequential([layers.Input((3,)), layers.Residual([layers.Dense(3), Doubling()])])
    model.save(path := tmp_path / "m.h5")
    with pytest.raises(ModelFileError, match=r"unknown layer type 'Doubling'"):
        load_model(path)
    loaded = load_model(path, custom_objects={"Doubling": Doubling})
    x = np.ones((2, 3))
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# -- 5. planted payloads ---------------------------------------------------------------------------------------
class Touch:
    """Unpickling this object calls ``Path.touch(marker)``: a stand-in for an attacker's code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def plant_vlen_bytes_dataset(f, payload, weight):
    blob = pickle.dumps(payload, protocol=0)  # ASCII: vlen strings hold no NUL bytes
    f.create_dataset("notes", data=np.array([blob], dtype=object), dtype=h5py.vlen_dtype(bytes))


def plant_vlen_uint8_dataset(f, payload, weight):
    blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    dataset = f.create_dataset("notes", (1,), dtype=h5py.vlen_dtype(np.uint8))
    dataset[0] = np.frombuffer(blob, dtype=np.uint8)


def plant_opaque_dataset(f, payload, weight):
    blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    f["weights"].create_dataset("notes", data=np.void(blob))


def plant_opaque_attribute_on_the_file(f, payload, weight):
    blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    f.attrs["notes"] = np.void(blob)


def plant_opaque_attribute_on_a_weight(f, payload, weight):
    blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    f[weight].attrs["notes"] = np.void(blob)


def plant_vlen_bytes_attribute(f, payload, weight):
    blob = pickle.dumps(payload, protocol=0)  # ASCII: vlen strings hold no NUL bytes
    f.attrs.create("notes", [blob], dtype=h5py.vlen_dtype(bytes))


def plant_fixed_bytes_attribute(f, payload, weight):
    f.attrs["notes"] = np.bytes_(pickle.dumps(payload, protocol=0))


def plant_weight_as_vlen_bytes(f, payload, weight):
    blob = pickle.dumps(payload, protocol=0)  # ASCII: vlen strings hold no NUL bytes
    del f[weight]
    dataset = f.create_dataset(
        weight, data=np.array([blob], dtype=object), dtype=h5py.vlen_dtype(bytes)
    )
    dataset.attrs["sha256"] = hashlib.sha256(blob).hexdigest()


def plant_weight_as_opaque(f, payload, weight):
    blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    del f[weight]
    dataset = f.create_dataset(weight, data=np.void(blob))
    dataset.attrs["sha256"] = hashlib.sha256(blob).hexdigest()


def plant_optimizer_slot_as_opaque(f, payload, weight):
    slot = next(name for name in _dataset_names(f["optimizer"]))
    plant_weight_as_opaque(f, payload, f"optimizer/{slot}")


PLANTS = [
    plant_vlen_bytes_dataset,
    plant_vlen_uint8_dataset,
    plant_opaque_dataset,
    plant_opaque_attribute_on_the_file,
    plant_opaque_attribute_on_a_weight,
    plant_vlen_bytes_attribute,
    plant_fixed_bytes_attribute,
    plant_weight_as_vlen_bytes,
    plant_weight_as_opaque,
    plant_optimizer_slot_as_opaque,
]


def _dataset_names(group) -> list[str]:
    names: list[str] = []
    group.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    return names


def payload_model() -> Sequential:
    model = named_model(seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.train_on_batch(np.ones((4, 5)), np.ones(4))  # so that the optimizer has slots
    return model


def test_the_payload_is_live_and_reseal_alone_changes_nothing(tmp_path):
    """Controls for the test below: the payload does run when unpickled, and a re-sealed
    untouched file loads."""
    canary = tmp_path / "canary"
    pickle.loads(pickle.dumps(Touch(canary)))  # our own payload, to show it works
    assert canary.exists()

    model = payload_model()
    model.save(path := tmp_path / "m.h5")
    with h5py.File(path, "r+") as f:  # h5py skips the header (the HDF5 user block)
        f.attrs["note"] = "text is fine"
    reseal(path)
    assert_same_weights(load_model(path).get_weights(), model.get_weights())


@pytest.mark.parametrize(
    ("kind", "plant"),
    [
        (kind, plant)
        for kind in ("model", "weights")
        for plant in PLANTS
        if not (kind == "weights" and plant is plant_optimizer_slot_as_opaque)
    ],
    ids=lambda p: p if isinstance(p, str) else p.__name__.removeprefix("plant_"),
)
def test_planted_pickles_are_refused_and_never_unpickled(tmp_path, kind, plant):
    marker = tmp_path / "marker"
    model = payload_model()
    path = tmp_path / f"{kind}.h5"
    model.save(path) if kind == "model" else model.save_weights(path)
    with h5py.File(path, "r+") as f:
        plant(f, Touch(marker), "weights/hidden/kernel")
    reseal(path, kind)

    load = load_model if kind == "model" else named_model(seed=5).load_weights
    with pytest.raises(ModelFileError, match="refusing to read it") as info:
        load(path)
    assert str(path) in str(info.value)
    assert not marker.exists()


def test_a_pickle_in_a_text_attribute_stays_text(tmp_path):
    """h5py reads a bytes attribute back as text; text is allowed, and is only ever parsed as
    JSON where the format says so, so the file loads and the payload stays inert."""
    marker = tmp_path / "marker"
    model = payload_model()
    model.save(path := tmp_path / "m.h5")
    with h5py.File(path, "r+") as f:
        f.attrs["notes"] = pickle.dumps(Touch(marker), protocol=0)
        assert isinstance(f.attrs["notes"], str)
    reseal(path)
    assert_same_weights(load_model(path).get_weights(), model.get_weights())
    assert not marker.exists()


# -- 6. interrupted saves ----------------------------------------------------------------------------------------
NEW_SEED = 2
CHILD = """
import sys
from minidl import Sequential, layers
model = Sequential([layers.Input((500,)), layers.Dense(600, seed=int(sys.argv[2]))])  # big_model
print("ready", flush=True)
sys.stdin.readline()
while True:
    model.save(sys.argv[1])
"""


def big_model(seed: int) -> Sequential:
    """300,600 weights (2.4 MB): a save takes some milliseconds, long enough to be interrupted."""
    return Sequential([layers.Input((500,)), layers.Dense(600, seed=seed)])


def spawn_saver(path: Path) -> subprocess.Popen:
    """A process that builds big_model(NEW_SEED), says 'ready', and on 'go' saves it to
    ``path`` over and over."""
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(NEW_SEED)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_a_save_killed_at_any_moment_leaves_the_old_file_or_the_new_one(tmp_path):
    """A child saves NEW over OLD again and again until SIGKILL strikes at a random moment:
    the file must then hold OLD or NEW, whole. (Children start ahead of their turn, so that the
    50 interpreters' start-up overlaps the trials.)"""
    trials, pool = 50, 3
    path = tmp_path / "m.h5"
    old, new = big_model(seed=1), big_model(seed=NEW_SEED)
    old_weights, new_weights = old.get_weights(), new.get_weights()
    assert not np.array_equal(old_weights[0], new_weights[0])
    delays = np.random.default_rng(0).uniform(0.0, 0.3, size=trials)

    outcomes: Counter = Counter()
    left_behind = 0
    waiting = [spawn_saver(path) for _ in range(pool)]
    started = pool
    try:
        for delay in delays:
            old.save(path)
            child = waiting.pop(0)
            if started < trials:
                waiting.append(spawn_saver(path))
                started += 1
            if child.stdout.readline() != "ready\n":
                child.kill()
                pytest.fail(f"the saving process did not start: {child.communicate()[1]}")
            child.stdin.write("go\n")
            child.stdin.flush()
            time.sleep(delay)
            child.kill()
            child.communicate()

            weights = load_model(path).get_weights()
            if all(np.array_equal(a, b) for a, b in zip(weights, old_weights, strict=True)):
                outcomes["old"] += 1
            elif all(np.array_equal(a, b) for a, b in zip(weights, new_weights, strict=True)):
                outcomes["new"] += 1
            else:
                pytest.fail(f"after a kill {delay:.3f} s in, {path} holds neither model")
            temporary = sorted(tmp_path.glob(".m.h5.*.tmp"))
            left_behind += len(temporary)
            for tmp in temporary:
                tmp.unlink()
            assert os.listdir(tmp_path) == ["m.h5"]
    finally:
        for child in waiting:
            child.kill()
            child.communicate()
    print(
        f"\n{trials} kills: {outcomes['old']} left the old file, {outcomes['new']} the new one; "
        f"{left_behind} temporary files were left behind (deleted)"
    )
    assert outcomes["old"] + outcomes["new"] == trials
    assert outcomes["new"] > 0  # the children did save


# -- 7. the file itself ---------------------------------------------------------------------------------------------
def test_the_file_layout(tmp_path):
    model, _, _ = trained("cnn", epochs=1)
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    model.save(path := tmp_path / "m.h5")
    after = datetime.datetime.now(datetime.timezone.utc)
    data = path.read_bytes()

    header = data[:HEADER_SIZE]
    assert header.startswith(HEADER_START)
    digest = header[len(HEADER_START) : len(HEADER_START) + 64].decode("ascii")
    assert digest == hashlib.sha256(data[HEADER_SIZE:]).hexdigest()
    assert header[len(HEADER_START) + 64 :] == b"\n" + b"\0" * (
        HEADER_SIZE - len(HEADER_START) - 65
    )
    assert header == checked_file._header("model", digest)

    with h5py.File(path, "r") as f:  # plain h5py reads it: the header is the HDF5 user block
        assert f.userblock_size == HEADER_SIZE
        assert f.attrs["minidl_version"] == minidl.__version__
        created = datetime.datetime.fromisoformat(f.attrs["created"])
        assert created.utcoffset() == datetime.timedelta(0)
        assert before <= created <= after
        assert json.loads(f.attrs["model_config"]) == json.loads(
            json.dumps({"class_name": "Sequential", "config": model.get_config()})
        )
        compile_config = json.loads(f.attrs["compile_config"])
        assert compile_config["optimizer"] == optimizers.serialize(model.optimizer)
        assert compile_config["loss"]["class_name"] == "CategoricalCrossentropy"
        assert compile_config["metrics"] == ["accuracy"]
        assert f["optimizer"].attrs["iterations"] == model.optimizer.iterations

        stored = set(_dataset_names(f["weights"]))
        assert stored == set(weight_paths(model))
        for name, *_, value, _ in model._variables():
            dataset = f["weights"][name]
            assert dataset.dtype == value.dtype and np.array_equal(dataset[()], value)
            assert dataset.attrs["sha256"] == hashlib.sha256(value.tobytes()).hexdigest()
        for name in _dataset_names(f["optimizer"]):
            dataset = f["optimizer"][name]
            assert dataset.attrs["sha256"] == hashlib.sha256(dataset[()].tobytes()).hexdigest()


def test_the_weights_file_layout(tmp_path):
    model = named_model(seed=0)
    model.save_weights(path := tmp_path / "w.minidl")
    data = path.read_bytes()
    assert data.startswith(b"minidl weights\nformat 1\nsha256 ")
    assert data[:HEADER_SIZE] == checked_file._header(
        "weights", hashlib.sha256(data[HEADER_SIZE:]).hexdigest()
    )
    with h5py.File(path, "r") as f:
        assert set(f.attrs) == {"minidl_version", "created"}
        assert set(_dataset_names(f)) == {f"weights/{p}" for p in weight_paths(model)}


# -- bugs found by these tests -------------------------------------------------------------------------------------
def test_a_tampered_configuration_of_the_wrong_type_is_refused(tmp_path):
    payload_model().save(path := tmp_path / "m.h5")
    with h5py.File(path, "r+") as f:
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": []})
    reseal(path)
    with pytest.raises(
        ModelFileError, match=r"expected a Sequential model's configuration"
    ) as info:
        load_model(path)
    assert str(path) in str(info.value)


def test_resealed_files_with_one_byte_changed_are_refused_or_load_unchanged(tmp_path):
    model = payload_model()
    model.save(path := tmp_path / "m.h5")
    data = path.read_bytes()
    body = data[HEADER_SIZE:]
    rng = np.random.default_rng(0)
    target = tmp_path / "flipped.h5"
    problems = {}
    for position in rng.integers(0, len(body), size=50):
        damaged = bytearray(body)
        damaged[position] ^= int(rng.integers(1, 256))
        target.write_bytes(data[:HEADER_SIZE] + bytes(damaged))
        reseal(target)
        try:
            loaded = load_model(target)
        except ModelFileError as err:
            if str(target) not in str(err):
                problems[int(position)] = f"message without the path: {err}"
            continue
        except Exception as err:  # any other error is the finding
            problems[int(position)] = f"{type(err).__name__}: {err}"
            continue
        same = all(
            np.array_equal(a, b)
            for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True)
        )
        if not same:  # every weight carries its own SHA-256
            problems[int(position)] = "loaded with other weights"
    assert not problems, problems
