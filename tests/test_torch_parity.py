"""Parity with PyTorch: minidl and torch autograd must agree on the same float64 numbers.

Every minidl backward is written by hand; PyTorch gets its gradients from autograd. Running
both on the same inputs and comparing the forward output and *every* gradient (dx, each
parameter gradient, dL/dy_pred) is an independent check of the hand-written calculus.

How a layer is compared: minidl runs ``out = layer.forward(x)`` and ``dx = layer.backward(dy)``
for a random upstream gradient dy. Torch computes the same ``out`` from leaf tensors, then
``(out * dy).sum().backward()``: the gradient of that scalar with respect to x is exactly the
vector-Jacobian product dy^T (dout/dx) that ``backward(dy)`` must return.

Tolerances: both sides evaluate the same formulas in float64, so they differ only by rounding
(a few units in the last place, 1 ulp = 2.2e-16 relative); rtol = atol = 1e-12 leaves a factor
of ~1000 for different summation orders and is still far too tight to hide a wrong formula.

The ``torch`` fixture (tests/conftest.py) skips these tests when PyTorch is absent and fails
them under MINIDL_REQUIRE_TORCH=1; torch is never imported at module level.
"""

from __future__ import annotations

import numpy as np
import pytest

from minidl import losses, ops
from minidl.layers import Dense, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh

RTOL = 1e-12
ATOL = 1e-12

KERAS_LEAKY_SLOPE = 0.3  # minidl's default LeakyReLU slope (Keras's), not torch's 0.01


# -- helpers --------------------------------------------------------------------------------------


def leaf(torch, array):
    """A float64 torch leaf tensor holding a copy of ``array``, with gradients on."""
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


def const(torch, array):
    """A float64 torch tensor without gradients (targets, upstream gradients)."""
    return torch.tensor(array, dtype=torch.float64)


def assert_matches(actual, expected, what):
    """Compare a minidl array with a torch tensor (or float) at the float64 tolerance."""
    if hasattr(expected, "detach"):
        expected = expected.detach().numpy()
    actual = np.asarray(actual)
    assert actual.shape == np.shape(expected), (
        f"{what}: shape {actual.shape}, torch {np.shape(expected)}"
    )
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


def away_from_zero(rng, shape, low=1e-3, high=3.0):
    """Values with |x| in [low, high) and random signs: no ReLU kink inside the test data."""
    magnitude = rng.uniform(low, high, size=shape)
    sign = rng.choice([-1.0, 1.0], size=shape)
    return sign * magnitude


def probability_rows(rng, n, c):
    """Rows of class probabilities (each sums to 1), all entries well inside (1e-7, 1 - 1e-7)."""
    p = rng.uniform(0.05, 1.0, size=(n, c))
    return p / p.sum(axis=1, keepdims=True)


# -- the dense op -----------------------------------------------------------------------------------

DENSE_CASES = [
    pytest.param(1, 1, 1, 0, id="1x1->1"),
    pytest.param(4, 3, 5, 1, id="4x3->5"),
    pytest.param(7, 6, 2, 2, id="7x6->2"),
]


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize(("n", "d_in", "d_out", "seed"), DENSE_CASES)
def test_dense_op_matches_torch(torch, n, d_in, d_out, seed, use_bias):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d_in))
    W = rng.standard_normal((d_in, d_out))
    b = rng.standard_normal(d_out) if use_bias else None
    dout = rng.standard_normal((n, d_out))

    out, cache = ops.dense_forward(x, W, b)
    dx, dW, db = ops.dense_backward(dout, cache)

    # torch's F.linear stores its weight as (D_out, D_in); minidl's kernel is (D_in, D_out),
    # so torch receives W.T. The gradient then flows back to our (D_in, D_out) leaf Wt.
    xt, Wt = leaf(torch, x), leaf(torch, W)
    bt = leaf(torch, b) if use_bias else None
    out_t = torch.nn.functional.linear(xt, Wt.T, bt)
    (out_t * const(torch, dout)).sum().backward()

    assert_matches(out, out_t, "out")
    assert_matches(dx, xt.grad, "dx")
    assert_matches(dW, Wt.grad, "dW")
    if use_bias:
        assert_matches(db, bt.grad, "db")
    else:
        assert db is None


# -- the Dense layer -------------------------------------------------------------------------------


def torch_activation(torch, name, z):
    """The torch function minidl's activation ``name`` should equal."""
    F = torch.nn.functional
    if name is None:
        return z
    if name == "relu":
        return torch.relu(z)
    if name == "leaky_relu":
        return F.leaky_relu(z, negative_slope=KERAS_LEAKY_SLOPE)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "softmax":
        return torch.softmax(z, dim=-1)
    raise AssertionError(f"no torch equivalent listed for {name!r}")


@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize(
    "activation", [None, "relu", "sigmoid", "tanh", "softmax", "leaky_relu"], ids=str
)
@pytest.mark.parametrize(("n", "d_in", "units", "seed"), DENSE_CASES)
def test_dense_layer_matches_torch(torch, n, d_in, units, seed, activation, use_bias):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d_in))
    W = rng.standard_normal((d_in, units))
    b = rng.standard_normal(units)
    dy = rng.standard_normal((n, units))
    z = x @ W + (b if use_bias else 0.0)
    # Precondition, not the test: no pre-activation sits on the ReLU kink, where minidl and
    # torch could see different signs of a value that is 0 up to rounding.
    assert np.abs(z).min() > 1e-9

    layer = Dense(units, activation=activation, use_bias=use_bias, seed=0)
    layer.build((n, d_in))
    layer.params["kernel"] = W.copy()
    if use_bias:
        layer.params["bias"] = b.copy()
    out = layer.forward(x)
    dx = layer.backward(dy)

    xt, Wt, bt = leaf(torch, x), leaf(torch, W), leaf(torch, b)
    z_t = xt @ Wt + bt if use_bias else xt @ Wt
    out_t = torch_activation(torch, activation, z_t)
    (out_t * const(torch, dy)).sum().backward()

    assert_matches(out, out_t, "out")
    assert_matches(dx, xt.grad, "dx")
    assert_matches(layer.grads["kernel"], Wt.grad, "grads['kernel']")
    if use_bias:
        assert sorted(layer.grads) == ["bias", "kernel"]
        assert_matches(layer.grads["bias"], bt.grad, "grads['bias']")
    else:
        assert sorted(layer.grads) == ["kernel"]


# -- activation layers ----------------------------------------------------------------------------

ELEMENTWISE_LAYERS = [
    pytest.param(ReLU, lambda torch, x: torch.relu(x), id="ReLU"),
    pytest.param(
        LeakyReLU,
        lambda torch, x: torch.nn.functional.leaky_relu(x, negative_slope=KERAS_LEAKY_SLOPE),
        id="LeakyReLU-default-0.3",
    ),
    pytest.param(
        lambda: LeakyReLU(negative_slope=0.01),
        lambda torch, x: torch.nn.functional.leaky_relu(x, negative_slope=0.01),
        id="LeakyReLU-0.01",
    ),
    pytest.param(
        lambda: LeakyReLU(negative_slope=1.7),
        lambda torch, x: torch.nn.functional.leaky_relu(x, negative_slope=1.7),
        id="LeakyReLU-1.7",
    ),
    pytest.param(Sigmoid, lambda torch, x: torch.sigmoid(x), id="Sigmoid"),
    pytest.param(Tanh, lambda torch, x: torch.tanh(x), id="Tanh"),
]

ELEMENTWISE_CASES = [
    pytest.param((5,), 0, id="5"),
    pytest.param((3, 4), 1, id="3x4"),
    pytest.param((2, 3, 4), 2, id="2x3x4"),
]


@pytest.mark.parametrize(("shape", "seed"), ELEMENTWISE_CASES)
@pytest.mark.parametrize(("make_layer", "torch_fn"), ELEMENTWISE_LAYERS)
def test_elementwise_activation_layer_matches_torch(torch, make_layer, torch_fn, shape, seed):
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng, shape)  # |x| >= 1e-3: the kink has its own tests below
    dy = rng.standard_normal(shape)

    layer = make_layer()
    out = layer.forward(x)
    dx = layer.backward(dy)

    xt = leaf(torch, x)
    out_t = torch_fn(torch, xt)
    (out_t * const(torch, dy)).sum().backward()

    assert_matches(out, out_t, "out")
    assert_matches(dx, xt.grad, "dx")
    assert layer.grads == {}  # no parameters, so no parameter gradients


SOFTMAX_CASES = [
    pytest.param((1, 2), -1, 0, id="1x2-axis-1"),
    pytest.param((4, 5), -1, 1, id="4x5-axis-1"),
    pytest.param((6, 10), -1, 2, id="6x10-axis-1"),
    pytest.param((2, 4, 3), 1, 3, id="2x4x3-axis1"),
    pytest.param((3, 2, 5), 1, 4, id="3x2x5-axis1"),
]


@pytest.mark.parametrize(("shape", "axis", "seed"), SOFTMAX_CASES)
def test_softmax_layer_matches_torch(torch, shape, axis, seed):
    rng = np.random.default_rng(seed)
    x = 3.0 * rng.standard_normal(shape)
    dy = rng.standard_normal(shape)

    layer = Softmax() if axis == -1 else Softmax(axis=axis)
    out = layer.forward(x)
    dx = layer.backward(dy)

    xt = leaf(torch, x)
    out_t = torch.softmax(xt, dim=axis)
    (out_t * const(torch, dy)).sum().backward()

    assert_matches(out, out_t, "out")
    assert_matches(dx, xt.grad, "dx")


# -- the kink at x == 0 ----------------------------------------------------------------------------
# ReLU and LeakyReLU are not differentiable at 0; any value between the two one-sided slopes is a
# valid subgradient. minidl documents PyTorch's choice: 0 for ReLU, negative_slope for LeakyReLU.

KINK_X = np.array([-2.0, 0.0, 1.5, -0.0, 0.0])
KINK_DY = np.array([0.7, 1.3, -0.4, 2.1, -0.9])


def test_relu_kink_matches_torch(torch):
    layer = ReLU()
    out = layer.forward(KINK_X.copy())
    dx = layer.backward(KINK_DY.copy())

    xt = leaf(torch, KINK_X)
    out_t = torch.relu(xt)
    (out_t * const(torch, KINK_DY)).sum().backward()

    assert_matches(out, out_t, "out")
    assert_matches(dx, xt.grad, "dx")
    # By hand: the gradient passes only where x > 0 (index 2); at 0 and -0.0 it is blocked.
    np.testing.assert_array_equal(dx, [0.0, 0.0, -0.4, 0.0, 0.0])


@pytest.mark.parametrize("slope", [None, 0.01, 1.7], ids=["default-0.3", "0.01", "1.7"])
def test_leaky_relu_kink_matches_torch(torch, slope):
    layer = LeakyReLU() if slope is None else LeakyReLU(negative_slope=slope)
    a = KERAS_LEAKY_SLOPE if slope is None else slope
    out = layer.forward(KINK_X.copy())
    dx = layer.backward(KINK_DY.copy())

    xt = leaf(torch, KINK_X)
    out_t = torch.nn.functional.leaky_relu(xt, negative_slope=a)
    (out_t * const(torch, KINK_DY)).sum().backward()

    assert_matches(out, out_t, "out")
    assert_matches(dx, xt.grad, "dx")
    # By hand: slope 1 where x > 0, slope a elsewhere, including x == 0 and x == -0.0.
    np.testing.assert_allclose(dx, [0.7 * a, 1.3 * a, -0.4, 2.1 * a, -0.9 * a], rtol=0, atol=0)


# -- losses ----------------------------------------------------------------------------------------
# A loss object is called as loss(y_true, y_pred) -> float; loss.backward(dout) returns
# dout * dL/dy_pred. Torch differentiates the same mean loss with respect to a leaf y_pred.


def check_loss(torch, loss, y_true, y_pred, torch_loss_of):
    """Compare loss(y_true, y_pred), loss.backward() and loss.backward(dout) with torch."""
    value = loss(y_true, y_pred)
    grad = loss.backward()
    grad_scaled = loss.backward(-2.5)

    pred_t = leaf(torch, y_pred)
    value_t = torch_loss_of(pred_t)
    value_t.backward()

    assert isinstance(value, float)
    assert_matches(value, value_t.item(), "loss")
    assert_matches(grad, pred_t.grad, "dL/dy_pred")
    assert_matches(grad_scaled, -2.5 * pred_t.grad, "backward(dout=-2.5)")


BINARY_CASES = [
    pytest.param((1,), 0, id="1"),
    pytest.param((6, 1), 1, id="6x1"),
    pytest.param((4, 3), 2, id="4x3"),
]


def binary_targets(rng, shape, kind):
    """Hard 0/1 labels or soft labels in [0, 1]."""
    if kind == "hard":
        return rng.integers(0, 2, size=shape).astype(np.float64)
    return rng.uniform(0.0, 1.0, size=shape)


@pytest.mark.parametrize("kind", ["hard", "soft"])
@pytest.mark.parametrize(("shape", "seed"), BINARY_CASES)
def test_binary_crossentropy_from_probabilities_matches_torch(torch, shape, seed, kind):
    rng = np.random.default_rng(seed)
    # Probabilities in (0.01, 0.99): minidl's clipping to [1e-7, 1 - 1e-7] stays inactive and
    # torch's clamping of log at -100 too, so both compute the plain formula.
    p = rng.uniform(0.01, 0.99, size=shape)
    y = binary_targets(rng, shape, kind)
    check_loss(
        torch,
        losses.BinaryCrossentropy(from_logits=False),
        y,
        p,
        lambda p_t: torch.nn.functional.binary_cross_entropy(p_t, const(torch, y)),
    )


@pytest.mark.parametrize("kind", ["hard", "soft"])
@pytest.mark.parametrize(("shape", "seed"), BINARY_CASES)
def test_binary_crossentropy_from_logits_matches_torch(torch, shape, seed, kind):
    rng = np.random.default_rng(seed)
    z = 4.0 * rng.standard_normal(shape)
    y = binary_targets(rng, shape, kind)
    check_loss(
        torch,
        losses.BinaryCrossentropy(from_logits=True),
        y,
        z,
        lambda z_t: torch.nn.functional.binary_cross_entropy_with_logits(z_t, const(torch, y)),
    )


CATEGORICAL_CASES = [
    pytest.param(1, 2, 0, id="1x2"),
    pytest.param(5, 3, 1, id="5x3"),
    pytest.param(8, 10, 2, id="8x10"),
]


def categorical_targets(rng, n, c, kind):
    """One-hot rows, rows of class probabilities (soft targets), or rows of values in [0, 1]
    that do not sum to 1 (minidl's softmax cross-entropy gradient keeps the factor sum_c y,
    as torch's does, so it is right for these too)."""
    if kind == "one_hot":
        return np.eye(c)[rng.integers(0, c, size=n)]
    if kind == "soft":
        return probability_rows(rng, n, c)
    return rng.uniform(0.0, 1.0, size=(n, c))


@pytest.mark.parametrize("kind", ["one_hot", "soft", "unnormalized"])
@pytest.mark.parametrize(("n", "c", "seed"), CATEGORICAL_CASES)
def test_categorical_crossentropy_from_probabilities_matches_torch(torch, n, c, seed, kind):
    rng = np.random.default_rng(seed)
    p = probability_rows(rng, n, c)  # every entry inside the clipping range
    y = categorical_targets(rng, n, c, kind)

    def torch_loss(p_t):
        # torch has no cross-entropy on probabilities; write its definition out.
        return -(const(torch, y) * torch.log(p_t)).sum(dim=1).mean()

    check_loss(torch, losses.CategoricalCrossentropy(from_logits=False), y, p, torch_loss)


@pytest.mark.parametrize("kind", ["one_hot", "soft", "unnormalized"])
@pytest.mark.parametrize(("n", "c", "seed"), CATEGORICAL_CASES)
def test_categorical_crossentropy_from_logits_matches_torch(torch, n, c, seed, kind):
    rng = np.random.default_rng(seed)
    z = 3.0 * rng.standard_normal((n, c))
    y = categorical_targets(rng, n, c, kind)
    # F.cross_entropy with a float target of shape (N, C) takes it as class probabilities.
    check_loss(
        torch,
        losses.CategoricalCrossentropy(from_logits=True),
        y,
        z,
        lambda z_t: torch.nn.functional.cross_entropy(z_t, const(torch, y)),
    )


@pytest.mark.parametrize(("n", "c", "seed"), CATEGORICAL_CASES)
def test_sparse_categorical_crossentropy_from_probabilities_matches_torch(torch, n, c, seed):
    rng = np.random.default_rng(seed)
    p = probability_rows(rng, n, c)
    labels = rng.integers(0, c, size=n)
    labels_t = torch.tensor(labels, dtype=torch.int64)
    check_loss(
        torch,
        losses.SparseCategoricalCrossentropy(from_logits=False),
        labels,
        p,
        lambda p_t: torch.nn.functional.nll_loss(torch.log(p_t), labels_t),
    )


@pytest.mark.parametrize(("n", "c", "seed"), CATEGORICAL_CASES)
def test_sparse_categorical_crossentropy_from_logits_matches_torch(torch, n, c, seed):
    rng = np.random.default_rng(seed)
    z = 3.0 * rng.standard_normal((n, c))
    labels = rng.integers(0, c, size=n)
    labels_t = torch.tensor(labels, dtype=torch.int64)
    check_loss(
        torch,
        losses.SparseCategoricalCrossentropy(from_logits=True),
        labels,
        z,
        lambda z_t: torch.nn.functional.cross_entropy(z_t, labels_t),
    )


@pytest.mark.parametrize(
    ("shape", "seed"),
    [
        pytest.param((1,), 0, id="1"),
        pytest.param((5, 1), 1, id="5x1"),
        pytest.param((4, 3), 2, id="4x3"),
        pytest.param((2, 3, 4), 3, id="2x3x4"),
    ],
)
def test_mean_squared_error_matches_torch(torch, shape, seed):
    rng = np.random.default_rng(seed)
    pred = rng.standard_normal(shape)
    target = rng.standard_normal(shape)
    check_loss(
        torch,
        losses.MeanSquaredError(),
        target,
        pred,
        lambda pred_t: torch.nn.functional.mse_loss(pred_t, const(torch, target)),
    )
