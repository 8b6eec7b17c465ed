"""The ``minidl`` command on hostile input, run as a student or an autograder runs it.

Every case is a separate ``python -m minidl`` process in an empty working folder. Each must exit
with status 2, print one line on stderr starting ``minidl:`` that names the file or option at
fault, print no traceback, and leave the working folder (where its output would go) as empty as
it found it. No case trains anything: each is refused before any long work starts.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import minidl
from minidl.data.images import load_grey
from minidl.detect.pipeline import DefectDetectionPipeline
from minidl.io import save_arrays
from minidl.layers import Dense

ROOT = Path(__file__).resolve().parents[1]


def _png_claiming(path: Path, width: int, height: int) -> None:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's
    header, without the bomb): Pillow judges the size from the header alone."""
    Image.fromarray(np.zeros((1, 1), np.uint8)).save(path)
    data = bytearray(path.read_bytes())
    ihdr = 8 + 4  # the signature, then the IHDR chunk's length
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 4 + 13]))
    data[ihdr + 4 + 13 : ihdr + 4 + 17] = struct.pack(">I", crc)
    path.write_bytes(bytes(data))


def _float_tiff(path: Path, bad: float) -> None:
    pixels = np.random.default_rng(0).random((32, 32)).astype(np.float32)
    pixels[3, 3] = bad
    Image.fromarray(pixels, mode="F").save(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """One of each kind of bad input, and the good ones they are mixed with."""
    root = tmp_path_factory.mktemp("inputs")
    f = {name: root / name for name in ("ok.png", "tiny.png", "thin.png", "flat.png")}
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8)).save(f["ok.png"])
    Image.fromarray(np.zeros((1, 1), np.uint8)).save(f["tiny.png"])
    Image.fromarray(np.zeros((40, 1), np.uint8)).save(f["thin.png"])
    Image.fromarray(np.full((64, 64), 128, np.uint8)).save(f["flat.png"])
    f["bomb.png"] = root / "bomb.png"
    _png_claiming(f["bomb.png"], 30000, 30000)  # over twice Pillow's limit: its error
    f["large.png"] = root / "large.png"
    _png_claiming(f["large.png"], 10000, 10000)  # over the limit only: Pillow's warning
    f["nan.tif"], f["inf.tif"] = root / "nan.tif", root / "inf.tif"
    _float_tiff(f["nan.tif"], np.nan)
    _float_tiff(f["inf.tif"], np.inf)
    f["text.txt"] = root / "text.txt"
    f["text.txt"].write_text("hello\n")
    f["empty.png"] = root / "empty.png"
    f["empty.png"].write_bytes(b"")
    f["truncated.png"] = root / "truncated.png"
    whole = f["ok.png"].read_bytes()
    f["truncated.png"].write_bytes(whole[: len(whole) // 2])
    f["folder"] = root / "folder"
    f["folder"].mkdir()
    f["afile"] = root / "afile"
    f["afile"].write_text("a file, not a folder\n")
    f["missing.png"] = root / "missing.png"
    f["pipeline.h5"] = root / "pipeline.h5"
    DefectDetectionPipeline("classical").save(f["pipeline.h5"])
    f["model.h5"] = root / "model.h5"
    model = minidl.Sequential([Dense(1)])
    model.build((None, 3))
    model.save(f["model.h5"])
    f["arrays.h5"] = root / "arrays.h5"
    save_arrays(f["arrays.h5"], {"a": np.zeros(3)}, {})
    return f


DETECT = ["detect", "{ok.png}", "--model", "{pipeline.h5}"]
DENOISE = ["denoise", "{ok.png}"]

# (argv with {file} placeholders, words stderr must hold: the file or the option at fault)
CASES = {
    # -- detect: images
    "detect-missing-image": (
        ["detect", "{missing.png}", "--model", "{pipeline.h5}"],
        "missing.png",
    ),
    "detect-folder-image": (["detect", "{folder}", "--model", "{pipeline.h5}"], "folder"),
    "detect-text-image": (["detect", "{text.txt}", "--model", "{pipeline.h5}"], "text.txt"),
    "detect-empty-image": (["detect", "{empty.png}", "--model", "{pipeline.h5}"], "empty.png"),
    "detect-truncated": (["detect", "{truncated.png}", "--model", "{pipeline.h5}"], "truncated"),
    "detect-1x1": (["detect", "{tiny.png}", "--model", "{pipeline.h5}"], "tiny.png"),
    "detect-thin": (["detect", "{thin.png}", "--model", "{pipeline.h5}"], "thin.png"),
    "detect-bomb": (["detect", "{bomb.png}", "--model", "{pipeline.h5}"], "bomb.png"),
    "detect-large": (["detect", "{large.png}", "--model", "{pipeline.h5}"], "large.png"),
    "detect-nan-tiff": (["detect", "{nan.tif}", "--model", "{pipeline.h5}"], "nan.tif"),
    "detect-last-of-two-missing": (
        ["detect", "{ok.png}", "{missing.png}", "--model", "{pipeline.h5}"],
        "missing.png",
    ),
    "detect-empty-name": (["detect", "", "--model", "{pipeline.h5}"], "IMAGE"),
    # -- detect: the pipeline
    "detect-no-model": (["detect", "{ok.png}"], "--model"),
    "detect-missing-model": (["detect", "{ok.png}", "--model", "{missing.png}"], "missing.png"),
    "detect-folder-model": (["detect", "{ok.png}", "--model", "{folder}"], "folder"),
    "detect-text-model": (["detect", "{ok.png}", "--model", "{text.txt}"], "text.txt"),
    "detect-empty-model": (["detect", "{ok.png}", "--model", "{empty.png}"], "empty.png"),
    "detect-image-as-model": (["detect", "{ok.png}", "--model", "{ok.png}"], "ok.png"),
    "detect-network-as-model": (["detect", "{ok.png}", "--model", "{model.h5}"], "model.h5"),
    "detect-arrays-as-model": (["detect", "{ok.png}", "--model", "{arrays.h5}"], "arrays.h5"),
    "detect-empty-model-name": (["detect", "{ok.png}", "--model", ""], "--model"),
    # -- detect: the output folder
    "detect-out-is-file": ([*DETECT, "--out", "{afile}"], "afile"),
    "detect-out-under-file": ([*DETECT, "--out", "{afile}/sub"], "afile"),
    "detect-out-empty": ([*DETECT, "--out", ""], "--out"),
    # -- denoise: the image and the reference
    "denoise-missing": (["denoise", "{missing.png}"], "missing.png"),
    "denoise-folder": (["denoise", "{folder}"], "folder"),
    "denoise-text": (["denoise", "{text.txt}"], "text.txt"),
    "denoise-empty-file": (["denoise", "{empty.png}"], "empty.png"),
    "denoise-truncated": (["denoise", "{truncated.png}"], "truncated.png"),
    "denoise-pipeline-as-image": (["denoise", "{pipeline.h5}"], "pipeline.h5"),
    "denoise-bomb": (["denoise", "{bomb.png}"], "bomb.png"),
    "denoise-large": (["denoise", "{large.png}"], "large.png"),
    "denoise-nan-tiff": (["denoise", "{nan.tif}"], "nan.tif"),
    "denoise-inf-tiff": (["denoise", "{inf.tif}"], "inf.tif"),
    "denoise-flat": (["denoise", "{flat.png}"], "--sigma"),
    "denoise-1x1": (["denoise", "{tiny.png}"], "tiny.png"),
    "denoise-thin": (["denoise", "{thin.png}"], "thin.png"),
    "denoise-empty-name": (["denoise", ""], "IMAGE"),
    "denoise-reference-missing": ([*DENOISE, "--reference", "{missing.png}"], "missing.png"),
    "denoise-reference-folder": ([*DENOISE, "--reference", "{folder}"], "folder"),
    "denoise-reference-text": ([*DENOISE, "--reference", "{text.txt}"], "text.txt"),
    "denoise-reference-size": ([*DENOISE, "--reference", "{tiny.png}"], "tiny.png"),
    "denoise-reference-empty": ([*DENOISE, "--reference", ""], "--reference"),
    # -- denoise: numbers
    "denoise-patch-0": ([*DENOISE, "--patch", "0"], "--patch"),
    "denoise-patch-negative": ([*DENOISE, "--patch", "-8"], "--patch"),
    "denoise-patch-huge": ([*DENOISE, "--patch", "99999999999999999999"], "--patch"),
    "denoise-patch-word": ([*DENOISE, "--patch", "eight"], "--patch"),
    "denoise-patch-float": ([*DENOISE, "--patch", "8.5"], "--patch"),
    "denoise-patch-empty": ([*DENOISE, "--patch", ""], "--patch"),
    "denoise-sigma-0": ([*DENOISE, "--sigma", "0"], "--sigma"),
    "denoise-sigma-negative": ([*DENOISE, "--sigma", "-1"], "--sigma"),
    "denoise-sigma-nan": ([*DENOISE, "--sigma", "nan"], "--sigma"),
    "denoise-sigma-inf": ([*DENOISE, "--sigma", "inf"], "--sigma"),
    "denoise-sigma-overflow": ([*DENOISE, "--sigma", "1e400"], "--sigma"),
    "denoise-sigma-word": ([*DENOISE, "--sigma", "high"], "--sigma"),
    "denoise-sigma-empty": ([*DENOISE, "--sigma", ""], "--sigma"),
    "denoise-aggregation": ([*DENOISE, "--aggregation", "mean"], "--aggregation"),
    "denoise-out-is-file": ([*DENOISE, "--out", "{afile}"], "afile"),
    "denoise-out-under-file": ([*DENOISE, "--out", "{afile}/a/b"], "afile"),
    "denoise-out-empty": ([*DENOISE, "--out", ""], "--out"),
    # -- train wafer
    "wafer-size-small": (["train", "wafer", "--size", "10"], "--size"),
    "wafer-size-0": (["train", "wafer", "--size", "0"], "--size"),
    "wafer-size-huge": (["train", "wafer", "--size", "100000"], "--size"),
    "wafer-size-word": (["train", "wafer", "--size", "big"], "--size"),
    "wafer-images-0": (["train", "wafer", "--images", "0"], "--images"),
    "wafer-images-empty": (["train", "wafer", "--images", ""], "--images"),
    "wafer-test-negative": (["train", "wafer", "--test-images", "-3"], "--test-images"),
    "wafer-epochs-float": (["train", "wafer", "--epochs", "1.5"], "--epochs"),
    "wafer-patches-0": (["train", "wafer", "--patches-per-class", "0"], "--patches-per-class"),
    "wafer-seed-negative": (["train", "wafer", "--seed", "-1"], "--seed"),
    "wafer-out-is-file": (["train", "wafer", "--out", "{afile}"], "afile"),
    "wafer-out-under-file": (["train", "wafer", "--out", "{afile}/run"], "afile"),
    "wafer-out-empty": (["train", "wafer", "--out", ""], "--out"),
    # -- train cat
    "cat-iterations-0": (["train", "cat", "--iterations", "0"], "--iterations"),
    "cat-rate-nan": (["train", "cat", "--learning-rate", "nan"], "--learning-rate"),
    "cat-rate-empty": (["train", "cat", "--learning-rate", ""], "--learning-rate"),
    "cat-epochs-for-course": (["train", "cat", "--epochs", "3"], "--epochs"),
    "cat-iterations-for-cnn": (["train", "cat", "--model", "cnn", "--iterations", "3"], "--iter"),
    "cat-data-folder-empty": (["train", "cat", "--data-dir", "{folder}"], "folder"),
    "cat-data-dir-is-file": (["train", "cat", "--data-dir", "{afile}"], "afile"),
    "cat-data-dir-empty-name": (["train", "cat", "--data-dir", ""], "--data-dir"),
    "cat-out-under-file": (["train", "cat", "--out", "{afile}/run"], "afile"),
    # -- anomaly
    "anomaly-size-small": (["anomaly", "--size", "20"], "--size"),
    "anomaly-size-huge": (["anomaly", "--size", "100000"], "--size"),
    "anomaly-normal-1": (["anomaly", "--normal", "1"], "--normal"),
    "anomaly-fpr-0": (["anomaly", "--fpr", "0"], "--fpr"),
    "anomaly-fpr-1": (["anomaly", "--fpr", "1"], "--fpr"),
    "anomaly-fpr-word": (["anomaly", "--fpr", "low"], "--fpr"),
    "anomaly-test-0": (["anomaly", "--test", "0"], "--test"),
    "anomaly-out-is-file": (["anomaly", "--out", "{afile}"], "afile"),
    "anomaly-out-under-file": (["anomaly", "--out", "{afile}/run"], "afile"),
    # -- data wafer
    "data-out-folder": (["data", "wafer", "--out", "{folder}"], "folder"),
    "data-out-under-file": (["data", "wafer", "--out", "{afile}/x.h5"], "afile"),
    "data-out-empty": (["data", "wafer", "--out", ""], "--out"),
    "data-images-0": (["data", "wafer", "--images", "0"], "--images"),
    "data-per-class-negative": (["data", "wafer", "--per-class", "-1"], "--per-class"),
    "data-seed-word": (["data", "wafer", "--seed", "one"], "--seed"),
    # -- the command itself
    "no-command": ([], "COMMAND"),
    "unknown-command": (["fit"], "fit"),
    "unknown-option": (["detect", "{ok.png}", "--model", "{pipeline.h5}", "--fast"], "--fast"),
}


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MPLBACKEND": "Agg",
        "COLUMNS": "200",
        "MINIDL_DATA": str(cwd / "no-data"),
    }
    return subprocess.run(
        [sys.executable, "-m", "minidl", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(("argv", "names"), CASES.values(), ids=CASES.keys())
def test_bad_input_exits_2_with_one_message_and_leaves_nothing(argv, names, files, tmp_path):
    argv = [re.sub(r"\{([^}]+)\}", lambda m: str(files[m.group(1)]), arg) for arg in argv]
    # Subcommands with an output folder write into the working folder unless told otherwise.
    if argv and argv[0] in ("detect", "denoise", "train", "anomaly") and "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    before = sorted(p.name for p in files["folder"].parent.iterdir())
    result = _run(argv, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    lines = result.stderr.strip().splitlines()
    # The message: one line starting 'minidl:' (a missing data set lists where it looked below
    # it), after argparse's usage, if any; nothing else is on stderr.
    starts = [i for i, line in enumerate(lines) if line.startswith("minidl:")]
    assert len(starts) == 1, result.stderr
    assert all(line.startswith((" ", "usage:")) for line in lines[: starts[0]]), result.stderr
    message = "\n".join(lines[starts[0] :])
    assert names in message, result.stderr
    assert "Warning" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no output folder, no file
    assert sorted(p.name for p in files["folder"].parent.iterdir()) == before
    assert list(files["folder"].iterdir()) == []


def test_pillow_limit_is_restored_and_warnings_are_not_left_as_errors(files):
    """Reading a huge image refuses it, and leaves the caller's warning filters unchanged."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match=r"large\.png"):
            load_grey(files["large.png"])
        warnings.warn("still a warning", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["still a warning"]
