"""The ``minidl`` command: ``minidl train cat`` in-process and as a subprocess, its help and errors.

Expected figures: the course's published iteration-0 costs (two-layer 0.693049735659989, L-layer
0.7717493284237686), and a plain-NumPy re-implementation of the course's training loop in this
file, fed with the .h5 files read through h5py (not minidl).
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import h5py
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from minidl.cli import main
from minidl.io import load_arrays

PUBLISHED_COST_0 = {"two-layer": 0.693049735659989, "l-layer": 0.7717493284237686}
DIMS = {"two-layer": [12288, 7, 1], "l-layer": [12288, 20, 7, 5, 1]}
ITERATIONS = 3
COST_LINE = re.compile(r"^Cost after iteration (\d+): (\S+)$", re.MULTILINE)
ACCURACY_LINE = re.compile(r"^(Train|Test) accuracy: +(\S+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def data_dir(cat_data) -> Path:
    """The folder holding the course's .h5 files (the conftest fixture skips when absent)."""
    return Path(os.environ.get("MINIDL_DATA") or Path(__file__).parents[1] / "data")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# -- a second implementation of the course's training loop -------------------------------------------
@pytest.fixture(scope="module")
def course_xy(data_dir):
    """(train_x, train_y, test_x, test_y) read with h5py and prepared as the course does."""
    out = []
    for split in ("train", "test"):
        with h5py.File(data_dir / f"{split}_catvnoncat.h5", "r") as f:
            x, y = f[f"{split}_set_x"][()], f[f"{split}_set_y"][()]
        out += [x.reshape(x.shape[0], -1).T / 255.0, y.reshape(1, -1).astype(np.float64)]
    return tuple(out)


def _forward(params: dict, x: np.ndarray, layers: int):
    a, cache = x, []
    for l in range(1, layers + 1):
        z = params[f"W{l}"] @ a + params[f"b{l}"]
        cache.append((a, z))
        a = np.maximum(z, 0) if l < layers else 1 / (1 + np.exp(-z))
    return a, cache


def reference_run(model: str, course_xy, iterations: int, learning_rate: float = 0.0075) -> dict:
    """The course's two_layer_model / L_layer_model in plain NumPy: seed 1, W1..WL drawn in order
    (randn * 0.01 for two layers, randn / sqrt(n_prev) for L layers), zero biases, batch gradient
    descent on the cross-entropy. Returns parameters, per-iteration costs and accuracies."""
    train_x, train_y, test_x, test_y = course_xy
    dims = DIMS[model]
    layers = len(dims) - 1
    state = np.random.RandomState(1)  # the stream np.random.seed(1) gives np.random.randn
    params = {}
    for l in range(1, layers + 1):
        scale = 0.01 if model == "two-layer" else 1 / np.sqrt(dims[l - 1])
        params[f"W{l}"] = state.randn(dims[l], dims[l - 1]) * scale
        params[f"b{l}"] = np.zeros((dims[l], 1))
    m = train_x.shape[1]
    costs = []
    for _ in range(iterations):
        al, cache = _forward(params, train_x, layers)
        costs.append(float(-np.mean(train_y * np.log(al) + (1 - train_y) * np.log(1 - al))))
        dz = al - train_y  # sigmoid followed by cross-entropy
        grads = {}
        for l in range(layers, 0, -1):
            a_prev, _ = cache[l - 1]
            grads[f"W{l}"] = dz @ a_prev.T / m
            grads[f"b{l}"] = dz.sum(axis=1, keepdims=True) / m
            if l > 1:
                dz = (params[f"W{l}"].T @ dz) * (cache[l - 2][1] > 0)
        params = {k: v - learning_rate * grads[k] for k, v in params.items()}
    accuracy = {}
    for name, x, y in (("train", train_x, train_y), ("test", test_x, test_y)):
        probabilities, _ = _forward(params, x, layers)
        # No probability may sit within rounding distance of the threshold.
        assert np.min(np.abs(probabilities - 0.5)) > 1e-9
        accuracy[name] = float(np.mean((probabilities > 0.5) == y))
    return {"parameters": params, "costs": costs, "accuracy": accuracy}


@pytest.fixture(scope="module")
def reference(course_xy):
    """``reference(model)``: ``reference_run`` for ITERATIONS iterations, computed once per model."""
    cache: dict[str, dict] = {}

    def get(model: str) -> dict:
        if model not in cache:
            cache[model] = reference_run(model, course_xy, ITERATIONS)
        return cache[model]

    return get


def train(model: str, out: Path, data_dir: Path, iterations: int = ITERATIONS) -> int:
    argv = ["train", "cat", "--model", model, "--iterations", str(iterations)]
    return main([*argv, "--out", str(out), "--data-dir", str(data_dir)])


# -- minidl train cat, in-process ---------------------------------------------------------------------
@pytest.mark.parametrize("model", ["two-layer", "l-layer"])
def test_train_prints_the_course_costs_and_accuracies(model, data_dir, reference, tmp_path, capsys):
    assert train(model, tmp_path / "out", data_dir) == 0
    out, err = capsys.readouterr()
    assert err == ""
    costs = {int(i): text for i, text in COST_LINE.findall(out)}
    assert sorted(costs) == [0, ITERATIONS - 1]  # every 100th iteration and the last
    # Every printed digit but the last, which moves with the BLAS kernel's summation order
    # (tests/course/test_published.py pins the kernel and checks that one too).
    np.testing.assert_array_max_ulp(float(costs[0]), PUBLISHED_COST_0[model], maxulp=4)
    expected = reference(model)
    # The reference itself reproduces the published figure, then checks the later iterations.
    assert math.isclose(expected["costs"][0], PUBLISHED_COST_0[model], rel_tol=1e-12)
    last = float(costs[ITERATIONS - 1])
    assert math.isclose(last, expected["costs"][-1], rel_tol=1e-10)
    accuracies = dict(ACCURACY_LINE.findall(out))
    assert sorted(accuracies) == ["Test", "Train"]
    assert float(accuracies["Train"]) == pytest.approx(expected["accuracy"]["train"], abs=5e-5)
    assert float(accuracies["Test"]) == pytest.approx(expected["accuracy"]["test"], abs=5e-5)


@pytest.mark.parametrize("model", ["two-layer", "l-layer"])
def test_train_writes_parameters_metrics_and_curve(model, data_dir, reference, tmp_path, capsys):
    out = tmp_path / "out"
    assert train(model, out, data_dir) == 0
    assert sorted(os.listdir(out)) == ["cost.png", "metrics.json", "parameters.h5"]
    expected = reference(model)

    with Image.open(out / "cost.png") as image:
        assert image.format == "PNG"
        assert image.width > 0 and image.height > 0

    arrays, meta = load_arrays(out / "parameters.h5")
    layers = len(DIMS[model]) - 1
    assert sorted(arrays) == sorted(f"{k}{l}" for l in range(1, layers + 1) for k in "Wb")
    for l in range(1, layers + 1):
        n, n_prev = DIMS[model][l], DIMS[model][l - 1]
        assert arrays[f"W{l}"].shape == (n, n_prev)
        assert arrays[f"b{l}"].shape == (n, 1)
    if model == "two-layer":
        assert arrays["W1"].shape == (7, 12288) and arrays["W2"].shape == (1, 7)
    else:
        assert arrays["W1"].shape == (20, 12288)
    for name, want in expected["parameters"].items():
        np.testing.assert_allclose(arrays[name], want, rtol=1e-9, atol=1e-14, err_msg=name)
    assert meta["model"] == model
    assert meta["layers_dims"] == DIMS[model]
    assert meta["iterations"] == ITERATIONS
    assert meta["learning_rate"] == 0.0075

    metrics = json.loads((out / "metrics.json").read_text())
    assert list(metrics["costs"]) == ["0"]
    assert math.isclose(metrics["costs"]["0"], PUBLISHED_COST_0[model], rel_tol=1e-12)
    assert metrics["iterations"] == ITERATIONS
    assert metrics["model"] == model
    for split in ("train", "test"):
        value = metrics[f"{split}_accuracy"]
        assert 0.0 <= value <= 1.0
        assert value == pytest.approx(expected["accuracy"][split], abs=1e-12)


def test_default_out_folder_is_runs_model_timestamp(data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "cat", "--iterations", "1", "--data-dir", str(data_dir)]) == 0
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1
    assert re.fullmatch(r"two-layer-\d{8}-\d{6}", runs[0].name)
    assert sorted(os.listdir(runs[0])) == ["cost.png", "metrics.json", "parameters.h5"]
    assert str(Path("runs") / runs[0].name) in capsys.readouterr().out


def test_train_leaves_no_matplotlib_figure_open(data_dir, tmp_path, capsys):
    # Each in-process run that leaves its figure open leaks memory; after 20 runs matplotlib
    # warns (and pytest's filterwarnings = error turns the warning into failures elsewhere).
    plt.close("all")
    assert train("two-layer", tmp_path / "out", data_dir, iterations=1) == 0
    assert plt.get_fignums() == []


# -- errors -------------------------------------------------------------------------------------------
@pytest.fixture
def no_data(tmp_path, no_env):
    """An empty --data-dir, MINIDL_DATA unset and an empty working directory."""
    empty = tmp_path / "empty"
    empty.mkdir()
    return empty


def test_missing_data_exits_2_and_says_where_to_put_it(no_data, tmp_path, capsys):
    status = main(["train", "cat", "--iterations", "1", "--data-dir", str(no_data)])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert "train_catvnoncat.h5" in err
    assert str(no_data.resolve()) in err
    assert "MINIDL_DATA" in err and "./data" in err and "--data-dir" in err
    assert os.listdir(tmp_path / "cwd") == []  # no runs/ folder for a run that never started


def test_broken_data_file_exits_2_naming_it(data_dir, no_data, capsys):
    bad = no_data / "train_catvnoncat.h5"
    bad.write_text("not an HDF5 file\n")
    (no_data / "test_catvnoncat.h5").symlink_to((data_dir / "test_catvnoncat.h5").resolve())
    status = main(["train", "cat", "--iterations", "1", "--data-dir", str(no_data)])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert str(bad) in err


def test_out_that_is_a_file_is_an_error_before_training(data_dir, tmp_path, capsys):
    taken = tmp_path / "results"
    taken.write_text("an existing file, not a folder\n")
    status = main(
        ["train", "cat", "--iterations", "1", "--out", str(taken), "--data-dir", str(data_dir)]
    )
    out, err = capsys.readouterr()
    assert status == 2
    assert str(taken) in err
    assert "Cost after iteration" not in out  # a 2500-iteration run must not be lost at the end
    assert taken.read_text() == "an existing file, not a folder\n"


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--iterations", "0"),
        ("--iterations", "-5"),
        ("--iterations", "abc"),
        ("--iterations", "2.5"),
        ("--learning-rate", "-1"),
        ("--learning-rate", "0"),
        ("--learning-rate", "nan"),
        ("--learning-rate", "inf"),
        ("--model", "three-layer"),
    ],
)
def test_bad_arguments_exit_2(option, value, no_data, capsys):
    # With an empty --data-dir, an argument that slipped through would return 2 instead of exiting.
    with pytest.raises(SystemExit) as info:
        main(["train", "cat", option, value, "--data-dir", str(no_data)])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert option in err and value in err


@pytest.mark.parametrize("argv", [[], ["train"], ["fit", "cat"], ["train", "dog"]])
def test_missing_or_unknown_command_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage: minidl" in capsys.readouterr().err


# -- subprocesses ---------------------------------------------------------------------------------
def run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}  # wide enough that argparse does not wrap the help
    return subprocess.run(
        [sys.executable, "-m", "minidl", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_help_of_each_level(tmp_path):
    top = run_module("--help", cwd=tmp_path)
    assert top.returncode == 0 and top.stderr == ""
    assert "usage: minidl" in top.stdout
    assert "--version" in top.stdout and "train" in top.stdout

    middle = run_module("train", "--help", cwd=tmp_path)
    assert middle.returncode == 0 and middle.stderr == ""
    assert "usage: minidl train" in middle.stdout and "cat" in middle.stdout

    cat = run_module("train", "cat", "--help", cwd=tmp_path)
    assert cat.returncode == 0 and cat.stderr == ""
    text = " ".join(cat.stdout.split())
    assert "usage: minidl train cat" in text
    assert re.search(r"--model \{cnn,l-layer,two-layer\} .*\(default: two-layer\)", text)
    assert re.search(r"--iterations ITERATIONS .*\(default: 2500\)", text)
    assert re.search(r"--epochs EPOCHS .*cnn \(default: 60\)", text)
    assert re.search(
        r"--learning-rate LEARNING_RATE .*\(default: 0\.0075\).*\(default: 0\.002\)", text
    )
    assert re.search(r"--seed SEED .*cnn.*\(default: 0\)", text)
    assert re.search(r"--out OUT .*default: runs/", text)
    assert re.search(r"--data-dir DATA_DIR .*default: \$MINIDL_DATA, then \./data", text)


def test_version(tmp_path):
    import minidl

    result = run_module("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.strip() == f"minidl {minidl.__version__}"
    assert minidl.__version__ == importlib.metadata.version("minidl")  # pyproject's version


def test_console_script_end_to_end(data_dir, tmp_path):
    script = Path(sys.executable).parent / "minidl"
    assert script.is_file(), f"console script not installed next to {sys.executable}"
    out = tmp_path / "out"
    argv = ["train", "cat", "--iterations", "2", "--out", str(out), "--data-dir", str(data_dir)]
    result = subprocess.run(
        [str(script), *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # autograders fail anything on stderr
    assert "Cost after iteration 0: 0.693049735659989\n" in result.stdout
    assert "Cost after iteration 1: " in result.stdout
    assert sorted(os.listdir(out)) == ["cost.png", "metrics.json", "parameters.h5"]


def test_training_failure_exits_1_with_the_reason_and_leaves_no_folder(data_dir, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "cat", "--iterations", "5", "--learning-rate", "50"]
    status = main([*argv, "--out", str(out), "--data-dir", str(data_dir)])
    _, err = capsys.readouterr()
    assert status == 1
    assert err.startswith("minidl: training failed: two_layer_model: the network saturated")
    assert "Traceback" not in err and not out.exists()
