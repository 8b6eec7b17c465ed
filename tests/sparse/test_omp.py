"""Orthogonal matching pursuit: recovery, scikit-learn as the oracle, the stopping rules."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import orthogonal_mp as sklearn_omp  # the oracle (a dev dependency)

from minidl.sparse import omp


def random_dictionary(m, K, seed):
    D = np.random.default_rng(seed).standard_normal((m, K))
    return D / np.linalg.norm(D, axis=0)


def sparse_signals(K, N, k, seed):
    rng = np.random.default_rng(seed)
    X = np.zeros((K, N))
    for n in range(N):
        X[rng.choice(K, k, replace=False), n] = rng.choice([-1.0, 1.0], k) * rng.uniform(1, 2, k)
    return X


@pytest.mark.parametrize("seed", range(4))
def test_exact_support_recovery_on_an_incoherent_dictionary(seed):
    D = random_dictionary(64, 128, seed)
    X = sparse_signals(128, 200, 5, seed + 10)
    got = omp(D, D @ X, n_nonzero=5)
    np.testing.assert_array_equal(got != 0, X != 0)
    np.testing.assert_allclose(got, X, atol=1e-10)


def test_an_orthonormal_dictionary_keeps_the_largest_entries():
    y = np.array([0.5, -3.0, 1.0, 2.0, -0.1])
    np.testing.assert_allclose(omp(np.eye(5), y, n_nonzero=2), [0, -3.0, 0, 2.0, 0])


@pytest.mark.parametrize("n_nonzero", [1, 3, 8])
def test_agrees_with_scikit_learn(n_nonzero):
    D = random_dictionary(32, 100, 1)
    Y = np.random.default_rng(2).standard_normal((32, 300))
    got = omp(D, Y, n_nonzero=n_nonzero)
    expected = sklearn_omp(D, Y, n_nonzero_coefs=n_nonzero)
    np.testing.assert_array_equal(got != 0, expected != 0)
    np.testing.assert_allclose(got, expected, atol=1e-10)


def test_tol_agrees_with_scikit_learn_and_holds_per_signal():
    D = random_dictionary(32, 100, 3)
    Y = np.random.default_rng(4).standard_normal((32, 60))
    got = omp(D, Y, tol=1.5)
    expected = sklearn_omp(D, Y, tol=1.5**2)  # scikit-learn's tol is the squared norm
    np.testing.assert_allclose(got, expected, atol=1e-10)
    assert np.all(np.linalg.norm(Y - D @ got, axis=0) <= 1.5)
    # one tolerance per signal: a loose one stops early, a tight one needs more atoms
    tols = np.where(np.arange(60) % 2 == 0, 4.0, 0.5)
    got = omp(D, Y, tol=tols)
    residuals = np.linalg.norm(Y - D @ got, axis=0)
    assert np.all(residuals <= tols)
    counts = (got != 0).sum(axis=0)
    assert counts[::2].mean() < counts[1::2].mean()


def test_n_nonzero_caps_a_tolerance_that_asks_for_more():
    D = random_dictionary(32, 100, 5)
    Y = np.random.default_rng(6).standard_normal((32, 40))
    got = omp(D, Y, n_nonzero=3, tol=1e-6)
    assert (got != 0).sum(axis=0).max() == 3


def test_atoms_of_any_norm_give_the_normalised_answer_rescaled():
    D = random_dictionary(20, 40, 7)
    scale = np.random.default_rng(8).uniform(0.1, 10.0, 40)
    Y = np.random.default_rng(9).standard_normal((20, 30))
    np.testing.assert_allclose(
        omp(D * scale, Y, n_nonzero=4), omp(D, Y, n_nonzero=4) / scale[:, None], atol=1e-10
    )


@settings(max_examples=30)
@given(st.integers(4, 24), st.integers(1, 40), st.integers(1, 6), st.integers(0, 10**6))
def test_residual_is_orthogonal_to_the_chosen_atoms(m, K, k, seed):
    D = random_dictionary(m, K, seed)
    Y = np.random.default_rng(seed + 1).standard_normal((m, 5))
    X = omp(D, Y, n_nonzero=k)
    assert np.all((X != 0).sum(axis=0) <= min(k, m, K))
    R = Y - D @ X
    for n in range(5):
        chosen = np.flatnonzero(X[:, n])
        np.testing.assert_allclose(D[:, chosen].T @ R[:, n], 0.0, atol=1e-8)


def test_shapes_zero_signals_and_defaults():
    D = random_dictionary(30, 50, 11)
    y = np.random.default_rng(12).standard_normal(30)
    assert omp(D, y).shape == (50,)
    assert (omp(D, y) != 0).sum() == 3  # default: int(0.1 * 30) atoms
    np.testing.assert_array_equal(omp(D, np.zeros((30, 2)), n_nonzero=4), 0.0)


def test_inputs_are_not_modified():
    D = random_dictionary(16, 20, 13) * 3
    Y = np.random.default_rng(14).standard_normal((16, 4))
    D0, Y0 = D.copy(), Y.copy()
    omp(D, Y, n_nonzero=3)
    np.testing.assert_array_equal(D, D0)
    np.testing.assert_array_equal(Y, Y0)


@pytest.mark.parametrize(
    ("D", "Y", "kwargs", "match"),
    [
        (np.zeros((4, 0)), np.zeros(4), {}, r"expected a dictionary with atoms"),
        (np.zeros((4, 3)), np.zeros(4), {}, r"atom\(s\) \[0, 1, 2\] of D are zero"),
        (np.ones(4), np.zeros(4), {}, r"expected the dictionary D as a 2-D array"),
        (np.ones((4, 3)), np.zeros(5), {}, r"signals of length m = 4"),
        (np.ones((4, 3)), np.full(4, np.nan), {}, r"the signals hold NaN"),
        (np.full((4, 3), np.inf), np.zeros(4), {}, r"the dictionary holds NaN"),
        (np.ones((4, 3)), np.zeros(4), {"n_nonzero": 0}, r"n_nonzero as an int >= 1"),
        (np.ones((4, 3)), np.zeros(4), {"n_nonzero": 2.0}, r"n_nonzero as an int >= 1"),
        (np.ones((4, 3)), np.zeros((4, 2)), {"tol": [1.0, 2.0, 3.0]}, r"an array of 2"),
        (np.ones((4, 3)), np.zeros(4), {"tol": -1.0}, r"expected tol >= 0"),
    ],
)
def test_bad_input(D, Y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        omp(D, Y, **kwargs)
