"""Regularizers: hand values, gradient checks over drawn shapes and factors, get/serialize, errors."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl import regularizers
from minidl.gradcheck import check_gradients, numerical_gradient
from minidl.regularizers import L1, L1L2, L2, Regularizer

W = np.array([[1.0, -2.0], [0.0, 0.5]])  # sum|w| = 3.5, sum(w^2) = 1 + 4 + 0 + 0.25 = 5.25


def test_penalties_by_hand():
    assert L1(0.1)(W) == pytest.approx(0.35, rel=1e-15)  # 0.1 * 3.5
    assert L2(0.1)(W) == pytest.approx(0.525, rel=1e-15)  # 0.1 * 5.25, no factor 1/2
    assert L1L2(l1=0.1, l2=0.2)(W) == pytest.approx(1.4, rel=1e-15)  # 0.35 + 0.2 * 5.25
    assert isinstance(L2(0.1)(W), float)


def test_gradients_by_hand():
    # L1: 0.1 sign(w), with sign(0) = 0; L2: 2 * 0.1 * w
    np.testing.assert_allclose(L1(0.1).gradient(W), [[0.1, -0.1], [0.0, 0.1]], rtol=1e-15)
    np.testing.assert_allclose(L2(0.1).gradient(W), [[0.2, -0.4], [0.0, 0.1]], rtol=1e-15)
    np.testing.assert_allclose(
        L1L2(l1=0.1, l2=0.1).gradient(W), [[0.3, -0.5], [0.0, 0.2]], rtol=1e-15
    )


def test_keras_defaults():
    assert L1().get_config() == {"l1": 0.01}
    assert L2().get_config() == {"l2": 0.01}
    assert L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert L1L2()(W) == 0.0
    np.testing.assert_array_equal(L1L2().gradient(W), np.zeros_like(W))


def test_l1_kink_at_zero_has_zero_gradient():
    # |w| has no derivative at 0; the subgradient 0 is used, so zero weights stay put
    w = np.zeros(3)
    np.testing.assert_array_equal(L1(1.0).gradient(w), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(L1(1.0).gradient(np.array([-1e-300, 1e-300])), [-1.0, 1.0])


def away_from_zero(rng, shape):
    """|w| in [0.1, 2): the centred difference (h = 1e-6) never straddles L1's kink."""
    return np.asarray(rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape))


@given(
    kind=st.sampled_from(["l1", "l2", "l1_l2"]),
    l1=st.floats(0.0, 10.0),
    l2=st.floats(0.0, 10.0),
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_gradient_matches_finite_differences(kind, l1, l2, shape, seed):
    reg = {"l1": L1(l1), "l2": L2(l2), "l1_l2": L1L2(l1=l1, l2=l2)}[kind]
    w = away_from_zero(np.random.default_rng(seed), shape)
    before = w.copy()
    report = check_gradients(lambda: reg(w), {"w": w}, {"w": reg.gradient(w)}, title=repr(reg))
    assert report.passed, str(report)
    np.testing.assert_array_equal(w, before)  # restored bit for bit, and never modified by reg


@given(shape=st.lists(st.integers(1, 3), max_size=3), seed=st.integers(0, 2**32 - 1))
def test_l1l2_is_the_sum_of_l1_and_l2(shape, seed):
    w = away_from_zero(np.random.default_rng(seed), shape)
    both = L1L2(l1=0.3, l2=0.7)
    assert both(w) == pytest.approx(L1(0.3)(w) + L2(0.7)(w), rel=1e-14)
    np.testing.assert_allclose(both.gradient(w), L1(0.3).gradient(w) + L2(0.7).gradient(w))
    # the numerical gradient of the L2 penalty is 2 l2 w (the lack of a 1/2 shows here)
    np.testing.assert_allclose(numerical_gradient(L2(0.7), w), 1.4 * w, rtol=1e-7, atol=1e-9)


def test_float32_and_integer_weights():
    w32 = np.array([1.0, -2.0], dtype=np.float32)
    assert L2(0.5).gradient(w32).dtype == np.float32
    assert L1(0.5)(np.array([1, -2])) == 1.5  # integers are read as float64


def test_get_and_serialize():
    assert regularizers.get(None) is None
    reg = L2(0.001)
    assert regularizers.get(reg) is reg
    for name, cls in [("l1", L1), ("L2", L2), ("l1_l2", L1L2)]:
        assert type(regularizers.get(name)) is cls
    assert regularizers.get("l1").l1 == 0.01
    for reg in [L1(0.2), L2(0.3), L1L2(l1=0.1, l2=0.4)]:
        again = regularizers.get(regularizers.serialize(reg))
        assert type(again) is type(reg) and again.get_config() == reg.get_config()
        assert type(reg).from_config(reg.get_config()).get_config() == reg.get_config()
    assert regularizers.serialize(L1L2(l1=0.5)) == {
        "class_name": "L1L2",
        "config": {"l1": 0.5, "l2": 0.0},
    }
    assert regularizers.serialize(None) is None
    assert repr(L1L2(l1=0.5)) == "L1L2(l1=0.5, l2=0.0)"


def test_base_class_needs_a_subclass():
    with pytest.raises(NotImplementedError):
        Regularizer()(W)
    with pytest.raises(NotImplementedError):
        Regularizer().gradient(W)


def test_docstring_examples():
    result = doctest.testmod(regularizers)
    assert result.failed == 0 and result.attempted >= 4


@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf")])
def test_bad_factor_values(value):
    with pytest.raises(
        ValueError, match=f"L1: expected l1 as a non-negative finite number, received {value}"
    ):
        L1(value)
    with pytest.raises(ValueError, match="L2: expected l2 as a non-negative"):
        L2(value)
    with pytest.raises(ValueError, match="L1L2: expected l2 as a non-negative"):
        L1L2(l1=0.1, l2=value)


@pytest.mark.parametrize("value", ["0.1", None, True, [0.1]])
def test_bad_factor_types(value):
    with pytest.raises(TypeError, match="L1L2: expected l1 as a non-negative number"):
        L1L2(l1=value)


def test_bad_weights():
    with pytest.raises(ValueError, match="L2: w contains 1 NaN or infinite value"):
        L2()(np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="L1: expected w as a NumPy array"):
        L1().gradient("weights")


@pytest.mark.parametrize(
    "identifier",
    [
        "l3",
        "",
        0.01,
        {"class_name": "L3", "config": {}},
        {"config": {}},
        {"class_name": "L1", "l1": 1},
    ],
)
def test_get_unknown(identifier):
    with pytest.raises(ValueError, match=r"regularizers.get: .*('l1', 'l2', 'l1_l2'|keys)"):
        regularizers.get(identifier)


def test_bad_config_and_serialize():
    with pytest.raises(ValueError, match=r"L1.from_config: .*received unknown \['l2'\]"):
        L1.from_config({"l1": 0.1, "l2": 0.1})
    with pytest.raises(TypeError, match=r"L2.from_config: expected a dict"):
        L2.from_config(0.1)
    with pytest.raises(TypeError, match=r"regularizers.serialize: expected a Regularizer"):
        regularizers.serialize("l2")
