"""CNNDetector: its settings, determinism and output format, the windows that name an object,
and its probability maps (one pass, shift and stitch, subsampled) against windows cut by hand."""

import json

import numpy as np
import pytest

from minidl.data.wafer import generate_wafers
from minidl.detect.cnn import CNNDetector
from minidl.detect.fully_convolutional import fully_convolutional
from minidl.detect.metrics import calculate_iou
from minidl.detect.windows import sliding_window_predict

CLASSES = ("scratch", "particle", "crack")
SMALL = dict(filters=(4, 4, 8, 8))
TINY_FIT = dict(epochs=1, per_class=40, batch_size=32, hard_negatives=0, **SMALL)

# ---------------------------------------------------------------------------------------------
# CNNDetector: settings
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"patch_size": 21}, "patch_size"),
        ({"patch_size": 32.0}, "patch_size"),
        ({"stride": 0}, "stride"),
        ({"stride": 2.0}, "stride"),
        ({"score_threshold": 1.5}, "score_threshold"),
        ({"score_threshold": -0.1}, "score_threshold"),
        ({"score_threshold": float("nan")}, "score_threshold"),
        ({"nms_iou": 2}, "nms_iou"),
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"per_class": 0}, "per_class"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": 1.0}, "learning_rate"),
        ({"seed": -1}, "seed"),
        ({"hard_negatives": -1}, "hard_negatives"),
        ({"filters": (4, 4, 8)}, "filters"),
        ({"filters": (4, 4, 8, 0)}, "filters"),
        ({"filters": 8}, "filters"),
        ({"patch_size": 30}, "patch_size as a multiple of 4"),
        ({"blur_kernel": 4}, "blur_kernel as an odd int"),
        ({"threshold_value": 0.0}, "threshold_value"),
        ({"box_fraction": -0.5}, "box_fraction"),
    ],
)
def test_constructor_validation(kwargs, name):
    with pytest.raises(ValueError, match=rf"CNNDetector: expected {name}"):
        CNNDetector(**kwargs)


@pytest.mark.parametrize(("kwargs", "name"), [({"augment": 1}, "augment"), ({"seed": "0"}, "seed")])
def test_constructor_type_errors(kwargs, name):
    with pytest.raises(TypeError, match=rf"CNNDetector: expected {name}"):
        CNNDetector(**kwargs)


def test_numpy_numbers_are_accepted_as_settings():
    detector = CNNDetector(learning_rate=np.float32(0.01), epochs=np.int64(3), seed=np.int64(2))
    assert detector.learning_rate == pytest.approx(0.01) and detector.epochs == 3


def test_defaults_and_derived_settings():
    detector = CNNDetector(per_class=300)
    assert detector.hard_negatives == 150  # None means per_class // 2
    assert detector.model is None
    assert CNNDetector(hard_negatives=0).hard_negatives == 0


def test_config_round_trip():
    detector = CNNDetector(
        patch_size=24,
        stride=2,
        score_threshold=0.25,
        nms_iou=0.4,
        epochs=3,
        batch_size=16,
        per_class=50,
        learning_rate=1e-3,
        augment=False,
        hard_negatives=7,
        filters=(2, 3, 4, 5),
        blur_kernel=3,
        threshold_value=5.5,
        box_fraction=0.3,
        seed=9,
    )
    config = json.loads(json.dumps(detector.get_config()))
    assert config["filters"] == [2, 3, 4, 5] and config["seed"] == 9
    assert config["patch_size"] == 24 and config["hard_negatives"] == 7
    rebuilt = CNNDetector.from_config(config)
    assert rebuilt.get_config() == detector.get_config()
    assert rebuilt.filters == (2, 3, 4, 5) and rebuilt.model is None
    generator_seeded = CNNDetector(seed=np.random.default_rng(0))
    assert generator_seeded.get_config()["seed"] is None


def test_from_config_with_a_model():
    config = CNNDetector(patch_size=24, **SMALL).get_config()
    model = CNNDetector(patch_size=24, **SMALL).build_model(0)
    assert CNNDetector.from_config(config, model).model is model
    wrong = CNNDetector(patch_size=32, **SMALL).build_model(0)
    with pytest.raises(ValueError, match=r"expected a model for \(24, 24, 1\) patches"):
        CNNDetector.from_config(config, wrong)
    with pytest.raises(TypeError, match=r"CNNDetector.from_config: expected a dict"):
        CNNDetector.from_config([("patch_size", 24)])


def test_build_model_shapes_and_every_size_recasts():
    for P in (20, 32, 48):
        model = CNNDetector(patch_size=P, **SMALL).build_model(0)
        assert model.input_shape == (None, P, P, 1)
        assert model.output_shape((None, P, P, 1)) == (None, 4)
        fcn = fully_convolutional(model, (P + 8, P + 12, 1))
        assert fcn.output_shape((None, P + 8, P + 12, 1)) == (None, 3, 4, 4)


def test_predict_before_fit():
    detector = CNNDetector(**SMALL)
    image = np.zeros((64, 64), np.uint8)
    with pytest.raises(RuntimeError, match=r"CNNDetector.predict: the detector has no model"):
        detector.predict([image])
    with pytest.raises(RuntimeError, match=r"CNNDetector.probability_map: the detector has no"):
        detector.probability_map(image)


# ---------------------------------------------------------------------------------------------
# CNNDetector: fit, predict, probability maps
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wafers():
    return generate_wafers(3, image_size=(128, 128), seed=0)


@pytest.fixture(scope="module")
def fitted(wafers):
    """Two detectors trained alike from seed 0 (score_threshold 0: every candidate is kept)."""
    images, annotations = wafers
    pair = []
    for _ in range(2):
        detector = CNNDetector(seed=0, score_threshold=0.0, **TINY_FIT)
        detector.fit(images, annotations)
        pair.append(detector)
    return pair


def weights_of(model):
    return [
        value
        for layer in model.layers
        for value in (*layer.params.values(), *layer.buffers.values())
    ]


def test_fit_with_an_int_seed_is_deterministic(fitted, wafers):
    first, second = fitted
    a, b = weights_of(first.model), weights_of(second.model)
    assert len(a) == len(b) > 0
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    images, _ = wafers
    found = first.predict(images)
    assert sum(len(d) for d in found) > 0
    assert second.predict(images) == found


def test_another_seed_gives_another_model(fitted, wafers):
    images, annotations = wafers
    other = CNNDetector(seed=1, **TINY_FIT)
    other.fit(images, annotations)
    assert any(
        not np.array_equal(x, y)
        for x, y in zip(weights_of(other.model), weights_of(fitted[0].model), strict=True)
    )


def check_detections(found, images):
    assert isinstance(found, list) and len(found) == len(images)
    for per_image, image in zip(found, images, strict=True):
        assert isinstance(per_image, list)
        scores = [d["score"] for d in per_image]
        assert scores == sorted(scores, reverse=True)
        for d in per_image:
            assert set(d) == {"bbox", "class", "score"}
            assert isinstance(d["bbox"], list) and len(d["bbox"]) == 4
            assert all(type(v) is int for v in d["bbox"])
            x1, y1, x2, y2 = d["bbox"]
            assert 0 <= x1 < x2 <= image.shape[1] and 0 <= y1 < y2 <= image.shape[0]
            assert d["class"] in CLASSES
            assert type(d["score"]) is float and 0.0 <= d["score"] <= 1.0
    json.dumps(found)  # plain Python types throughout


def test_predict_output_format(fitted, wafers):
    images, _ = wafers
    found = fitted[0].predict(images)
    check_detections(found, images)
    assert sum(len(d) for d in found) > 0


def test_predict_output_format_with_a_confident_model(wafers):
    """A network sure that every window is a defect: the boxes come from the image alone."""
    model = CNNDetector(**SMALL).build_model(0)
    head = model.layers[-2]
    head.params["kernel"][...] = 0.0
    head.params["bias"][...] = np.log([0.01, 0.2, 0.3, 0.49])
    detector = CNNDetector.from_config(
        CNNDetector(score_threshold=0.0, **SMALL).get_config(), model
    )
    images, _ = wafers
    rectangular = images[0][:100, :]
    found = detector.predict([*images, rectangular])
    check_detections(found, [*images, rectangular])
    assert sum(len(d) for d in found) > 0


def test_the_windows_that_see_a_pixel_hold_it_in_their_central_quarter():
    # P = 32, stride 4: cell (i, j) is the window with top-left (4i - 8, 4j - 8); its central
    # 8x8 square spans offsets 12..19. Pixel (y=16, x=21): rows with 12 <= 16 - (4i - 8) < 20,
    # i = 2, 3; columns with 12 <= 21 - (4j - 8) < 20, j = 3, 4.
    detector = CNNDetector(**SMALL)
    seen = detector._seen_by(np.array([16]), np.array([21]), (10, 10))
    assert sorted(zip(*np.nonzero(seen), strict=True)) == [(2, 3), (2, 4), (3, 3), (3, 4)]
    # Two pixels four apart along x share one column of windows: 2 rows x 3 columns.
    assert detector._seen_by(np.array([16, 16]), np.array([21, 25]), (10, 10)).sum() == 6
    # A stride as wide as the central square: each pixel is seen by the one nearest window.
    coarse = CNNDetector(stride=8, **SMALL)
    seen = coarse._seen_by(np.array([16]), np.array([21]), (10, 10))
    assert sorted(zip(*np.nonzero(seen), strict=True)) == [
        (1, 2)
    ]  # window (0, 8): offsets 16 and 13


@pytest.fixture(scope="module")
def one_particle():
    images, annotations = generate_wafers(
        1, (128, 128), n_defects_range=(1, 1), classes=("particle",), seed=3
    )
    return images[0], annotations[0][0]


def detector_with_map(make_map):
    """A detector whose probability map is given (the network is not consulted)."""
    detector = CNNDetector(**SMALL)
    detector.model = detector.build_model(0)
    detector.probability_map = make_map
    return detector


def near_cells(box, shape, P=32, s=4):
    """Map cells whose window centre (4i - 8 + 16, 4j - 8 + 16) lies within the box, +-2 px."""
    i, j = np.indices(shape)
    cy, cx = s * i - P // 4 + P // 2, s * j - P // 4 + P // 2
    x1, y1, x2, y2 = box
    return (cy >= y1 - 2) & (cy < y2 + 2) & (cx >= x1 - 2) & (cx < x2 + 2)


@pytest.mark.parametrize(
    ("probs", "expected"),
    [((0.1, 0.0, 0.9, 0.0), ("particle", 0.9)), ((0.3, 0.1, 0.0, 0.6), ("crack", 0.6))],
)
def test_the_windows_name_the_object_and_the_image_places_it(one_particle, probs, expected):
    image, truth = one_particle
    rows = cols = (128 + 16 - 32) // 4 + 1

    def make_map(_):
        out = np.tile(np.float32([1.0, 0.0, 0.0, 0.0]), (rows, cols, 1))
        out[near_cells(truth["bbox"], (rows, cols))] = probs
        return out

    found = detector_with_map(make_map).predict([image])[0]
    assert [(d["class"], round(d["score"], 6)) for d in found] == [expected]
    assert calculate_iou(found[0]["bbox"], truth["bbox"]) >= 0.5


def test_objects_the_windows_call_background_are_dropped(one_particle):
    image, _ = one_particle
    rows = cols = (128 + 16 - 32) // 4 + 1
    everywhere = np.tile(np.float32([0.7, 0.1, 0.1, 0.1]), (rows, cols, 1))
    assert detector_with_map(lambda _: everywhere).predict([image]) == [[]]


def test_predict_accepts_arrays_lists_and_floats_and_does_not_modify_them(fitted, wafers):
    images, _ = wafers
    before = images.copy()
    detector = fitted[0]
    expected = detector.predict(images[:2])
    assert detector.predict(list(images[:2])) == expected
    assert detector.predict(images[:2].astype(np.float64)) == expected
    np.testing.assert_array_equal(images, before)


def test_predict_bad_images(fitted):
    detector = fitted[0]
    with pytest.raises(ValueError, match=r"CNNDetector.predict: expected a non-empty list"):
        detector.predict([])
    with pytest.raises(ValueError, match=r"expected image 0 as a 2-D grey image"):
        detector.predict([np.zeros((64, 64, 3), np.uint8)])
    with pytest.raises(ValueError, match=r"image 1 of shape \(16, 64\) is smaller than half a"):
        detector.predict([np.zeros((64, 64), np.uint8), np.zeros((16, 64), np.uint8)])


def mirrored(image, P):
    """The image scaled to [0, 1] and mirrored by P // 4 px, written out with np.flip."""
    pad = P // 4
    x = image.astype(np.float64) / 255.0
    x = np.concatenate([np.flip(x[1 : pad + 1], 0), x, np.flip(x[-pad - 1 : -1], 0)], axis=0)
    return np.concatenate([np.flip(x[:, 1 : pad + 1], 1), x, np.flip(x[:, -pad - 1 : -1], 1)], 1)


@pytest.fixture(scope="module")
def untrained():
    """A detector around an untrained network with non-trivial input statistics."""
    model = CNNDetector(**SMALL).build_model(4)
    norm = model.layers[0]
    norm.buffers["moving_mean"][...] = 0.45
    norm.buffers["moving_variance"][...] = 0.01
    return model


@pytest.mark.parametrize(
    ("stride", "H", "W"), [(1, 48, 44), (2, 72, 66), (4, 128, 120), (8, 128, 123)]
)
def test_probability_map_is_the_windows_of_the_mirrored_image(untrained, wafers, stride, H, W):
    images, _ = wafers
    image = images[1][64 - H // 2 : 64 - H // 2 + H, :W]
    detector = CNNDetector(stride=stride, **SMALL)
    detector.model = untrained
    probs = detector.probability_map(image)
    P = 32
    rows = (H + 2 * (P // 4) - P) // stride + 1
    cols = (W + 2 * (P // 4) - P) // stride + 1
    assert probs.shape == (rows, cols, 4)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-5)
    assert probs.min() >= 0.0
    x = mirrored(image, P)
    assert x.shape == (H + 16, W + 16)
    reference = sliding_window_predict(untrained, x.astype(np.float32), stride=stride)
    np.testing.assert_allclose(probs, reference, rtol=0, atol=1e-5)


def test_the_map_follows_the_model_when_its_weights_change_or_it_is_replaced(wafers):
    image = wafers[0][1][:72, :80]
    x = mirrored(image, 32).astype(np.float32)
    detector = CNNDetector(**SMALL)
    detector.model = detector.build_model(5)
    before = detector.probability_map(image)
    head = next(layer for layer in reversed(detector.model.layers) if "kernel" in layer.params)
    head.params["kernel"] *= 3.0  # as further training would
    after = detector.probability_map(image)
    assert np.abs(after - before).max() > 1e-3
    reference = sliding_window_predict(detector.model, x, stride=4)
    np.testing.assert_allclose(after, reference, rtol=0, atol=1e-5)
    detector.model = detector.build_model(6)
    reference = sliding_window_predict(detector.model, x, stride=4)
    np.testing.assert_allclose(detector.probability_map(image), reference, rtol=0, atol=1e-5)


def test_shift_and_stitch_interleaves_the_one_pass_map(fitted, wafers):
    images, _ = wafers
    config = fitted[0].get_config()
    coarse = CNNDetector.from_config({**config, "stride": 4}, fitted[0].model)
    fine = CNNDetector.from_config({**config, "stride": 2}, fitted[0].model)
    sparse = CNNDetector.from_config({**config, "stride": 8}, fitted[0].model)
    for image in (images[0], images[2][:110, :125]):
        one_pass = coarse.probability_map(image)
        stitched = fine.probability_map(image)
        every_other = sparse.probability_map(image)
        assert stitched.shape[:2] == (
            (image.shape[0] + 16 - 32) // 2 + 1,
            (image.shape[1] + 16 - 32) // 2 + 1,
        )
        np.testing.assert_allclose(stitched[::2, ::2], one_pass, rtol=0, atol=1e-5)
        np.testing.assert_allclose(every_other, one_pass[::2, ::2], rtol=0, atol=1e-5)


def test_probability_map_refuses_a_stride_that_does_not_fit_the_network(untrained):
    detector = CNNDetector(stride=3, **SMALL)
    detector.model = untrained
    with pytest.raises(ValueError, match=r"stride 3 must divide the network's stride 4"):
        detector.probability_map(np.zeros((64, 64), np.uint8))
