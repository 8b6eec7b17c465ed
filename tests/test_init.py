"""Initializers: shapes, fans, the variances they promise, reproducibility, and the course's draws."""

import numpy as np
import pytest

from minidl import init


def test_fans():
    assert init.compute_fans((30, 20)) == (30, 20)
    assert init.compute_fans((3, 5, 4, 8)) == (3 * 5 * 4, 3 * 5 * 8)
    assert init.compute_fans((7,)) == (7, 7)


@pytest.mark.parametrize(
    "name, kwargs, expected_var",
    [
        ("scaled_normal", {}, 0.01**2),
        ("normal_fan_in", {}, 1 / 400),
        ("he_normal", {}, 2 / 400),
        ("glorot_uniform", {}, 2 / (400 + 300)),  # U(-l, l) has variance l^2 / 3 = 2 / (in + out)
    ],
)
def test_variance_matches_the_formula(name, kwargs, expected_var):
    w = init.get_initializer(name)((400, 300), np.random.default_rng(0), **kwargs)
    assert w.shape == (400, 300)
    # 120,000 draws: the sample variance is within ~0.4% (1 sigma) of the truth; allow 2%
    assert w.var() == pytest.approx(expected_var, rel=0.02)
    assert abs(w.mean()) < 4 * np.sqrt(expected_var / w.size)


def test_glorot_uniform_limit():
    w = init.glorot_uniform((60, 40), np.random.default_rng(1))
    limit = np.sqrt(6 / 100)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit


def test_same_generator_state_same_weights():
    a = init.he_normal((5, 4), np.random.default_rng(42))
    b = init.he_normal((5, 4), np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)


def test_legacy_generator_gives_the_course_draws():
    # np.random.seed(1); np.random.randn(2, 3) * 0.01 -- the course's W1 for initialize_parameters(3, 2, 1)
    rs = np.random.RandomState(1)
    w = init.scaled_normal((2, 3), rs, scale=0.01)
    np.testing.assert_allclose(
        w,
        [[0.01624345, -0.00611756, -0.00528172], [-0.01072969, 0.00865408, -0.02301539]],
        atol=5e-9,
    )


def test_zeros_and_errors():
    np.testing.assert_array_equal(init.zeros((2, 2)), np.zeros((2, 2)))
    np.testing.assert_array_equal(init.get_initializer("ones")((3,)), [1.0, 1.0, 1.0])
    with pytest.raises(
        TypeError, match=r"he_normal: expected rng as np.random.Generator.*received int"
    ):
        init.he_normal((2, 2), 0)
    with pytest.raises(ValueError, match=r"unknown initializer 'twos'"):
        init.get_initializer("twos")
