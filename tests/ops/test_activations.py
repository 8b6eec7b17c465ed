"""Activations: hand-computed values, the kinks, properties, and gradient checks over drawn shapes."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl.gradcheck import check_gradients
from minidl.ops import activations as A


def test_values_by_hand():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(A.relu_forward(x)[0], [0.0, 0.0, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(A.leaky_relu_forward(x)[0], [-0.6, -0.15, 0.0, 0.5, 2.0], rtol=1e-15)
    np.testing.assert_allclose(
        A.leaky_relu_forward(x, negative_slope=0.01)[0], [-0.02, -0.005, 0.0, 0.5, 2.0], rtol=1e-15
    )
    expected_sigmoid = [1 / (1 + math.exp(-v)) for v in x]  # the textbook formula, in plain Python
    np.testing.assert_allclose(A.sigmoid_forward(x)[0], expected_sigmoid, rtol=1e-15)
    np.testing.assert_allclose(A.tanh_forward(x)[0], [math.tanh(v) for v in x], rtol=1e-15)
    e = [math.exp(v) for v in x]
    np.testing.assert_allclose(A.softmax(x), [v / sum(e) for v in e], rtol=1e-14)


def test_derivatives_by_hand():
    x = np.array([-1.0, 0.5])
    dout = np.array([2.0, 3.0])
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(
        A.sigmoid_backward(dout, A.sigmoid_forward(x)[1]), dout * s * (1 - s)
    )
    np.testing.assert_allclose(A.tanh_backward(dout, A.tanh_forward(x)[1]), dout / np.cosh(x) ** 2)
    np.testing.assert_array_equal(A.relu_backward(dout, A.relu_forward(x)[1]), [0.0, 3.0])
    np.testing.assert_allclose(A.leaky_relu_backward(dout, A.leaky_relu_forward(x)[1]), [0.6, 3.0])


def test_kinks_take_the_documented_subgradient():
    # At x == 0, ReLU passes no gradient and LeakyReLU passes negative_slope times it (PyTorch's choice).
    x = np.zeros(3)
    dout = np.array([1.0, -2.0, 5.0])
    np.testing.assert_array_equal(A.relu_backward(dout, A.relu_forward(x)[1]), [0.0, 0.0, 0.0])
    _, cache = A.leaky_relu_forward(x, negative_slope=0.1)
    np.testing.assert_allclose(A.leaky_relu_backward(dout, cache), [0.1, -0.2, 0.5], rtol=1e-15)


def test_softmax_properties(rng):
    x = rng.standard_normal((4, 6))
    s = A.softmax(x)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-15)
    assert (s > 0).all()
    np.testing.assert_allclose(A.softmax(x + 1000.0), s, rtol=1e-12)  # shift invariance
    np.testing.assert_allclose(A.softmax(x, axis=0).sum(axis=0), 1.0, rtol=1e-15)


def _away_from_zero(x, margin=1e-3):
    return np.where(np.abs(x) < margin, np.copysign(margin, x), x)


ELEMENTWISE = {
    "relu": (A.relu_forward, A.relu_backward),
    "leaky_relu": (A.leaky_relu_forward, A.leaky_relu_backward),
    "sigmoid": (A.sigmoid_forward, A.sigmoid_backward),
    "tanh": (A.tanh_forward, A.tanh_backward),
    "softmax": (A.softmax_forward, A.softmax_backward),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=st.integers(0, 2**32 - 1))
def test_gradients_match_finite_differences(name, shape, seed):
    forward, backward = ELEMENTWISE[name]
    rng = np.random.default_rng(seed)
    x = _away_from_zero(rng.standard_normal(shape) * 3)  # kinks have their own test above
    dout = rng.standard_normal(shape)
    dx = backward(dout, forward(x)[1])
    report = check_gradients(lambda: np.sum(forward(x)[0] * dout), {"x": x}, {"x": dx}, name)
    assert report.passed, report


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown activation 'relu6'.*'sigmoid'"):
        A.get_activation("relu6")
    assert A.get_activation(None) is A.ACTIVATIONS["linear"]
