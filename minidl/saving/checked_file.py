"""The checked file as minidl.saving uses it: the container of ``minidl.io.checked_file``
(HDF5 behind a 512-byte header holding the SHA-256 of everything after it, a digest per array,
numbers and text only, atomic writes), whose failures are ModelFileErrors by default.

The container belongs to the foundation layer so that ``minidl.io.save_arrays`` writes the
same checked files as ``save_model``; these names are the ones model_file.py and
minidl.detect read model files with.
"""

from __future__ import annotations

from ..io.checked_file import (
    FORMAT_VERSION,
    HEADER_SIZE,
    SUFFIXES,
    _header,  # noqa: F401  (the header a file's tests rebuild by hand)
    datasets,
    digest,
    json_attr,
    open_checked_file,
    put,
    write_checked_file,
)

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
