"""The course's convolution assignment: its published outputs, and agreement with the fast path."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minidl.course import cnn
from minidl.ops import conv, pool


def test_zero_pad():
    x = np.random.default_rng(0).standard_normal((4, 3, 3, 2))
    x_pad = cnn.zero_pad(x, 3)
    assert x_pad.shape == (4, 9, 9, 2)
    assert not x_pad[0, 0:3, 0:3, 0].any()
    np.testing.assert_array_equal(x_pad[:, 3:6, 3:6, :], x)


def test_conv_single_step_matches_the_course():
    np.random.seed(3)
    a_slice_prev = np.random.randn(5, 5, 3)
    W = np.random.randn(5, 5, 3)
    b = np.random.randn(1, 1, 1)
    Z = cnn.conv_single_step(a_slice_prev, W, b)
    assert type(Z) is np.float64 and Z == pytest.approx(-3.5443670581382474, rel=1e-14)


def course_conv():
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 7, 4)
    W = np.random.randn(3, 3, 4, 8)
    b = np.random.randn(1, 1, 1, 8)
    return cnn.conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})


def test_conv_forward_matches_the_course():
    Z, cache = course_conv()
    assert np.mean(Z) == pytest.approx(0.5511276474566768, rel=1e-14)
    np.testing.assert_allclose(
        Z[0, 2, 1],
        [
            -2.17796037,
            8.07171329,
            -0.5772704,
            3.36286738,
            4.48113645,
            -2.89198428,
            10.99288867,
            3.03171932,
        ],
        atol=5e-9,
    )
    np.testing.assert_allclose(
        cache[0][1][2][3], [-1.1191154, 1.9560789, -0.3264995, -1.34267579], atol=5e-9
    )


def test_conv_backward_matches_the_course():
    # the course's set-up for this test: a 2x2 filter, pad 2, stride 2, on ten 4x4x3 images
    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W = np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, cache = cnn.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    dA, dW, db = cnn.conv_backward(Z, cache)
    assert np.mean(dA) == pytest.approx(1.4524377775388075, rel=1e-13)
    assert np.mean(dW) == pytest.approx(1.7269914583139097, rel=1e-13)
    assert np.mean(db) == pytest.approx(7.839232564616838, rel=1e-13)


def test_pool_forward_matches_the_course():
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 5, 3)
    A, cache = cnn.pool_forward(A_prev, {"stride": 2, "f": 3}, mode="max")
    expected_max = [
        [[1.74481176, 0.90159072, 1.65980218], [1.74481176, 1.6924546, 1.65980218]],
        [[1.13162939, 1.51981682, 2.18557541], [1.13162939, 1.6924546, 2.18557541]],
    ]
    np.testing.assert_allclose(A[0], expected_max, atol=5e-9)
    assert cache[0] is A_prev
    A, _ = cnn.pool_forward(A_prev, {"stride": 2, "f": 3}, mode="average")
    expected_avg = [
        [[-0.17313416, 0.32377198, -0.34317572], [0.02030094, 0.14141479, -0.01231585]],
        [[0.42944926, 0.08446996, -0.27290905], [0.15077452, 0.28911175, 0.00123239]],
    ]
    np.testing.assert_allclose(A[1], expected_avg, atol=5e-9)


def test_mask_and_distribute_by_hand():
    np.testing.assert_array_equal(
        cnn.create_mask_from_window(np.array([[1, 3], [4, 2]])), [[False, False], [True, False]]
    )
    np.testing.assert_array_equal(cnn.distribute_value(2.0, (2, 2)), [[0.5, 0.5], [0.5, 0.5]])


@given(
    m=st.integers(1, 2),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    c=st.integers(1, 3),
    n_c=st.integers(1, 3),
    f=st.integers(1, 4),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    seed=st.integers(0, 2**32 - 1),
)
def test_conv_agrees_with_the_fast_path(m, h, w, c, n_c, f, stride, pad, seed):
    assume(h + 2 * pad >= f and w + 2 * pad >= f)
    rng = np.random.default_rng(seed)
    A_prev, W, b = (
        rng.standard_normal((m, h, w, c)),
        rng.standard_normal((f, f, c, n_c)),
        rng.standard_normal((1, 1, 1, n_c)),
    )
    Z, cache = cnn.conv_forward(A_prev, W, b, {"stride": stride, "pad": pad})
    Z_fast, cache_fast = conv.conv2d_forward(A_prev, W, b.ravel(), stride=stride, padding=pad)
    np.testing.assert_allclose(Z, Z_fast, rtol=1e-12, atol=1e-12)
    dZ = rng.standard_normal(Z.shape)
    dA, dW, db = cnn.conv_backward(dZ, cache)
    dA_fast, dW_fast, db_fast = conv.conv2d_backward(dZ, cache_fast)
    np.testing.assert_allclose(dA, dA_fast, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dW, dW_fast, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db.ravel(), db_fast, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["max", "average"])
@given(
    m=st.integers(1, 2),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    c=st.integers(1, 3),
    f=st.integers(1, 4),
    stride=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_pool_agrees_with_the_fast_path(mode, m, h, w, c, f, stride, seed):
    assume(h >= f and w >= f)
    rng = np.random.default_rng(seed)
    A_prev = rng.permutation(m * h * w * c).reshape(m, h, w, c) * 0.1  # distinct values: no ties
    A, cache = cnn.pool_forward(A_prev, {"stride": stride, "f": f}, mode=mode)
    fast_f, fast_b = (
        (pool.max_pool2d_forward, pool.max_pool2d_backward)
        if mode == "max"
        else (pool.avg_pool2d_forward, pool.avg_pool2d_backward)
    )
    A_fast, cache_fast = fast_f(A_prev, f, stride)
    np.testing.assert_allclose(A, A_fast, rtol=1e-12, atol=1e-12)
    dA = rng.standard_normal(A.shape)
    np.testing.assert_allclose(
        cnn.pool_backward(dA, cache, mode), fast_b(dA, cache_fast), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: cnn.conv_forward(
                np.zeros((1, 4, 4, 3)),
                np.zeros((3, 3, 2, 1)),
                np.zeros((1, 1, 1, 1)),
                {"stride": 1, "pad": 0},
            ),
            r"conv_forward: expected W of shape \(f, f, 3, n_C\) for A_prev \(1, 4, 4, 3\), received \(3, 3, 2, 1\)",
        ),
        (
            lambda: cnn.conv_forward(
                np.zeros((1, 4, 4, 1)),
                np.zeros((3, 3, 1, 1)),
                np.zeros((1, 1, 1, 1)),
                {"stride": 0, "pad": 0},
            ),
            r"hparameters\['stride'\] as an integer >= 1, received 0",
        ),
        (
            lambda: cnn.conv_forward(
                np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)), np.zeros((1, 1, 1, 1)), {"pad": 0}
            ),
            r"expected hparameters with key 'stride'",
        ),
        (
            lambda: cnn.conv_forward(
                np.zeros((1, 2, 2, 1)),
                np.zeros((3, 3, 1, 1)),
                np.zeros((1, 1, 1, 1)),
                {"stride": 1, "pad": 0},
            ),
            r"the 3x3 filter does not fit in the padded input 2x2",
        ),
        (
            lambda: cnn.pool_forward(np.zeros((1, 4, 4, 1)), {"stride": 1, "f": 2}, mode="min"),
            r"expected mode 'max' or 'average', received 'min'",
        ),
        (
            lambda: cnn.pool_forward(np.zeros((4, 4, 1)), {"stride": 1, "f": 2}),
            r"pool_forward: expected A_prev to be 4-D",
        ),
        (
            lambda: cnn.zero_pad(np.zeros((1, 2, 2, 1)), -1),
            r"zero_pad: expected pad as a non-negative integer, received -1",
        ),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
