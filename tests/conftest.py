"""Shared fixtures: the hypothesis profile, the course data, PyTorch, and a gradient-check count."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import settings

from minidl import gradcheck

settings.register_profile("ci", derandomize=True, deadline=None, database=None, max_examples=100)
settings.load_profile("ci")

REQUIRE_DATA = os.environ.get("MINIDL_REQUIRE_DATA") == "1"
REQUIRE_TORCH = os.environ.get("MINIDL_REQUIRE_TORCH") == "1"
DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")


def _missing(reason: str, required: bool, variable: str) -> None:
    if required:
        pytest.fail(f"{reason}, and {variable}=1 requires it")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def cat_data():
    """The course's data as ``load_data()`` returns it, or skip (fail under MINIDL_REQUIRE_DATA=1)."""
    from minidl.data import load_catvnoncat
    from minidl.errors import DataNotFoundError

    folder = os.environ.get("MINIDL_DATA") or DATA_DIR
    try:
        return load_catvnoncat(folder)
    except DataNotFoundError:
        _missing(
            f"the course's cat/non-cat .h5 files are not in {folder} (copy them there or set "
            f"MINIDL_DATA)",
            REQUIRE_DATA,
            "MINIDL_REQUIRE_DATA",
        )


@pytest.fixture(scope="session")
def cat_xy(cat_data):
    """(train_x, train_y, test_x, test_y) prepared as the course does: columns, scaled to [0, 1]."""
    train_x_orig, train_y, test_x_orig, test_y, _ = cat_data
    train_x = train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255.0
    test_x = test_x_orig.reshape(test_x_orig.shape[0], -1).T / 255.0
    return train_x, train_y, test_x, test_y


@pytest.fixture(scope="session")
def torch():
    """PyTorch in float64 on the CPU, or skip (fail under MINIDL_REQUIRE_TORCH=1)."""
    try:
        import torch as _torch
    except ImportError:
        _missing(
            "PyTorch is not installed (pip install torch==2.13.0)",
            REQUIRE_TORCH,
            "MINIDL_REQUIRE_TORCH",
        )
    _torch.set_default_dtype(_torch.float64)
    return _torch


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    """MINIDL_DATA unset and the working directory an empty folder (so ./data does not exist)."""
    monkeypatch.delenv("MINIDL_DATA", raising=False)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


@pytest.fixture
def rng():
    return np.random.default_rng(0)


_CHECKS = {"count": 0}
_compare = gradcheck.GradientCheck.compare.__func__


def _counting_compare(cls, *args, **kwargs):
    _CHECKS["count"] += 1
    return _compare(cls, *args, **kwargs)


gradcheck.GradientCheck.compare = classmethod(_counting_compare)


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(
        f"gradient checks run (one per gradient compared): {_CHECKS['count']}"
    )
