"""``minidl.io``: HDF5 array files and JSON reports, written atomically and read back safely.

Expected values are the test's own inputs; the on-disk format is checked with h5py directly, and
files in that format are written by hand (not through ``save_arrays``) to test ``load_arrays``.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import stat
from pathlib import Path

import h5py
import numpy as np
import pytest

from minidl.errors import DataFileError
from minidl.io import atomic_path, load_arrays, save_arrays, write_json

FORMAT = "minidl.arrays/1"  # the format attribute documented in minidl/io.py


def sample_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "W1": rng.standard_normal((3, 4)),
        "b1": np.zeros((3, 1)),
        "f32": rng.standard_normal(5).astype(np.float32),
        "i64": np.arange(-4, 4, dtype=np.int64).reshape(2, 2, 2),
        "u8": np.array([0, 7, 255], dtype=np.uint8),
        "i8": np.array([-128, 0, 127], dtype=np.int8),
        "mask": np.array([True, False, True]),
        "empty": np.zeros((0, 3)),
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "strided": np.arange(20.0)[::3],
    }


def files_in(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def write_minidl_file(path: Path, arrays: dict, metadata: str = '{"a": 1}', fmt=FORMAT) -> Path:
    """A file in minidl's documented layout, written with h5py alone."""
    with h5py.File(path, "w") as f:
        if fmt is not None:
            f.attrs["format"] = fmt
        f.attrs["metadata"] = metadata
        group = f.create_group("arrays")
        for name, value in arrays.items():
            group.create_dataset(name, data=value)
    return path


# -- round trips ----------------------------------------------------------------------------------
def test_round_trip_keeps_values_dtypes_shapes_and_metadata(tmp_path):
    arrays = sample_arrays()
    metadata = {
        "model": "two-layer",
        "layers_dims": [12288, 7, 1],
        "learning_rate": 0.0075,
        "flag": True,
        "nested": {"list": [1, 2.5, None, "café"]},
    }
    path = tmp_path / "params.h5"
    save_arrays(path, arrays, metadata)
    loaded, meta = load_arrays(path)
    assert sorted(loaded) == sorted(arrays)
    for name, want in arrays.items():
        got = loaded[name]
        assert got.dtype == want.dtype, name
        assert got.shape == want.shape, name
        np.testing.assert_array_equal(got, want, err_msg=name)
    assert meta == {**metadata, "minidl_version": importlib.metadata.version("minidl")}


def test_metadata_defaults_to_the_version_only(tmp_path):
    save_arrays(tmp_path / "a.h5", {"x": np.ones(2)})
    assert load_arrays(tmp_path / "a.h5")[1] == {
        "minidl_version": importlib.metadata.version("minidl")
    }


def test_written_file_has_the_documented_layout(tmp_path):
    path = tmp_path / "a.h5"
    save_arrays(path, {"W1": np.eye(2)}, {"model": "m"})
    with h5py.File(path, "r") as f:
        fmt = f.attrs["format"]
        assert (fmt.decode() if isinstance(fmt, bytes) else fmt) == FORMAT
        np.testing.assert_array_equal(f["arrays"]["W1"][()], np.eye(2))
        assert json.loads(f.attrs["metadata"])["model"] == "m"


def test_loads_a_hand_written_file(tmp_path):
    path = write_minidl_file(tmp_path / "hand.h5", {"w": np.arange(3.0)}, '{"k": [1, 2]}')
    arrays, meta = load_arrays(path)
    assert list(arrays) == ["w"]
    np.testing.assert_array_equal(arrays["w"], [0.0, 1.0, 2.0])
    assert meta == {"k": [1, 2]}


def test_zero_dimensional_array_comes_back_as_an_array(tmp_path):
    path = tmp_path / "scalar.h5"
    save_arrays(path, {"s": np.array(3.5)})
    loaded, _ = load_arrays(path)
    assert isinstance(loaded["s"], np.ndarray)  # not a NumPy scalar
    assert loaded["s"].shape == () and loaded["s"] == 3.5


@pytest.mark.parametrize(
    "arrays",
    [{"a/b": np.ones(2)}, {"z": np.array([1 + 2j])}],
    ids=["name with slash", "complex values"],
)
def test_save_refuses_what_load_cannot_read_back(tmp_path, arrays):
    # Either save_arrays refuses the input (ValueError, nothing written) or the file loads back.
    path = tmp_path / "a.h5"
    try:
        save_arrays(path, arrays)
    except ValueError:
        assert files_in(tmp_path) == []
    else:
        loaded, _ = load_arrays(path)
        assert sorted(loaded) == sorted(arrays)
        for name, want in arrays.items():
            np.testing.assert_array_equal(loaded[name], want)


def test_overwriting_an_existing_file(tmp_path):
    path = tmp_path / "a.h5"
    save_arrays(path, {"old": np.ones(3)}, {"run": 1})
    save_arrays(path, {"new": np.full(2, 5.0)}, {"run": 2})
    arrays, meta = load_arrays(path)
    assert list(arrays) == ["new"]
    np.testing.assert_array_equal(arrays["new"], [5.0, 5.0])
    assert meta["run"] == 2
    assert files_in(tmp_path) == ["a.h5"]


# -- atomic writes ----------------------------------------------------------------------------------
def test_no_temporary_files_left_after_success(tmp_path):
    save_arrays(tmp_path / "a.h5", sample_arrays(), {"x": 1})
    write_json(tmp_path / "m.json", {"x": 1})
    with atomic_path(tmp_path / "c.bin") as tmp:
        tmp.write_bytes(b"abc")
    assert files_in(tmp_path) == ["a.h5", "c.bin", "m.json"]
    assert (tmp_path / "c.bin").read_bytes() == b"abc"


def test_atomic_path_creates_missing_folders(tmp_path):
    target = tmp_path / "x" / "y" / "z.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("hi")
    assert target.read_text() == "hi"
    assert files_in(target.parent) == ["z.txt"]


def test_failure_inside_atomic_path_keeps_the_previous_file(tmp_path):
    target = tmp_path / "cost.png"
    target.write_bytes(b"previous content")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half of the new")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"previous content"
    assert files_in(tmp_path) == ["cost.png"]


def test_failure_inside_atomic_path_without_previous_file_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(tmp_path / "new.txt") as tmp:
            tmp.write_text("partial")
            raise KeyboardInterrupt
    assert files_in(tmp_path) == []


def test_failed_save_arrays_keeps_the_previous_file(tmp_path):
    path = tmp_path / "a.h5"
    save_arrays(path, {"w": np.ones(2)}, {"run": 1})
    with pytest.raises(TypeError):
        save_arrays(path, {"w": np.zeros(2)}, {"run": object()})  # metadata is not JSON
    arrays, meta = load_arrays(path)
    np.testing.assert_array_equal(arrays["w"], [1.0, 1.0])
    assert meta["run"] == 1
    assert files_in(tmp_path) == ["a.h5"]


def test_failed_write_json_keeps_the_previous_file(tmp_path):
    path = tmp_path / "m.json"
    write_json(path, {"run": 1})
    with pytest.raises(TypeError):
        write_json(path, {"run": {1, 2}})  # a set is not JSON
    assert json.loads(path.read_text()) == {"run": 1}
    assert files_in(tmp_path) == ["m.json"]


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_written_files_get_ordinary_permissions(tmp_path, umask):
    old = os.umask(umask)
    try:
        reference = tmp_path / "reference.txt"
        with open(reference, "w") as f:
            f.write("x")
        save_arrays(tmp_path / "a.h5", {"x": np.ones(1)})
        write_json(tmp_path / "m.json", {})
        with atomic_path(tmp_path / "c.bin") as tmp:
            tmp.write_bytes(b"c")
    finally:
        os.umask(old)
    want = stat.S_IMODE(reference.stat().st_mode)
    assert want == 0o666 & ~umask  # what open() gives: the default minus the umask
    for name in ("a.h5", "m.json", "c.bin"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == want, name


# -- bad files --------------------------------------------------------------------------------------
def _truncated(path: Path) -> None:
    save_arrays(path, sample_arrays(), {"x": 1})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _string_dataset(path: Path) -> None:
    write_minidl_file(path, {"W1": np.ones(2), "names": np.array([b"cat", b"dog"])})


def _text_string_dataset(path: Path) -> None:
    write_minidl_file(path, {"W1": np.ones(2)})
    with h5py.File(path, "a") as f:
        f["arrays"].create_dataset("label", data="cat", dtype=h5py.string_dtype())


def _group_entry(path: Path) -> None:
    write_minidl_file(path, {"W1": np.ones(2)})
    with h5py.File(path, "a") as f:
        f["arrays"].create_group("sub")


BAD_FILES = {
    "truncated": _truncated,
    "not HDF5": lambda p: p.write_text("W1,b1\n0.1,0.2\n"),
    "empty": lambda p: p.write_bytes(b""),
    "no format attribute": lambda p: write_minidl_file(p, {"W1": np.ones(2)}, fmt=None),
    "other format": lambda p: write_minidl_file(p, {"W1": np.ones(2)}, fmt="other.arrays/1"),
    "no arrays group": lambda p: h5py.File(p, "w").close(),
    "bytes dataset": _string_dataset,
    "text dataset": _text_string_dataset,
    "group entry": _group_entry,
    "metadata not JSON": lambda p: write_minidl_file(p, {"W1": np.ones(2)}, metadata="{oops"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_raises_data_file_error_naming_it(tmp_path, kind):
    path = tmp_path / "bad.h5"
    BAD_FILES[kind](path)
    with pytest.raises(DataFileError) as info:
        load_arrays(path)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_arrays(tmp_path / "nowhere.h5")
    assert "nowhere.h5" in str(info.value)


# -- JSON -----------------------------------------------------------------------------------------
def test_write_json_round_trip(tmp_path):
    obj = {
        "model": "l-layer",
        "costs": {"0": 0.7717493284237686, "100": 0.6720534400822914},
        "layers_dims": [12288, 20, 7, 5, 1],
        "accuracy": None,
        "ok": True,
        "name": "café ☕",
    }
    path = tmp_path / "metrics.json"
    write_json(path, obj)
    assert json.loads(path.read_text(encoding="utf-8")) == obj
    write_json(path, [1, 2])  # overwrite
    assert json.loads(path.read_text(encoding="utf-8")) == [1, 2]
    assert files_in(tmp_path) == ["metrics.json"]
