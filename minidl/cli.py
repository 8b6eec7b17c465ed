"""The ``minidl`` command.

    minidl train cat --model two-layer|l-layer [--iterations N] [--learning-rate LR] [--out DIR]

trains the course's network on the cat/non-cat images, prints the cost every 100 iterations and
the train and test accuracy, and writes into DIR: ``cost.png`` (the cost curve),
``parameters.h5`` (the weights; reload with ``minidl.io.load_arrays``) and ``metrics.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["main"]

CAT_MODELS = {"two-layer": [12288, 7, 1], "l-layer": [12288, 20, 7, 5, 1]}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, received {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}")
    return value


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Show '(default: X)' except where the help already explains a None default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None:
            return action.help or ""
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    fmt = _Formatter
    parser = argparse.ArgumentParser(
        prog="minidl",
        description="minidl: deep learning from scratch in NumPy.",
        formatter_class=fmt,
    )
    parser.add_argument("--version", action="version", version=f"minidl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    train = commands.add_parser(
        "train", help="train a model", description="Train a model.", formatter_class=fmt
    )
    jobs = train.add_subparsers(dest="job", metavar="JOB", required=True)
    cat = jobs.add_parser(
        "cat",
        help="the course's cat/non-cat network",
        description="Train the course's two-layer or L-layer network on the cat/non-cat images.",
        formatter_class=fmt,
    )
    cat.add_argument(
        "--model",
        choices=sorted(CAT_MODELS),
        default="two-layer",
        help="two-layer: (12288, 7, 1); l-layer: [12288, 20, 7, 5, 1]",
    )
    cat.add_argument(
        "--iterations", type=_positive_int, default=2500, help="gradient-descent iterations"
    )
    cat.add_argument("--learning-rate", type=_positive_float, default=0.0075, help="learning rate")
    cat.add_argument(
        "--out", type=Path, default=None, help="output folder (default: runs/<model>-<timestamp>/)"
    )
    cat.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder with the .h5 files (default: $MINIDL_DATA, then ./data)",
    )
    cat.set_defaults(func=train_cat)
    options = cat.format_help().split("options:", 1)[1]
    train.epilog = "options of 'minidl train cat':" + options
    return parser


def _default_out(model: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path("runs") / f"{model}-{stamp}"
    suffix = 1
    while out.exists():
        out = Path("runs") / f"{model}-{stamp}-{suffix}"
        suffix += 1
    return out


def train_cat(args: argparse.Namespace) -> int:
    import matplotlib.pyplot as plt
    import numpy as np

    from . import __version__, plot
    from .course import dnn
    from .data import load_catvnoncat
    from .io import save_arrays, write_json

    train_x_orig, train_y, test_x_orig, test_y, _ = load_catvnoncat(args.data_dir)
    out = args.out if args.out is not None else _default_out(args.model)
    created = not out.exists()
    try:  # before training, so that a bad --out never costs a finished run
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"minidl: cannot use {out} as the output folder: {err.strerror}", file=sys.stderr)
        return 2
    train_x = train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255.0
    test_x = test_x_orig.reshape(test_x_orig.shape[0], -1).T / 255.0
    dims = CAT_MODELS[args.model]
    fit = dnn.two_layer_model if args.model == "two-layer" else dnn.L_layer_model
    print(
        f"Training the {args.model} network {dims} on {train_x.shape[1]} images "
        f"for {args.iterations} iterations (learning rate {args.learning_rate})",
        flush=True,
    )
    start = time.perf_counter()
    try:
        parameters, costs = fit(
            train_x,
            train_y,
            dims,
            learning_rate=args.learning_rate,
            num_iterations=args.iterations,
            print_cost=True,
        )
    except ValueError as err:  # e.g. a learning rate so large that the network saturates
        if created and not any(out.iterdir()):
            out.rmdir()
        print(f"minidl: training failed: {err}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    accuracy = {
        name: float(np.mean(dnn.predict(x, None, parameters) == y))
        for name, x, y in (("train", train_x, train_y), ("test", test_x, test_y))
    }
    print(f"Train accuracy: {accuracy['train']:.4f}")
    print(f"Test accuracy:  {accuracy['test']:.4f}")

    fig = plot.cost_curve(costs, args.learning_rate)
    plot.save_png(fig, out / "cost.png")
    plt.close(fig)
    meta = {
        "model": args.model,
        "layers_dims": dims,
        "learning_rate": args.learning_rate,
        "iterations": args.iterations,
    }
    save_arrays(out / "parameters.h5", parameters, meta)
    write_json(
        out / "metrics.json",
        {
            **meta,
            "costs": {str(100 * i): c for i, c in enumerate(costs)},
            "train_accuracy": accuracy["train"],
            "test_accuracy": accuracy["test"],
            "seconds": round(seconds, 3),
            "ms_per_iteration": round(1000 * seconds / args.iterations, 3),
            "minidl_version": __version__,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        },
    )
    print(f"Wrote {out / 'cost.png'}, {out / 'parameters.h5'} and {out / 'metrics.json'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``minidl`` console script; returns the exit status."""
    from .errors import DataFileError, DataNotFoundError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataNotFoundError, DataFileError) as err:
        print(f"minidl: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("minidl: interrupted", file=sys.stderr)
        return 130
