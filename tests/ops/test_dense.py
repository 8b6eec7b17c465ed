"""The affine map x @ W + b: hand-computed values, gradient checks over drawn shapes, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl.gradcheck import check_gradients
from minidl.ops import dense_backward, dense_forward


def test_forward_by_hand():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
    b = np.array([0.5, -1.0, 0.0])
    out, _ = dense_forward(x, W, b)
    # row 0: [1*1 + 2*2, 1*0 + 2*1, 1*-1 + 2*0.5] + b = [5, 2, 0] + b
    # row 1: [3*1 + 4*2, 3*0 + 4*1, 3*-1 + 4*0.5] + b = [11, 4, -1] + b
    np.testing.assert_array_equal(out, [[5.5, 1.0, 0.0], [11.5, 3.0, -1.0]])


def test_backward_by_hand():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
    _, cache = dense_forward(x, W, np.zeros(3))
    dout = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 2.0]])
    dx, dW, db = dense_backward(dout, cache)
    # dx[n, i] = sum_j dout[n, j] W[i, j]: row 0 picks W's first column, row 1 is W[:,1] + 2 W[:,2]
    np.testing.assert_array_equal(dx, [[1.0, 2.0], [-2.0, 2.0]])
    # dW[i, j] = sum_n x[n, i] dout[n, j]
    np.testing.assert_array_equal(dW, [[1.0, 3.0, 6.0], [2.0, 4.0, 8.0]])
    np.testing.assert_array_equal(db, [1.0, 1.0, 2.0])


def test_without_bias():
    x = np.array([[1.0, -1.0]])
    W = np.array([[2.0], [3.0]])
    out, cache = dense_forward(x, W)
    assert out.tolist() == [[-1.0]]
    dx, dW, db = dense_backward(np.ones((1, 1)), cache)
    assert db is None and dx.tolist() == [[2.0, 3.0]] and dW.tolist() == [[1.0], [-1.0]]


@given(
    n=st.integers(1, 5),
    d_in=st.integers(1, 6),
    d_out=st.integers(1, 5),
    bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_gradients_match_finite_differences(n, d_in, d_out, bias, seed):
    rng = np.random.default_rng(seed)
    x, W = rng.standard_normal((n, d_in)), rng.standard_normal((d_in, d_out))
    b = rng.standard_normal(d_out) if bias else None
    dout = rng.standard_normal((n, d_out))
    arrays = {"x": x, "W": W, **({"b": b} if bias else {})}
    dx, dW, db = dense_backward(dout, dense_forward(x, W, b)[1])
    analytic = {"x": dx, "W": dW, **({"b": db} if bias else {})}
    report = check_gradients(lambda: np.sum(dense_forward(x, W, b)[0] * dout), arrays, analytic)
    assert report.passed, report


def test_inputs_not_mutated(rng):
    x, W, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    copies = [a.copy() for a in (x, W, b)]
    out, cache = dense_forward(x, W, b)
    dout = rng.standard_normal(out.shape)
    dout_copy = dout.copy()
    dense_backward(dout, cache)
    for a, c in zip((x, W, b, dout), (*copies, dout_copy), strict=True):
        np.testing.assert_array_equal(a, c)


def test_mismatched_shapes_name_both():
    with pytest.raises(ValueError, match=r"dense_forward.*x \(2, 3\).*W \(4, 5\)"):
        dense_forward(np.zeros((2, 3)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"b of shape \(5,\).*received b \(4,\)"):
        dense_forward(np.zeros((2, 4)), np.zeros((4, 5)), np.zeros(4))
    _, cache = dense_forward(np.zeros((2, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"dense_backward.*\(2, 5\).*\(5, 2\)"):
        dense_backward(np.zeros((5, 2)), cache)
