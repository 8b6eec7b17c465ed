"""K-SVD: a planted dictionary recovered, as in the K-SVD paper's synthetic experiment."""

import re

import numpy as np
import pytest

from minidl.sparse import ksvd, omp


def planted(m=20, K=50, N=1500, k=3, snr_db=20.0, seed=0):
    """The paper's set-up: a random unit-norm dictionary 20 x 50, 1500 signals of 3 atoms each,
    white noise at 20 dB."""
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((m, K))
    D /= np.linalg.norm(D, axis=0)
    X = np.zeros((K, N))
    for n in range(N):
        X[rng.choice(K, k, replace=False), n] = rng.standard_normal(k)
    Y = D @ X
    noise = rng.standard_normal(Y.shape)
    noise *= np.linalg.norm(Y) / np.linalg.norm(noise) / 10 ** (snr_db / 20)
    return D, Y + noise


def test_recovers_a_planted_dictionary():
    truth, Y = planted()
    D, X = ksvd(Y, n_atoms=50, n_nonzero=3, n_iter=40, seed=1)
    matched = np.abs(truth.T @ D).max(axis=1) > 0.99  # each true atom's best learned match
    assert matched.sum() >= 45  # the paper reports about 96% at 20 dB; here 48 of 50
    np.testing.assert_allclose(np.linalg.norm(D, axis=0), 1.0)
    assert np.all((X != 0).sum(axis=0) <= 3)
    # learning helps: the learned atoms explain Y better than the random signals they started as
    start, _ = ksvd(Y, n_atoms=50, n_nonzero=3, n_iter=1, seed=1)
    assert np.linalg.norm(Y - D @ X) < 0.8 * np.linalg.norm(Y - start @ omp(start, Y, 3))


def test_the_constant_atom_takes_the_means_so_the_atoms_can_take_the_patterns():
    # Zero-mean patterns (a planted 16 x 10 dictionary, two per signal) on top of means from 1
    # to 5. With the constant atom the ten patterns are found exactly; without it, every atom
    # is busy with the means and none of the patterns is found.
    rng = np.random.default_rng(5)
    truth = rng.standard_normal((16, 10))
    truth -= truth.mean(axis=0)
    truth /= np.linalg.norm(truth, axis=0)
    X = np.zeros((10, 600))
    for n in range(600):
        X[rng.choice(10, 2, replace=False), n] = rng.standard_normal(2)
    Y = truth @ X + rng.uniform(1, 5, 600)
    D, _ = ksvd(Y, n_atoms=11, n_nonzero=3, n_iter=30, seed=0, constant_atom=True)
    np.testing.assert_array_equal(D[:, 0], np.full(16, 0.25))
    assert (np.abs(truth.T @ D).max(axis=1) > 0.99).sum() == 10
    D, _ = ksvd(Y, n_atoms=11, n_nonzero=3, n_iter=30, seed=0)
    assert (np.abs(truth.T @ D).max(axis=1) > 0.99).sum() == 0


def test_unused_atoms_are_replaced_and_the_run_is_seeded(capsys):
    # Three patterns repeated (200, 200 and 10 times), four atoms, one atom per signal: the
    # starting atoms are copies of the common two, so some go unused; the worst-represented
    # signal, the rare pattern, takes one, and the next round represents everything.
    rng = np.random.default_rng(3)
    a, b, c = rng.standard_normal((3, 10))
    Y = np.stack([a] * 200 + [b] * 200 + [c] * 10, axis=1)
    D1, X1 = ksvd(Y, n_atoms=4, n_nonzero=1, n_iter=2, seed=0, verbose=1)
    printed = capsys.readouterr()
    assert printed.err == ""
    pattern = r"K-SVD iteration (\d)/2: RMSE (\S+), mean nonzeros ([\d.]+), (\d+) unused atom"
    found = [re.match(pattern, line) for line in printed.out.strip().splitlines()]
    assert len(found) == 2 and all(found)
    assert int(found[0].group(4)) >= 1
    assert float(found[1].group(2)) < 1e-6 < float(found[0].group(2))
    assert np.abs(c @ D1).max() == pytest.approx(np.linalg.norm(c))
    D2, X2 = ksvd(Y, n_atoms=4, n_nonzero=1, n_iter=2, seed=0)
    np.testing.assert_array_equal(D1, D2)
    np.testing.assert_array_equal(X1, X2)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.zeros(5), 2, 1), {}, r"expected the signals Y as a 2-D array"),
        ((np.ones((4, 3)), 5, 1), {}, r"at least n_atoms = 5 signals"),
        ((np.ones((4, 9)), 0, 1), {}, r"expected n_atoms as an int >= 1"),
        ((np.ones((4, 9)), 1, 1), {"constant_atom": True}, r"n_atoms as an int >= 2"),
        ((np.ones((4, 9)), 3, 0), {}, r"expected n_nonzero as an int >= 1"),
        ((np.ones((4, 9)), 3, 1), {"n_iter": 0}, r"expected n_iter as an int >= 1"),
        ((np.full((4, 9), np.nan), 3, 1), {}, r"the signals hold NaN"),
    ],
)
def test_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ksvd(*args, **kwargs)
