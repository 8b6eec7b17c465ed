"""What every subcommand of ``minidl`` shares: argument types, the help layout, output folders.

An argparse ``type=`` function turns the text typed after an option into a value, or raises
``argparse.ArgumentTypeError``; argparse then prints the usage and one line,
``minidl: <command>: argument --NAME: <message>`` (see ``Parser``), and exits with status 2,
before any data is loaded or any training starts. The messages quote what was typed
(``received '0'``), because that is what the user sees.

A subcommand's run function returns the exit status: 0 when it worked, 2 for input it cannot
use (a missing file, an output folder it cannot create), 1 when training fails. ``fail`` prints
the reason on stderr, where autograders and shells look for it.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ..data.wafer import MIN_IMAGE_SIZE

__all__ = [
    "MAX_WAFER_SIZE",
    "HelpFormatter",
    "Parser",
    "add_out_folder",
    "check_folder",
    "fail",
    "file_path",
    "keep_created_folders",
    "make_folder",
    "non_negative_int",
    "positive_float",
    "positive_int",
    "rate",
    "remove_created_folders",
    "run_folder",
    "sigma",
    "wafer_size",
]

MAX_WAFER_SIZE = 4096
"""The largest wafer side the commands accept: a run generates well over a hundred wafers, and
at 4096 x 4096 each already takes 16 MB, so a side typed with a digit too many fails at once
instead of running out of memory hours later."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Show '(default: X)' except where the help already explains a None default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None:
            return action.help or ""
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors end like every other refusal of the command, in
    one line starting ``minidl:`` (``minidl: train wafer: argument --size: expected ...``), so
    that a script needs to look for one prefix only; the usage is still shown above it."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        command = self.prog.removeprefix("minidl").strip()
        self.exit(2, f"minidl: {command + ': ' if command else ''}{message}\n")


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


def file_path(text: str) -> Path:
    """A file or folder name; the empty string is refused (``Path('')`` would be the current
    folder, which the user did not name)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a file name, received {text!r}")
    return Path(text)


def wafer_size(text: str) -> int:
    """A wafer image side in pixels, within what the wafer generator can draw (at least
    ``MIN_IMAGE_SIZE``) and at most ``MAX_WAFER_SIZE``."""
    expected = f"a wafer side in pixels from {MIN_IMAGE_SIZE} to {MAX_WAFER_SIZE}"
    return _parse(text, int, lambda value: MIN_IMAGE_SIZE <= value <= MAX_WAFER_SIZE, expected)


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
        "--out",
        type=file_path,
        default=None,
        help=f"output folder (default: runs/{name}-<timestamp>/)",
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


def check_folder(out: Path) -> bool:
    """Whether ``out`` could be made the output folder, without creating anything; False, after
    saying why, when it is a file, lies under a file, or under a folder that cannot be written.

    Called first, so that a bad ``--out`` is reported at once; the folder itself is created
    only once the inputs have been read (``make_folder``), so that a failed run leaves nothing.
    """
    if out.exists():
        if not out.is_dir():
            fail(f"cannot use {out} as the output folder: it is a file")
            return False
        return True
    parent = out.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        fail(f"cannot use {out} as the output folder: {parent} is a file, not a folder")
        return False
    if not os.access(parent, os.W_OK | os.X_OK):
        fail(f"cannot use {out} as the output folder: {parent} is not writable")
        return False
    return True


_created: list[Path] = []
"""The folders ``make_folder`` created during this command, outermost first."""


def make_folder(out: Path) -> bool:
    """Create ``out`` (and its parents); False, after saying why, when it cannot be.

    Called before any long computation, so that a bad ``--out`` never costs a finished run. The
    folders it creates are remembered, so that ``remove_created_folders`` can take them away
    again if the run fails.
    """
    missing = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        fail(f"cannot use {out} as the output folder: {err.strerror}")
        return False
    _created.extend(reversed(missing))
    return True


def keep_created_folders() -> None:
    """Forget the folders ``make_folder`` created: the run succeeded and they hold its files."""
    _created.clear()


def remove_created_folders() -> None:
    """Remove the folders ``make_folder`` created that are still empty, innermost first: a
    failed run leaves no empty folder behind (nor anything else, since every file is written
    only once its contents are ready)."""
    while _created:
        folder = _created.pop()
        try:
            folder.rmdir()
        except OSError:  # not empty, or gone already
            pass


def fail(message: str, status: int = 2) -> int:
    """Print ``minidl: <message>`` on stderr and return ``status``, the exit status to give."""
    print(f"minidl: {message}", file=sys.stderr)
    return status
