"""The learned wafer defect detector: the fully convolutional recast against an explicit loop
over windows (every head rewrite, copied weights, refusals), the network's stride, hand-computed
non-maximum suppression, and CNNDetector's settings, determinism, output format and probability
maps (one pass, shift and stitch, subsampled) against windows cut by hand."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minidl import layers as L
from minidl.data.wafer import generate_wafers
from minidl.detect.cnn import (
    CNNDetector,
    fully_convolutional,
    network_stride,
    non_max_suppression,
    sliding_window_predict,
)
from minidl.detect.metrics import calculate_iou
from minidl.models import Sequential

CLASSES = ("scratch", "particle", "crack")
SMALL = dict(filters=(4, 4, 8, 8))
TINY_FIT = dict(epochs=1, per_class=40, batch_size=32, hard_negatives=0, **SMALL)


# ---------------------------------------------------------------------------------------------
# Patch models, and the reference: every window cut and classified on its own
# ---------------------------------------------------------------------------------------------


def set_statistics(model, rng):
    """Non-trivial moving statistics and affine weights for every BatchNormalization."""
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            shape = layer.buffers["moving_mean"].shape
            layer.buffers["moving_mean"][...] = rng.normal(0.3, 0.5, shape)
            layer.buffers["moving_variance"][...] = rng.uniform(0.05, 2.0, shape)
            layer.params["gamma"][...] = rng.uniform(0.5, 1.5, shape)
            layer.params["beta"][...] = rng.normal(0.0, 0.3, shape)
    return model


def detector_model(seed):
    """CNNDetector's own network (P = 32, S = 4) with small widths."""
    model = CNNDetector(seed=0, **SMALL).build_model(seed)
    return set_statistics(model, np.random.default_rng(seed))


def flatten_dense_model(seed):
    """A Keras-style head: Flatten + Dense over a 4x4 map, a Dense after a Dense, BatchNorm on
    images and on vectors (axis 1), Dropout, Softmax over axis 1. P = 10, S = 2."""
    model = Sequential(
        [
            L.Input(shape=(10, 10, 2)),
            L.Conv2D(3, 3, activation="relu", seed=seed),
            L.MaxPooling2D(2),
            L.BatchNormalization(),
            L.Flatten(),
            L.Dense(5, seed=seed + 1),
            L.LeakyReLU(0.1),
            L.BatchNormalization(axis=1),
            L.Dropout(0.5, seed=seed),
            L.Dense(3, seed=seed + 2),
            L.Softmax(axis=1),
        ]
    )
    return set_statistics(model, np.random.default_rng(seed))


def global_average_model(seed):
    """Strided convolution, an overlapping pooling, GlobalAveragePooling2D and two Dense layers.
    P = 9, S = 2."""
    model = Sequential(
        [
            L.Input(shape=(9, 9, 1)),
            L.Conv2D(4, 3, strides=2, activation="tanh", seed=seed),
            L.AveragePooling2D(2, strides=1),
            L.GlobalAveragePooling2D(),
            L.Dense(6, activation="relu", seed=seed + 1),
            L.Dense(3, activation="softmax", seed=seed + 2),
        ]
    )
    return set_statistics(model, np.random.default_rng(seed))


def global_max_model(seed):
    """GlobalMaxPooling2D head over a map from a stride-3 pooling. P = 10, S = 3."""
    model = Sequential(
        [
            L.Input(shape=(10, 10, 1)),
            L.BatchNormalization(),
            L.Conv2D(3, 2, activation="relu", seed=seed),
            L.MaxPooling2D(3),
            L.GlobalMaxPooling2D(),
            L.Dense(2, activation="sigmoid", seed=seed + 1),
        ]
    )
    return set_statistics(model, np.random.default_rng(seed))


def flatten_of_one_cell_model(seed):
    """A convolution as large as the patch, then Flatten of the 1x1 map and a Dense. P = 7, S = 1."""
    model = Sequential(
        [
            L.Input(shape=(7, 7, 2)),
            L.Conv2D(4, 7, activation="relu", seed=seed),
            L.Flatten(),
            L.Dense(3, seed=seed + 1),
            L.Activation("softmax"),
        ]
    )
    return set_statistics(model, np.random.default_rng(seed))


BUILDERS = {
    "detector": detector_model,
    "flatten_dense": flatten_dense_model,
    "global_average": global_average_model,
    "global_max": global_max_model,
    "flatten_one_cell": flatten_of_one_cell_model,
}
STRIDES = {
    "detector": 4,
    "flatten_dense": 2,
    "global_average": 2,
    "global_max": 3,
    "flatten_one_cell": 1,
}


def patch_of(model):
    _, P_h, P_w, C = model.input_shape
    return P_h, P_w, C


def window_loop(model, x, stride):
    """(N, rows, cols, K): model.predict on x[:, i*stride : i*stride + P, j*stride : j*stride + P]
    for each (i, j), one window at a time."""
    P_h, P_w, _ = patch_of(model)
    rows = (x.shape[1] - P_h) // stride + 1
    cols = (x.shape[2] - P_w) // stride + 1
    out = None
    for i in range(rows):
        for j in range(cols):
            window = x[:, i * stride : i * stride + P_h, j * stride : j * stride + P_w]
            probs = model.predict(window, verbose=0)
            if out is None:
                out = np.empty((x.shape[0], rows, cols, probs.shape[1]))
            out[:, i, j] = probs
    return out


def images_for(model, rng, n, extra_h, extra_w):
    P_h, P_w, C = patch_of(model)
    return rng.random((n, P_h + extra_h, P_w + extra_w, C))


# ---------------------------------------------------------------------------------------------
# fully_convolutional: each cell is the patch model on its window
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BUILDERS))
def test_each_cell_is_the_patch_model_on_its_window(name):
    model = BUILDERS[name](3)
    S = STRIDES[name]
    assert network_stride(model) == S
    rng = np.random.default_rng(1)
    x = images_for(model, rng, 2, 3 * S + 1, 2 * S)
    fcn = fully_convolutional(model, x.shape[1:])
    got = fcn.predict(x, verbose=0)
    expected = window_loop(model, x, S)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_a_patch_sized_input_gives_the_patch_models_output(name):
    model = BUILDERS[name](5)
    P_h, P_w, C = patch_of(model)
    x = np.random.default_rng(2).random((3, P_h, P_w, C))
    fcn = fully_convolutional(model, (3, P_h, P_w, C))  # (N, H, W, C) is accepted too
    expected = model.predict(x, verbose=0)
    got = fcn.predict(x, verbose=0)
    assert got.shape == (3, 1, 1, expected.shape[1])
    np.testing.assert_allclose(got, expected[:, None, None, :], rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", ["detector", "flatten_dense", "global_average"])
def test_the_recast_holds_copies_of_the_weights(name):
    model = BUILDERS[name](7)
    x = images_for(model, np.random.default_rng(3), 1, 6, 6)
    fcn = fully_convolutional(model, x.shape[1:])
    before_fcn = fcn.predict(x, verbose=0)
    before_patch = window_loop(model, x, STRIDES[name])
    for layer in model.layers:
        for value in (*layer.params.values(), *layer.buffers.values()):
            value[...] = value * 1.5 + 0.25
    assert not np.allclose(window_loop(model, x, STRIDES[name]), before_patch, atol=1e-4)
    np.testing.assert_array_equal(fcn.predict(x, verbose=0), before_fcn)


def test_the_recast_does_not_change_the_patch_model():
    model = flatten_dense_model(11)
    x = np.random.default_rng(4).random((2, 10, 10, 2))
    before = model.predict(x, verbose=0)
    weights = {
        (layer.name, key): value.copy()
        for layer in model.layers
        for key, value in (*layer.params.items(), *layer.buffers.items())
    }
    fully_convolutional(model, (20, 20, 2))
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)
    for layer in model.layers:
        for key, value in (*layer.params.items(), *layer.buffers.items()):
            np.testing.assert_array_equal(value, weights[layer.name, key])


@settings(max_examples=30)
@given(
    st.sampled_from(sorted(BUILDERS)),
    st.integers(0, 20),
    st.integers(0, 20),
    st.integers(0, 2**16),
)
def test_property_recast_equals_the_window_loop(name, extra_h, extra_w, seed):
    model = BUILDERS[name](seed)
    x = images_for(model, np.random.default_rng(seed), 1, extra_h, extra_w)
    got = fully_convolutional(model, x.shape[1:]).predict(x, verbose=0)
    expected = window_loop(model, x, STRIDES[name])
    rows, cols = expected.shape[1:3]
    # the cell count itself is test_cells_past_the_image_are_not_returned's concern
    assert got.shape[1] >= rows and got.shape[2] >= cols
    np.testing.assert_allclose(got[:, :rows, :cols], expected, rtol=0, atol=1e-6)


def test_a_layer_that_leaves_patch_pixels_unread_is_refused():
    # P = 11: conv 2x2 -> 10, max pool 3 (stride 3) reads 0..8 of its 10 rows. The patch model
    # never looks at its last row and column, and on a 13-wide image the recast would report
    # a second cell for a window hanging past the image (pixels 3..13).
    model = Sequential(
        [
            L.Input(shape=(11, 11, 1)),
            L.Conv2D(3, 2, seed=0),
            L.MaxPooling2D(3, name="pool"),
            L.GlobalMaxPooling2D(),
            L.Dense(2, seed=1),
        ]
    )
    with pytest.raises(ValueError, match=r"layer 'pool' \(extent 3, stride 3\) leaves 1 row"):
        fully_convolutional(model, (11, 13, 1))


# ---------------------------------------------------------------------------------------------
# sliding_window_predict: the slow reference
# ---------------------------------------------------------------------------------------------


def test_batch_normalization_after_a_convolution_is_folded_into_it():
    model = detector_model(3)  # input BN, then 4 x (Conv2D without bias, BN, ReLU)
    fcn = fully_convolutional(model, (48, 52, 1))
    kinds = [type(layer).__name__ for layer in fcn.layers]
    assert kinds.count("BatchNormalization") == 1 and kinds[0] == "BatchNormalization"
    convs = [layer for layer in fcn.layers if isinstance(layer, L.Conv2D)]
    assert len(convs) == 5 and all("bias" in c.params for c in convs[:4])
    # the folded kernel, by hand for the first convolution
    conv, norm = model.layers[1], model.layers[2]
    s = norm.params["gamma"] / np.sqrt(norm.buffers["moving_variance"] + norm.epsilon)
    np.testing.assert_allclose(convs[0].params["kernel"], conv.params["kernel"] * s, rtol=1e-6)
    expected_bias = norm.params["beta"] - norm.buffers["moving_mean"] * s
    np.testing.assert_allclose(convs[0].params["bias"], expected_bias, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["detector", "flatten_dense", "global_max"])
def test_recast_equals_sliding_window_at_the_network_stride(name):
    model = BUILDERS[name](13)
    S = network_stride(model)
    P_h, P_w, C = patch_of(model)
    image = np.random.default_rng(5).random((P_h + 5 * S + 1, P_w + 4 * S + 1, C))
    fcn = fully_convolutional(model, image.shape)
    got = fcn.predict(image[None], verbose=0)[0]
    np.testing.assert_allclose(got, sliding_window_predict(model, image, stride=S), atol=1e-5)


@pytest.mark.parametrize(("stride", "batch_size"), [(1, 256), (2, 7), (3, 1), (8, 3)])
def test_sliding_window_equals_an_explicit_loop(stride, batch_size):
    model = detector_model(17)
    image = np.random.default_rng(6).random((45, 50)).astype(np.float32)  # (H, W) grey
    got = sliding_window_predict(model, image, stride=stride, batch_size=batch_size)
    expected = window_loop(model, image[None, :, :, None], stride)[0]
    assert got.shape == ((45 - 32) // stride + 1, (50 - 32) // stride + 1, 4)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


def test_sliding_window_takes_integer_images_and_does_not_modify_them():
    model = flatten_of_one_cell_model(19)
    image = np.random.default_rng(7).integers(0, 5, (12, 9, 2))
    before = image.copy()
    got = sliding_window_predict(model, image, stride=2)
    np.testing.assert_array_equal(image, before)
    expected = window_loop(model, image[None].astype(np.float64), 2)[0]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


def test_sliding_window_bad_arguments():
    model = flatten_of_one_cell_model(0)  # (7, 7, 2) patches
    image = np.zeros((10, 10, 2))
    with pytest.raises(ValueError, match=r"sliding_window_predict: the image 6x10 is smaller"):
        sliding_window_predict(model, np.zeros((6, 10, 2)), stride=1)
    with pytest.raises(ValueError, match=r"expected 2 channel\(s\), received image of shape"):
        sliding_window_predict(model, np.zeros((10, 10, 3)), stride=1)
    with pytest.raises(ValueError, match=r"expected an image as a numeric array"):
        sliding_window_predict(model, np.zeros((1, 10, 10, 2)), stride=1)
    for stride in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match=r"expected stride as a positive int"):
            sliding_window_predict(model, image, stride=stride)
    for batch_size in (0, 2.0, None):
        with pytest.raises(ValueError, match=r"expected batch_size as an int >= 1"):
            sliding_window_predict(model, image, stride=1, batch_size=batch_size)
    with pytest.raises(TypeError, match=r"expected a minidl Sequential model"):
        sliding_window_predict(L.Conv2D(2, 3), image, stride=1)


# ---------------------------------------------------------------------------------------------
# fully_convolutional: refusals
# ---------------------------------------------------------------------------------------------


def test_a_padded_layer_is_refused():
    for layer in (L.Conv2D(3, 3, padding="same", seed=0), L.MaxPooling2D(2, padding="same")):
        model = Sequential([L.Input(shape=(8, 8, 1)), layer, L.Flatten(), L.Dense(2, seed=0)])
        with pytest.raises(ValueError, match=rf"layer '{layer.name}' pads its input"):
            fully_convolutional(model, (16, 16, 1))


def test_same_padding_that_never_pads_is_accepted():
    model = Sequential(
        [
            L.Input(shape=(6, 6, 1)),
            L.Conv2D(3, 1, padding="same", seed=0),  # a 1x1 kernel at stride 1 adds no border
            L.Conv2D(2, 6, seed=1),
            L.Flatten(),
        ]
    )
    x = np.random.default_rng(8).random((1, 9, 8, 1))
    got = fully_convolutional(model, (9, 8, 1)).predict(x, verbose=0)
    np.testing.assert_allclose(got, window_loop(model, x, 1), rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "layer",
    [L.UpSampling2D(2), L.Reshape((8, 8, 1)), L.Conv2DTranspose(1, 1)],
    ids=["upsampling", "reshape", "transpose"],
)
def test_a_layer_without_a_convolutional_twin_is_refused(layer):
    model = Sequential(
        [L.Input(shape=(8, 8, 1)), layer, L.Conv2D(2, 3, seed=0), L.Flatten(), L.Dense(2, seed=0)]
    )
    with pytest.raises(TypeError, match=rf"layer '{layer.name}' \({type(layer).__name__}\) has no"):
        fully_convolutional(model, (16, 16, 1))


def test_bad_models_and_input_shapes_are_refused():
    model = flatten_dense_model(0)  # (10, 10, 2) patches
    with pytest.raises(TypeError, match=r"expected a minidl Sequential model, received Conv2D"):
        fully_convolutional(L.Conv2D(2, 3), (16, 16, 1))
    with pytest.raises(TypeError, match=r"expected a minidl Sequential model, received dict"):
        fully_convolutional({"layers": []}, (16, 16, 1))
    unbuilt = Sequential([L.Conv2D(2, 3), L.Flatten(), L.Dense(2)])
    with pytest.raises(ValueError, match=r"expected a built model for image patches"):
        fully_convolutional(unbuilt, (16, 16, 1))
    for shape in [(9, 20, 2), (20, 9, 2), (20, 20, 1), (20, 20), (20.0, 20, 2), "20x20"]:
        with pytest.raises(ValueError, match=r"expected input_shape \(H, W, 2\) with H >= 10"):
            fully_convolutional(model, shape)


def test_dropout_between_flatten_and_dense_is_left_out():
    model = Sequential(
        [
            L.Input(shape=(8, 8, 1)),
            L.Conv2D(3, 3, seed=0),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dropout(0.5, seed=0),
            L.Dense(4, activation="softmax", seed=1),
        ]
    )
    x = np.random.default_rng(9).random((1, 14, 12, 1))
    got = fully_convolutional(model, x.shape[1:]).predict(x, verbose=0)
    np.testing.assert_allclose(got, window_loop(model, x, 2), rtol=0, atol=1e-6)


def test_heads_that_are_not_classifiers_are_refused():
    flatten_then_norm = Sequential(
        [L.Input(shape=(6, 6, 1)), L.Conv2D(2, 3), L.Flatten(), L.BatchNormalization(), L.Dense(2)]
    )
    with pytest.raises(ValueError, match=r"Flatten of an \(4, 4, 2\) map must be followed by a"):
        fully_convolutional(flatten_then_norm, (12, 12, 1))
    ends_in_flatten = Sequential([L.Input(shape=(6, 6, 1)), L.Conv2D(2, 3), L.Flatten()])
    with pytest.raises(ValueError, match=r"ends with a Flatten of an \(4, 4, 2\) map"):
        fully_convolutional(ends_in_flatten, (12, 12, 1))
    maps_out = Sequential([L.Input(shape=(6, 6, 1)), L.Conv2D(2, 3)])
    with pytest.raises(ValueError, match=r"expected a classifier with output \(N, K\)"):
        fully_convolutional(maps_out, (12, 12, 1))


# ---------------------------------------------------------------------------------------------
# network_stride
# ---------------------------------------------------------------------------------------------


def test_network_stride_is_the_product_of_the_strides():
    model = Sequential(
        [
            L.Input(shape=(64, 64, 1)),
            L.Conv2D(2, 3, strides=2),  # 2
            L.MaxPooling2D(2),  # x 2 (strides default to the pool size)
            L.Conv2D(2, 3),  # x 1
            L.AveragePooling2D(3, strides=3),  # x 3
            L.Dropout(0.1),
            L.Flatten(),
            L.Dense(2),
        ]
    )
    assert network_stride(model) == 12
    assert network_stride(CNNDetector(**SMALL).build_model(0)) == 4
    assert network_stride(Sequential([L.Input(shape=(4,)), L.Dense(2)])) == 1


def test_network_stride_refuses_unequal_strides():
    model = Sequential([L.Input(shape=(16, 16, 1)), L.Conv2D(2, 3, strides=(1, 2), name="wide")])
    with pytest.raises(ValueError, match=r"network_stride: layer 'wide' has unequal strides"):
        network_stride(model)


# ---------------------------------------------------------------------------------------------
# non_max_suppression
# ---------------------------------------------------------------------------------------------


def det(box, score, cls="scratch"):
    return {"bbox": list(box), "class": cls, "score": score}


def test_nms_hand_computed_iou():
    # [0,0,10,10] vs [5,0,15,10]: intersection 5 x 10 = 50, union 100 + 100 - 50 = 150, IoU 1/3
    best, other = det([0, 0, 10, 10], 0.9), det([5, 0, 15, 10], 0.8)
    assert non_max_suppression([other, best], 0.4) == [best, other]
    assert non_max_suppression([other, best], 0.3) == [best]
    assert non_max_suppression([other, best], 1 / 3) == [best, other]  # dropped only when above


def test_nms_returns_the_same_dicts_best_first():
    a, b, c = det([0, 0, 4, 4], 0.2), det([10, 10, 14, 14], 0.7), det([20, 0, 24, 4], 0.5)
    kept = non_max_suppression([a, b, c], 0.5)
    assert [id(d) for d in kept] == [id(b), id(c), id(a)]


def test_nms_half_open_boxes_that_touch_do_not_overlap():
    # [0,10) and [10,20) share no pixel, so even a zero threshold keeps both
    left, right = det([0, 0, 10, 10], 0.9), det([10, 0, 20, 10], 0.8)
    below = det([0, 10, 10, 20], 0.7)
    assert non_max_suppression([left, right, below], 0.0) == [left, right, below]
    # one pixel of overlap: 1 / (100 + 100 - 1) > 0
    shifted = det([9, 9, 19, 19], 0.6)
    assert non_max_suppression([left, shifted], 0.0) == [left]
    assert non_max_suppression([left, shifted], 0.006) == [left, shifted]  # 1/199 = 0.00503


def test_nms_is_greedy():
    # IoU(A, B) = IoU(B, C) = 40 / 160 = 0.25 and IoU(A, C) = 0: B goes, so C stays
    a, b, c = det([0, 0, 10, 10], 0.9), det([6, 0, 16, 10], 0.8), det([12, 0, 22, 10], 0.7)
    assert non_max_suppression([c, b, a], 0.2) == [a, c]
    assert non_max_suppression([c, b, a], 0.25) == [a, b, c]


def test_nms_ties_keep_the_input_order():
    disjoint = [det([10 * k, 0, 10 * k + 5, 5], 0.5) for k in range(4)]
    assert [id(d) for d in non_max_suppression(disjoint, 0.3)] == [id(d) for d in disjoint]
    first, second = det([0, 0, 8, 8], 0.6), det([0, 0, 8, 8], 0.6)
    assert [id(d) for d in non_max_suppression([first, second], 0.3)] == [id(first)]
    assert [id(d) for d in non_max_suppression([second, first], 0.3)] == [id(second)]


def test_nms_works_across_classes():
    scratch, crack = det([0, 0, 10, 10], 0.9, "scratch"), det([1, 0, 11, 10], 0.95, "crack")
    particle = det([40, 40, 43, 43], 0.3, "particle")
    # IoU 90 / 110 = 0.818
    assert non_max_suppression([scratch, particle, crack], 0.8) == [crack, particle]
    assert non_max_suppression([scratch, particle, crack], 0.82) == [crack, scratch, particle]


def test_nms_empty_and_identical():
    assert non_max_suppression([], 0.3) == []
    box = det([3, 4, 9, 12], 0.5)
    assert non_max_suppression([box], 0.0) == [box]
    assert non_max_suppression([box, dict(box)], 1.0) == [box, box]  # IoU 1 is not above 1


def test_nms_does_not_modify_its_input():
    detections = [det([0, 0, 10, 10], 0.4), det([2, 2, 12, 12], 0.9), det([50, 50, 60, 60], 0.1)]
    before = json.loads(json.dumps(detections))
    non_max_suppression(detections, 0.3)
    assert detections == before


@pytest.mark.parametrize("threshold", [-0.1, 1.5, float("nan")])
def test_nms_bad_threshold(threshold):
    with pytest.raises(ValueError, match=r"non_max_suppression: expected iou_threshold in \[0, 1"):
        non_max_suppression([det([0, 0, 1, 1], 0.5)], threshold)


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
