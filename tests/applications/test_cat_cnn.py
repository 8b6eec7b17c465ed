"""``minidl.applications.cat_cnn`` and ``minidl train cat --model cnn``.

Expected figures: the parameter counts are worked out by hand below (a 3x3 convolution without
bias has 9 * C_in * C_out weights, batch normalization 4 per channel, two of them trainable);
the training tests check reproducibility and the files written, not accuracies, except the one
slow test, which runs the default 60 epochs on the course's images.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from minidl import load_model
from minidl.applications import cat_cnn
from minidl.cli import main

CONV_WEIGHTS = [9 * 3 * 16, 9 * 16 * 32, 9 * 32 * 64, 9 * 64 * 64]  # 432, 4608, 18432, 36864
BN_WEIGHTS = [4 * c for c in (16, 32, 64, 64)]  # gamma, beta, moving mean and variance
DENSE_WEIGHTS = 64 + 1
TOTAL = sum(CONV_WEIGHTS) + sum(BN_WEIGHTS) + DENSE_WEIGHTS  # 61,105
NON_TRAINABLE = sum(BN_WEIGHTS) // 2  # the moving statistics: 352

METRICS_KEYS = {
    "model",
    "parameters",
    "epochs",
    "batch_size",
    "learning_rate",
    "seed",
    "augmentation",
    "history",
    "train_accuracy",
    "test_accuracy",
    "seconds",
    "seconds_per_epoch",
    "minidl_version",
    "created_at",
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data_dir(cat_data) -> Path:
    """The folder holding the course's .h5 files (the conftest fixture skips when absent)."""
    return Path(os.environ.get("MINIDL_DATA") or Path(__file__).parents[2] / "data")


def small_images(m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """m random uint8 images (m, 64, 64, 3) and labels (1, m) with both classes."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(m, 64, 64, 3), dtype=np.uint8)
    y = (np.arange(m) % 2).reshape(1, m)
    return x, y


# -- the model ----------------------------------------------------------------------------------------
def test_model_shapes_and_parameter_counts():
    model = cat_cnn.build_cat_cnn(seed=0)
    assert model.name == "cat_cnn"
    assert model.output_shape((None, 64, 64, 3)) == (None, 1)
    names = [layer.name for layer in model.layers]
    blocks = [f"{kind}{i}" for i in range(1, 5) for kind in ("conv", "bn", "relu", "pool")]
    assert names == [*blocks, "gap", "dropout", "output"]
    assert [model.get_layer(f"conv{i}").kernel_size for i in range(1, 5)] == [(3, 3)] * 4
    assert model.count_params() == TOTAL == 61105
    assert sum(w.size for w in model.non_trainable_weights) == NON_TRAINABLE == 352
    assert all(w.dtype == np.float32 for w in model.weights)
    y = model.predict(np.zeros((2, 64, 64, 3), dtype=np.float32), verbose=0)
    assert y.shape == (2, 1) and np.all((y > 0) & (y < 1))


def test_summary_lists_every_layer_and_the_totals():
    lines = []
    cat_cnn.build_cat_cnn(seed=0).summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "cat_cnn"' in text
    assert "conv1 (Conv2D)" in text and "(None, 64, 64, 16)" in text
    assert "pool4 (MaxPooling2D)" in text and "(None, 4, 4, 64)" in text
    assert "gap (GlobalAveragePooling2D)" in text and "(None, 64)" in text
    assert "output (Dense)" in text and "(None, 1)" in text
    assert "Total params: 61,105" in text
    assert "Trainable params: 60,753" in text
    assert "Non-trainable params: 352" in text


def test_build_is_reproducible_for_a_seed():
    first, again, other = (cat_cnn.build_cat_cnn(seed=s).get_weights() for s in (3, 3, 4))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])


def test_cosine_decay_rates():
    schedule = cat_cnn.CosineDecay(0.002, epochs=60)
    assert schedule.rate(0) == 0.002
    assert math.isclose(schedule.rate(30), 0.001, rel_tol=1e-12)
    assert 0 < schedule.rate(59) < 0.002 * 2.5 / 60**2 * 1.01
    rates = [schedule.rate(e) for e in range(60)]
    assert all(a > b for a, b in itertools.pairwise(rates))


# -- training ----------------------------------------------------------------------------------------
def short_run(seed: int):
    x, y = small_images(24, seed=7)
    return cat_cnn.train_cat_cnn(
        x, y, x[:8], y[:, :8], epochs=2, batch_size=8, seed=seed, verbose=0
    )


def test_training_is_reproducible_for_a_seed():
    model, history, accuracy = short_run(seed=5)
    again, history_again, accuracy_again = short_run(seed=5)
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert history.history == history_again.history
    assert accuracy == accuracy_again
    other, _, _ = short_run(seed=6)
    assert not np.array_equal(model.get_weights()[0], other.get_weights()[0])


def test_training_returns_history_and_accuracies():
    model, history, accuracy = short_run(seed=0)
    assert sorted(history.history) == ["accuracy", "learning_rate", "loss"]
    assert history.history["learning_rate"] == [0.002, 0.001]  # the cosine over 2 epochs
    assert sorted(accuracy) == ["test", "train"]
    assert all(0.0 <= v <= 1.0 for v in accuracy.values())
    assert model.optimizer is not None  # compiled: ready to evaluate, save, train on


def test_training_does_not_change_its_inputs():
    x, y = small_images(8, seed=1)
    x_copy, y_copy = x.copy(), y.copy()
    cat_cnn.train_cat_cnn(x, y, x, y, epochs=1, batch_size=8, seed=0, verbose=0)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y, y_copy)


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"train_x": "float"}, TypeError, ["train_x", "uint8", "float64"]),
        ({"train_x": "shape"}, ValueError, ["train_x", "(m, 64, 64, 3)", "(4, 32, 32, 3)"]),
        ({"train_y": "length"}, ValueError, ["train_y", "4 labels", "(1, 3)"]),
        ({"test_y": "values"}, ValueError, ["test_y", "0 (non-cat) and 1 (cat)"]),
        ({"epochs": 0}, ValueError, ["epochs", "integer >= 1", "0"]),
        ({"batch_size": 2.5}, ValueError, ["batch_size", "2.5"]),
        ({"learning_rate": -1.0}, ValueError, ["learning_rate", "positive", "-1.0"]),
        ({"seed": -1}, ValueError, ["seed", ">= 0", "-1"]),
    ],
)
def test_bad_inputs_raise_naming_what_was_expected(change, error, words):
    x, y = small_images(4, seed=0)
    kwargs = {"train_x": x, "train_y": y, "test_x": x, "test_y": y, "epochs": 1, "verbose": 0}
    replacements = {
        "float": x / 255.0,
        "shape": x[:, :32, :32],
        "length": y[:, :3],
        "values": y * 2,
    }
    for key, value in change.items():
        kwargs[key] = replacements.get(value, value) if isinstance(value, str) else value
    with pytest.raises(error) as info:
        cat_cnn.train_cat_cnn(**kwargs)
    message = str(info.value)
    assert message.startswith("train_cat_cnn: expected")
    for word in words:
        assert word in message


def test_build_refuses_a_bad_seed():
    with pytest.raises(ValueError, match=r"build_cat_cnn: expected seed .* received 1\.5"):
        cat_cnn.build_cat_cnn(seed=1.5)


# -- minidl train cat --model cnn ------------------------------------------------------------------
def test_cli_writes_curves_model_and_metrics(data_dir, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "cat", "--model", "cnn", "--epochs", "1", "--seed", "2"]
    assert main([*argv, "--out", str(out), "--data-dir", str(data_dir)]) == 0
    stdout, stderr = capsys.readouterr()
    assert stderr == ""
    assert "for 1 epoch (batch size 16" in stdout and "seed 2)" in stdout
    assert "14/14 - " in stdout and " - loss: " in stdout  # the epoch's line
    assert "Train accuracy: " in stdout and "Test accuracy:  " in stdout
    assert sorted(os.listdir(out)) == ["metrics.json", "model.h5", "training_curves.png"]

    with Image.open(out / "training_curves.png") as image:
        assert image.format == "PNG" and image.width > 0

    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == METRICS_KEYS
    assert metrics["model"] == "cnn" and metrics["parameters"] == TOTAL
    assert metrics["epochs"] == 1 and metrics["seed"] == 2
    assert metrics["learning_rate"] == cat_cnn.LEARNING_RATE
    assert metrics["augmentation"] == cat_cnn.AUGMENTATION
    assert len(metrics["history"]["loss"]) == 1
    for split in ("train", "test"):
        assert 0.0 <= metrics[f"{split}_accuracy"] <= 1.0
        assert f"{metrics[f'{split}_accuracy']:.4f}" in stdout

    model = load_model(out / "model.h5")
    assert model.count_params() == TOTAL


@pytest.fixture
def no_data(tmp_path, no_env):
    """An empty --data-dir: an argument error must come before any attempt to load data."""
    empty = tmp_path / "empty"
    empty.mkdir()
    return empty


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--model", "cnn", "--iterations", "5"], ["--iterations", "--epochs", "5"]),
        (["--epochs", "5"], ["--epochs", "--model cnn only", "two-layer", "5"]),
        (["--model", "l-layer", "--seed", "3"], ["--seed", "--model cnn only", "l-layer", "3"]),
        (["--model", "cnn", "--epochs", "0"], ["--epochs", "positive integer", "'0'"]),
        (["--model", "cnn", "--epochs", "ten"], ["--epochs", "positive integer", "'ten'"]),
        (["--model", "cnn", "--seed", "-1"], ["--seed", ">= 0", "-1"]),
        (["--model", "cnn", "--learning-rate", "0"], ["--learning-rate", "positive", "'0'"]),
        (["--model", "cnn2"], ["--model", "invalid choice", "'cnn2'", "cnn"]),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(argv, words, no_data, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "cat", *argv, "--data-dir", str(no_data)])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "usage: minidl train cat" in err
    for word in words:
        assert word in err


@pytest.mark.slow
def test_default_training_learns_the_cats(cat_data):
    # Measured with seed 0: train 0.97-0.98, test 0.84 (depending on the BLAS thread count).
    train_x, train_y, test_x, test_y, _ = cat_data
    _, history, accuracy = cat_cnn.train_cat_cnn(train_x, train_y, test_x, test_y, verbose=0)
    assert len(history.history["loss"]) == cat_cnn.EPOCHS
    assert accuracy["train"] >= 0.93
    assert accuracy["test"] >= 0.76
