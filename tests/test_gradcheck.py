"""The gradient checker itself: it must find known gradients, catch wrong ones, refuse float32,
leave inputs untouched and print a report a student can read."""

import numpy as np
import pytest

from minidl.gradcheck import (
    GradCheckReport,
    check_layer,
    check_loss,
    numerical_gradient,
    numerical_gradient_array,
    rel_error,
)
from minidl.layers import Dense


def test_numerical_gradient_of_known_functions():
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v**3), x), 3 * x**2, rtol=1e-9)
    np.testing.assert_allclose(
        numerical_gradient(lambda v: np.sum(np.sin(v)), x), np.cos(x), rtol=1e-8
    )


def test_numerical_gradient_array_is_the_vector_jacobian_product():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    M = np.array([[2.0, -1.0], [0.5, 3.0]])
    dout = np.array([[1.0, 0.0], [2.0, -1.0]])
    # f(x) = x @ M, so d sum(f * dout) / dx = dout @ M.T; rounding costs ~eps * |f| / h ~ 1e-9
    np.testing.assert_allclose(
        numerical_gradient_array(lambda v: v @ M, x, dout), dout @ M.T, atol=1e-8
    )


def test_inputs_are_not_modified():
    x = np.array([0.1, 0.2, 0.3])
    before = x.copy()
    numerical_gradient(lambda v: float(np.sum(v**2)), x)
    np.testing.assert_array_equal(x, before)


def test_rel_error_matches_the_cs231n_formula():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.2])
    assert rel_error(a, b) == pytest.approx(0.2 / 4.2, rel=1e-15)
    assert rel_error(np.zeros(2), np.zeros(2)) == 0.0


def test_float32_is_refused_with_the_reason():
    with pytest.raises(TypeError, match=r"expected x in float64, received float32.*too few digits"):
        numerical_gradient(lambda v: float(np.sum(v)), np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match=r"float64"):
        check_layer(Dense(2, seed=0), np.ones((2, 3), dtype=np.float32))
    with pytest.raises(TypeError, match=r"received int64. An integer array cannot hold x \+ h"):
        check_layer(Dense(2, seed=0), np.ones((2, 3), dtype=np.int64))
    with pytest.raises(TypeError, match=r"parameter 'kernel' in float64"):
        check_layer(Dense(2, seed=0, dtype="float32"), np.ones((2, 3)))


class WrongDense(Dense):
    """A Dense whose kernel gradient forgets the transpose's partner: a classic student bug."""

    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["kernel"] = self.grads["kernel"] * 1.01  # 1% off: must still be caught
        return dx


def test_a_wrong_gradient_fails_and_the_report_says_where(rng):
    report = check_layer(WrongDense(3, seed=0, name="wrong"), rng.standard_normal((4, 5)))
    assert not report.passed and not bool(report)
    assert report["x"].passed and report["bias"].passed
    bad = report["kernel"]
    assert not bad.passed
    assert bad.scaled_error == pytest.approx(0.01 / 1.01, rel=1e-3)  # |1.01 a - a| / |1.01 a|
    assert bad.analytic == pytest.approx(1.01 * bad.numeric, rel=1e-6)
    text = repr(report)
    assert "FAILED" in text and "kernel" in text and "FAIL" in text.splitlines()[-2]
    with pytest.raises(AssertionError, match="kernel"):
        report.raise_if_failed()


def test_a_right_gradient_passes_and_prints_ok(rng):
    report = check_layer(
        Dense(3, activation="sigmoid", seed=0, name="good"), rng.standard_normal((4, 5))
    )
    assert isinstance(report, GradCheckReport) and report.passed
    lines = str(report).splitlines()
    assert "PASSED" in lines[0] and "check_layer (good)" in lines[0]
    assert [line.split()[0] for line in lines[2:]] == ["x", "kernel", "bias"]
    assert all(line.rstrip().endswith("ok") for line in lines[2:])
    assert report.raise_if_failed() is report


def test_check_layer_leaves_the_layer_as_it_was(rng):
    layer = Dense(3, seed=0)
    x = rng.standard_normal((2, 4))
    layer.forward(x)
    kernel = layer.params["kernel"].copy()
    check_layer(layer, x)
    np.testing.assert_array_equal(layer.params["kernel"], kernel)  # restored bit for bit


def test_check_loss_by_name(rng):
    y = rng.integers(0, 2, (5, 1)).astype(float)
    assert check_loss("binary_crossentropy", y, rng.uniform(0.1, 0.9, (5, 1))).passed


def test_unknown_gradient_name_is_a_key_error(rng):
    report = check_layer(Dense(2, seed=0), rng.standard_normal((2, 2)))
    with pytest.raises(KeyError, match="no gradient named 'gamma'"):
        report["gamma"]


def test_tiny_correct_gradients_pass_at_the_rounding_noise():
    # sigmoid'(30) ~ 9e-14: the finite difference is pure rounding noise (~1e-10), so a correct
    # layer must not fail just because its gradient is smaller than what can be measured.
    from minidl.layers import Sigmoid

    report = check_layer(Sigmoid(), np.array([[30.0, 25.0]]))
    assert report.passed, report


class DxTwoPercentHigh(Dense):
    """A Dense whose dx is 2% too large."""

    def backward(self, dy):
        return 1.02 * super().backward(dy)


def test_small_but_measurable_wrong_gradients_still_fail(rng):
    # Gradients of size ~1e-3 are far above the noise floor (~1e-9): a 2% error must be caught.
    layer = DxTwoPercentHigh(2, seed=0)
    layer.build((None, 3))
    layer.params["kernel"] *= 1e-3
    report = check_layer(layer, rng.standard_normal((2, 3)))
    assert not report["x"].passed and report["kernel"].passed


class NaNGrad(Dense):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["bias"] = np.full_like(self.grads["bias"], np.nan)
        return dx


def test_nan_gradient_fails_with_infinite_error(rng):
    report = check_layer(NaNGrad(2, seed=0), rng.standard_normal((2, 3)))
    assert not report["bias"].passed and report["bias"].scaled_error == float("inf")
