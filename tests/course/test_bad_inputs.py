"""Bad inputs to the course's functions: minidl's error naming the course function, no
broadcasting of mismatched shapes, no NumPy warning."""

import numpy as np
import pytest

from minidl.course import cnn, dnn

BAD = {"None": None, "string": "Z", "strings": ["a"], "complex": np.ones((2, 2), dtype=complex)}


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize(
    "name, call",
    [
        ("sigmoid", lambda v: dnn.sigmoid(v)),
        ("relu", lambda v: dnn.relu(v)),
        ("relu_backward", lambda v: dnn.relu_backward(v, np.ones((2, 2)))),
        ("relu_backward", lambda v: dnn.relu_backward(np.ones((2, 2)), v)),
        ("sigmoid_backward", lambda v: dnn.sigmoid_backward(v, np.ones((2, 2)))),
        ("sigmoid_backward", lambda v: dnn.sigmoid_backward(np.ones((2, 2)), v)),
        ("linear_forward", lambda v: dnn.linear_forward(v, np.ones((1, 2)), np.ones((1, 1)))),
        ("zero_pad", lambda v: cnn.zero_pad(v, 1)),
        ("pool_forward", lambda v: cnn.pool_forward(v, {"f": 2, "stride": 1})),
    ],
)
def test_course_functions_refuse_bad_arrays(name, call, bad):
    with pytest.raises((TypeError, ValueError), match=name):
        call(BAD[bad])


@pytest.mark.parametrize("func", [dnn.sigmoid_backward, dnn.relu_backward])
@pytest.mark.parametrize(
    "shapes", [((1, 6), (6, 1)), ((6, 1), (1, 6)), ((2, 3), (3,)), ((1,), (3, 1))]
)
def test_backward_refuses_shapes_that_would_broadcast(func, shapes):
    dA, Z = np.ones(shapes[0]), np.ones(shapes[1])
    with pytest.raises(ValueError, match=rf"{func.__name__}: expected dA with the shape of Z"):
        func(dA, Z)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_update_parameters_refuses_non_finite_gradients(bad):
    params = {"W1": np.ones((2, 3)), "b1": np.zeros((2, 1))}
    grads = {"dW1": np.full((2, 3), bad), "db1": np.zeros((2, 1))}
    with pytest.raises(ValueError, match=r"update_parameters: dW1 .*learning_rate"):
        dnn.update_parameters(params, grads, 0.1)
    np.testing.assert_array_equal(params["W1"], np.ones((2, 3)))


@pytest.mark.parametrize("bad", [None, "g", ["a"], np.ones((2, 3), dtype=complex)])
def test_update_parameters_refuses_bad_gradient_types(bad):
    params = {"W1": np.ones((2, 3)), "b1": np.zeros((2, 1))}
    with pytest.raises((TypeError, ValueError), match="update_parameters"):
        dnn.update_parameters(params, {"dW1": bad, "db1": np.zeros((2, 1))}, 0.1)


def _conv_cache():
    rng = np.random.default_rng(0)
    A_prev, W, b = (
        rng.standard_normal((2, 4, 4, 3)),
        rng.standard_normal((2, 2, 3, 5)),
        np.zeros((1, 1, 1, 5)),
    )
    return cnn.conv_forward(A_prev, W, b, {"stride": 1, "pad": 0})


def _pool_cache():
    A_prev = np.random.default_rng(0).standard_normal((2, 4, 4, 3))
    return cnn.pool_forward(A_prev, {"stride": 2, "f": 2})


@pytest.mark.parametrize(
    "bad", [None, "x", np.array([]).reshape(0, 0), np.ones(3), np.ones((2, 2, 2)), [[1.0, np.nan]]]
)
def test_create_mask_from_window_refuses_what_is_not_a_finite_window(bad):
    with pytest.raises((TypeError, ValueError), match=r"create_mask_from_window: .*x"):
        cnn.create_mask_from_window(bad)


@pytest.mark.parametrize(
    "dz, shape",
    [
        (None, (2, 2)),
        ("1", (2, 2)),
        (np.nan, (2, 2)),
        (1.0, (0, 2)),
        (1.0, (2, -1)),
        (1.0, (2.0, 2)),
        (1.0, (2,)),
        (1.0, None),
        (1.0, (2, 2, 2)),
    ],
)
def test_distribute_value_refuses_bad_dz_and_shape(dz, shape):
    with pytest.raises((TypeError, ValueError), match="distribute_value: expected"):
        cnn.distribute_value(dz, shape)


@pytest.mark.parametrize("cache", [None, (1, 2, 3), [1, 2, 3, 4], "cache"])
def test_conv_backward_refuses_what_is_not_conv_forwards_cache(cache):
    Z, _ = _conv_cache()
    with pytest.raises(
        TypeError, match=r"conv_backward: expected the cache \(A_prev, W, b, hparameters\) that "
    ):
        cnn.conv_backward(Z, cache)


@pytest.mark.parametrize("dZ", [None, np.ones((2, 3, 3, 4)), np.ones((2, 3, 3)), "dZ"])
def test_conv_backward_refuses_dZ_not_of_Zs_shape(dZ):
    _, cache = _conv_cache()
    with pytest.raises((TypeError, ValueError), match=r"conv_backward: .*dZ"):
        cnn.conv_backward(dZ, cache)


@pytest.mark.parametrize("cache", [None, (np.ones((2, 4, 4, 3)),), ("a", "b", "c"), {}])
def test_pool_backward_refuses_what_is_not_pool_forwards_cache(cache):
    A, _ = _pool_cache()
    with pytest.raises(
        TypeError, match=r"pool_backward: expected the cache \(A_prev, hparameters\) that "
    ):
        cnn.pool_backward(A, cache)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("dA", [None, np.ones((2, 3, 3, 3)), np.ones((2, 2, 2))])
def test_pool_backward_refuses_dA_not_of_As_shape(dA, mode):
    _, cache = _pool_cache()
    with pytest.raises((TypeError, ValueError), match=r"pool_backward: .*dA"):
        cnn.pool_backward(dA, cache, mode)


@pytest.mark.parametrize(
    "a, W, b",
    [
        (np.ones((2, 2, 3)), np.ones((2, 2, 4)), np.zeros((1, 1, 1))),
        (None, None, np.zeros((1, 1, 1))),
        ("a", np.ones((2, 2, 3)), np.zeros((1, 1, 1))),
        (np.ones((2, 2, 3)), np.ones((2, 2, 3)), None),
        (np.ones((2, 2, 3)), np.ones((2, 2, 3)), np.zeros((1, 1, 2))),
    ],
)
def test_conv_single_step_refuses_mismatched_or_missing_arrays(a, W, b):
    with pytest.raises((TypeError, ValueError), match="conv_single_step: "):
        cnn.conv_single_step(a, W, b)
