"""What every subcommand of ``minidl`` shares: argument types, the help layout, output folders.

An argparse ``type=`` function turns the text typed after an option into a value, or raises
``argparse.ArgumentTypeError``; argparse then prints the usage, ``error: argument --NAME:``
and the message, and exits with status 2, before any data is loaded or any training starts.
The messages quote what was typed (``received '0'``), because that is what the user sees.

A subcommand's run function returns the exit status: 0 when it worked, 2 for input it cannot
use (a missing file, an output folder it cannot create), 1 when training fails. ``fail`` prints
the reason on stderr, where autograders and shells look for it.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

__all__ = [
    "HelpFormatter",
    "add_out_folder",
    "fail",
    "make_folder",
    "non_negative_int",
    "positive_float",
    "positive_int",
    "rate",
    "run_folder",
    "sigma",
]


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Show '(default: X)' except where the help already explains a None default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None:
            return action.help or ""
        return super()._get_help_string(action)


# -- argument types -------------------------------------------------------------------------------
def _parse(text: str, convert: Callable[[str], float], accept: Callable, expected: str):
    """``convert(text)`` if it works and ``accept`` takes the value; else one message for both,
    since to the user 'ten' and '0' are equally not "a positive integer"."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not accept(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, received {text!r}")
    return value


def positive_int(text: str) -> int:
    """A count: 1, 2, 3, ..."""
    return _parse(text, int, lambda value: value >= 1, "a positive integer")


def non_negative_int(text: str) -> int:
    """A seed: 0, 1, 2, ... (a negative one is named by its value, as int() read it)."""
    value = _parse(text, int, lambda value: True, "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, received {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (a learning rate, a noise level); 'nan' and 'inf' are refused."""
    return _parse(text, float, lambda value: 0 < value < math.inf, "a positive number")


def rate(text: str) -> float:
    """A rate strictly between 0 and 1 (a false-positive rate of 0 or 1 cannot be aimed for)."""
    return _parse(text, float, lambda value: 0 < value < 1, "a rate between 0 and 1")


def sigma(text: str) -> float | str:
    """A noise level in grey levels, or 'auto' to estimate it from the image."""
    if text == "auto":
        return text
    try:
        return positive_float(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected 'auto' or a positive number of grey levels, received {text!r}"
        ) from None


# -- output folders -------------------------------------------------------------------------------
def add_out_folder(parser: argparse.ArgumentParser, name: str) -> None:
    """``--out DIR``, by default a new ``runs/<name>-<timestamp>/`` (see ``run_folder``)."""
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output folder (default: runs/{name}-<timestamp>/)"
    )


def run_folder(out: Path | None, name: str) -> Path:
    """``out`` when given; otherwise ``runs/<name>-<timestamp>``, with a suffix -1, -2, ... when
    that exists already, so that two runs started in the same second never share a folder."""
    if out is not None:
        return out
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path("runs") / f"{name}-{stamp}"
    suffix = 1
    while out.exists():
        out = Path("runs") / f"{name}-{stamp}-{suffix}"
        suffix += 1
    return out


def make_folder(out: Path) -> bool:
    """Create ``out`` (and its parents); False, after saying why, when it cannot be.

    Called before any long computation, so that a bad ``--out`` never costs a finished run.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        fail(f"cannot use {out} as the output folder: {err.strerror}")
        return False
    return True


def fail(message: str, status: int = 2) -> int:
    """Print ``minidl: <message>`` on stderr and return ``status``, the exit status to give."""
    print(f"minidl: {message}", file=sys.stderr)
    return status
