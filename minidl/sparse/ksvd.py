"""K-SVD: learning a dictionary in which a family of signals is sparse (Aharon, Elad and Bruckstein,
2006).

The DCT is one basis for every image. A dictionary learned from the signals themselves (patches
of wafers, of faces, of one photograph) fits them better: fewer atoms for the same error. K-SVD
alternates two steps, like k-means (which it generalises: k-means is K-SVD with one atom per
signal and coefficient 1):

    1. sparse coding: X = OMP(D, Y, n_nonzero), every signal coded with the current atoms;
    2. dictionary update, one atom at a time. Take the signals that use atom k (omega_k) and
       their residual without it, E_k = Y_omega - D X_omega + d_k x^k_omega. The best
       rank-one fit of E_k, from its largest singular triple (u, s, v), gives the new atom
       d_k = u (unit norm) and new coefficients x^k_omega = s v at once. Only the signals that
       used the atom change, so the codes stay as sparse as they were.

The representation error ||Y - D X||_F cannot increase in step 2 (each atom update is the best
rank-one fit), and OMP makes it small again in step 1.

Details that matter in practice:

* An atom no signal uses is wasted. It is replaced by the signal worst represented so far
  (normalised): a pattern the dictionary is missing.
* ``constant_atom=True`` fixes atom 0 to the flat signal 1/sqrt(m) and never updates it. For
  image patches it carries each patch's mean (the DC), so the learned atoms spend themselves on
  structure, as the lecture asks.
* The initial atoms are ``n_atoms`` distinct signals drawn at random (seeded) and normalised
  (with their mean removed when the constant atom carries the means).
"""

from __future__ import annotations

import numpy as np

from .._checks import check_int
from ..random import as_generator
from .omp import _check_signals, omp

__all__ = ["ksvd"]


def ksvd(
    Y: np.ndarray,
    n_atoms: int,
    n_nonzero: int,
    n_iter: int = 10,
    seed: int | np.random.Generator | None = None,
    constant_atom: bool = False,
    verbose: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Learn a dictionary of ``n_atoms`` unit-norm atoms in which the columns of Y are sparse.

    Args:
        Y: the training signals (m, N), one per column (e.g. flattened patches), N >= n_atoms.
        n_atoms: K, the number of atoms, >= 1 (>= 2 with ``constant_atom``).
        n_nonzero: atoms per signal in the sparse-coding step, >= 1.
        n_iter: coding / update rounds (default 10).
        seed: int, Generator or None (``minidl.seed``): which signals start as atoms.
        constant_atom: keep atom 0 fixed at the flat signal 1/sqrt(m) (default False).
        verbose: 0 silent (default), 1 a line per iteration on stdout: the RMS error per
            signal entry, ||Y - D X||_F / sqrt(m N), the mean number of nonzeros and how many
            unused atoms were replaced.

    Returns:
        (D, X): the dictionary (m, K), unit-norm columns, and the codes (K, N) of Y after the
        last update (D @ X approximates Y).

    Raises:
        ValueError: Y not a 2-D array of finite numbers with N >= n_atoms, or a count out of
            range.

    Example:
        >>> D, X = ksvd(patches.T, n_atoms=128, n_nonzero=4, n_iter=20, seed=0, verbose=1)
        K-SVD iteration 1/20: RMSE 0.0312, mean nonzeros 4.00, 0 unused atoms replaced
        ...
    """
    where = "ksvd"
    if not isinstance(Y, np.ndarray) or Y.ndim != 2:
        raise ValueError(
            f"{where}: expected the signals Y as a 2-D array (m, N), received "
            f"{getattr(Y, 'shape', type(Y).__name__)}"
        )
    m, N = Y.shape
    Y = _check_signals(Y, m, where)
    fewest_atoms = 2 if constant_atom else 1
    K = check_int(n_atoms, "n_atoms", where, fewest_atoms, expected=f"an int >= {fewest_atoms}")
    n_nonzero = check_int(n_nonzero, "n_nonzero", where, 1, expected="an int >= 1")
    n_iter = check_int(n_iter, "n_iter", where, 1, expected="an int >= 1")
    if N < K:
        raise ValueError(
            f"{where}: expected at least n_atoms = {K} signals to start the atoms from, "
            f"received {N}"
        )
    if verbose not in (0, 1, False, True):
        raise ValueError(f"{where}: expected verbose as 0 or 1, received {verbose!r}")
    rng = as_generator(seed, where)

    first = 1 if constant_atom else 0
    D = np.empty((m, K))
    if constant_atom:
        D[:, 0] = 1.0 / np.sqrt(m)
    # With the constant atom, the starting atoms are signals minus their mean: the mean is the
    # constant atom's job, and atoms that all resembled it would leave the others no room.
    S = Y - Y.mean(axis=0) if constant_atom else Y
    norms = np.linalg.norm(S, axis=0)
    candidates = np.flatnonzero(norms > 1e-12 * max(norms.max(), 1e-300))
    if len(candidates) < K - first:
        raise ValueError(
            f"{where}: expected at least {K - first} signals that are not zero"
            + (" or flat" if constant_atom else "")
            + f" to start the atoms from, received {len(candidates)}"
        )
    start = rng.choice(candidates, K - first, replace=False)
    D[:, first:] = S[:, start] / norms[start]

    X = np.zeros((K, N))
    for iteration in range(1, n_iter + 1):
        X = omp(D, Y, n_nonzero=n_nonzero)
        residual = Y - D @ X
        replaced = 0
        for k in range(first, K):
            users = np.flatnonzero(X[k])
            if len(users) == 0:
                worst = int(np.argmax(np.einsum("mn,mn->n", residual, residual)))
                D[:, k] = Y[:, worst] / max(np.linalg.norm(Y[:, worst]), 1e-300)
                residual[:, worst] = 0.0  # the next unused atom takes another signal
                replaced += 1
                continue
            E = residual[:, users] + np.outer(D[:, k], X[k, users])
            u, s, vt = np.linalg.svd(E, full_matrices=False)
            D[:, k] = u[:, 0]
            X[k, users] = s[0] * vt[0]
            residual[:, users] = E - np.outer(D[:, k], X[k, users])
        if verbose:
            rmse = np.linalg.norm(Y - D @ X) / np.sqrt(m * N)
            print(
                f"K-SVD iteration {iteration}/{n_iter}: RMSE {rmse:.4g}, mean nonzeros "
                f"{np.count_nonzero(X) / N:.2f}, {replaced} unused atom(s) replaced",
                flush=True,
            )
    return D, X
