"""Pooling layers: the contract over drawn configurations, Keras's names, defaults and shapes."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minidl.layers import (
    AveragePooling2D,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    MaxPooling2D,
    reset_name_counters,
)
from minidl.ops.pool import pool_geometry
from minidl.testing import check_layer_contract


def distinct(shape, seed):
    """Values 0.01 apart, so no max changes hands within a finite-difference step."""
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.01


@pytest.mark.parametrize("cls", [MaxPooling2D, AveragePooling2D])
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 9), st.integers(1, 9), st.integers(1, 4)),
    pool=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    strides=st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    padding=st.sampled_from(["valid", "same"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_pooling_contract(cls, shape, pool, strides, padding, seed):
    try:
        pool_geometry(shape, pool, strides, padding, "test")
    except ValueError:
        assume(False)
    check_layer_contract(lambda: cls(pool, strides, padding), shape, x=distinct(shape, seed))


@pytest.mark.parametrize("cls", [GlobalAveragePooling2D, GlobalMaxPooling2D])
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 6), st.integers(1, 6), st.integers(1, 4)),
    seed=st.integers(0, 2**32 - 1),
)
def test_global_pooling_contract(cls, shape, seed):
    check_layer_contract(cls, shape, x=distinct(shape, seed))


def test_keras_names_defaults_and_shapes():
    reset_name_counters()
    pool = MaxPooling2D()
    assert pool.name == "max_pooling2d" and pool.pool_size == (2, 2) and pool.strides == (2, 2)
    assert AveragePooling2D().name == "average_pooling2d"
    assert GlobalAveragePooling2D().name == "global_average_pooling2d"
    assert GlobalMaxPooling2D().name == "global_max_pooling2d"
    assert pool.output_shape((None, 32, 32, 8)) == (None, 16, 16, 8)
    assert MaxPooling2D(3, 2).output_shape((None, 7, 7, 1)) == (None, 3, 3, 1)  # floor((7-3)/2)+1
    assert MaxPooling2D(3, 2, "same").output_shape((None, 7, 7, 1)) == (None, 4, 4, 1)  # ceil(7/2)
    assert GlobalMaxPooling2D().output_shape((None, 5, 5, 6)) == (None, 6)


def test_any_image_size_but_fixed_rank():
    pool = MaxPooling2D(name="p")
    assert pool.forward(np.zeros((1, 4, 4, 2))).shape == (1, 2, 2, 2)
    assert pool.forward(np.zeros((1, 8, 6, 2))).shape == (1, 4, 3, 2)
    with pytest.raises(
        ValueError,
        match=r"MaxPooling2D 'p': expected images of shape \(N, H, W, C\), received shape \(4, 4\)",
    ):
        pool.forward(np.zeros((4, 4)))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: MaxPooling2D(0), r"expected pool_size >= 1, received 0"),
        (lambda: MaxPooling2D(2, (2, 0)), r"expected strides >= 1"),
        (
            lambda: AveragePooling2D(padding="full"),
            r"expected padding 'valid' or 'same', received 'full'",
        ),
    ],
)
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()
