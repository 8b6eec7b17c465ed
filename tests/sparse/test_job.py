"""`minidl denoise` end to end on small files: the outputs, the report, and bad input."""

import json

import numpy as np
import pytest
from PIL import Image

from minidl.cli import main
from minidl.data.images import checkerboard
from minidl.sparse import add_noise, psnr


@pytest.fixture
def files(tmp_path):
    clean = checkerboard(4, 16)
    noisy = add_noise(clean, 20 / 255, rng=0)
    paths = {}
    for name, image in (("clean", clean), ("noisy", noisy)):
        paths[name] = tmp_path / f"{name}.png"
        Image.fromarray(np.rint(image * 255).astype(np.uint8)).save(paths[name])
    return paths


def test_denoise_writes_the_image_the_figure_and_the_report(files, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["denoise", str(files["noisy"]), "--reference", str(files["clean"]), "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    assert "sigma estimated" in printed.out and "dB denoised" in printed.out
    report = json.loads((out / "noisy_denoise.json").read_text())
    assert report["sigma_used"] == report["sigma_estimated"]  # --sigma auto
    assert 18 < report["sigma_estimated"] < 24  # 20 grey levels, rounded to 8 bits
    assert report["psnr_denoised_db"] > report["psnr_noisy_db"] + 8
    denoised = np.asarray(Image.open(out / "noisy_denoised.png")) / 255.0
    clean = np.asarray(Image.open(files["clean"])) / 255.0
    assert psnr(denoised, clean) == pytest.approx(report["psnr_denoised_db"], abs=0.2)
    assert (out / "noisy_comparison.png").is_file()


def test_a_given_sigma_and_the_options(files, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["denoise", str(files["noisy"]), "--sigma", "15", "--patch", "4"]
    assert main([*argv, "--aggregation", "sparsity", "--out", str(out)]) == 0
    report = json.loads((out / "noisy_denoise.json").read_text())
    assert report["sigma_used"] == 15.0 and report["patch_size"] == 4
    assert report["aggregation"] == "sparsity" and "psnr_denoised_db" not in report


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--reference", "small"], "expected one size"),
        (["--patch", "100"], "expected patch_size between 1 and the image's smaller side 64"),
    ],
)
def test_bad_input_exits_2(files, tmp_path, capsys, extra, message):
    small = tmp_path / "small.png"
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(small)
    extra = [str(small) if e == "small" else e for e in extra]
    assert main(["denoise", str(files["noisy"]), *extra, "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err


def test_unreadable_files_and_bad_sigma(tmp_path, capsys):
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    assert main(["denoise", str(text), "--out", str(tmp_path / "o")]) == 2
    assert "is not an image file" in capsys.readouterr().err
    assert main(["denoise", str(tmp_path / "missing.png"), "--out", str(tmp_path / "o")]) == 2
    assert "no image file at" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["denoise", str(text), "--sigma", "-3"])
    assert info.value.code == 2
    assert "expected 'auto' or a positive number" in capsys.readouterr().err


def test_anomaly_writes_maps_roc_and_metrics(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["anomaly", "--normal", "4", "--test", "2", "--size", "96", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert printed.err == "" and "Pixel ROC AUC" in printed.out
    report = json.loads((out / "metrics.json").read_text())
    assert 0.5 < report["roc_auc"] <= 1.0  # better than chance even on this tiny run
    assert 0.0 <= report["fpr_on_defect_free_wafers"] <= 1.0
    assert report["fpr_requested"] == 0.01 and report["test_wafers"] == 2
    for name in ("anomaly_0.png", "anomaly_1.png", "roc.png"):
        assert (out / name).is_file(), name


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--fpr", "1.5"], "expected a rate between 0 and 1"),
        (["--fpr", "x"], "expected a rate between 0 and 1"),
        (["--test", "0"], "expected a positive integer"),
    ],
)
def test_anomaly_bad_arguments_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["anomaly", *argv])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_anomaly_refuses_tiny_wafers_and_a_single_normal_wafer(tmp_path, capsys):
    assert main(["anomaly", "--size", "20", "--out", str(tmp_path / "a")]) == 2
    assert "expected --size of at least 64" in capsys.readouterr().err
    assert main(["anomaly", "--normal", "1", "--out", str(tmp_path / "b")]) == 2
    assert "expected --normal of at least 2 wafers" in capsys.readouterr().err
