"""Losses: hand-computed values, gradient checks over drawn shapes, and bad labels."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl import losses
from minidl.gradcheck import check_loss
from minidl.ops import losses as L


def test_binary_crossentropy_by_hand():
    # -(log 0.8 + log 0.9 + log(1 - 0.4)) / 3
    p, y = np.array([[0.8, 0.9, 0.4]]), np.array([[1.0, 1.0, 0.0]])
    expected = -(math.log(0.8) + math.log(0.9) + math.log(0.6)) / 3
    assert L.binary_crossentropy_forward(p, y)[0] == pytest.approx(expected, rel=1e-15)
    assert expected == pytest.approx(
        0.2797765635793422, rel=1e-15
    )  # the course's compute_cost test


def test_binary_crossentropy_clips_at_1e7():
    loss, cache = L.binary_crossentropy_forward(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    # p = 0 becomes 1e-7; p = 1 becomes the double nearest 1 - 1e-7, so 1 - p is not exactly 1e-7
    expected = -(math.log(1e-7) + math.log(1 - (1 - 1e-7))) / 2
    assert loss == pytest.approx(expected, rel=1e-15)
    np.testing.assert_array_equal(L.binary_crossentropy_backward(cache), [0.0, 0.0])


def test_logits_losses_by_hand():
    z, y = np.array([0.0, 2.0]), np.array([1.0, 0.0])
    # z = 0: log 2; z = 2, y = 0: -log(1 - s(2)) = log(1 + e^2)
    expected = (math.log(2) + math.log(1 + math.exp(2))) / 2
    assert L.binary_crossentropy_with_logits_forward(z, y)[0] == pytest.approx(expected, rel=1e-15)
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    onehot = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    lse = math.log(math.exp(1) + math.exp(2) + math.exp(3))
    expected = ((lse - 3) + math.log(3)) / 2
    assert L.softmax_crossentropy_forward(logits, onehot)[0] == pytest.approx(expected, rel=1e-15)
    assert L.sparse_softmax_crossentropy_forward(logits, np.array([2, 0]))[0] == pytest.approx(
        expected, rel=1e-15
    )


def test_mse_by_hand():
    loss, cache = L.mse_forward(np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]]))
    assert loss == 2.5  # (1 + 4) / 2
    np.testing.assert_array_equal(L.mse_backward(cache), [[1.0, -2.0]])  # 2 (p - t) / 2


def _draw(loss_name, from_logits, n, c, rng):
    """(loss object, y_true, y_pred) with predictions away from the clipping region."""
    if loss_name in ("categorical", "sparse") and not from_logits:
        c = max(c, 2)  # one class has probability exactly 1: inside the clipping margin
    logits = rng.standard_normal((n, c)) * 2
    if loss_name == "binary":
        y = rng.integers(0, 2, (n, c)).astype(float)
        pred = logits if from_logits else rng.uniform(0.05, 0.95, (n, c))
        return losses.BinaryCrossentropy(from_logits=from_logits), y, pred
    labels = rng.integers(0, c, n)
    # Probabilities of at least 0.04: near 0, -log p curves so fast that the centred difference's
    # own truncation error, about (h/p)^2 / 3, would exceed the gate.
    weights = rng.uniform(0.2, 1.0, (n, c))
    probs = weights / weights.sum(axis=1, keepdims=True)
    pred = logits if from_logits else probs
    if loss_name == "categorical":
        return losses.CategoricalCrossentropy(from_logits=from_logits), np.eye(c)[labels], pred
    if loss_name == "sparse":
        return losses.SparseCategoricalCrossentropy(from_logits=from_logits), labels, pred
    return losses.MeanSquaredError(), rng.standard_normal((n, c)), logits


@pytest.mark.parametrize(
    "loss_name, from_logits",
    [
        ("binary", False),
        ("binary", True),
        ("categorical", False),
        ("categorical", True),
        ("sparse", False),
        ("sparse", True),
        ("mse", False),
    ],
)
@given(n=st.integers(1, 5), c=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_gradients_match_finite_differences(loss_name, from_logits, n, c, seed):
    loss, y, pred = _draw(loss_name, from_logits, n, c, np.random.default_rng(seed))
    report = check_loss(loss, y, pred)
    assert report.passed, report


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: L.binary_crossentropy_forward(np.full((1, 3), 0.5), np.array([[0, 2, 1]])),
            r"binary_crossentropy: expected labels with values in \[0, 1\], received values such as \[2",
        ),
        (
            lambda: L.binary_crossentropy_forward(np.full((1, 3), 0.5), np.ones((3, 1))),
            r"same shape.*\(1, 3\).*\(3, 1\)",
        ),
        (
            lambda: L.binary_crossentropy_forward(np.array([1.5]), np.array([1.0])),
            r"predictions \(probabilities\) with values in \[0, 1\]",
        ),
        (
            lambda: L.binary_crossentropy_forward(np.array([np.nan]), np.array([1.0])),
            r"predictions \(probabilities\) with values in \[0, 1\], received values such as \[nan",
        ),
        (
            lambda: L.sparse_softmax_crossentropy_forward(np.zeros((2, 3)), np.array([0, 3])),
            r"labels in \[0, 2\] for 3 classes, received values from 0 to 3",
        ),
        (
            lambda: L.sparse_softmax_crossentropy_forward(np.zeros((2, 3)), np.array([0, 1, 2])),
            r"labels of shape \(2,\)",
        ),
        (lambda: L.softmax_crossentropy_forward(np.zeros(3), np.zeros(3)), r"\(N, C\)"),
    ],
)
def test_bad_inputs_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_loss_objects_check_inputs():
    with pytest.raises(
        TypeError, match=r"BinaryCrossentropy: expected y_pred with a real numeric dtype"
    ):
        losses.BinaryCrossentropy()(np.ones(2), np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"MeanSquaredError: y_pred is empty"):
        losses.MeanSquaredError()(np.ones(0), np.ones(0))
    with pytest.raises(TypeError, match=r"expected integer class labels"):
        losses.SparseCategoricalCrossentropy()(np.array([0.5]), np.array([[0.3, 0.7]]))
    with pytest.raises(RuntimeError, match="backward called before"):
        losses.MeanSquaredError().backward()
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        losses.get("hinge")
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)


@pytest.mark.parametrize(
    ("loss", "logits"),
    [
        ("binary_crossentropy", False),
        ("binary_crossentropy", True),
        ("categorical_crossentropy", False),
        ("categorical_crossentropy", True),
        ("sparse_categorical_crossentropy", True),
        ("sparse_categorical_crossentropy", False),
        ("mse", False),
    ],
)
def test_sample_weight_two_counts_an_example_twice(loss, logits):
    """Keras's weighted loss is (1/N) sum_n w_n l_n, so weighting example 0 by 2 (the others 1)
    equals the plain loss on the data with example 0 duplicated, times (N + 1) / N; and each
    example's gradient is its unweighted gradient times w_n, scaled the same way."""
    rng = np.random.default_rng(0)
    n, c = 5, 3
    z = rng.normal(size=(n, c if "categorical" in loss else 1))
    pred = (
        z
        if logits or loss == "mse"
        else (
            np.exp(z) / np.exp(z).sum(1, keepdims=True)
            if "categorical" in loss
            else 1 / (1 + np.exp(-z))
        )
    )
    labels = rng.integers(0, c, size=n)
    y = {
        "binary_crossentropy": rng.integers(0, 2, size=(n, 1)).astype(float),
        "categorical_crossentropy": np.eye(c)[labels],
        "sparse_categorical_crossentropy": labels,
        "mse": rng.normal(size=(n, 1)),
    }[loss]
    dup = np.r_[[0], np.arange(n)]
    obj = losses.get(loss) if loss == "mse" else type(losses.get(loss))(from_logits=logits)
    weighted = obj(y, pred, sample_weight=np.array([2.0, 1, 1, 1, 1]))
    g_weighted = obj.backward()
    plain = obj(y[dup], pred[dup])
    g_plain = obj.backward()
    assert weighted == pytest.approx(plain * (n + 1) / n, rel=1e-12)
    g_dup = g_plain[1:].copy()
    g_dup[0] += g_plain[0]  # the two copies of example 0 both reach its prediction
    np.testing.assert_allclose(g_weighted, g_dup * (n + 1) / n, rtol=1e-12, atol=1e-15)


def test_sample_weight_errors():
    with pytest.raises(
        ValueError, match=r"expected sample_weight as 2 finite non-negative numbers"
    ):
        L.mse_forward(np.ones((2, 1)), np.ones((2, 1)), sample_weight=[1.0, -1.0])
    with pytest.raises(ValueError, match=r"received shape \(3,\)"):
        L.mse_forward(np.ones((2, 1)), np.ones((2, 1)), sample_weight=[1.0, 1.0, 1.0])
