"""The ``minidl`` command.

    minidl train wafer [--images N] [--epochs E] [--seed S] [--out DIR]

generates synthetic wafers, tunes the classical detector and trains the patch CNN, compares both
on held-out wafers (a table on stdout) and writes the models, ``metrics.json``, pictures and
three held-out wafers as plain PNGs into DIR (minidl.detect.job).

    minidl detect IMAGE... --model PATH [--out DIR]

runs a saved detection pipeline on image files and writes annotated PNGs and a JSON of the
detections.

    minidl denoise IMAGE [--sigma auto|VALUE] [--patch 8] [--aggregation uniform|sparsity]
                         [--reference CLEAN] [--out DIR]

denoises an image by hard thresholding in the sliding DCT (minidl.sparse) and writes the
denoised PNG, a side-by-side figure and a JSON report (sigma in grey levels, 0-255).

    minidl anomaly [--normal N] [--test N] [--size PX] [--fpr RATE] [--seed S] [--out DIR]

fits a dictionary anomaly detector on generated defect-free wafers (no labels), scores wafers
with defects and writes anomaly maps beside the truth, the ROC curve and metrics.json.

    minidl data wafer [--out FILE] [--images N] [--per-class K] [--seed S]

writes a patch data set (defect and background patches) as HDF5.

    minidl train cat --model two-layer|l-layer [--iterations N] [--learning-rate LR] [--out DIR]

trains the course's network on the cat/non-cat images, prints the cost every 100 iterations and
the train and test accuracy, and writes into DIR: ``cost.png`` (the cost curve),
``parameters.h5`` (the weights; reload with ``minidl.io.load_arrays``) and ``metrics.json``.

    minidl train cat --model cnn [--epochs E] [--learning-rate LR] [--seed S] [--out DIR]

trains a small convolutional network on the same images with augmentation
(minidl.applications.cat_cnn), prints a line per epoch and the train and test accuracy, and
writes into DIR: ``training_curves.png`` (loss, accuracy and learning rate per epoch),
``model.h5`` (reload with ``minidl.load_model``) and ``metrics.json``. ``--learning-rate`` is
then Adam's rate in the first epoch; ``--iterations`` belongs to the course's networks,
``--epochs`` and ``--seed`` to the CNN, and giving one to the other model is a usage error
(exit status 2).

Each subcommand is one module here, which names itself (``NAME``, ``HELP``, ``DESCRIPTION``),
declares its options (``add_arguments``) and does the work (``run``, returning the exit
status); ``build_parser`` below puts them in the tree of commands. What they share (argument
types, the help layout, output folders) is in ``arguments``.
"""

from __future__ import annotations

import argparse
from types import ModuleType

from ..errors import DataFileError, DataNotFoundError, ModelFileError
from ..version import __version__
from . import anomaly, data_wafer, denoise, detect, train_cat, train_wafer
from .arguments import HelpFormatter, Parser, fail, keep_created_folders, remove_created_folders

__all__ = ["build_parser", "main"]


def _add_command(
    commands: argparse._SubParsersAction, module: ModuleType
) -> argparse.ArgumentParser:
    """The subcommand that ``module`` defines, added under ``commands``."""
    parser = commands.add_parser(
        module.NAME, help=module.HELP, description=module.DESCRIPTION, formatter_class=HelpFormatter
    )
    module.add_arguments(parser)
    parser.set_defaults(func=module.run)
    return parser


def _add_group(
    commands: argparse._SubParsersAction, name: str, summary: str, description: str, dest: str
) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    """A command such as ``train`` that only chooses among subcommands (``minidl train cat``):
    its parser, and where its subcommands go (``args.<dest>`` names the one chosen)."""
    group = commands.add_parser(
        name, help=summary, description=description, formatter_class=HelpFormatter
    )
    return group, group.add_subparsers(dest=dest, metavar=dest.upper(), required=True)


def build_parser() -> argparse.ArgumentParser:
    """The tree of commands: train (wafer, cat), detect, denoise, anomaly, data (wafer)."""
    parser = Parser(
        prog="minidl",
        description="minidl: deep learning from scratch in NumPy.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"minidl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    train, jobs = _add_group(commands, "train", "train a model", "Train a model.", "job")
    cat = _add_command(jobs, train_cat)
    wafer = _add_command(jobs, train_wafer)
    # 'minidl train --help' lists every job's options too, the main job's first.
    train.epilog = "".join(
        f"options of '{job.prog}':" + job.format_help().split("options:", 1)[1]
        for job in (wafer, cat)
    )
    for module in (detect, denoise, anomaly):
        _add_command(commands, module)
    _, datasets = _add_group(
        commands, "data", "generate data sets", "Generate data sets.", "dataset"
    )
    _add_command(datasets, data_wafer)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``minidl`` console script; returns the exit status.

    A missing or broken data or model file is the user's to fix, not a bug: it is reported in
    one line (exit status 2) instead of a traceback, as is a setting too large for the memory.
    A run that fails removes the output folders it created, so it leaves nothing behind.
    """
    args = build_parser().parse_args(argv)
    try:
        status = args.func(args)
    except (DataNotFoundError, DataFileError, ModelFileError) as err:
        status = fail(str(err))
    except MemoryError:
        status = fail("not enough memory for these settings; expected smaller numbers or images")
    except KeyboardInterrupt:
        status = fail("interrupted", 130)
    except BaseException:  # a bug, or argparse's exit on a usage error: still leave nothing
        remove_created_folders()
        raise
    if status:
        remove_created_folders()
    else:
        keep_created_folders()
    return status
