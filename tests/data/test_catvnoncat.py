"""``minidl.data.load_catvnoncat``: the course's files, the folder lookup order and broken files.

Expected values come from reading the .h5 files with h5py directly (never through minidl), from
the course's published sizes (209 training and 50 test images of 64x64 pixels), or from small
files the tests write themselves into ``tmp_path``.
"""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from minidl.data import load_catvnoncat
from minidl.errors import DataFileError, DataNotFoundError

TRAIN, TEST = "train_catvnoncat.h5", "test_catvnoncat.h5"
FILES = {"train": TRAIN, "test": TEST}
CLASSES = np.array([b"non-cat", b"cat"])


@pytest.fixture(scope="module")
def course_folder(cat_data) -> Path:
    """The folder the conftest fixture loaded the course's files from (skips when absent)."""
    return Path(os.environ.get("MINIDL_DATA") or Path(__file__).parents[2] / "data")


@pytest.fixture(scope="module")
def h5_contents(course_folder) -> dict[str, dict[str, np.ndarray]]:
    """Every dataset of both files, read with h5py alone."""
    out = {}
    for split, name in FILES.items():
        with h5py.File(course_folder / name, "r") as f:
            out[split] = {key: f[key][()] for key in f}
    return out


def write_split(
    path: Path,
    split: str,
    m: int = 3,
    *,
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    classes: np.ndarray | None = CLASSES,
) -> Path:
    """Write a small file laid out like the course's (``{split}_set_x``, ``_y``, ``list_classes``)."""
    x = np.zeros((m, 64, 64, 3), dtype=np.uint8) if x is None else x
    y = (np.arange(m) % 2).astype(np.int64) if y is None else y
    with h5py.File(path, "w") as f:
        f.create_dataset(f"{split}_set_x", data=x)
        f.create_dataset(f"{split}_set_y", data=y)
        if classes is not None:
            f.create_dataset("list_classes", data=classes)
    return path


def write_folder(folder: Path, m_train: int, m_test: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_split(folder / TRAIN, "train", m_train)
    write_split(folder / TEST, "test", m_test)
    return folder


# -- the course's files -----------------------------------------------------------------------------
def test_shapes_and_dtypes_match_the_course(cat_data):
    train_x, train_y, test_x, test_y, classes = cat_data
    assert train_x.shape == (209, 64, 64, 3) and train_x.dtype == np.uint8
    assert test_x.shape == (50, 64, 64, 3) and test_x.dtype == np.uint8
    assert train_y.shape == (1, 209) and test_y.shape == (1, 50)
    for y in (train_y, test_y):
        assert y.dtype.kind in "iu"
        assert set(np.unique(y).tolist()) == {0, 1}
    np.testing.assert_array_equal(classes, CLASSES)


def test_contents_equal_the_files_read_with_h5py(cat_data, h5_contents):
    train_x, train_y, test_x, test_y, classes = cat_data
    train, test = h5_contents["train"], h5_contents["test"]
    np.testing.assert_array_equal(train_x, train["train_set_x"])
    np.testing.assert_array_equal(test_x, test["test_set_x"])
    np.testing.assert_array_equal(train_y, train["train_set_y"].reshape(1, -1))
    np.testing.assert_array_equal(test_y, test["test_set_y"].reshape(1, -1))
    np.testing.assert_array_equal(classes, test["list_classes"])


def test_label_counts(cat_data, h5_contents):
    _, train_y, _, test_y, _ = cat_data
    # Counted with h5py; the course's files hold 72 cats of 209 and 33 cats of 50.
    train_cats = int(np.sum(h5_contents["train"]["train_set_y"] == 1))
    test_cats = int(np.sum(h5_contents["test"]["test_set_y"] == 1))
    assert (train_cats, test_cats) == (72, 33)
    assert int(np.sum(train_y == 1)) == train_cats and int(np.sum(train_y == 0)) == 209 - 72
    assert int(np.sum(test_y == 1)) == test_cats and int(np.sum(test_y == 0)) == 50 - 33


def test_reads_symlinked_course_files_from_cwd_data(course_folder, no_env, cat_data):
    (no_env / "data").mkdir()
    for name in (TRAIN, TEST):
        (no_env / "data" / name).symlink_to((course_folder / name).resolve())
    train_x, train_y, test_x, test_y, classes = load_catvnoncat()
    for got, want in zip((train_x, train_y, test_x, test_y, classes), cat_data, strict=True):
        np.testing.assert_array_equal(got, want)


# -- lookup order: argument, then $MINIDL_DATA, then ./data ------------------------------------------
# Each folder holds files with its own number of images, so the shapes tell which folder was read.
@pytest.fixture
def three_folders(no_env, tmp_path):
    arg = write_folder(tmp_path / "arg", 1, 4)
    env = write_folder(tmp_path / "env", 2, 5)
    write_folder(no_env / "data", 3, 6)
    return arg, env


def _sizes(result) -> tuple[int, int]:
    return result[0].shape[0], result[2].shape[0]


def test_argument_beats_environment_and_cwd(three_folders, monkeypatch):
    arg, env = three_folders
    monkeypatch.setenv("MINIDL_DATA", str(env))
    assert _sizes(load_catvnoncat(arg)) == (1, 4)
    assert _sizes(load_catvnoncat(str(arg))) == (1, 4)


def test_environment_beats_cwd(three_folders, monkeypatch):
    _, env = three_folders
    monkeypatch.setenv("MINIDL_DATA", str(env))
    assert _sizes(load_catvnoncat()) == (2, 5)


def test_cwd_data_is_the_last_resort(three_folders, monkeypatch):
    assert _sizes(load_catvnoncat()) == (3, 6)
    monkeypatch.setenv("MINIDL_DATA", "")  # an empty variable counts as unset
    assert _sizes(load_catvnoncat()) == (3, 6)


def test_relative_data_is_relative_to_the_working_directory(three_folders, tmp_path, monkeypatch):
    other = write_folder(tmp_path / "other" / "data", 7, 8).parent
    monkeypatch.chdir(other)
    assert _sizes(load_catvnoncat()) == (7, 8)


# -- missing files --------------------------------------------------------------------------------
def test_missing_everywhere_names_file_folders_and_remedies(no_env, tmp_path, monkeypatch):
    arg, env = tmp_path / "arg", tmp_path / "env"
    arg.mkdir()
    env.mkdir()
    monkeypatch.setenv("MINIDL_DATA", str(env))
    with pytest.raises(DataNotFoundError) as info:
        load_catvnoncat(arg)
    err = info.value
    assert isinstance(err, FileNotFoundError)
    message = str(err)
    assert TRAIN in message
    for folder in (arg, env, no_env / "data"):
        assert str(folder.resolve()) in message, folder
    assert "MINIDL_DATA" in message
    assert "./data" in message


def test_missing_test_file_is_named(no_env, tmp_path):
    folder = tmp_path / "half"
    folder.mkdir()
    write_split(folder / TRAIN, "train")
    with pytest.raises(DataNotFoundError) as info:
        load_catvnoncat(folder)
    assert TEST in str(info.value)
    assert str(folder.resolve()) in str(info.value)


def test_missing_without_argument_lists_cwd_data(no_env):
    with pytest.raises(FileNotFoundError) as info:
        load_catvnoncat()
    assert str((no_env / "data").resolve()) in str(info.value)
    assert "MINIDL_DATA" in str(info.value)


# -- broken files ---------------------------------------------------------------------------------
def _foreign(path: Path, split: str) -> None:
    with h5py.File(path, "w") as f:
        f.create_dataset("weights", data=np.ones((3, 3)))
        f.create_dataset("list_classes", data=CLASSES)


BROKEN = {
    "foreign HDF5": _foreign,
    "images 32x32": lambda p, s: write_split(p, s, x=np.zeros((3, 32, 32, 3), np.uint8)),
    "images grayscale": lambda p, s: write_split(p, s, x=np.zeros((3, 64, 64), np.uint8)),
    "images float64": lambda p, s: write_split(p, s, x=np.zeros((3, 64, 64, 3))),
    "images int16": lambda p, s: write_split(p, s, x=np.zeros((3, 64, 64, 3), np.int16)),
    "label 2": lambda p, s: write_split(p, s, y=np.array([0, 1, 2])),
    "label -1": lambda p, s: write_split(p, s, y=np.array([0, -1, 1])),
    "labels float": lambda p, s: write_split(p, s, y=np.array([0.0, 1.0, 0.0])),
    "labels too many": lambda p, s: write_split(p, s, y=np.array([0, 1, 0, 1])),
    "labels as a column": lambda p, s: write_split(p, s, y=np.array([[0], [1], [0]])),
    "classes renamed": lambda p, s: write_split(p, s, classes=np.array([b"dog", b"cat"])),
    "classes swapped": lambda p, s: write_split(p, s, classes=np.array([b"cat", b"non-cat"])),
    "classes missing": lambda p, s: write_split(p, s, classes=None),
    "text renamed .h5": lambda p, s: p.write_text("train_set_x,train_set_y\n1,0\n"),
    "empty file": lambda p, s: p.write_bytes(b""),
}


@pytest.mark.parametrize("split", ["train", "test"])
@pytest.mark.parametrize("defect", list(BROKEN))
def test_broken_file_raises_data_file_error_naming_it(defect, split, tmp_path, no_env):
    folder = write_folder(tmp_path / "broken", 3, 3)
    bad = folder / FILES[split]
    bad.unlink()
    BROKEN[defect](bad, split)
    with pytest.raises(DataFileError) as info:
        load_catvnoncat(folder)
    assert isinstance(info.value, ValueError)
    assert str(bad) in str(info.value)


@pytest.mark.parametrize("split", ["train", "test"])
def test_truncated_course_file(split, course_folder, tmp_path, no_env):
    folder = tmp_path / "truncated"
    folder.mkdir()
    for name in (TRAIN, TEST):
        (folder / name).symlink_to((course_folder / name).resolve())
    bad = folder / FILES[split]
    data = (course_folder / FILES[split]).read_bytes()
    bad.unlink()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataFileError) as info:
        load_catvnoncat(folder)
    assert str(bad) in str(info.value)
