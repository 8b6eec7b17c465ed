"""Input checks shared by every public entry point.

Each check names the caller (``where``), the argument, what was expected and what was received,
so that a student reading the message knows which call to fix. Checks never modify their input.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import numbers
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .errors import ArgumentTypeError

__all__ = [
    "ArgumentTypeError",
    "as_float_array",
    "as_gradient",
    "build_from_config",
    "check_binary_labels",
    "check_bool",
    "check_cache",
    "check_int",
    "check_number",
    "check_path",
    "check_same_shape",
    "check_unit",
    "from_identifier",
    "is_real",
    "received",
    "register_class",
    "values_unchecked",
]


_finite_checks = [True]


@contextlib.contextmanager
def values_unchecked() -> Iterator[None]:
    """Skip the NaN/inf scan of ``as_float_array`` inside the block (shapes and dtypes are still
    checked). A model's training loop validates its data once, up front; inside it, activations
    are minidl's own results, and a diverging network must surface as a NaN loss (which
    ``TerminateOnNaN`` watches for), not as an error in some middle layer."""
    _finite_checks.append(False)
    try:
        yield
    finally:
        _finite_checks.pop()


def _describe(x: object) -> str:
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__}"


def as_float_array(
    x: object,
    name: str,
    where: str,
    ndim: int | tuple[int, ...] | None = None,
    allow_empty: bool = False,
) -> np.ndarray:
    """Return ``x`` as a floating-point ndarray, or raise a message a student can act on.

    Float arrays pass through unchanged (no copy), so float32 stays float32. Integer and boolean
    arrays are converted to float64. Anything else (strings, objects, complex) is refused, as are
    NaN and infinite values, which would otherwise surface many steps later as a NaN cost.
    """
    if isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, (list, tuple, int, float, np.number)):
        arr = np.asarray(x)
    else:
        raise TypeError(f"{where}: expected {name} as a NumPy array, received {_describe(x)}")
    if arr.dtype.kind in "iub":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise TypeError(
            f"{where}: expected {name} with a real numeric dtype (float32 or float64), "
            f"received dtype {arr.dtype}"
        )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{where}: expected {name} to be {want}, received shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(
            f"{where}: {name} is empty (shape {arr.shape}); expected at least one example"
        )
    if _finite_checks[-1] and not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{where}: {name} contains {bad} NaN or infinite value(s); expected finite numbers"
        )
    return arr


def is_real(x: object) -> bool:
    """True for a real number (Python's, NumPy's, a Fraction) that is not a bool: True is not a
    count of 1."""
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _bound(x: float) -> str:
    """A bound as a student wrote it: 1 and 1000000 as such, 0.5 and 1e-07 as Python shows them."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else repr(float(x))


def _interval(minimum, maximum, open_low: bool, open_high: bool) -> str:
    if minimum is None and maximum is None:
        return ""
    low, high = ("(" if open_low else "["), (")" if open_high else "]")
    if maximum is None:
        return f" {'>' if open_low else '>='} {_bound(minimum)}"
    if minimum is None:
        return f" {'<' if open_high else '<='} {_bound(maximum)}"
    return f" in {low}{_bound(minimum)}, {_bound(maximum)}{high}"


def received(value: object) -> str:
    """What a message says was received: the type, then the value as Python writes it (a NumPy
    scalar by its plain value, so np.float64(2.0) reads 'float64 2.0'); None as 'None'."""
    if value is None:
        return "None"
    shown = value.item() if isinstance(value, np.generic) else value
    return f"{type(value).__name__} {shown!r}"


def check_number(
    value: object,
    name: str,
    where: str,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    open_low: bool = False,
    open_high: bool = False,
    integer: bool = False,
    allow_none: bool = False,
    allow_inf: bool = False,
    expected: str | None = None,
) -> float | int | None:
    """``value`` as a float (an int with ``integer``), or an error a student can act on.

    Args:
        value: what the caller received.
        name, where: the argument's name and the function or layer that checks it.
        minimum, maximum: the allowed interval (None: unbounded on that side), closed unless
            ``open_low`` / ``open_high``.
        integer: only whole numbers of an integer type (2.0 is refused: a count is an int).
        allow_none: None passes through unchanged.
        allow_inf: infinity passes the check (a bound like ``baseline`` may be infinite); NaN
            never does.
        expected: how the message names what was expected; built from the arguments when None,
            e.g. "an integer >= 1", "a number in [0, 1)".

    Raises:
        ArgumentTypeError: not a real number (a string, a bool, None without ``allow_none``).
        ValueError: NaN, infinite, or outside the interval.
    """
    if value is None and allow_none:
        return None
    if expected is None:
        expected = ("an integer" if integer else "a number") + _interval(
            minimum, maximum, open_low, open_high
        )
        if allow_none:
            expected += " or None"
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
        raise ArgumentTypeError(
            f"{where}: expected {name} as {expected}, received {received(value)}"
        )
    try:
        number = int(value) if integer else float(value)
    except OverflowError:  # an int too large for a float: 10**400
        number = math.inf if value > 0 else -math.inf
    ok = not math.isnan(number) and (allow_inf or math.isfinite(number))
    ok = ok and (minimum is None or (number > minimum if open_low else number >= minimum))
    ok = ok and (maximum is None or (number < maximum if open_high else number <= maximum))
    if not ok:
        plain = value.item() if isinstance(value, np.generic) else value
        raise ValueError(f"{where}: expected {name} as {expected}, received {plain!r}")
    return number


def check_int(
    value: object,
    name: str,
    where: str,
    minimum: int | None = None,
    maximum: int | None = None,
    *,
    allow_none: bool = False,
    expected: str | None = None,
) -> int | None:
    """``value`` as a Python int within [minimum, maximum] (``check_number`` with integer=True)."""
    return check_number(
        value,
        name,
        where,
        minimum,
        maximum,
        integer=True,
        allow_none=allow_none,
        expected=expected,
    )


def check_unit(
    value: object,
    name: str,
    where: str,
    *,
    open_low: bool = False,
    open_high: bool = False,
    expected: str | None = None,
) -> float:
    """A probability, rate or fraction: a float in [0, 1] (either end open on request)."""
    return check_number(
        value, name, where, 0.0, 1.0, open_low=open_low, open_high=open_high, expected=expected
    )


def check_bool(value: object, name: str, where: str) -> bool:
    """True or False (NumPy's bools too); 0 and 1 are refused, as they usually mean a count."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(
            f"{where}: expected {name} as True or False, received {received(value)}"
        )
    return bool(value)


def register_class(table: dict[str, type], cls: type, where: str) -> type:
    """Enter ``cls`` in a table of classes by name (the tables files are read back with), and
    return it, so that this serves as a class decorator's body.

    The same class again (a module reloaded, as IPython's autoreload does) replaces its entry;
    another class of the same name is refused, since a saved file could not tell them apart.
    """
    old = table.get(cls.__name__)
    if old is not None and (old.__module__, old.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(
            f"{where}: a class named {cls.__name__!r} is registered already "
            f"({old.__module__}.{old.__qualname__}); expected a new name"
        )
    table[cls.__name__] = cls
    return cls


def build_from_config(cls, config: object):
    """``cls(**config)`` after checking that config is a dict of ``cls``'s own arguments, so a
    malformed saved configuration fails with a message instead of an odd TypeError."""
    if not isinstance(config, dict):
        raise TypeError(
            f"{cls.__name__}.from_config: expected a dict, received {type(config).__name__}"
        )
    allowed = inspect.signature(cls).parameters
    unknown = sorted(set(config) - set(allowed))
    if unknown:
        raise ValueError(
            f"{cls.__name__}.from_config: expected arguments among {sorted(allowed)}, "
            f"received unknown {unknown}"
        )
    return cls(**config)


def from_identifier(identifier: object, by_name: dict, what: str, known: str):
    """A new object from a name ('adam', case-insensitive) or a ``{'class_name', 'config'}``
    dict, looked up in the fixed table ``by_name``; names from a file are never imported.

    Raises:
        ValueError: an unknown name or class name, or a malformed dict (``what`` names the kind,
            ``known`` lists the accepted names).
    """
    if isinstance(identifier, str) and identifier.lower() in by_name:
        return by_name[identifier.lower()]()
    if isinstance(identifier, dict):
        if set(identifier) - {"class_name", "config"} or "class_name" not in identifier:
            raise ValueError(
                f"{what}s.get: expected a dict with keys 'class_name' and 'config', "
                f"received keys {sorted(identifier)}"
            )
        name = identifier["class_name"]
        if isinstance(name, str) and name.lower() in by_name:
            return by_name[name.lower()].from_config(identifier.get("config", {}))
        raise ValueError(f"{what}s.get: unknown class_name {name!r}; expected one of {known}")
    raise ValueError(f"{what}s.get: unknown {what} {identifier!r}; expected one of {known}")


def check_same_shape(a: np.ndarray, b: np.ndarray, names: tuple[str, str], where: str) -> None:
    """Raise unless two arrays have identical shapes (no silent broadcasting of labels)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{where}: expected {names[0]} and {names[1]} to have the same shape, "
            f"received {names[0]} {a.shape} and {names[1]} {b.shape}"
        )


def check_binary_labels(
    y: np.ndarray, name: str, where: str, soft: bool = False, hint: str = ""
) -> None:
    """Raise unless labels are 0/1 (or, with ``soft``, anywhere in [0, 1]); ``hint`` is appended."""
    # Written as "not inside" so that NaN, which fails every comparison, is caught too.
    if soft:
        bad = ~((y >= 0) & (y <= 1))
        want = "values in [0, 1]"
    else:
        bad = ~((y == 0) | (y == 1))
        want = "values in {0, 1}"
    if bad.any():
        found = np.unique(y[bad])[:5]
        raise ValueError(
            f"{where}: expected {name} with {want}, received values such as {found.tolist()}{hint}"
        )


def check_path(value: object, name: str, where: str) -> Path:
    """``value`` as a Path: a str or os.PathLike naming a file. A number, None or an open file
    would otherwise fail deep inside ``open`` or h5py with a message that names neither the
    caller nor the argument."""
    if isinstance(value, (str, os.PathLike)) and not isinstance(value, bytes):
        path = Path(value)
        if str(value) != "" and str(path) not in ("", "."):
            return path
        raise ValueError(f"{where}: expected {name} as a file path, received an empty path")
    raise ArgumentTypeError(
        f"{where}: expected {name} as a file path (a str or pathlib.Path), received "
        f"{received(value)}"
    )


def as_gradient(
    dout: object, shape: tuple, name: str, where: str, of: str = "the forward output"
) -> np.ndarray:
    """``as_float_array`` of an upstream gradient, which must have exactly ``shape`` (that of
    ``of``): a gradient that merely broadcasts would give every parameter a wrong sum."""
    dout = as_float_array(dout, name, where, allow_empty=True)
    if dout.shape != tuple(shape):
        raise ValueError(
            f"{where}: expected {name} of shape {tuple(shape)} ({of}), received {dout.shape}"
        )
    return dout


def check_cache(cache: object, n: int, where: str, made_by: str) -> tuple:
    """The cache a forward function returned: a tuple of ``n`` items (``n`` None: one array)."""
    ok = (
        isinstance(cache, np.ndarray) if n is None else isinstance(cache, tuple) and len(cache) == n
    )
    if not ok:
        raise TypeError(
            f"{where}: expected the cache that {made_by} returned, received {_describe(cache)}"
        )
    return cache
