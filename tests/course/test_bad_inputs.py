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
