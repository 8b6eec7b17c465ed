"""DefectDetectionPipeline over the classical backend (the CNN's are in test_cnn.py and the
job's test), its files, and the `minidl detect` and `minidl data wafer` commands."""

import json

import numpy as np
import pytest
from PIL import Image

from minidl.cli import main
from minidl.data.patches import load_patch_dataset
from minidl.data.wafer import generate_wafers
from minidl.detect.pipeline import DefectDetectionPipeline
from minidl.errors import ModelFileError, ModelFileNotFoundError


@pytest.fixture(scope="module")
def wafers():
    return generate_wafers(6, image_size=(160, 160), seed=3)


@pytest.fixture(scope="module")
def classical(wafers):
    pipeline = DefectDetectionPipeline("classical")
    pipeline.fit(*wafers)
    return pipeline


def test_predict_and_evaluate(classical, wafers):
    images, annotations = wafers
    found = classical.predict(images)
    assert len(found) == len(images)
    for items, image in zip(found, images, strict=True):
        for item in items:
            x1, y1, x2, y2 = item["bbox"]
            assert 0 <= x1 < x2 <= image.shape[1] and 0 <= y1 < y2 <= image.shape[0]
            assert item["class"] in ("scratch", "particle", "crack") and 0 <= item["score"] <= 1
    report = classical.evaluate(images, annotations)
    assert report["true_positives"] + report["false_negatives"] == sum(len(a) for a in annotations)
    assert report["ms_per_image"] > 0 and 0 <= report["f1_score"] <= 1
    assert classical.trained_at is not None


def test_save_and_load_give_identical_detections(classical, wafers, tmp_path):
    classical.save(path := tmp_path / "p.h5")
    loaded = DefectDetectionPipeline.load(path)
    assert loaded.backend == "classical" and loaded.params == classical.params
    assert loaded.predict(wafers[0]) == classical.predict(wafers[0])


def test_tampered_and_foreign_files_are_refused(classical, tmp_path):
    classical.save(path := tmp_path / "p.h5")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    (bad := tmp_path / "bad.h5").write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum mismatch"):
        DefectDetectionPipeline.load(bad)
    with pytest.raises(ModelFileNotFoundError):
        DefectDetectionPipeline.load(tmp_path / "missing.h5")
    (text := tmp_path / "t.h5").write_text("not a pipeline")
    with pytest.raises(ModelFileError, match="not a minidl pipeline file"):
        DefectDetectionPipeline.load(text)


def test_bad_arguments(classical):
    with pytest.raises(ValueError, match=r"expected backend 'classical' or 'cnn', received 'svm'"):
        DefectDetectionPipeline("svm")
    with pytest.raises(
        ValueError, match=r"received one image of shape \(4, 4\) \(wrap it in a list\)"
    ):
        classical.predict(np.zeros((4, 4), np.uint8))
    with pytest.raises(
        ValueError, match=r"expected image 0 as a 2-D numeric array \(H, W\), received \(4,\)"
    ):
        classical.predict([np.zeros(4, np.uint8)])
    with pytest.raises(ValueError, match=r"non-empty list"):
        classical.predict([])


def test_detect_command(classical, wafers, tmp_path, capsys):
    classical.save(model := tmp_path / "p.h5")
    files = []
    for i, image in enumerate(wafers[0][:2]):
        Image.fromarray(image).save(path := tmp_path / f"w{i}.png")
        files.append(str(path))
    Image.fromarray(wafers[0][2]).convert("RGB").save(tmp_path / "w2.jpg")  # colour JPEG too
    files.append(str(tmp_path / "w2.jpg"))
    out = tmp_path / "out"
    assert main(["detect", *files, "--model", str(model), "--out", str(out)]) == 0
    report = json.loads((out / "detections.json").read_text())
    assert [r["image"] for r in report["images"]] == files
    assert (out / "w0_detections.png").is_file()
    first = report["images"][0]["detections"]
    assert first == json.loads(json.dumps(classical.predict([wafers[0][0]])[0]))
    assert capsys.readouterr().err == ""


def _text_file(path):
    path = path.with_suffix(".txt")
    path.write_text("hello")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [(_text_file, "not an image file"), (lambda p: p.with_name("nothing.png"), "no image file at")],
)
def test_detect_command_bad_files(classical, tmp_path, capsys, make, message):
    classical.save(model := tmp_path / "p.h5")
    target = make(tmp_path / "x.png")
    assert main(["detect", str(target), "--model", str(model), "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err


def test_detect_command_missing_model(tmp_path, capsys, wafers):
    Image.fromarray(wafers[0][0]).save(image := tmp_path / "w.png")
    assert main(["detect", str(image), "--model", str(tmp_path / "none.h5")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_data_wafer_command(tmp_path, capsys):
    out = tmp_path / "patches.h5"
    assert main(["data", "wafer", "--out", str(out), "--images", "3", "--per-class", "5"]) == 0
    x, y, meta = load_patch_dataset(out)
    assert x.shape[1:] == (32, 32, 1) and set(np.unique(y)) <= {0, 1, 2, 3} and meta["wafers"] == 3
    assert "Wrote" in capsys.readouterr().out
