"""Bad inputs to the gradient checker: minidl's error naming the function, never a
ZeroDivisionError or an odd conversion error from deep inside the finite differences."""

import numpy as np
import pytest

from minidl.errors import ArgumentTypeError
from minidl.gradcheck import (
    check_gradients,
    check_layer,
    check_loss,
    numerical_gradient,
    numerical_gradient_array,
    rel_error,
)
from minidl.layers import Dense

X = np.arange(6.0).reshape(2, 3) / 10
Y = np.array([[0.0], [1.0]])
P = np.array([[0.3], [0.6]])

CALLS_WITH_H = {
    "numerical_gradient": lambda h: numerical_gradient(lambda x: float(np.sum(x**2)), X, h),
    "numerical_gradient_array": lambda h: numerical_gradient_array(
        lambda x: x * 2, X, np.ones_like(X), h
    ),
    "check_gradients": lambda h: check_gradients(
        lambda: float(np.sum(X**2)), {"x": X.copy()}, {"x": 2 * X}, h=h
    ),
    "check_layer": lambda h: check_layer(Dense(2, seed=0), X, h=h),
    "check_loss": lambda h: check_loss("binary_crossentropy", Y, P, h=h),
}


@pytest.mark.parametrize("h", [0, 0.0, -1, -1e-6, np.nan, np.inf])
@pytest.mark.parametrize("name", list(CALLS_WITH_H))
def test_h_must_be_a_positive_number(name, h):
    with pytest.raises(ValueError, match=rf"{name}.*expected h as a step h > 0"):
        CALLS_WITH_H[name](h)


@pytest.mark.parametrize("h", [None, "1e-6", True, [1e-6]])
@pytest.mark.parametrize("name", list(CALLS_WITH_H))
def test_h_must_be_a_number(name, h):
    with pytest.raises(ArgumentTypeError, match=rf"{name}.*expected h as a step h > 0"):
        CALLS_WITH_H[name](h)


@pytest.mark.parametrize(
    "f, shown",
    [
        (lambda x: "loss", "str 'loss'"),
        (lambda x: x, r"an array of shape \(2, 3\)"),
        (lambda x: None, "None"),
        (lambda x: np.array([1.0, 2.0]), r"an array of shape \(2,\)"),
    ],
)
def test_numerical_gradient_refuses_f_not_returning_a_scalar(f, shown):
    with pytest.raises(
        ArgumentTypeError,
        match=rf"numerical_gradient: expected f to return a scalar \(a float\), received {shown}",
    ):
        numerical_gradient(f, X)


@pytest.mark.parametrize("f", [None, "f", 3.0, np.ones(2)])
def test_numerical_gradient_refuses_f_not_callable(f):
    with pytest.raises(ArgumentTypeError, match="numerical_gradient: expected f as a callable"):
        numerical_gradient(f, X)
    with pytest.raises(ArgumentTypeError, match="numerical_gradient_array: expected f as a"):
        numerical_gradient_array(f, X, np.ones_like(X))


def test_numerical_gradient_still_takes_one_element_arrays_and_ints():
    np.testing.assert_allclose(
        numerical_gradient(lambda x: np.array([[np.sum(x**2)]]), X.copy()), 2 * X, atol=1e-8
    )
    np.testing.assert_array_equal(numerical_gradient(lambda x: 1, X.copy()), np.zeros_like(X))


@pytest.mark.parametrize("dout", [np.ones((3, 2)), np.ones(3), np.ones((1, 3)), np.ones((2, 3, 1))])
def test_numerical_gradient_array_refuses_dout_of_another_shape(dout):
    with pytest.raises(
        ValueError, match=r"numerical_gradient_array: expected f\(x\) and dout of the same shape"
    ):
        numerical_gradient_array(lambda x: x * 2, X, dout)


@pytest.mark.parametrize("dout", [None, "d", np.ones((2, 3), dtype=complex)])
def test_numerical_gradient_array_refuses_dout_not_an_array(dout):
    with pytest.raises((TypeError, ValueError), match=r"numerical_gradient_array: .*dout"):
        numerical_gradient_array(lambda x: x * 2, X, dout)


@pytest.mark.parametrize("layer", [None, "dense", Dense, 3, np.ones(2)])
def test_check_layer_refuses_what_is_not_a_layer(layer):
    with pytest.raises(ArgumentTypeError, match="check_layer: expected layer as a Layer"):
        check_layer(layer, X)


@pytest.mark.parametrize("loss", [None, 3, np.ones(2)])
def test_check_loss_refuses_what_is_not_a_loss(loss):
    with pytest.raises(ArgumentTypeError, match="check_loss: expected loss as a"):
        check_loss(loss, Y, P)


@pytest.mark.parametrize(
    "a, b", [(np.ones(3), np.ones(4)), (np.ones((2, 3)), np.ones((3, 2))), (np.ones((3, 1)), 1.0)]
)
def test_rel_error_refuses_mismatched_shapes(a, b):
    with pytest.raises(ValueError, match="rel_error: expected a and b of the same shape"):
        rel_error(a, b)


@pytest.mark.parametrize("bad", [None, "a", np.ones(3, dtype=complex)])
def test_rel_error_refuses_what_is_not_an_array(bad):
    with pytest.raises((TypeError, ValueError), match="rel_error: expected"):
        rel_error(bad, np.ones(3))


def test_rel_error_still_reports_nan_for_nan_input():
    assert np.isnan(rel_error(np.array([np.nan]), np.array([1.0])))
