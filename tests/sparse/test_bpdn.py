"""Basis pursuit denoising by ADMM: closed forms, optimality conditions, scikit-learn's Lasso."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso  # the slow reference (a dev dependency)

from minidl.sparse import bpdn, soft_threshold

TIGHT = dict(abs_tol=1e-11, rel_tol=1e-9, max_iter=20000)


def dictionary(m, K, seed):
    D = np.random.default_rng(seed).standard_normal((m, K))
    return D / np.linalg.norm(D, axis=0)


def test_soft_threshold_by_hand():
    np.testing.assert_allclose(
        soft_threshold(np.array([-3.0, -0.5, 0.0, 0.2, 2.0]), 1.0), [-2.0, 0.0, 0.0, 0.0, 1.0]
    )


def test_an_orthonormal_dictionary_has_the_closed_form():
    # With D = I: min ||x - s||^2 + lam |x|_1 splits by coordinate: x = soft(s, lam / 2).
    s = np.array([3.0, -0.2, 0.7, -1.5, 0.0])
    x, report = bpdn(np.eye(5), s, lam=1.0, **TIGHT)
    assert report["converged"]
    np.testing.assert_allclose(x, soft_threshold(s, 0.5), atol=1e-9)
    assert report["objective"] == pytest.approx(np.sum((x - s) ** 2) + np.abs(x).sum())


def test_a_large_lam_gives_zero():
    D = dictionary(10, 20, 0)
    s = np.random.default_rng(1).standard_normal(10)
    lam = 1.01 * np.abs(2 * D.T @ s).max()
    x, report = bpdn(D, s, lam)
    assert report["converged"]
    np.testing.assert_array_equal(x, 0.0)


@pytest.mark.parametrize("lam", [0.3, 1.0])
def test_the_optimality_conditions_hold(lam):
    D = dictionary(20, 40, 2)
    Y = np.random.default_rng(3).standard_normal((20, 25))
    X, report = bpdn(D, Y, lam, **TIGHT)
    assert report["converged"] and report["iterations"] < TIGHT["max_iter"]
    g = 2 * D.T @ (D @ X - Y)
    nonzero = X != 0
    assert nonzero.any() and (~nonzero).any()
    np.testing.assert_allclose(g[nonzero], -lam * np.sign(X[nonzero]), atol=1e-6)
    assert np.abs(g[~nonzero]).max() <= lam * (1 + 1e-6)


def test_agrees_with_scikit_learn_lasso():
    # scikit-learn's Lasso minimises (1 / 2m) ||D x - s||^2 + alpha ||x||_1: alpha = lam / 2m.
    m, lam = 24, 0.4
    D = dictionary(m, 48, 4)
    Y = np.random.default_rng(5).standard_normal((m, 8))
    X, _ = bpdn(D, Y, lam, **TIGHT)
    lasso = Lasso(alpha=lam / (2 * m), fit_intercept=False, tol=1e-14, max_iter=10**6)
    expected = np.stack([lasso.fit(D, Y[:, n]).coef_ for n in range(8)], axis=1)
    np.testing.assert_allclose(X, expected, atol=1e-7)


def test_default_tolerances_give_a_good_code_and_an_honest_report():
    D = dictionary(32, 64, 6)
    Y = np.random.default_rng(7).standard_normal((32, 40))
    X, report = bpdn(D, Y, 0.5)
    assert set(report) == {
        "converged",
        "iterations",
        "primal_residual",
        "dual_residual",
        "rho",
        "objective",
    }
    assert report["converged"] and report["objective"].shape == (40,)
    tight, _ = bpdn(D, Y, 0.5, **TIGHT)
    assert np.abs(X - tight).max() < 1e-2 * np.abs(tight).max()
    _, report = bpdn(D, Y, 0.5, max_iter=3)
    assert not report["converged"] and report["iterations"] == 3


def test_inputs_are_not_modified():
    D, Y = dictionary(8, 12, 8), np.random.default_rng(9).standard_normal((8, 3))
    D0, Y0 = D.copy(), Y.copy()
    bpdn(D, Y, 0.1)
    np.testing.assert_array_equal(D, D0)
    np.testing.assert_array_equal(Y, Y0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lam": 0.0}, r"expected lam as a number > 0"),
        ({"lam": np.nan}, r"expected lam as a number > 0"),
        ({"rho": -1.0}, r"expected rho as a number > 0"),
        ({"max_iter": 0}, r"expected max_iter as an int >= 1"),
        ({"abs_tol": 0}, r"expected abs_tol as a number > 0"),
        ({"D": np.zeros((4, 0))}, r"expected a dictionary with atoms"),
        ({"Y": np.zeros(5)}, r"signals of length m = 4"),
    ],
)
def test_bad_input(kwargs, match):
    arguments = {"D": np.eye(4), "Y": np.ones(4), "lam": 0.1, **kwargs}
    with pytest.raises(ValueError, match=match):
        bpdn(**arguments)
