"""The fully convolutional recast against an explicit loop over windows (every head rewrite,
copied weights, refusals), sliding_window_predict, the reference, and the network's stride."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minidl import layers as L
from minidl.detect.cnn import CNNDetector
from minidl.detect.fully_convolutional import fully_convolutional, network_stride
from minidl.detect.windows import sliding_window_predict
from minidl.models import Sequential

SMALL = dict(filters=(4, 4, 8, 8))


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
