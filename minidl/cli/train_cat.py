"""``minidl train cat``: a network for the course's cat/non-cat images, trained and saved.

Two kinds of model share the command. The course's two-layer and L-layer networks
(``minidl.course.dnn``) train by gradient descent for ``--iterations`` and always start from the
course's seed, so that their costs match the published ones digit for digit; the small CNN
(``--model cnn``, ``minidl.applications.cat_cnn``) trains with Adam for ``--epochs`` from
``--seed``. An option of the one kind given to the other is a usage error (exit status 2), not
silently ignored: a student who asks for 10 epochs of the L-layer network would otherwise
believe they got them.

The data and the output folder are checked before training starts, so that a bad path never
costs a finished run; a training that fails (a learning rate so large that the network
saturates or the loss becomes NaN) exits with status 1 and leaves no empty folder behind.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import plot
from ..applications import cat_cnn
from ..course import dnn
from ..data import load_catvnoncat
from ..io import save_arrays, write_json
from ..version import __version__
from .arguments import (
    add_out_folder,
    check_folder,
    fail,
    file_path,
    make_folder,
    non_negative_int,
    positive_float,
    positive_int,
    run_folder,
)

__all__ = ["CAT_MODELS", "CNN", "DESCRIPTION", "HELP", "NAME", "add_arguments", "run"]

NAME = "cat"
HELP = "the course's cat/non-cat network, or a small CNN"
DESCRIPTION = (
    "Train the course's two-layer or L-layer network, or a small convolutional network with "
    "data augmentation (--model cnn), on the cat/non-cat images."
)
CAT_MODELS = {"two-layer": [12288, 7, 1], "l-layer": [12288, 20, 7, 5, 1]}
CNN = "cnn"  # minidl.applications.cat_cnn


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of both kinds of model; their defaults are None so that ``run`` can tell an
    option that was given from one that was not, and refuse those of the other kind."""
    parser.add_argument(
        "--model",
        choices=sorted([*CAT_MODELS, CNN]),
        default="two-layer",
        help="two-layer: (12288, 7, 1); l-layer: [12288, 20, 7, 5, 1]; cnn: four convolution "
        "blocks trained with augmentation (minidl.applications.cat_cnn)",
    )
    parser.add_argument(
        "--iterations",
        type=positive_int,
        default=None,
        help="gradient-descent iterations of two-layer and l-layer (default: 2500)",
    )
    parser.add_argument(
        "--epochs", type=positive_int, default=None, help="epochs of cnn (default: 60)"
    )
    parser.add_argument(
        "--learning-rate",
        type=positive_float,
        default=None,
        help="learning rate of gradient descent (default: 0.0075); for cnn, Adam's rate in the "
        "first epoch, decayed along a cosine (default: 0.002)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=None,
        help="seed of cnn's weights, dropout, augmentation and batch order (default: 0); the "
        "course's networks always start from the course's seed",
    )
    add_out_folder(parser, "<model>")
    parser.add_argument(
        "--data-dir",
        type=file_path,
        default=None,
        help="folder with the .h5 files (default: $MINIDL_DATA, then ./data)",
    )
    parser.set_defaults(usage_error=parser.error)


def run(args: argparse.Namespace) -> int:
    """Load the images, create the output folder, then train the model ``--model`` names."""
    _check_options(args)
    out = run_folder(args.out, args.model)
    if not check_folder(out):
        return 2
    if args.data_dir is not None and args.data_dir.is_file():
        return fail(f"--data-dir {args.data_dir} is a file; expected the folder that holds it")
    data = load_catvnoncat(args.data_dir)
    created = not out.exists()
    if not make_folder(out):
        return 2
    job = _train_cnn if args.model == CNN else _train_course
    return job(args, data, out, created)


def _check_options(args: argparse.Namespace) -> None:
    """Refuse options that belong to the other kind of model (argparse's usage error, exit 2)."""
    if args.model == CNN:
        if args.iterations is not None:
            args.usage_error(
                "argument --iterations: the cnn model trains for --epochs, not for "
                f"gradient-descent iterations; received --iterations {args.iterations}"
            )
        return
    for option, value in (("--epochs", args.epochs), ("--seed", args.seed)):
        if value is not None:
            args.usage_error(
                f"argument {option}: applies to --model cnn only; the {args.model} network "
                f"takes --iterations and starts from the course's seed; received {option} {value}"
            )


def _training_failed(err: ValueError, out: Path, created: bool) -> int:
    """Report a failed training and remove the output folder if this run created it and left
    it empty; exit status 1."""
    if created and not any(out.iterdir()):
        out.rmdir()
    return fail(f"training failed: {err}", 1)


def _print_accuracy(accuracy: dict[str, float]) -> None:
    """Both models end with these two lines, so that their runs read (and parse) alike."""
    print(f"Train accuracy: {accuracy['train']:.4f}")
    print(f"Test accuracy:  {accuracy['test']:.4f}")


def _run_metrics(accuracy: dict[str, float], seconds: float, **per_step: float) -> dict:
    """The entries of metrics.json that every model writes after its own: the accuracies, the
    time (in all, and per iteration or epoch), and what made the file and when."""
    return {
        "train_accuracy": accuracy["train"],
        "test_accuracy": accuracy["test"],
        "seconds": round(seconds, 3),
        **{name: round(value, 3) for name, value in per_step.items()},
        "minidl_version": __version__,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _train_course(args: argparse.Namespace, data: tuple, out: Path, created: bool) -> int:
    """The course's two-layer or L-layer network: cost.png, parameters.h5, metrics.json."""
    train_x_orig, train_y, test_x_orig, test_y, _ = data
    iterations = 2500 if args.iterations is None else args.iterations
    learning_rate = 0.0075 if args.learning_rate is None else args.learning_rate
    train_x = train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255.0
    test_x = test_x_orig.reshape(test_x_orig.shape[0], -1).T / 255.0
    dims = CAT_MODELS[args.model]
    fit = dnn.two_layer_model if args.model == "two-layer" else dnn.L_layer_model
    print(
        f"Training the {args.model} network {dims} on {train_x.shape[1]} images "
        f"for {iterations} iterations (learning rate {learning_rate})",
        flush=True,
    )
    start = time.perf_counter()
    try:
        parameters, costs = fit(
            train_x,
            train_y,
            dims,
            learning_rate=learning_rate,
            num_iterations=iterations,
            print_cost=True,
        )
    except ValueError as err:
        return _training_failed(err, out, created)
    seconds = time.perf_counter() - start
    accuracy = {
        name: float(np.mean(dnn.predict(x, None, parameters) == y))
        for name, x, y in (("train", train_x, train_y), ("test", test_x, test_y))
    }
    _print_accuracy(accuracy)

    fig = plot.cost_curve(costs, learning_rate)
    plot.save_png(fig, out / "cost.png")
    plot.close(fig)
    meta = {
        "model": args.model,
        "layers_dims": dims,
        "learning_rate": learning_rate,
        "iterations": iterations,
    }
    save_arrays(out / "parameters.h5", parameters, meta)
    write_json(
        out / "metrics.json",
        {
            **meta,
            "costs": {str(100 * i): c for i, c in enumerate(costs)},
            **_run_metrics(accuracy, seconds, ms_per_iteration=1000 * seconds / iterations),
        },
    )
    print(f"Wrote {out / 'cost.png'}, {out / 'parameters.h5'} and {out / 'metrics.json'}")
    return 0


def _train_cnn(args: argparse.Namespace, data: tuple, out: Path, created: bool) -> int:
    """The convolutional network of minidl.applications.cat_cnn: training_curves.png,
    model.h5, metrics.json."""
    train_x_orig, train_y, test_x_orig, test_y, _ = data
    epochs = cat_cnn.EPOCHS if args.epochs is None else args.epochs
    learning_rate = cat_cnn.LEARNING_RATE if args.learning_rate is None else args.learning_rate
    seed = 0 if args.seed is None else args.seed
    batch_size = cat_cnn.BATCH_SIZE
    print(
        f"Training the cnn network (four convolution blocks, "
        f"{cat_cnn.build_cat_cnn(seed).count_params():,} weights) on {len(train_x_orig)} "
        f"augmented images for {epochs} epoch{'' if epochs == 1 else 's'} (batch size "
        f"{batch_size}, Adam, learning rate {learning_rate} decayed along a cosine, seed {seed})",
        flush=True,
    )
    start = time.perf_counter()
    try:
        model, history, accuracy = cat_cnn.train_cat_cnn(
            train_x_orig,
            train_y,
            test_x_orig,
            test_y,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            seed=seed,
            verbose=2,
        )
    except ValueError as err:  # the loss became NaN: a learning rate too large
        return _training_failed(err, out, created)
    seconds = time.perf_counter() - start
    _print_accuracy(accuracy)

    fig = plot.history(history, out / "training_curves.png")
    plot.close(fig)
    model.save(out / "model.h5")
    write_json(
        out / "metrics.json",
        {
            "model": CNN,
            "parameters": model.count_params(),
            "epochs": epochs,
            "batch_size": batch_size,
            "learning_rate": learning_rate,
            "seed": seed,
            "augmentation": cat_cnn.AUGMENTATION,
            "history": {key: list(values) for key, values in history.history.items()},
            **_run_metrics(accuracy, seconds, seconds_per_epoch=seconds / epochs),
        },
    )
    print(f"Wrote {out / 'training_curves.png'}, {out / 'model.h5'} and {out / 'metrics.json'}")
    return 0
