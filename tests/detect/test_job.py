"""`minidl train wafer` end to end on tiny settings: the table, the files, the exit codes."""

import json

import numpy as np
import pytest
from PIL import Image

from minidl.cli import main
from minidl.data.wafer import generate_wafers
from minidl.detect.pipeline import DefectDetectionPipeline


@pytest.mark.slow
def test_train_wafer_tiny(tmp_path, capsys):
    out = tmp_path / "run"
    argv = [
        "train",
        "wafer",
        "--images",
        "3",
        "--test-images",
        "2",
        "--size",
        "128",
        "--epochs",
        "2",
        "--patches-per-class",
        "40",
    ]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    assert "detector" in printed.out and "classical" in printed.out and "cnn" in printed.out
    assert "Epoch 2/2" in printed.out
    for name in (
        "wafer_cnn.h5",
        "wafer_classical.h5",
        "metrics.json",
        "training_curves.png",
        "confusion_matrix.png",
        "detections_cnn_0.png",
        "iou_sensitivity.png",
        "cost_heatmap.png",
        "filters.png",
        "held_out_0.png",
        "held_out_1.png",
    ):
        assert (out / name).is_file(), name
    report = json.loads((out / "metrics.json").read_text())
    assert set(report["detectors"]) == {"classical", "cnn"}
    assert 0 <= report["patch_accuracy"] <= 1
    pipeline = DefectDetectionPipeline.load(out / "wafer_cnn.h5")
    assert pipeline.backend == "cnn"

    # The saved held-out wafer is the generator's image, bit for bit, and 'minidl detect' on
    # it finds what the pipeline finds on the generated array.
    held_out, _ = generate_wafers(2, (128, 128), seed=1000)
    np.testing.assert_array_equal(np.asarray(Image.open(out / "held_out_0.png")), held_out[0])
    found = tmp_path / "found"
    picture = str(out / "held_out_0.png")
    assert main(["detect", picture, "--model", str(out / "wafer_cnn.h5"), "--out", str(found)]) == 0
    assert capsys.readouterr().err == ""
    report = json.loads((found / "detections.json").read_text())
    assert report["images"][0]["detections"] == pipeline.predict(held_out[:1])[0]
    assert (found / "held_out_0_detections.png").is_file()


def test_train_wafer_bad_arguments(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["train", "wafer", "--images", "0"])
    assert info.value.code == 2
    assert "expected a positive integer, received '0'" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["train", "wafer", "--out", str(blocker / "sub")]) == 2
    assert "cannot use" in capsys.readouterr().err
