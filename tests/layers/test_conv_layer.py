"""Conv2D and Flatten: the layer contract over drawn configurations, Keras's names and shapes,
any image size, and the errors a student meets."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minidl.layers import Conv2D, Conv2DTranspose, Dense, Flatten, UpSampling2D, reset_name_counters
from minidl.ops.conv import conv_output_shape
from minidl.testing import check_layer_contract


@given(
    n=st.integers(1, 3),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    c=st.integers(1, 4),
    filters=st.integers(1, 4),
    kernel=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    strides=st.integers(1, 3),
    dilation=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same", 1, (0, 2), ((1, 0), (0, 1))]),
    activation=st.sampled_from([None, "relu", "tanh", "sigmoid"]),
    use_bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_conv2d_contract(
    n, h, w, c, filters, kernel, strides, dilation, padding, activation, use_bias, seed
):
    try:
        conv_output_shape((n, h, w, c), (*kernel, c, filters), strides, padding, dilation)
    except ValueError:
        assume(False)  # empty outputs are refused; tests/ops/test_conv.py checks the message

    def make():
        return Conv2D(
            filters,
            kernel,
            strides=strides,
            padding=padding,
            dilation_rate=dilation,
            activation=activation,
            use_bias=use_bias,
            seed=seed,
        )

    report = check_layer_contract(make, (n, h, w, c), rng=np.random.default_rng(seed))
    assert {g.name for g in report.checks} == {"x", "kernel"} | ({"bias"} if use_bias else set())


@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=5), seed=st.integers(0, 2**32 - 1))
def test_flatten_contract(shape, seed):
    check_layer_contract(Flatten, tuple(shape), rng=np.random.default_rng(seed))


def test_flatten_keeps_keras_order():
    x = np.arange(2 * 2 * 2 * 3, dtype=float).reshape(2, 2, 2, 3)
    y = Flatten().forward(x)
    np.testing.assert_array_equal(y[1], np.arange(12, 24))  # row-major: channels fastest
    assert Flatten().output_shape((None, 4, 4, 3)) == (None, 48)


def test_keras_names_and_shapes():
    reset_name_counters()
    layer = Conv2D(8, 3, padding="same", seed=0)
    assert (
        layer.name == "conv2d" and Conv2D(1, 1).name == "conv2d_1" and Flatten().name == "flatten"
    )
    assert layer.output_shape((None, 32, 32, 3)) == (None, 32, 32, 8)
    assert Conv2D(4, (3, 5), strides=2).output_shape((None, 9, 9, 1)) == (None, 4, 3, 4)
    layer.build((None, 32, 32, 3))
    assert layer.params["kernel"].shape == (3, 3, 3, 8) and layer.params["bias"].shape == (8,)
    assert layer.count_params() == 3 * 3 * 3 * 8 + 8


def test_one_layer_runs_on_any_image_size():
    layer = Conv2D(2, 3, seed=0)
    small = layer.forward(np.ones((1, 8, 8, 3)))
    large = layer.forward(np.ones((2, 20, 12, 3)))
    assert small.shape == (1, 6, 6, 2) and large.shape == (2, 18, 10, 2)
    dx = layer.backward(np.ones_like(large))
    assert dx.shape == (2, 20, 12, 3)
    # a constant image gives a constant response inside: the same kernel slid everywhere
    np.testing.assert_allclose(large[0, :, :, 0], small[0, 0, 0, 0])


def test_glorot_limit_uses_the_receptive_field():
    layer = Conv2D(16, 3, seed=1)
    layer.build((None, 8, 8, 4))
    limit = np.sqrt(6 / (3 * 3 * 4 + 3 * 3 * 16))  # fan_in = kh*kw*C, fan_out = kh*kw*F
    k = layer.params["kernel"]
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.95 * limit


@pytest.mark.parametrize(
    "make, x, message",
    [
        (
            lambda: Conv2D(2, 3, name="c"),
            np.zeros((4, 4, 3)),
            r"Conv2D 'c': expected images of shape \(N, H, W, C\), received shape \(4, 4, 3\) \(a single image needs a batch axis",
        ),
        (lambda: Conv2D(2, 3, name="c"), np.zeros((1, 2, 2, 3)), r"the output would be empty"),
        (
            lambda: Conv2D(2, 3, name="c"),
            np.full((1, 4, 4, 1), np.inf),
            r"Conv2D 'c': input contains 16 NaN",
        ),
    ],
)
def test_bad_input(make, x, message):
    with pytest.raises(ValueError, match=message):
        make().forward(x)


def test_channel_mismatch_names_the_layer():
    layer = Conv2D(2, 3, name="c", seed=0)
    layer.forward(np.zeros((1, 5, 5, 3)))
    with pytest.raises(
        ValueError,
        match=r"Conv2D 'c': expected input with 3 channels \(N, H, W, 3\), received shape \(8, 32, 32, 1\)",
    ):
        layer.forward(np.zeros((8, 32, 32, 1)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(filters=0, kernel_size=3), r"expected filters as a positive integer, received 0"),
        (dict(filters=2, kernel_size=0), r"expected kernel_size >= 1, received 0"),
        (dict(filters=2, kernel_size=3, strides=(1, 0)), r"expected strides >= 1"),
        (dict(filters=2, kernel_size=3, dilation_rate=-1), r"expected dilation_rate >= 1"),
        (dict(filters=2, kernel_size=3, padding="causal"), r"expected padding 'valid', 'same'"),
        (dict(filters=2, kernel_size=3, padding=-1), r"expected padding >= 0"),
    ],
)
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Conv2D(**kwargs)


def test_dense_error_points_to_flatten():
    with pytest.raises(ValueError, match="flatten images first"):
        Dense(3).forward(np.zeros((2, 4, 4, 3)))


def test_config_round_trip():
    layer = Conv2D(
        4, (3, 2), strides=2, padding="same", dilation_rate=1, activation="relu", seed=3, name="c"
    )
    clone = Conv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


@given(
    n=st.integers(1, 3),
    h=st.integers(1, 6),
    w=st.integers(1, 6),
    c=st.integers(1, 3),
    filters=st.integers(1, 3),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    strides=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same", 0]),
    activation=st.sampled_from([None, "tanh"]),
    use_bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_conv2d_transpose_contract(
    n, h, w, c, filters, kernel, strides, padding, activation, use_bias, seed
):
    def make():
        return Conv2DTranspose(
            filters,
            kernel,
            strides=strides,
            padding=padding,
            activation=activation,
            use_bias=use_bias,
            seed=seed,
        )

    check_layer_contract(make, (n, h, w, c), rng=np.random.default_rng(seed))


def test_conv2d_transpose_keras_shapes():
    layer = Conv2DTranspose(4, 3, strides=2, padding="same", seed=0)
    assert layer.forward(np.ones((1, 5, 6, 2))).shape == (1, 10, 12, 4)  # H * stride, as Keras
    assert layer.params["kernel"].shape == (3, 3, 4, 2) and layer.params["bias"].shape == (
        4,
    )  # (kh, kw, filters, C_in)
    assert Conv2DTranspose(1, 3, strides=2).output_shape((None, 5, 5, 1)) == (
        None,
        11,
        11,
        1,
    )  # (5-1)*2 + 3


@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3)),
    size=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    seed=st.integers(0, 2**32 - 1),
)
def test_upsampling_contract(shape, size, seed):
    check_layer_contract(lambda: UpSampling2D(size), shape, rng=np.random.default_rng(seed))
