"""Saving and loading without pickle, and without ever leaving a half-written file.

Arrays go to HDF5 (one dataset per array, plus JSON metadata in an attribute); reports go to
JSON. Nothing is ever unpickled: loading reads numbers and text only, so a file from a stranger
cannot run code.

Atomic writes: every file is first written to a temporary file in the destination folder,
flushed and fsynced, then renamed over the destination with ``os.replace``. A crash or a full disk
leaves either the old file or the new one, never a mixture.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from .errors import DataFileError
from .version import __version__

__all__ = ["ARRAYS_FORMAT", "atomic_path", "load_arrays", "save_arrays", "write_json"]

ARRAYS_FORMAT = "minidl.arrays/1"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success, fsync it and move it onto ``path``.

    Example:
        >>> with atomic_path("out/curve.png") as tmp:
        ...     fig.savefig(tmp, format="png")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file ordinary permissions
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def save_arrays(
    path: str | os.PathLike, arrays: dict[str, np.ndarray], metadata: dict | None = None
) -> None:
    """Save named arrays and JSON-serialisable metadata to an HDF5 file, atomically."""
    for name, arr in arrays.items():
        if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
            raise ValueError(
                f"save_arrays: expected array names as non-empty strings without '/', received {name!r}"
            )
        if np.asarray(arr).dtype.kind not in "biuf":
            raise ValueError(
                f"save_arrays: expected real numeric arrays, received {name!r} with dtype "
                f"{np.asarray(arr).dtype}"
            )
    meta = {**(metadata or {}), "minidl_version": __version__}
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = ARRAYS_FORMAT
            f.attrs["metadata"] = json.dumps(meta)
            group = f.create_group("arrays")
            for name, arr in arrays.items():
                group.create_dataset(name, data=np.asarray(arr))


def load_arrays(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Load a file written by ``save_arrays``; returns ``(arrays, metadata)``.

    Raises:
        FileNotFoundError: no such file.
        DataFileError: the file is truncated, not HDF5, or not one of minidl's array files.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_arrays: no file at {path.resolve()}")
    try:
        with h5py.File(path, "r") as f:
            fmt = f.attrs.get("format")
            if isinstance(fmt, bytes):
                fmt = fmt.decode()
            if fmt != ARRAYS_FORMAT or "arrays" not in f or not isinstance(f["arrays"], h5py.Group):
                raise DataFileError(
                    f"{path}: not a minidl array file (expected format {ARRAYS_FORMAT!r}, "
                    f"found {fmt!r})"
                )
            arrays = {}
            for name, item in f["arrays"].items():
                if not isinstance(item, h5py.Dataset) or item.dtype.kind not in "biuf":
                    raise DataFileError(f"{path}: entry {name!r} is not a numeric array")
                arrays[name] = np.asarray(item[()])
            metadata = json.loads(f.attrs.get("metadata", "{}"))
    except DataFileError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as err:
        raise DataFileError(
            f"{path}: cannot be read ({err}); the file is truncated or corrupt"
        ) from err
    return arrays, metadata
