"""Numerical stability: sigmoid, softmax, log-softmax and every loss, at extreme inputs.

Each test runs under ``strict()``, a NumPy error state in which overflow, division by zero and
invalid operations (0/0, inf - inf, log of a negative) raise ``FloatingPointError`` instead of
quietly producing inf or NaN. So a naive formula such as ``1 / (1 + exp(-x))`` at x = -1e4
(exp overflows) or ``log(p)`` at p = 0 (divide by zero) fails the test even before its result is
looked at. On top of that, results are checked to be finite and equal to the limits derived by
hand in the comments.

Underflow. ``np.errstate(all="raise")`` also raises on *underflow*, and NumPy flags
``np.exp(-1e4)`` (about 10**-4343, correctly rounded to 0.0). The stable formulas rely on that
rounding, so minidl's functions allow underflow to zero inside themselves (``underflow_ok``) and
leave every other error to the caller's setting; ``strict()`` is the full ``all="raise"``, as the
issue asks, and ``test_underflow_is_accepted_inside_minidl_only`` shows the difference.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl import ops
from minidl.ops import losses as L

EPS = 1e-7  # minidl's documented clipping margin for cross-entropy from probabilities

# Tolerance for losses on clipped probabilities: 1 - 1e-7 is not exact in binary, and
# 1 - (1 - 1e-7) evaluates to 9.99999999474e-08, 5.3e-10 below 1e-7 in relative terms. That shifts
# -log(1 - p) at the clipped p = 1 - eps by ~5e-10, so hand values built from the exact eps agree
# to ~1e-9 relative, not to 1e-15.
CLIP_RTOL = 1e-9


def strict():
    """Raise on every floating-point error: overflow, underflow, divide-by-zero, invalid."""
    return np.errstate(all="raise")


def assert_finite(*arrays):
    for a in arrays:
        assert np.isfinite(a).all(), f"non-finite values in {a!r}"


# -- the strict mode has teeth ----------------------------------------------------------------------


def test_strict_mode_catches_naive_formulas():
    """The textbook formulas fail under strict(); the stable ones below must not."""
    big = np.array([-1e4, 1e4])
    with strict(), pytest.raises(FloatingPointError, match="overflow"):
        1 / (1 + np.exp(-big))  # naive sigmoid: exp(1e4) overflows
    with strict(), pytest.raises(FloatingPointError, match="overflow"):
        np.exp(big) / np.exp(big).sum()  # naive softmax
    with strict(), pytest.raises(FloatingPointError, match="divide by zero"):
        np.log(np.array([0.0, 1.0]))  # naive cross-entropy at p = 0
    with strict(), pytest.raises(FloatingPointError, match="invalid"):
        np.array([0.0]) / np.array([0.0])  # softmax of rows that all underflowed: 0/0


def test_underflow_is_accepted_inside_minidl_only():
    # A bare exp(-1e4) underflows and raises under strict(); minidl's sigmoid, which computes the
    # same exp, returns the correctly rounded 0.0 without a signal.
    with strict(), pytest.raises(FloatingPointError, match="underflow"):
        np.exp(np.array([-1e4]))
    with strict():
        assert ops.sigmoid(np.array([-1e4]))[0] == 0.0


# -- sigmoid ---------------------------------------------------------------------------------------


def test_sigmoid_saturates_exactly_at_huge_inputs():
    x = np.array([1e4, -1e4, 1e3, -1e3, 800.0, -800.0])
    with strict():
        s = ops.sigmoid(x)
    assert_finite(s)
    # sigmoid(x) = 1 / (1 + e^-x): for x >= 800, e^-x < 1e-347 is below the smallest double, so
    # the exact value 1 - e^-x rounds to 1.0; for x <= -800, sigmoid(x) < e^x < 1e-347 is 0.0.
    np.testing.assert_array_equal(s[::2], 1.0)
    assert np.all(s[1::2] >= 0.0)
    assert np.all(s[1::2] <= 1e-300)


def test_sigmoid_keeps_tiny_values_in_the_far_negative_tail():
    # For x = -700, sigmoid(x) = e^x / (1 + e^x) and 1 + e^-700 rounds to 1, so the correctly
    # rounded value is exp(-700) ~ 9.86e-305 itself, not 0.
    with strict():
        s = ops.sigmoid(np.array([-700.0, -30.0]))
    np.testing.assert_allclose(s[0], math.exp(-700.0), rtol=1e-14)
    np.testing.assert_allclose(s[1], math.exp(-30.0) / (1 + math.exp(-30.0)), rtol=1e-14)


def test_sigmoid_forward_backward_finite_at_huge_inputs():
    x = np.array([1e4, -1e4, 0.0])
    with strict():
        s, cache = ops.sigmoid_forward(x)
        dx = ops.sigmoid_backward(np.ones_like(x), cache)
    assert_finite(s, dx)
    # sigmoid'(x) = s (1 - s): 1 * 0 = 0 and 0 * 1 = 0 at the saturated ends, 1/4 at x = 0.
    np.testing.assert_array_equal(dx, [0.0, 0.0, 0.25])


# -- softmax and log-softmax ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        # exp(1e4 - 1e4) = 1 and exp(0 - 1e4) = 0 after shifting by the max: [1, 0].
        pytest.param([1e4, 0.0], [1.0, 0.0], id="[1e4, 0]"),
        pytest.param([-1e4, 1e4], [0.0, 1.0], id="[-1e4, 1e4]"),
        # Equal entries share the mass whatever their size; without the shift, exp(-1e4) = 0
        # in every entry would give 0/0.
        pytest.param([1e4, 1e4], [0.5, 0.5], id="[1e4, 1e4]"),
        pytest.param([-1e4, -1e4, -1e4, -1e4], [0.25] * 4, id="4 x -1e4"),
        # Shift by the max 1e4: exponents 0, -1e4 - 1e4 -> [1, 0, 0].
        pytest.param([1e4, -1e4, 0.0], [1.0, 0.0, 0.0], id="[1e4, -1e4, 0]"),
    ],
)
def test_softmax_limits(x, expected):
    with strict():
        out = ops.softmax(np.array([x]))
        out_fwd, cache = ops.softmax_forward(np.array([x]))
        dx = ops.softmax_backward(np.ones((1, len(x))), cache)
    assert_finite(out, out_fwd, dx)
    np.testing.assert_allclose(out, [expected], rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(out_fwd, [expected], rtol=1e-15, atol=1e-300)
    # A constant upstream gradient does not change the loss (softmax sums to 1): dx = 0.
    np.testing.assert_allclose(dx, 0.0, atol=1e-15)


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        # log_softmax(z) = z - max(z) - log(sum exp(z - max z)); the sum is 1 + 0, its log 0:
        # [1e4, -1e4] -> [0, -2e4].
        pytest.param([1e4, -1e4], [0.0, -2e4], id="[1e4, -1e4]"),
        pytest.param([0.0, 1e4], [-1e4, 0.0], id="[0, 1e4]"),
        # Two equal maxima: sum = 1 + 1 + 0, so [-log 2, -log 2, -2e4 - log 2].
        pytest.param(
            [1e4, 1e4, -1e4],
            [-math.log(2), -math.log(2), -2e4 - math.log(2)],
            id="[1e4, 1e4, -1e4]",
        ),
        # All equal and very negative: uniform, log(1/3) each (naively: log(0/0)).
        pytest.param([-1e4, -1e4, -1e4], [-math.log(3)] * 3, id="3 x -1e4"),
    ],
)
def test_log_softmax_limits(x, expected):
    with strict():
        out = ops.log_softmax(np.array([x]))
    assert_finite(out)
    np.testing.assert_allclose(out, [expected], rtol=1e-15, atol=0)


# -- binary cross-entropy from probabilities ------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "y", "expected_loss", "expected_grad"),
    [
        # p is clipped to [eps, 1 - eps] with eps = 1e-7. A confident right answer costs
        # -log(1 - eps) = eps + eps^2/2 + ... (computed below with log1p), a confident wrong one
        # -log(eps) = 7 ln 10. Where clipping is active the gradient is 0 (documented, as Keras).
        pytest.param(0.0, 0.0, -math.log1p(-EPS), 0.0, id="p=0,y=0"),
        pytest.param(1.0, 1.0, -math.log1p(-EPS), 0.0, id="p=1,y=1"),
        pytest.param(0.0, 1.0, 7 * math.log(10), 0.0, id="p=0,y=1"),
        pytest.param(1.0, 0.0, 7 * math.log(10), 0.0, id="p=1,y=0"),
        pytest.param(1e-12, 1.0, 7 * math.log(10), 0.0, id="p=1e-12,y=1"),
        # In between: -log(0.25) = 2 ln 2, dL/dp = -y/p = -4.
        pytest.param(0.25, 1.0, 2 * math.log(2), -4.0, id="p=0.25,y=1"),
        # -log(1 - 0.25) = ln(4/3), dL/dp = (1 - y)/(1 - p) = 4/3.
        pytest.param(0.25, 0.0, math.log(4 / 3), 4 / 3, id="p=0.25,y=0"),
        # Soft label: -(0.5 ln 0.5 + 0.5 ln 0.5) = ln 2, dL/dp = -(0.5/0.5 - 0.5/0.5) = 0.
        pytest.param(0.5, 0.5, math.log(2), 0.0, id="p=0.5,y=0.5"),
    ],
)
def test_binary_crossentropy_from_probabilities_limits(p, y, expected_loss, expected_grad):
    with strict():
        loss, cache = L.binary_crossentropy_forward(np.array([p]), np.array([y]))
        grad = L.binary_crossentropy_backward(cache)
    assert_finite(loss, grad)
    assert loss == pytest.approx(expected_loss, rel=CLIP_RTOL)
    np.testing.assert_allclose(grad, [expected_grad], rtol=1e-15, atol=0)


def test_binary_crossentropy_from_probabilities_mixed_batch():
    p = np.array([0.0, 1.0, 0.5, 0.0, 1.0, 0.25])
    y = np.array([0.0, 1.0, 1.0, 1.0, 0.0, 1.0])
    with strict():
        loss, cache = L.binary_crossentropy_forward(p, y)
        grad = L.binary_crossentropy_backward(cache)
    assert_finite(loss, grad)
    # Mean of the per-element losses from the table above: two confident right answers,
    # -log(0.5), two confident wrong ones, -log(0.25).
    per_element = [
        -math.log1p(-EPS),
        -math.log1p(-EPS),
        math.log(2),
        7 * math.log(10),
        7 * math.log(10),
        2 * math.log(2),
    ]
    assert loss == pytest.approx(sum(per_element) / 6, rel=CLIP_RTOL)
    # Clipped entries get 0; the others -y/p / n: -2/6 and -4/6.
    np.testing.assert_allclose(grad, [0, 0, -2 / 6, 0, 0, -4 / 6], rtol=1e-15, atol=0)


# -- binary cross-entropy from logits -------------------------------------------------------------


@pytest.mark.parametrize(
    ("z", "y", "expected_loss", "expected_grad"),
    [
        # loss(z, y) = -y log s(z) - (1 - y) log(1 - s(z)) = max(z, 0) - z y + log(1 + e^-|z|).
        # For |z| >= 1e3, e^-|z| is 0 in float64, leaving max(z, 0) - z y exactly;
        # the gradient is s(z) - y with s(1e3) = s(1e4) = 1 and s(-1e3) = s(-1e4) = 0.
        pytest.param(1e4, 1.0, 0.0, 0.0, id="z=1e4,y=1"),
        pytest.param(1e4, 0.0, 1e4, 1.0, id="z=1e4,y=0"),
        pytest.param(-1e4, 1.0, 1e4, -1.0, id="z=-1e4,y=1"),
        pytest.param(-1e4, 0.0, 0.0, 0.0, id="z=-1e4,y=0"),
        pytest.param(1e3, 1.0, 0.0, 0.0, id="z=1e3,y=1"),
        pytest.param(1e3, 0.0, 1e3, 1.0, id="z=1e3,y=0"),
        pytest.param(-1e3, 1.0, 1e3, -1.0, id="z=-1e3,y=1"),
        pytest.param(-1e3, 0.0, 0.0, 0.0, id="z=-1e3,y=0"),
        # Soft label: 1e4 - 0.25 * 1e4 = 7500, gradient 1 - 0.25.
        pytest.param(1e4, 0.25, 7500.0, 0.75, id="z=1e4,y=0.25"),
        # z = 0: s(0) = 1/2, so the loss is log 2 for any y and the gradient 1/2 - y.
        pytest.param(0.0, 1.0, math.log(2), -0.5, id="z=0,y=1"),
        pytest.param(0.0, 0.0, math.log(2), 0.5, id="z=0,y=0"),
    ],
)
def test_binary_crossentropy_with_logits_limits(z, y, expected_loss, expected_grad):
    with strict():
        loss, cache = L.binary_crossentropy_with_logits_forward(np.array([z]), np.array([y]))
        grad = L.binary_crossentropy_with_logits_backward(cache)
    assert_finite(loss, grad)
    assert loss == pytest.approx(expected_loss, rel=1e-15, abs=1e-300)
    np.testing.assert_allclose(grad, [expected_grad], rtol=1e-15, atol=1e-300)


def direct_bce_with_logits(z, y):
    """The textbook definition in plain NumPy, written independently of minidl.

    s(z) = 1 / (1 + e^-z) and 1 - s(z) = 1 / (1 + e^z) (the same quantity, written so that
    computing it does not subtract two numbers close to 1). Finite for |z| <= 30.
    Returns (mean loss, gradient of the mean loss).
    """
    s = 1.0 / (1.0 + np.exp(-z))
    one_minus_s = 1.0 / (1.0 + np.exp(z))
    per_element = -y * np.log(s) - (1.0 - y) * np.log(one_minus_s)
    return per_element.mean(), (s - y) / z.size


# Tolerance for the comparison with the direct formula: rtol 1e-12, plus atol 1e-15 because the
# direct formula itself loses *absolute* accuracy ~1e-16 per element (log(1 + 1e-13) computed as
# log of 1 + 1e-13 rounded to the nearest double); a loss that is itself ~1e-13 (z = 30, y = 1)
# cannot be compared relatively against it.
DIRECT_RTOL, DIRECT_ATOL = 1e-12, 1e-15


@pytest.mark.parametrize("z", [-30.0, -12.5, -1.0, -1e-8, 0.0, 1e-8, 1.0, 12.5, 30.0])
@pytest.mark.parametrize("y", [0.0, 0.3, 1.0])
def test_binary_crossentropy_with_logits_matches_direct_formula_at_points(z, y):
    zs, ys = np.array([z]), np.array([y])
    with strict():
        loss, cache = L.binary_crossentropy_with_logits_forward(zs, ys)
        grad = L.binary_crossentropy_with_logits_backward(cache)
        expected_loss, expected_grad = direct_bce_with_logits(zs, ys)
    assert loss == pytest.approx(expected_loss, rel=DIRECT_RTOL, abs=DIRECT_ATOL)
    np.testing.assert_allclose(grad, expected_grad, rtol=DIRECT_RTOL, atol=DIRECT_ATOL)


@given(
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple),
    seed=st.integers(0, 2**32 - 1),
    hard_labels=st.booleans(),
)
def test_binary_crossentropy_with_logits_matches_direct_formula(shape, seed, hard_labels):
    rng = np.random.default_rng(seed)
    z = rng.uniform(-30.0, 30.0, size=shape)
    y = rng.integers(0, 2, size=shape).astype(np.float64) if hard_labels else rng.random(shape)
    with strict():
        loss, cache = L.binary_crossentropy_with_logits_forward(z, y)
        grad = L.binary_crossentropy_with_logits_backward(cache)
        expected_loss, expected_grad = direct_bce_with_logits(z, y)
    assert loss == pytest.approx(expected_loss, rel=DIRECT_RTOL, abs=DIRECT_ATOL)
    np.testing.assert_allclose(grad, expected_grad, rtol=DIRECT_RTOL, atol=DIRECT_ATOL)


# -- categorical cross-entropy from probabilities -------------------------------------------------


def test_categorical_crossentropy_from_probabilities_at_zero_and_one():
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.25, 0.25]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    with strict():
        loss, cache = L.categorical_crossentropy_forward(probs, y)
        grad = L.categorical_crossentropy_backward(cache)
    assert_finite(loss, grad)
    # Row losses -log p[true class] with p clipped to [eps, 1 - eps]: -log(1 - eps) for the
    # confident right row, -log(eps) = 7 ln 10 for the confident wrong one, -log 0.25 = 2 ln 2.
    rows = [-math.log1p(-EPS), 7 * math.log(10), 2 * math.log(2)]
    assert loss == pytest.approx(sum(rows) / 3, rel=CLIP_RTOL)
    # Gradient -y/p / N, zero where clipping was active (the 0s and 1s): only row 3 class 1,
    # -1/0.25 / 3 = -4/3.
    expected = np.zeros((3, 3))
    expected[2, 1] = -4 / 3
    np.testing.assert_allclose(grad, expected, rtol=1e-15, atol=0)


# -- softmax cross-entropy, one-hot and sparse labels ---------------------------------------------

# One row of logits, its true class, the loss -log_softmax(z)[label] and the gradient
# softmax(z) - onehot(label), each by hand. With entries +-1e4, softmax is exactly one-hot on the
# max (exp of the others' gaps, <= -1e4, is 0), and log_softmax(z) = z - max(z) exactly.
SOFTMAX_CE_CASES = [
    # Right and confident: loss 0, softmax [1, 0, 0] - onehot 0 = 0.
    pytest.param([1e4, -1e4, 0.0], 0, 0.0, [0.0, 0.0, 0.0], id="right"),
    # Wrong by 2e4: log_softmax at class 1 is -1e4 - 1e4.
    pytest.param([1e4, -1e4, 0.0], 1, 2e4, [1.0, -1.0, 0.0], id="wrong-by-2e4"),
    # Wrong by 1e4: log_softmax at class 2 is 0 - 1e4.
    pytest.param([1e4, -1e4, 0.0], 2, 1e4, [1.0, 0.0, -1.0], id="wrong-by-1e4"),
    # All equal and very negative: uniform softmax, loss log 3, gradient 1/3 - onehot.
    pytest.param([-1e4, -1e4, -1e4], 2, math.log(3), [1 / 3, 1 / 3, -2 / 3], id="uniform-at--1e4"),
    # Two tied maxima: softmax [1/2, 1/2, 0], loss log 2.
    pytest.param([1e4, 1e4, -1e4], 1, math.log(2), [0.5, -0.5, 0.0], id="tie"),
]


@pytest.mark.parametrize(("logits", "label", "expected_loss", "expected_grad"), SOFTMAX_CE_CASES)
def test_softmax_crossentropy_limits(logits, label, expected_loss, expected_grad):
    z = np.array([logits])
    y = np.eye(3)[[label]]
    with strict():
        loss, cache = L.softmax_crossentropy_forward(z, y)
        grad = L.softmax_crossentropy_backward(cache)
    assert_finite(loss, grad)
    assert loss == pytest.approx(expected_loss, rel=1e-15, abs=1e-300)
    np.testing.assert_allclose(grad, [expected_grad], rtol=1e-15, atol=1e-300)


@pytest.mark.parametrize(("logits", "label", "expected_loss", "expected_grad"), SOFTMAX_CE_CASES)
def test_sparse_softmax_crossentropy_limits(logits, label, expected_loss, expected_grad):
    z = np.array([logits])
    with strict():
        loss, cache = L.sparse_softmax_crossentropy_forward(z, np.array([label]))
        grad = L.sparse_softmax_crossentropy_backward(cache)
    assert_finite(loss, grad)
    assert loss == pytest.approx(expected_loss, rel=1e-15, abs=1e-300)
    np.testing.assert_allclose(grad, [expected_grad], rtol=1e-15, atol=1e-300)


def test_softmax_crossentropy_batch_and_soft_labels_at_huge_logits():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    y = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    with strict():
        loss, cache = L.softmax_crossentropy_forward(z, y)
        grad = L.softmax_crossentropy_backward(cache)
    assert_finite(loss, grad)
    # Row 1: -(0.5 * 0 + 0.5 * (-2e4)) = 1e4. Row 2: log 3. Mean over N = 2.
    assert loss == pytest.approx((1e4 + math.log(3)) / 2, rel=1e-15)
    # (softmax(z) - y) / N: row 1 [1, 0, 0] - [.5, .5, 0], row 2 [1/3, 1/3, 1/3] - [0, 0, 1].
    expected = np.array([[0.5, -0.5, 0.0], [1 / 3, 1 / 3, -2 / 3]]) / 2
    np.testing.assert_allclose(grad, expected, rtol=1e-15, atol=1e-300)


@given(
    n=st.integers(1, 5),
    c=st.integers(2, 6),
    scale_exponent=st.integers(0, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_loss_from_logits_is_finite_at_any_scale(n, c, scale_exponent, seed):
    """Logits up to ~1e4 in size: every loss and gradient is finite and the gradients are sane."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, c)) * 10.0**scale_exponent
    labels = rng.integers(0, c, size=n)
    onehot = np.eye(c)[labels]
    binary = rng.integers(0, 2, size=(n, c)).astype(np.float64)
    # (forward, backward, targets, how many terms the loss averages over)
    cases = [
        (L.softmax_crossentropy_forward, L.softmax_crossentropy_backward, onehot, n),
        (L.sparse_softmax_crossentropy_forward, L.sparse_softmax_crossentropy_backward, labels, n),
        (
            L.binary_crossentropy_with_logits_forward,
            L.binary_crossentropy_with_logits_backward,
            binary,
            n * c,
        ),
    ]
    for forward, backward, target, count in cases:
        with strict():
            loss, cache = forward(z, target)
            grad = backward(cache)
        assert_finite(loss, grad)
        assert loss >= 0.0  # cross-entropy against 0/1 targets is never negative
        # Every gradient entry is (probability - target) / count, so within [-1, 1] / count.
        assert np.all(np.abs(grad) <= 1.0 / count + 1e-15)


# -- mean squared error -----------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e4, 1e100], ids=["1e4", "1e100"])
def test_mse_finite_at_large_values(scale):
    pred = np.array([1.0, -1.0, 0.0]) * scale
    target = np.array([-1.0, 1.0, 0.0]) * scale
    with strict():
        loss, cache = L.mse_forward(pred, target)
        grad = L.mse_backward(cache)
    assert_finite(loss, grad)
    # Differences [2, -2, 0] * scale; mean of squares (4 + 4 + 0) * scale^2 / 3;
    # gradient 2 * difference / n.
    assert loss == pytest.approx(8 * scale**2 / 3, rel=1e-15)
    np.testing.assert_allclose(grad, np.array([4.0, -4.0, 0.0]) * scale / 3, rtol=1e-15)
