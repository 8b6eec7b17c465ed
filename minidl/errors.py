"""minidl's own exceptions, so that callers can catch minidl's failures by type.

Each also derives from the built-in exception a Python user would expect, so ``except
FileNotFoundError`` or ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "ArgumentTypeError",
    "DataFileError",
    "DataNotFoundError",
    "MinidlError",
    "ModelFileError",
    "ModelFileNotFoundError",
]


class MinidlError(Exception):
    """Base class of minidl's errors."""


class ArgumentTypeError(MinidlError, TypeError, ValueError):
    """An argument of the wrong type: a string where a number belongs, a float where a count does.

    It is a TypeError, as Python's own functions raise for a wrong type, and also a ValueError,
    so that ``except ValueError`` around any of minidl's argument checks catches every refusal
    (as ``numpy.exceptions.AxisError`` is both a ValueError and an IndexError)."""


class DataNotFoundError(MinidlError, FileNotFoundError):
    """A data file is in none of the places minidl looked."""


class DataFileError(MinidlError, ValueError):
    """A file exists but is not what minidl expected: truncated, foreign or tampered with."""


class ModelFileError(MinidlError, ValueError):
    """A saved model or weights file cannot be loaded: missing, foreign, truncated, corrupted,
    written by a newer minidl, or holding something other than numbers and text."""


class ModelFileNotFoundError(ModelFileError, FileNotFoundError):
    """No file at the path given to ``load_model`` or ``load_weights``."""
