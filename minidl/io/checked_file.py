"""The checked file: HDF5 behind a 512-byte header holding the SHA-256 of everything after it.

    header (512 bytes)  "minidl <kind>\\n", "format 1\\n", "sha256 <64 hex digits>\\n", zeros
    HDF5 (the rest)     what that kind of file stores, and the attributes minidl_version and
                        created (UTC)

HDF5 skips a "user block" at the start of a file, so h5py opens these files as ordinary HDF5.
The header's digest covers every byte after it, so a truncated file, or one with any byte
changed, is refused before h5py reads it; each array is stored with a SHA-256 of its own too
(``put``). Reading refuses any dataset or attribute that is not plain numbers or text (where a
pickled object could hide): nothing is ever unpickled or evaluated. Files are written
atomically (atomic.py): a crash while saving leaves the old file or the new one.

Model and weights files (minidl.saving), detection pipelines and array files (arrays.py) are
files of this kind. The container lives with the other file formats in the foundation layer so
that every layer can write checked files; each reader passes the error class its callers catch
(ModelFileError for models, DataFileError for arrays).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
from pathlib import Path

import h5py
import numpy as np

from ..errors import ModelFileError, ModelFileNotFoundError
from ..version import __version__
from .atomic import atomic_path

__all__ = [
    "FORMAT_VERSION",
    "HEADER_SIZE",
    "SUFFIXES",
    "datasets",
    "digest",
    "json_attr",
    "open_checked_file",
    "put",
    "write_checked_file",
]

FORMAT_VERSION = 1
HEADER_SIZE = 512
# '.keras' is accepted so that Keras notebooks port unchanged; the file is minidl's format.
SUFFIXES = (".h5", ".minidl", ".keras")


def _header(kind: str, digest: str) -> bytes:
    text = f"minidl {kind}\nformat {FORMAT_VERSION}\nsha256 {digest}\n".encode("ascii")
    return text + b"\0" * (HEADER_SIZE - len(text))


def _checked_body(
    path: Path,
    kinds: tuple[str, ...],
    error=ModelFileError,
    not_found=ModelFileNotFoundError,
    explain=None,
) -> bytes:
    """The HDF5 part of a minidl file of one of ``kinds``, after checking the header and the
    digest; ``error`` is raised for a damaged file, ``not_found`` for a missing one.
    ``explain(body)``, when given, says what differs in a file whose digest does not match
    (which array changed), so the message points at the damage."""
    if not path.is_file():
        raise not_found(f"{path}: no such file")
    data = path.read_bytes()
    head = data[:HEADER_SIZE]
    lines = head.rstrip(b"\0").split(b"\n")
    kind = next((k for k in kinds if head.startswith(f"minidl {k}\n".encode())), None)
    if kind is None:
        if head.startswith(b"minidl "):
            other = lines[0].decode("ascii", "replace")
            raise error(f"{path}: expected a minidl {kinds[0]} file, found a '{other}' file")
        found = (
            "an HDF5 file not written by minidl"
            if head.startswith(b"\x89HDF")
            else ("an empty file" if not data else f"a file starting with {data[:16]!r}")
        )
        raise error(f"{path}: not a minidl {kinds[0]} file ({found})")
    try:
        version = int(lines[1].removeprefix(b"format "))
        digest = lines[2].removeprefix(b"sha256 ").decode("ascii")
    except (IndexError, ValueError, UnicodeDecodeError) as err:
        raise error(f"{path}: the header is damaged ({err})") from err
    if version > FORMAT_VERSION:
        raise error(
            f"{path}: written in format {version} by a newer minidl; this minidl reads format "
            f"{FORMAT_VERSION} and older: upgrade minidl to load it"
        )
    if head != _header(kind, digest)[: len(head)] or len(data) <= HEADER_SIZE:
        raise error(f"{path}: the header is damaged or the file is truncated")
    if hashlib.sha256(data[HEADER_SIZE:]).hexdigest() != digest:
        detail = explain(data[HEADER_SIZE:]) if explain is not None else ""
        raise error(
            f"{path}: checksum mismatch: the file is truncated or corrupted (SHA-256 of its "
            f"contents differs from the one recorded when it was saved){detail}"
        )
    return data[HEADER_SIZE:]


def _write(path, kind: str, fill, suffixes: tuple[str, ...] | None = SUFFIXES) -> None:
    """Write an HDF5 file with ``fill(h5file)`` behind a header, atomically (any file name when
    ``suffixes`` is None)."""
    path = Path(path)
    if suffixes is not None and path.suffix not in suffixes:
        raise ValueError(
            f"save: expected a file name ending in {' or '.join(SUFFIXES)}, received {str(path)!r}"
        )
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w", userblock_size=HEADER_SIZE) as f:
            fill(f)
        with open(tmp, "r+b") as f:
            f.seek(HEADER_SIZE)
            digest = hashlib.sha256(f.read()).hexdigest()
            f.seek(0)
            f.write(_header(kind, digest))
            f.flush()
            os.fsync(f.fileno())


def digest(array: np.ndarray) -> str:
    """The SHA-256 of an array's bytes (C order), as stored beside each dataset."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def put(group: h5py.Group, name: str, array: np.ndarray) -> None:
    """Store ``array`` as the dataset ``name`` of ``group``, with its SHA-256 as an attribute."""
    dataset = group.create_dataset(name, data=array)
    dataset.attrs["sha256"] = digest(array)


def _stamp(f: h5py.Group) -> None:
    f.attrs["minidl_version"] = __version__
    f.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _refuse_objects(f: h5py.File, path: Path, error=ModelFileError) -> None:
    """Every dataset must hold plain numbers; every attribute, a number or a short text."""

    def check_attrs(name, obj) -> None:
        for key in obj.attrs:
            try:
                value = obj.attrs[key]
            except (OSError, TypeError, ValueError) as err:
                raise error(f"{path}: unreadable attribute {key!r} on {name!r}") from err
            if not isinstance(value, (str, int, float, np.integer, np.floating)):
                raise error(
                    f"{path}: attribute {key!r} on {name!r} is not a number or text "
                    f"({type(value).__name__}); refusing to read it"
                )

    def visit(name, obj) -> None:
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind not in "biuf":
            raise error(
                f"{path}: dataset {name!r} holds {obj.dtype} values, not numbers; refusing to "
                f"read it (minidl files hold numbers and text only)"
            )
        check_attrs(name, obj)

    check_attrs("/", f)
    f.visititems(visit)


@contextlib.contextmanager
def _reading(path: Path, error=ModelFileError):
    """Whatever goes wrong while parsing a file becomes ``error`` naming it: a file that
    passed the checksum can still have been crafted (then re-sealed) to confuse h5py."""
    try:
        yield
    except error:
        raise
    except (
        OSError,
        RuntimeError,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        MemoryError,
        OverflowError,
    ) as err:
        raise error(f"{path}: cannot be read ({type(err).__name__}: {err})") from err


def _open(
    path,
    kinds: tuple[str, ...],
    error=ModelFileError,
    not_found=ModelFileNotFoundError,
    explain=None,
):
    path = Path(path)
    body = _checked_body(path, kinds, error, not_found, explain)
    try:
        return path, h5py.File(io.BytesIO(body), "r")
    except OSError as err:
        raise error(f"{path}: not a readable HDF5 file ({err})") from err


def json_attr(f: h5py.Group, key: str, path: Path, error=ModelFileError):
    """The attribute ``key`` parsed as JSON (None when absent), or ``error`` naming the file
    when it is not valid JSON."""
    value = f.attrs.get(key)
    if value is None:
        return None
    try:
        return json.loads(value)
    except (TypeError, ValueError) as err:
        raise error(f"{path}: attribute {key!r} is not valid JSON ({err})") from err


def datasets(group: h5py.Group) -> list[tuple[str, h5py.Dataset]]:
    """(path inside ``group``, dataset) for every dataset below ``group``, at any depth."""
    found = []
    group.visititems(lambda n, o: found.append((n, o)) if isinstance(o, h5py.Dataset) else None)
    return found


def write_checked_file(path, kind: str, fill, suffixes: tuple[str, ...] | None = SUFFIXES) -> None:
    """Write a minidl file of ``kind`` (header, checksum, atomic): ``fill(h5file)`` writes the
    contents; the version and creation time are added. The name must end in one of
    ``suffixes`` (any name when None), so that a model is not saved under a name that reads as
    another format."""

    def stamped(f: h5py.File) -> None:
        _stamp(f)
        fill(f)

    _write(path, kind, stamped, suffixes)


@contextlib.contextmanager
def open_checked_file(
    path,
    kind: str | tuple[str, ...],
    error=ModelFileError,
    not_found=ModelFileNotFoundError,
    explain=None,
):
    """Yield ``(path, h5file)`` for a minidl file of ``kind`` (or of any of several kinds) after
    every check: header, checksum, numbers and text only. Whatever goes wrong while the caller
    reads it inside the block becomes ``error`` naming the file (``not_found`` when there is no
    file); ``explain(body)`` may add to a checksum mismatch what differs in the contents."""
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    path, f = _open(path, kinds, error, not_found, explain)
    with f, _reading(path, error):
        _refuse_objects(f, path, error)
        yield path, f
