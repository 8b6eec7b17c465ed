"""Orthogonal matching pursuit (OMP): a sparse code for many signals at once.

Given a dictionary D (m, K) of K atoms and a signal y (m,), find x with few nonzeros and
D x close to y. Searching all supports is hopeless (K choose k of them); OMP is greedy:

    S = {}, r = y
    repeat:
        j = argmax_k |d_k^T r| / ||d_k||     the atom most correlated with what is left
        S = S + {j}
        x_S = argmin ||y - D_S x_S||          least squares on the support: r is then
        r = y - D_S x_S                      orthogonal to every atom chosen so far
    until |S| = n_nonzero, or ||r|| <= tol

Two things make it fast here ("Batch-OMP", Rubinstein, Zibulevsky and Elad 2008):

* Work with correlations, not residuals. With G = D^T D (the Gram matrix) and a0 = D^T y, the
  correlations of the residual are D^T r = a0 - G_S x_S: one (K, |S|) product, never an
  m-vector per step. G and a0 for all signals are two matrix products at the start.
* Progressive Cholesky. The least squares on S solves G_SS x_S = a0_S. G_SS grows by one row
  and column per step, and so does its Cholesky factor L (G_SS = L L^T): with w solving
  L w = G_{S,j}, the new row is [w^T, sqrt(G_jj - w^T w)]. Each step costs a triangular solve,
  not a new factorisation.

All signals advance together: the arrays hold one row per signal still running, and the loops
run over the support size (at most ``n_nonzero``), never over the signals. A signal leaves the
set when it meets its stopping rule; its residual norm follows without forming r:
||r||^2 = ||y||^2 - a0_S^T x_S.

Atoms need not have unit norm: the selection divides by ||d_k||, which is the same as running
OMP on the normalised dictionary and rescaling the coefficients.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_int

__all__ = ["omp"]

_DEPENDENT = 1e-10  # G_jj - w^T w below this (normalised atoms): atom j adds nothing new


def _check_dictionary(D: object, where: str) -> np.ndarray:
    if not isinstance(D, np.ndarray) or D.ndim != 2 or D.dtype.kind not in "uif":
        raise ValueError(
            f"{where}: expected the dictionary D as a 2-D array (m, K) of numbers, received "
            f"{getattr(D, 'shape', type(D).__name__)}"
        )
    if D.shape[1] == 0 or D.shape[0] == 0:
        raise ValueError(f"{where}: expected a dictionary with atoms, received shape {D.shape}")
    D = D.astype(np.float64)
    if not np.all(np.isfinite(D)):
        raise ValueError(f"{where}: the dictionary holds NaN or infinite values")
    norms = np.linalg.norm(D, axis=0)
    if np.any(norms == 0):
        raise ValueError(
            f"{where}: atom(s) {np.flatnonzero(norms == 0)[:5].tolist()} of D are zero; "
            f"expected nonzero atoms"
        )
    return D


def _check_signals(Y: object, m: int, where: str) -> np.ndarray:
    if not isinstance(Y, np.ndarray) or Y.ndim not in (1, 2) or Y.dtype.kind not in "uif":
        raise ValueError(
            f"{where}: expected the signals Y as an array (m,) or (m, N) of numbers, received "
            f"{getattr(Y, 'shape', type(Y).__name__)}"
        )
    if Y.shape[0] != m:
        raise ValueError(
            f"{where}: expected signals of length m = {m} (D's rows), received Y of shape {Y.shape}"
        )
    Y = Y.astype(np.float64)
    if not np.all(np.isfinite(Y)):
        raise ValueError(f"{where}: the signals hold NaN or infinite values")
    return Y


def dictionary_and_signals(D: object, Y: object, where: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """Checked float64 copies: D (m, K) and Y as columns (m, N), and whether Y was one signal."""
    D = _check_dictionary(D, where)
    single = isinstance(Y, np.ndarray) and Y.ndim == 1
    Y = _check_signals(Y, D.shape[0], where)
    return D, (Y[:, None] if single else Y), single


def _forward(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve L z = b for each row: L (n, k, k) lower triangular, b (n, k)."""
    z = np.empty_like(b)
    for i in range(b.shape[1]):
        z[:, i] = (b[:, i] - np.einsum("nj,nj->n", L[:, i, :i], z[:, :i])) / L[:, i, i]
    return z


def _backward(L: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Solve L^T x = z for each row."""
    x = np.empty_like(z)
    k = z.shape[1]
    for i in range(k - 1, -1, -1):
        x[:, i] = (z[:, i] - np.einsum("nj,nj->n", L[:, i + 1 :, i], x[:, i + 1 :])) / L[:, i, i]
    return x


def omp(
    D: np.ndarray,
    Y: np.ndarray,
    n_nonzero: int | None = None,
    tol: float | np.ndarray | None = None,
) -> np.ndarray:
    """Sparse codes of the columns of Y over the atoms of D by orthogonal matching pursuit.

    Args:
        D: the dictionary (m, K), atoms as columns, none of them zero.
        Y: the signals, (m,) or (m, N) with one signal per column.
        n_nonzero: at most this many atoms per signal, an int >= 1. Default: no limit when
            ``tol`` is given (up to min(m, K)), else max(1, int(0.1 m)), as scikit-learn.
        tol: stop a signal once its residual norm ||y - D x|| <= tol; a number >= 0 or an
            array (N,) of them, one per signal. Default None (only ``n_nonzero`` stops).

    Returns:
        X, float64 (K,) or (K, N), with D @ X the approximations; each column has at most
        ``n_nonzero`` nonzeros (fewer when ``tol`` is met first, or when the signal is
        already represented exactly and no atom can add anything).

    Raises:
        ValueError: a dictionary that is not 2-D, has no atoms or a zero atom; signals of
            another length; NaN or infinite values; n_nonzero or tol out of range.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> D = rng.standard_normal((20, 50))
        >>> x = np.zeros(50); x[[3, 17, 41]] = [1.0, -2.0, 0.5]
        >>> np.flatnonzero(omp(D, D @ x, n_nonzero=3)).tolist()
        [3, 17, 41]
    """
    where = "omp"
    D, Y, single = dictionary_and_signals(D, Y, where)
    m, K = D.shape
    N = Y.shape[1]
    if n_nonzero is not None:
        kmax = check_int(n_nonzero, "n_nonzero", where, 1, expected="an int >= 1")
    else:
        kmax = min(m, K) if tol is not None else max(1, int(0.1 * m))
    kmax = min(kmax, m, K)
    tol2 = None
    if tol is not None:
        t = np.asarray(tol, dtype=np.float64)
        if t.ndim > 1 or (t.ndim == 1 and len(t) != N) or not np.all(np.isfinite(t)):
            raise ValueError(
                f"{where}: expected tol as a number >= 0 or an array of {N} (one per signal), "
                f"received {tol!r:.80}"
            )
        if np.any(t < 0):
            raise ValueError(f"{where}: expected tol >= 0, received a negative value")
        tol2 = np.broadcast_to(t**2, (N,))

    norms = np.linalg.norm(D, axis=0)
    Dn = D / norms
    G = Dn.T @ Dn  # (K, K)
    A0 = (Dn.T @ Y).T  # (N, K): a0 of each signal as a row
    yy = np.einsum("mn,mn->n", Y, Y)

    support = np.zeros((N, kmax), dtype=np.intp)  # results, one row per signal
    coef = np.zeros((N, kmax))
    count = np.zeros(N, dtype=np.intp)
    # The signals still running, compacted: row i of each array is signal ids[i].
    ids = np.arange(N) if tol2 is None else np.flatnonzero(yy > tol2)
    a0, S, x = A0[ids], np.zeros((len(ids), kmax), np.intp), np.zeros((len(ids), kmax))
    L = np.zeros((len(ids), kmax, kmax))
    tiny = np.finfo(np.float64).tiny
    for k in range(kmax):
        if len(ids) == 0:
            break
        rows = np.arange(len(ids))
        corr = a0.copy()
        for i in range(k):
            corr -= x[:, i, None] * G[S[:, i]]
        corr[rows[:, None], S[:, :k]] = 0.0  # chosen atoms: zero in exact arithmetic
        j = np.argmax(np.abs(corr), axis=1)
        ok = corr[rows, j] ** 2 > tiny
        if k == 0:
            L[:, 0, 0] = 1.0
        else:
            w = _forward(L[:, :k, :k], G[S[:, :k], j[:, None]])
            d2 = 1.0 - np.einsum("nk,nk->n", w, w)
            ok &= d2 > _DEPENDENT
            L[:, k, :k] = w
            L[:, k, k] = np.sqrt(np.where(ok, d2, 1.0))
        S[:, k] = j
        rhs = np.take_along_axis(a0, S[:, : k + 1], axis=1)
        Lk = L[:, : k + 1, : k + 1]
        new = _backward(Lk, _forward(Lk, rhs))
        # a signal with nothing left to explain keeps its previous code and stops
        x[ok, : k + 1] = new[ok]
        keep = ok.copy()
        if tol2 is not None:
            residual2 = yy[ids] - np.einsum("nk,nk->n", rhs, new)
            keep &= residual2 > tol2[ids]
        done = ~keep
        n_atoms = np.where(ok, k + 1, k)
        support[ids[done]], coef[ids[done]], count[ids[done]] = S[done], x[done], n_atoms[done]
        if done.any():
            ids, a0, S, x, L = ids[keep], a0[keep], S[keep], x[keep], L[keep]
    support[ids], coef[ids], count[ids] = S, x, kmax

    X = np.zeros((K, N))
    for k in range(kmax):
        has = count > k
        cols = np.flatnonzero(has)
        atoms = support[cols, k]
        X[atoms, cols] = coef[cols, k] / norms[atoms]
    return X[:, 0] if single else X
