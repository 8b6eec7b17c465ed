"""Residual blocks: gradient checks with the identity and with a projection shortcut, the
shape rule, freezing, configuration round trips and the bottleneck block."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minidl.layers import (
    BatchNormalization,
    Conv2D,
    Dense,
    ReLU,
    Residual,
    bottleneck_block,
    deserialize,
    serialize,
)
from minidl.testing import check_layer_contract


@given(
    n=st.integers(1, 3),
    size=st.integers(2, 6),
    c=st.integers(1, 3),
    filters=st.integers(1, 3),
    strides=st.integers(1, 2),
    projection=st.booleans(),
    activation=st.sampled_from([None, "tanh"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_gradients_with_both_shortcuts(n, size, c, filters, strides, projection, activation, seed):
    if not projection:  # the identity needs the branch to keep the shape
        filters, strides = c, 1
    # With one value per channel BN outputs exactly beta = 0, the ReLU's kink: no derivative.
    assume(n * (-(-size // strides)) ** 2 >= 2)

    def make():
        branch = [  # no bias before BN: BN subtracts the mean, so its gradient is exactly 0
            Conv2D(filters, 3, strides=strides, padding="same", use_bias=False, seed=seed),
            BatchNormalization(),
            ReLU(),
            Conv2D(filters, (2, 1), padding="same", seed=seed + 1),
        ]
        shortcut = Conv2D(filters, 1, strides=strides, seed=seed + 2) if projection else None
        return Residual(branch, shortcut=shortcut, activation=activation)

    rng = np.random.default_rng(seed)
    report = check_layer_contract(make, (n, size, size, c), rng=rng, training=True)
    names = [check.name for check in report.checks]
    assert names[0] == "x" and sum(name.endswith("/kernel") for name in names) == 2 + projection


def test_identity_block_adds_its_input():
    # F(x) = x @ 2I: the block must output 2x + x = 3x, and send back dy * 2 + dy = 3 dy.
    dense = Dense(3, use_bias=False, name="dense")
    dense.build((None, 3))
    dense.params["kernel"][:] = 2 * np.eye(3)
    block = Residual([dense])
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(block.forward(x), 3 * x)
    np.testing.assert_allclose(block.backward(np.ones((2, 3))), np.full((2, 3), 3.0))
    assert (
        list(block.params) == ["dense/kernel"]
        and block.params["dense/kernel"] is dense.params["kernel"]
    )


def test_shape_mismatch_names_the_fix():
    block = Residual([Conv2D(8, 3, strides=2, padding="same")])
    with pytest.raises(
        ValueError,
        match=r"the branch gives \(None, 4, 4, 8\) but the shortcut \(the identity\) gives "
        r"\(None, 8, 8, 3\).*shortcut=Conv2D\(8, 1, strides=...\)",
    ):
        block.forward(np.ones((1, 8, 8, 3)))


def test_freezing_reaches_every_sublayer():
    block = Residual([Dense(2), BatchNormalization()], shortcut=Dense(2))
    block.trainable = False
    assert not any(layer.trainable for layer in block.sublayers())
    with pytest.raises(AttributeError, match=r"its weights belong to its sublayers"):
        block.params = {"x": np.ones(2)}


def test_config_round_trip_and_counts():
    block = Residual(
        [Conv2D(4, 3, padding="same"), BatchNormalization(), ReLU()],
        shortcut=[Conv2D(4, 1)],
        activation="relu",
    )
    block.build((None, 5, 5, 2))
    # conv 3*3*2*4 + 4 = 76; BN 4*4 = 16; projection 1*1*2*4 + 4 = 12
    assert block.count_params() == 76 + 16 + 12
    clone = deserialize(serialize(block))
    assert isinstance(clone, Residual) and clone.output_shape((None, 5, 5, 2)) == (None, 5, 5, 4)
    clone.build((None, 5, 5, 2))
    assert [p.shape for p in clone.params.values()] == [p.shape for p in block.params.values()]


def test_bottleneck_block():
    block = bottleneck_block(16, strides=2, project=True)
    y = block.forward(np.random.default_rng(0).normal(size=(2, 8, 8, 8)), training=True)
    assert y.shape == (2, 4, 4, 16) and (y >= 0).all()  # ReLU after the sum
    # 1x1 8->4: 32; BN 16; 3x3 4->4: 144; BN 16; 1x1 4->16: 64; BN 64; projection 8->16: 128; BN 64
    assert block.count_params() == 32 + 16 + 144 + 16 + 64 + 64 + 128 + 64


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"expected at least one layer in layers"):
        Residual([])
    with pytest.raises(TypeError, match=r"expected shortcut as a layer or a list of layers"):
        Residual([Dense(2)], shortcut="projection")
