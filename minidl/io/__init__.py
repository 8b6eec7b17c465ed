"""Saving and loading without pickle, and without ever leaving a half-written file.

Arrays go to HDF5 (one dataset per array, plus JSON metadata in an attribute) inside a checked
file: a header holding the SHA-256 of the contents, and a digest per array, so that a truncated
or corrupted file is refused instead of loading as wrong numbers. Reports go to JSON. Nothing is
ever unpickled: loading reads numbers and text only, so a file from a stranger cannot run code.

atomic.py        atomic_path and write_json: a crash or a full disk leaves the old file or the
                 new one, never a mixture
checked_file.py  the container: HDF5 behind a header holding its SHA-256, numbers and text only
                 (model, weights and pipeline files are checked files too, see minidl.saving)
arrays.py        save_arrays and load_arrays: named arrays and metadata in a checked file
"""

from .arrays import ARRAYS_FORMAT, load_arrays, save_arrays
from .atomic import atomic_path, write_json

__all__ = ["ARRAYS_FORMAT", "atomic_path", "load_arrays", "save_arrays", "write_json"]
