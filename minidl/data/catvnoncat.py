"""The course's cat/non-cat images: 209 training and 50 test RGB images of 64x64 pixels.

The two HDF5 files (train_catvnoncat.h5, test_catvnoncat.h5) are not shipped with minidl; put them
in one folder and point minidl at it. Folders are tried in this order:

    1. the ``data_dir`` argument,
    2. the environment variable ``MINIDL_DATA``,
    3. ``./data`` (relative to the working directory).

Every file is checked as it is read (datasets present, shapes, dtypes, labels in {0, 1}, class
names), so a truncated or foreign file fails here, naming the file, rather than later as a
puzzling shape error.
"""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from ..errors import DataFileError, DataNotFoundError

__all__ = ["CATVNONCAT_FILES", "find_data_file", "find_data_folder", "load_catvnoncat"]

CATVNONCAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")
_CLASSES = (b"non-cat", b"cat")


def _candidate_dirs(data_dir: str | os.PathLike | None) -> list[Path]:
    dirs = []
    if data_dir is not None:
        dirs.append(Path(data_dir))
    if os.environ.get("MINIDL_DATA"):
        dirs.append(Path(os.environ["MINIDL_DATA"]))
    dirs.append(Path("data"))
    return dirs


def find_data_folder(filenames: tuple[str, ...], data_dir: str | os.PathLike | None = None) -> Path:
    """Return the first folder, in the lookup order (see the module docstring), that holds every
    one of ``filenames``; files of one dataset always come from one folder.

    Raises:
        DataNotFoundError: naming the files, every folder tried with what it lacks, and how to
            provide them.
    """
    tried = []
    for d in _candidate_dirs(data_dir):
        missing = [name for name in filenames if not (d / name).is_file()]
        if not missing:
            return d
        tried.append(f"{d.resolve()} (missing {', '.join(missing)})")
    looked = "\n  ".join(tried)
    raise DataNotFoundError(
        f"{' and '.join(filenames)} not found together in one folder. Looked in:\n  {looked}\n"
        f"Copy the files into ./data, or set MINIDL_DATA=/path/to/folder, or pass "
        f"data_dir='/path/to/folder' (--data-dir on the command line)."
    )


def find_data_file(filename: str, data_dir: str | os.PathLike | None = None) -> Path:
    """Return the first existing ``folder / filename`` in the lookup order."""
    return find_data_folder((filename,), data_dir) / filename


def _read_split(path: Path, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x_key, y_key = f"{split}_set_x", f"{split}_set_y"
    try:
        with h5py.File(path, "r") as f:
            missing = [k for k in (x_key, y_key, "list_classes") if k not in f]
            if missing:
                raise DataFileError(
                    f"{path}: not a cat/non-cat {split} file: datasets {missing} are missing "
                    f"(found {sorted(f.keys())})"
                )
            x, y, classes = f[x_key][()], f[y_key][()], f["list_classes"][()]
    except DataFileError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as err:
        raise DataFileError(
            f"{path}: cannot be read as HDF5 ({err}); the file is truncated or not the course's "
            f"file. Copy it again."
        ) from err
    n = x.shape[0] if x.ndim else 0
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[1:] != (64, 64, 3):
        raise DataFileError(
            f"{path}: expected {x_key} as uint8 images (m, 64, 64, 3), received {x.dtype} {x.shape}"
        )
    if y.shape != (n,) or y.dtype.kind not in "iu" or not np.isin(y, (0, 1)).all():
        raise DataFileError(
            f"{path}: expected {y_key} as {n} integer labels in {{0, 1}}, received {y.dtype} {y.shape}"
        )
    if tuple(classes.tolist()) != _CLASSES:
        raise DataFileError(f"{path}: expected list_classes {list(_CLASSES)}, received {classes!r}")
    return x, y, classes


def load_catvnoncat(
    data_dir: str | os.PathLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load the data exactly as the course's ``load_data()`` returns it.

    Args:
        data_dir: folder holding the two .h5 files (default: ``$MINIDL_DATA``, then ``./data``).

    Returns:
        ``(train_x_orig, train_y, test_x_orig, test_y, classes)``:
        uint8 images (209, 64, 64, 3) and (50, 64, 64, 3), int64 labels (1, 209) and (1, 50)
        (a row, as the course keeps labels), and ``classes == array([b'non-cat', b'cat'])``.

    Raises:
        DataNotFoundError: a file is missing (the message lists where minidl looked).
        DataFileError: a file is truncated, foreign or has unexpected contents.

    Example:
        >>> train_x_orig, train_y, test_x_orig, test_y, classes = load_catvnoncat()
        >>> train_x = train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255.
    """
    folder = find_data_folder(CATVNONCAT_FILES, data_dir)
    train_x, train_y, _ = _read_split(folder / CATVNONCAT_FILES[0], "train")
    test_x, test_y, classes = _read_split(folder / CATVNONCAT_FILES[1], "test")
    return train_x, train_y.reshape(1, -1), test_x, test_y.reshape(1, -1), classes
