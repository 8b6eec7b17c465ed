"""Named arrays and JSON metadata in a checked file (checked_file.py) of kind "arrays".

    header (512 bytes)  "minidl arrays", the format version and the SHA-256 of the rest
    HDF5 (the rest)     attributes format ("minidl.arrays/1"), metadata (JSON text),
                        minidl_version, created; group arrays/ with one dataset per array,
                        each with the SHA-256 of its bytes, and the attribute
                        manifest (JSON: each array's dtype and shape as saved)

h5py opens such a file directly (the header is an HDF5 user block), so the layout is the one
documented for ``minidl.arrays/1``. ``load_arrays`` checks the header's digest and each array's
digest, so one flipped byte or a truncated copy is refused with a DataFileError naming the file
instead of returning a corrupted weight. Plain HDF5 files in the same layout without the header
(as minidl wrote them before the header existed, or as written by hand with h5py) still load:
they carry no digest to check.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping
from pathlib import Path

import h5py
import numpy as np

from .._checks import ArgumentTypeError, check_path, received
from ..errors import DataFileError
from ..version import __version__
from .checked_file import digest, json_attr, open_checked_file, put, write_checked_file

__all__ = ["ARRAYS_FORMAT", "KIND", "load_arrays", "save_arrays"]

ARRAYS_FORMAT = "minidl.arrays/1"
KIND = "arrays"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _checked_arrays(arrays: object) -> dict[str, np.ndarray]:
    """``arrays`` as a dict of valid names to real numeric ndarrays, or an error naming the
    entry: h5py would otherwise fail half-way through writing, or store what cannot be read
    back."""
    if not isinstance(arrays, Mapping):
        raise ArgumentTypeError(
            f"save_arrays: expected arrays as a dict of name -> array, received {type(arrays).__name__}"
        )
    checked = {}
    for name, arr in arrays.items():
        if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
            raise ValueError(
                f"save_arrays: expected array names as non-empty strings without '/', received {name!r}"
            )
        try:
            value = np.asarray(arr)
        except (ValueError, TypeError) as err:
            raise ValueError(
                f"save_arrays: array {name!r} is not a rectangular array of numbers ({err})"
            ) from err
        if value.dtype.kind not in "biuf":
            raise ValueError(
                f"save_arrays: expected real numeric arrays, received {name!r} with dtype "
                f"{value.dtype}"
            )
        checked[name] = value
    return checked


def save_arrays(
    path: str | os.PathLike, arrays: dict[str, np.ndarray], metadata: dict | None = None
) -> None:
    """Save named arrays and JSON-serialisable metadata to a checked HDF5 file, atomically.

    Everything is checked before the file is opened, so a refused call leaves the previous
    file (or no file) in place.

    Raises:
        TypeError: ``path`` is not a path, ``arrays`` not a dict, ``metadata`` not a dict or not
            JSON-serialisable.
        ValueError: an array name is empty or holds '/', or an array is not real numbers.
    """
    path = check_path(path, "path", "save_arrays")
    checked = _checked_arrays(arrays)
    if metadata is not None and not isinstance(metadata, Mapping):
        raise ArgumentTypeError(
            f"save_arrays: expected metadata as a dict or None, received {received(metadata)}"
        )
    try:
        text = json.dumps({**(metadata or {}), "minidl_version": __version__}, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ArgumentTypeError(
            f"save_arrays: metadata is not JSON-serialisable (numbers, text, lists, dicts; "
            f"finite numbers only): {err}"
        ) from err

    def fill(f: h5py.File) -> None:
        f.attrs["format"] = ARRAYS_FORMAT
        f.attrs["metadata"] = text
        group = f.create_group("arrays")
        group.attrs["manifest"] = json.dumps(
            {
                name: {"dtype": value.dtype.str, "shape": list(value.shape)}
                for name, value in checked.items()
            }
        )
        for name, value in checked.items():
            put(group, name, value)

    write_checked_file(path, KIND, fill, suffixes=None)


def _read_group(f: h5py.File, path: Path, checked: bool) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays and metadata of an open array file; with ``checked``, each array's digest
    must match the one stored beside it."""
    fmt = f.attrs.get("format")
    if isinstance(fmt, bytes):
        fmt = fmt.decode()
    if fmt != ARRAYS_FORMAT or "arrays" not in f or not isinstance(f["arrays"], h5py.Group):
        raise DataFileError(
            f"{path}: not a minidl array file (expected format {ARRAYS_FORMAT!r}, found {fmt!r})"
        )
    arrays = {}
    for name, item in f["arrays"].items():
        if not isinstance(item, h5py.Dataset) or item.dtype.kind not in "biuf":
            raise DataFileError(f"{path}: entry {name!r} is not a numeric array")
        array = np.asarray(item[()])
        if checked and item.attrs.get("sha256") != digest(array):
            raise DataFileError(
                f"{path}: array {name!r} fails its SHA-256 check: the file is corrupted"
            )
        arrays[name] = array
    metadata = json_attr(f, "metadata", path, DataFileError)
    return arrays, ({} if metadata is None else metadata)


def _what_changed(body: bytes) -> str:
    """For a file whose digest does not match: which array differs from what was saved (its
    dtype, shape or values), read from the manifest; empty when the contents cannot be read
    (a truncated file). Only names, dtypes and shapes are read, never a large array twice."""
    try:
        with h5py.File(io.BytesIO(body), "r") as f:
            group = f["arrays"]
            manifest = json.loads(group.attrs["manifest"])
            for name, saved in manifest.items():
                item = group.get(name)
                if not isinstance(item, h5py.Dataset):
                    return f": array {name!r} is missing"
                was = f"{np.dtype(saved['dtype'])} of shape {tuple(saved['shape'])}"
                now = f"{item.dtype} of shape {item.shape}"
                if was != now:
                    return f": array {name!r} was saved as {was}, the file holds {now}"
                if item.attrs.get("sha256") != digest(np.asarray(item[()])):
                    return f": array {name!r} holds other values than were saved"
            extra = sorted(set(group) - set(manifest))
            return f": arrays {extra} were not saved with it" if extra else ""
    except Exception:  # a damaged body may fail in any way; the digest has decided already
        return ""


def load_arrays(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Load a file written by ``save_arrays``; returns ``(arrays, metadata)``.

    Raises:
        TypeError: ``path`` is not a path.
        FileNotFoundError: no such file.
        DataFileError: the file is truncated, corrupted (a digest does not match), not HDF5,
            or not one of minidl's array files; the message names the file.
    """
    path = check_path(path, "path", "load_arrays")
    if not path.is_file():
        raise FileNotFoundError(f"load_arrays: no file at {path.resolve()}")
    with open(path, "rb") as f:
        start = f.read(len(_HDF5_SIGNATURE))
    if start != _HDF5_SIGNATURE:
        opened = open_checked_file(path, KIND, DataFileError, DataFileError, _what_changed)
        with opened as (path, f):
            return _read_group(f, path, checked=True)
    try:
        with h5py.File(path, "r") as f:
            return _read_group(f, path, checked=False)
    except DataFileError:
        raise
    except (OSError, RuntimeError, KeyError, ValueError, TypeError) as err:
        raise DataFileError(
            f"{path}: cannot be read ({err}); the file is truncated or corrupt"
        ) from err
