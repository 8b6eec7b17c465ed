"""Layers: the contract (shapes, grads keys, no mutation, config, gradient check) over drawn
configurations, plus names, hyperparameters and the errors a student is likely to meet."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl.layers import (
    Activation,
    Dense,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    reset_name_counters,
)
from minidl.testing import check_layer_contract

ACTIVATIONS = [None, "relu", "leaky_relu", "sigmoid", "tanh", "softmax"]


@given(
    n=st.integers(1, 4),
    d_in=st.integers(1, 5),
    units=st.integers(1, 4),
    activation=st.sampled_from(ACTIVATIONS),
    use_bias=st.booleans(),
    init=st.sampled_from(["glorot_uniform", "he_normal", "normal_fan_in", "scaled_normal"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_dense_contract(n, d_in, units, activation, use_bias, init, seed):
    def make():
        return Dense(
            units,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=init,
            bias_initializer="zeros" if init == "scaled_normal" else "glorot_uniform",
            seed=seed,
        )

    # A pre-activation within h = 1e-6 of a ReLU kink has probability ~1e-6 per unit here; the
    # draws are derandomized, so such a case would show up as a fixed, explainable failure.
    report = check_layer_contract(make, (n, d_in), rng=np.random.default_rng(seed))
    assert {c.name for c in report.checks} == {"x", "kernel"} | ({"bias"} if use_bias else set())


SIMPLE = {
    "ReLU": ReLU,
    "Sigmoid": Sigmoid,
    "Tanh": Tanh,
    "LeakyReLU": LeakyReLU,
    "LeakyReLU(0.01)": lambda: LeakyReLU(negative_slope=0.01),
    "Softmax": Softmax,
    "Softmax(axis=1)": lambda: Softmax(axis=1),
    "Activation('tanh')": lambda: Activation("tanh"),
}


@pytest.mark.parametrize("name", sorted(SIMPLE))
@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=4), seed=st.integers(0, 2**32 - 1))
def test_activation_layer_contract(name, shape, seed):
    rng = np.random.default_rng(seed)
    # Away from the kinks (tested on their own in tests/ops) and from saturation, where the
    # gradient is so small that rounding in the finite difference (~1e-10) is no longer negligible.
    x = np.clip(rng.standard_normal(shape), -3, 3)
    x = np.where(np.abs(x) < 1e-3, 1e-3, x)
    report = check_layer_contract(SIMPLE[name], tuple(shape), rng=rng, x=x)
    assert [c.name for c in report.checks] == ["x"]


def test_automatic_names_follow_keras():
    reset_name_counters()
    names = [Dense(1).name, Dense(1).name, ReLU().name, LeakyReLU().name, Softmax().name]
    assert names == ["dense", "dense_1", "re_lu", "leaky_re_lu", "softmax"]
    assert Dense(1, name="out").name == "out"


def test_dense_by_hand():
    layer = Dense(2, activation="relu", seed=0)
    layer.build((None, 3))
    layer.params["kernel"] = np.array([[1.0, -1.0], [0.0, 2.0], [1.0, 0.0]])
    layer.params["bias"] = np.array([0.5, -3.0])
    y = layer.forward(np.array([[1.0, 2.0, 3.0]]))
    # z = [1 + 0 + 3 + 0.5, -1 + 4 + 0 - 3] = [4.5, 0]; relu keeps 4.5, zeroes the kink at 0
    np.testing.assert_array_equal(y, [[4.5, 0.0]])
    dx = layer.backward(np.array([[1.0, 1.0]]))
    np.testing.assert_array_equal(
        dx, [[1.0, 0.0, 1.0]]
    )  # only unit 0 passes gradient: kernel[:, 0]
    np.testing.assert_array_equal(layer.grads["kernel"], [[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    np.testing.assert_array_equal(layer.grads["bias"], [1.0, 0.0])


def test_dense_seed_is_reproducible_and_glorot_bounded():
    a, b = Dense(50, seed=3), Dense(50, seed=3)
    a.build((None, 40))
    b.build((None, 40))
    np.testing.assert_array_equal(a.params["kernel"], b.params["kernel"])
    limit = np.sqrt(6 / (40 + 50))
    assert np.abs(a.params["kernel"]).max() <= limit
    assert np.abs(a.params["kernel"]).max() > 0.9 * limit  # 2000 uniform draws reach the edge
    np.testing.assert_array_equal(a.params["bias"], np.zeros(50))


def test_grads_are_overwritten_not_accumulated(rng):
    layer = Dense(3, seed=0)
    x, dy = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    layer.forward(x)
    layer.backward(dy)
    first = layer.grads["kernel"].copy()
    layer.forward(x)
    layer.backward(dy)
    np.testing.assert_array_equal(layer.grads["kernel"], first)


def test_float32_dtype_is_kept(rng):
    layer = Dense(3, dtype="float32", seed=0)
    y = layer.forward(rng.standard_normal((2, 4)).astype(np.float32))
    assert y.dtype == np.float32 and layer.params["kernel"].dtype == np.float32


@pytest.mark.parametrize(
    "make, x, error, message",
    [
        (
            lambda: Dense(3, name="d"),
            np.zeros((2, 4, 4)),
            ValueError,
            r"Dense 'd': expected input of shape \(N, D_in\), received shape \(2, 4, 4\); flatten",
        ),
        (
            lambda: Dense(3, name="d"),
            np.array([[1.0, np.nan]]),
            ValueError,
            r"Dense 'd': input contains 1 NaN or infinite value",
        ),
        (lambda: Dense(3, name="d"), np.zeros((0, 4)), ValueError, r"Dense 'd': input is empty"),
        (
            lambda: Dense(3, name="d"),
            np.array([["a", "b"]]),
            TypeError,
            r"Dense 'd': expected input with a real numeric dtype.*received dtype <U1",
        ),
        (lambda: Dense(3, name="d"), [[1.0, 2.0]], None, None),
        (lambda: ReLU(name="r"), np.float64(3.0), ValueError, r"ReLU 'r': expected a batch"),
    ],
)
def test_bad_input_names_layer_expected_and_received(make, x, error, message):
    layer = make()
    if error is None:
        assert layer.forward(x).shape == (1, 3)  # a list is accepted like an array
        return
    with pytest.raises(error, match=message):
        layer.forward(x)


def test_shape_change_after_build_is_refused(rng):
    layer = Dense(3, name="d", seed=0)
    layer.forward(rng.standard_normal((2, 4)))
    with pytest.raises(
        ValueError, match=r"expected input of shape \('N', 4\).*received shape \(2, 5\)"
    ):
        layer.forward(rng.standard_normal((2, 5)))


def test_backward_errors(rng):
    layer = Dense(3, name="d", seed=0)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.zeros((2, 3)))
    layer.forward(rng.standard_normal((2, 4)))
    with pytest.raises(ValueError, match=r"expected dy with the shape of the last output \(2, 3\)"):
        layer.backward(np.zeros((3, 2)))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Dense(0), r"expected units as a positive integer, received 0"),
        (lambda: Dense(2.5), r"expected units as a positive integer, received 2.5"),
        (lambda: Dense(2, activation="swish"), r"unknown activation 'swish'"),
        (lambda: Dense(2, kernel_initializer="orthogonal"), r"unknown initializer 'orthogonal'"),
        (lambda: Activation("gelu"), r"unknown activation 'gelu'"),
        (lambda: LeakyReLU(negative_slope=float("nan")), r"finite negative_slope"),
        (lambda: LeakyReLU(negative_slope="a"), r"finite negative_slope, received 'a'"),
        (
            lambda: Softmax(axis=5).forward(np.ones((2, 3))),
            r"axis 5 is out of range for input of shape \(2, 3\)",
        ),
    ],
)
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_config_round_trip():
    layer = Dense(
        4, activation="tanh", use_bias=False, kernel_initializer="he_normal", seed=7, name="h"
    )
    clone = Dense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert LeakyReLU.from_config(LeakyReLU(0.2, name="l").get_config()).negative_slope == 0.2
    assert Softmax.from_config(Softmax(axis=1, name="s").get_config()).axis == 1


@pytest.mark.parametrize(
    "make", [Sigmoid, Tanh, Softmax, lambda: Dense(2, activation="sigmoid", seed=0)]
)
def test_outputs_cannot_be_edited_in_place(make, rng):
    # Sigmoid, tanh and softmax keep their output for backward; editing it would corrupt dx.
    layer = make()
    y = layer.forward(rng.standard_normal((2, 3)))
    with pytest.raises(ValueError, match="read-only"):
        y -= 0.5
    z = y.copy()
    z -= 0.5  # a copy is the student's own


def test_bad_types_are_type_errors():
    with pytest.raises(
        TypeError, match=r"Dense 'd': expected dtype 'float32' or 'float64', received 'bogus'"
    ):
        Dense(2, dtype="bogus", name="d")
    with pytest.raises(
        TypeError, match=r"Dense 'd': expected dtype 'float32' or 'float64', received 'int32'"
    ):
        Dense(2, dtype="int32", name="d")
    with pytest.raises(TypeError, match=r"expected axis as an integer"):
        Softmax(axis=1.5)
