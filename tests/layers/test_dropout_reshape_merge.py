"""Dropout (fixed-mask gradient checks, inverted scaling, identity at inference), Reshape and Add."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl.gradcheck import check_gradients
from minidl.layers import Add, Dropout, Reshape
from minidl.testing import check_layer_contract


class _FixedMask:
    """Dropout whose generator restarts at every forward: the same mask each time, so the layer is
    a fixed element-wise product and finite differences apply."""

    def __init__(self, rate, seed, noise_shape=None):
        self.layer = Dropout(rate, noise_shape=noise_shape, seed=seed)
        self.seed, self.name, self.params, self.grads = seed, "dropout", {}, {}

    def forward(self, x, training=False):
        self.layer._rng = np.random.default_rng(self.seed)
        return self.layer.forward(x, training=training)

    def backward(self, dy):
        return self.layer.backward(dy)


@given(
    shape=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    rate=st.sampled_from([0.0, 0.1, 0.5, 0.9]),
    shared=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_gradient_with_a_fixed_mask(shape, rate, shared, seed):
    rng = np.random.default_rng(seed)
    noise_shape = (None, *([1] * (len(shape) - 2)), shape[-1]) if shared else None
    layer = _FixedMask(rate, seed, noise_shape)
    x, dy = rng.normal(size=shape), rng.normal(size=shape)
    layer.forward(x, training=True)
    dx = layer.backward(dy)
    report = check_gradients(
        lambda: float(np.sum(layer.forward(x, training=True) * dy)), {"x": x}, {"x": dx}
    )
    assert report.passed, str(report)


def test_inverted_scaling_and_inference_identity():
    x = np.ones((200, 50))
    layer = Dropout(0.25, seed=0)
    y = layer.forward(x, training=True)
    assert set(np.unique(y)) == {0.0, 1 / 0.75}  # dropped, or kept and scaled by 1/(1 - rate)
    assert abs((y == 0).mean() - 0.25) < 0.01  # 10,000 coins: within 4 standard deviations
    np.testing.assert_array_equal(layer.backward(np.full_like(x, 2.0)), 2.0 * y)
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(np.full_like(x, 3.0)), np.full_like(x, 3.0))


def test_noise_shape_drops_whole_channels():
    y = Dropout(0.5, noise_shape=(None, 1, 1, 4), seed=3).forward(np.ones((2, 3, 3, 4)), True)
    for n in range(2):
        for c in range(4):
            assert len(np.unique(y[n, :, :, c])) == 1  # one coin per example and channel


def test_same_seed_same_masks():
    a = Dropout(0.5, seed=7).forward(np.ones((4, 6)), training=True)
    b = Dropout(0.5, seed=7).forward(np.ones((4, 6)), training=True)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 2, "half", True])
def test_bad_rate(rate):
    with pytest.raises(ValueError, match=r"Dropout 'dropout.*': expected rate in \[0, 1\)"):
        Dropout(rate)


def test_bad_noise_shape():
    with pytest.raises(
        ValueError, match=r"noise_shape \(None, 2\) does not fit inputs of shape \(3, 4\)"
    ):
        Dropout(0.5, noise_shape=(None, 2)).forward(np.ones((3, 4)), training=True)


@given(
    target=st.sampled_from([(6,), (2, 3), (3, -1), (-1, 1, 2), (1, 1, 6)]),
    n=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_reshape_contract(target, n, seed):
    check_layer_contract(lambda: Reshape(target), (n, 2, 3), rng=np.random.default_rng(seed))


def test_reshape_values_and_errors():
    y = Reshape((3, 2)).forward(np.arange(12.0).reshape(2, 6))
    np.testing.assert_array_equal(y[1], [[6, 7], [8, 9], [10, 11]])  # row-major order kept
    assert Reshape((-1, 2)).output_shape((None, 4, 3)) == (None, 6, 2)
    with pytest.raises(
        ValueError, match=r"cannot reshape examples of shape \(6,\) \(6 values\) to \(4,\)"
    ):
        Reshape((4,)).forward(np.ones((2, 6)))
    with pytest.raises(ValueError, match=r"expected target_shape as a tuple of positive ints"):
        Reshape((-1, -1))


def test_add_sums_and_sends_dy_to_every_input():
    a, b, c = np.ones((2, 3)), np.full((2, 3), 2.0), np.full((2, 3), -0.5)
    add = Add()
    np.testing.assert_array_equal(add.forward([a, b, c]), np.full((2, 3), 2.5))
    grads = add.backward(np.full((2, 3), 4.0))
    assert len(grads) == 3 and all(np.array_equal(g, np.full((2, 3), 4.0)) for g in grads)
    with pytest.raises(
        ValueError, match=r"expected inputs of one shape, received shapes \[\(2, 3\), \(3, 2\)\]"
    ):
        add.forward([a, np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"expected a list of at least 2 arrays, received ndarray"):
        add.forward(a)
