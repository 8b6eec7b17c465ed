"""The classical wafer defect detector: output format, planted defects found and named, clean
wafers left alone, fit never worse than the defaults, config round trip, determinism, bad inputs."""

import itertools
import json

import numpy as np
import pytest

from minidl.data.wafer import generate_wafers
from minidl.detect.background import die_pitch, remove_background
from minidl.detect.classical import ClassicalDetector
from minidl.detect.metrics import calculate_iou, evaluate_detections

SIZE = 160


@pytest.fixture(scope="module")
def wafers():
    """Six small labelled wafers."""
    return generate_wafers(6, image_size=SIZE, seed=0)


@pytest.fixture(scope="module")
def clean():
    """Four small wafers without defects."""
    images, annotations = generate_wafers(4, image_size=SIZE, defect_free_fraction=1.0, seed=11)
    assert all(a == [] for a in annotations)
    return images


def plant(image, rows, cols, offset):
    """A copy of image with offset added at the pixels (rows, cols), clipped to 8 bits."""
    out = image.astype(np.int64)
    out[rows, cols] += offset
    return np.clip(out, 0, 255).astype(np.uint8)


def polyline(vertices, width=1):
    """Pixels (rows, cols) of a polyline through (row, col) vertices, `width` px thick."""
    points = []
    for (y0, x0), (y1, x1) in itertools.pairwise(vertices):
        n = int(2 * max(abs(y1 - y0), abs(x1 - x0))) + 2
        t = np.linspace(0.0, 1.0, n)
        points.append(np.stack([y0 + t * (y1 - y0), x0 + t * (x1 - x0)], 1))
    points = np.rint(np.concatenate(points)).astype(int)
    if width > 1:
        points = np.concatenate([points + np.array([0, d]) for d in range(width)])
    points = np.unique(points, axis=0)
    return points[:, 0], points[:, 1]


def box_of(rows, cols):
    return [int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1]


# ---------------------------------------------------------------------------------------------
# Format
# ---------------------------------------------------------------------------------------------


def test_predictions_format(wafers):
    images, _ = wafers
    predictions = ClassicalDetector().predict(images)
    assert isinstance(predictions, list) and len(predictions) == len(images)
    assert sum(len(p) for p in predictions) > 0
    for per_image in predictions:
        assert isinstance(per_image, list)
        for d in per_image:
            assert set(d) == {"bbox", "class", "score"}
            assert isinstance(d["bbox"], list) and len(d["bbox"]) == 4
            assert all(type(v) is int for v in d["bbox"])
            x1, y1, x2, y2 = d["bbox"]
            assert 0 <= x1 < x2 <= SIZE and 0 <= y1 < y2 <= SIZE  # half-open, inside the image
            assert d["class"] in ("scratch", "particle", "crack")
            assert type(d["score"]) is float and 0.0 <= d["score"] <= 1.0
    json.dumps(predictions)  # plain Python types throughout


def test_list_array_and_float_inputs_agree_and_are_not_modified(wafers):
    images, _ = wafers
    before = images.copy()
    detector = ClassicalDetector()
    expected = detector.predict(images[:3])
    assert detector.predict(list(images[:3])) == expected
    assert detector.predict(images[:3].astype(np.float32)) == expected  # grey levels as floats
    assert detector.predict(images[:3].astype(np.int64)) == expected
    np.testing.assert_array_equal(images, before)


def test_finds_the_generated_defects(wafers):
    images, annotations = wafers
    result = evaluate_detections(ClassicalDetector().predict(images), annotations)
    assert result["recall"] >= 0.7 and result["precision"] >= 0.7


# ---------------------------------------------------------------------------------------------
# Clean wafers and planted defects
# ---------------------------------------------------------------------------------------------


def test_defect_free_wafers_give_few_detections(clean):
    predictions = ClassicalDetector().predict(clean)
    assert sum(len(p) for p in predictions) <= 1


@pytest.mark.parametrize("level", [0, 128, 255])
def test_a_flat_image_gives_no_detections(level):
    assert ClassicalDetector().predict([np.full((64, 64), level, np.uint8)]) == [[]]


@pytest.mark.parametrize("offset", [-80, 80])
def test_planted_particle_is_found_as_a_particle(clean, offset):
    rows, cols = np.mgrid[78:81, 60:63]
    image = plant(clean[0], rows.ravel(), cols.ravel(), offset)
    truth = [60, 78, 63, 81]
    found = [d for d in ClassicalDetector().predict([image])[0] if d["class"] == "particle"]
    assert len(found) == 1
    x1, y1, x2, y2 = found[0]["bbox"]
    assert x1 <= truth[0] and y1 <= truth[1] and x2 >= truth[2] and y2 >= truth[3]
    assert calculate_iou(found[0]["bbox"], truth) >= 0.5


@pytest.mark.parametrize("offset", [50, -30])  # bright, or dark and shallow
def test_planted_thin_line_is_a_scratch(clean, offset):
    rows, cols = polyline([(50, 45), (75, 110)])
    image = plant(clean[1], rows, cols, offset)
    found = ClassicalDetector().predict([image])[0]
    assert len(found) == 1
    assert found[0]["class"] == "scratch"
    assert calculate_iou(found[0]["bbox"], box_of(rows, cols)) >= 0.5


def test_planted_jagged_branching_dark_line_is_a_crack(clean):
    trunk = polyline([(50, 50), (58, 56), (54, 64), (63, 71), (58, 79), (67, 87)], width=2)
    branch = polyline([(54, 64), (44, 70), (47, 77)])
    rows, cols = np.concatenate([trunk[0], branch[0]]), np.concatenate([trunk[1], branch[1]])
    image = plant(clean[2], rows, cols, -35)  # shallow: only the shape says crack
    found = ClassicalDetector().predict([image])[0]
    assert len(found) == 1
    assert found[0]["class"] == "crack"
    assert calculate_iou(found[0]["bbox"], box_of(rows, cols)) >= 0.5


def test_remove_background_leaves_noise_on_a_clean_wafer(clean):
    residual, region, info = remove_background(clean[0])
    assert info["pitch"] is not None and region.sum() > 0.5 * np.pi * (0.43 * SIZE) ** 2
    assert not residual[~region].any()
    assert 1.0 < info["noise"] < 8.0  # the camera's noise, a few grey levels
    assert np.abs(residual[region]).max() < 8 * info["noise"]  # no die pattern left


def test_die_pitch_of_a_tiled_pattern():
    rng = np.random.default_rng(0)
    image = np.tile(rng.uniform(80, 160, (7, 9)), (12, 10)) + rng.normal(0, 2, (84, 90))
    assert die_pitch(image, np.ones(image.shape, bool)) == (7, 9)
    assert die_pitch(rng.normal(100, 5, (84, 90)), np.ones((84, 90), bool)) is None


# ---------------------------------------------------------------------------------------------
# Fit, configuration, determinism
# ---------------------------------------------------------------------------------------------


def test_fit_does_at_least_as_well_as_the_defaults(wafers, capsys):
    images, annotations = wafers
    default_f1 = evaluate_detections(ClassicalDetector().predict(images), annotations)["f1_score"]
    detector = ClassicalDetector()
    chosen = detector.fit(images, annotations, blur_kernels=(1, 3), threshold_values=(4, 6, 9))
    assert set(chosen) == {"blur_kernel", "threshold_value", "f1_score"}
    assert chosen["f1_score"] >= default_f1
    assert (detector.blur_kernel, detector.threshold_value) == (
        chosen["blur_kernel"],
        chosen["threshold_value"],
    )
    refit = evaluate_detections(detector.predict(images), annotations)["f1_score"]
    assert refit == pytest.approx(chosen["f1_score"])
    assert capsys.readouterr().out == ""  # verbose=0 is silent


def test_fit_verbose_prints_one_line_per_setting_to_stdout(wafers, capsys):
    images, annotations = wafers
    ClassicalDetector().fit(images[:2], annotations[:2], verbose=1, threshold_values=(5, 6))
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert len(lines) == 3 * 2 + 1  # (1, 3, 5) x (5, 6) with the default (3, 6) among them
    assert lines[-1].startswith("chosen:")
    assert captured.err == ""


def test_config_round_trip_gives_identical_predictions(wafers):
    images, annotations = wafers
    detector = ClassicalDetector(min_area=5, box_fraction=0.35)
    detector.fit(images[:3], annotations[:3], threshold_values=(5.0, 7.0))
    config = json.loads(json.dumps(detector.get_config()))
    assert config["threshold_value"] == detector.threshold_value
    rebuilt = ClassicalDetector.from_config(config)
    assert rebuilt.get_config() == detector.get_config()
    assert rebuilt.predict(images[3:]) == detector.predict(images[3:])


def test_predictions_are_deterministic(wafers):
    images, _ = wafers
    first = ClassicalDetector().predict(images[:2])
    assert ClassicalDetector().predict(images[:2]) == first
    assert ClassicalDetector().predict(images[:2]) == first


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("images", "message"),
    [
        ([], "received an empty list"),
        ([np.zeros((32, 32, 3), np.uint8)], r"grayscale array \(H, W\).*shape \(32, 32, 3\)"),
        ([np.zeros((32, 32), bool)], "received dtype bool"),
        ([np.zeros((32, 32), complex)], "received dtype complex128"),
        ([np.full((32, 32), 0.5)], r"floats in \[0, 1\]; multiply a scaled image by 255"),
        ([np.full((32, 32), 300.0)], r"grey levels in \[0, 255\], received values from 300"),
        ([np.full((32, 32), np.nan)], r"grey levels in \[0, 255\]"),
        ([np.zeros((8, 32), np.uint8)], r"at least 16 x 16.*shape \(8, 32\)"),
        (np.zeros((32, 32), np.uint8), r"single 2-D array of shape \(32, 32\)"),
        (np.zeros((2, 32, 32, 1), np.uint8), r"received an array of shape \(2, 32, 32, 1\)"),
        (["image"], "received str"),
        ("image", "received str"),
    ],
)
def test_bad_images_raise(images, message):
    with pytest.raises(ValueError, match=message):
        ClassicalDetector().predict(images)
    with pytest.raises(ValueError, match=r"ClassicalDetector\.fit"):
        ClassicalDetector().fit(images, [[]])


def test_fit_needs_one_annotation_list_per_image(wafers):
    images, annotations = wafers
    with pytest.raises(ValueError, match=r"one list of dicts per image \(6\), received 5"):
        ClassicalDetector().fit(images, annotations[:5])
    with pytest.raises(ValueError, match="verbose"):
        ClassicalDetector().fit(images, annotations, verbose=2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"blur_kernel": 4}, "odd int"),
        ({"blur_kernel": 0}, "blur_kernel"),
        ({"blur_kernel": 2.0}, "blur_kernel"),
        ({"threshold_value": -1.0}, "threshold_value"),
        ({"threshold_value": float("nan")}, "threshold_value"),
        ({"min_area": 0}, "min_area"),
        ({"hysteresis": 1.5}, "hysteresis"),
        ({"edge_margin": 0.5}, "edge_margin"),
        ({"box_fraction": 0}, "box_fraction"),
    ],
)
def test_bad_settings_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ClassicalDetector(**kwargs)


def test_from_config_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown"):
        ClassicalDetector.from_config({"blur_kernel": 3, "thresold_value": 5.0})
