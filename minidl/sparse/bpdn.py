"""Basis pursuit denoising (BPDN): the l1 road to sparsity, solved by ADMM for many signals at once.

OMP builds a sparse code greedily. BPDN asks for it through a convex problem instead:

    minimise  f(x) = ||D x - s||^2 + lam * ||x||_1

The l1 norm is the closest convex stand-in for the count of nonzeros: its corners on the axes
make many coefficients exactly 0 at the minimum, more of them the larger ``lam``. Being convex,
the problem has no bad local minima, and its solution is certified by the optimality (KKT)
conditions: with g = 2 D^T (D x - s), the gradient of the smooth part,

    g_i = -lam * sign(x_i)   where x_i != 0,        |g_i| <= lam   where x_i = 0.

ADMM (the alternating direction method of multipliers; Boyd et al., 2011, section 6.4) splits
the two terms with a copy z of x, constrained to equal it, and alternates:

    x <- (2 D^T D + rho I)^-1 (2 D^T s + rho (z - u))     the smooth part: a linear system
    z <- soft(x + u, lam / rho)                             the l1 part: soft thresholding,
                                                            soft(v, t) = sign(v) max(|v| - t, 0)
    u <- u + x - z                                          the running disagreement (scaled dual)

The matrix 2 D^T D + rho I is the same for every signal and every iteration: it is inverted
once (it is symmetric positive definite with eigenvalues >= rho, so the inverse is accurate) and
each x-step is one matrix product for all the signals together. z holds
exact zeros; it is the answer. The iterations stop when, for every signal, the primal residual
||x - z|| and the dual residual rho ||z - z_prev|| are below Boyd's tolerances
(sqrt(K) * abs_tol + rel_tol * scale). rho is rebalanced (doubled or halved, and the matrix
refactored) every ten iterations while one residual is more than ten times the other, as Boyd's
section 3.4.1 advises. ADMM was chosen over FISTA for the one inverse shared by all signals
and its robustness to the dictionary's conditioning; both converge slowly to high accuracy.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_int, check_number
from .omp import dictionary_and_signals

__all__ = ["bpdn", "soft_threshold"]


def soft_threshold(v: np.ndarray, t: float) -> np.ndarray:
    """sign(v) * max(|v| - t, 0): the proximal map of t * ||.||_1 (shrink towards 0 by t).

    Raises:
        ArgumentTypeError: t is not a number.
        ValueError: t is negative, NaN or infinite (a negative t would push values away from 0).
    """
    t = check_number(t, "t", "soft_threshold", 0.0)
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def _objective(D: np.ndarray, X: np.ndarray, Y: np.ndarray, lam: float) -> np.ndarray:
    R = D @ X - Y
    return np.einsum("mn,mn->n", R, R) + lam * np.abs(X).sum(axis=0)


def bpdn(
    D: np.ndarray,
    Y: np.ndarray,
    lam: float,
    rho: float | None = None,
    max_iter: int = 2000,
    abs_tol: float = 1e-6,
    rel_tol: float = 1e-4,
) -> tuple[np.ndarray, dict]:
    """Solve min ||D x - s||^2 + lam ||x||_1 for every column s of Y, by ADMM (module docstring).

    Args:
        D: the dictionary (m, K), atoms as columns.
        Y: the signals, (m,) or (m, N).
        lam: the weight of the l1 term, > 0; larger gives sparser codes. Above
            max |2 D^T s| the code of s is 0.
        rho: ADMM's penalty, > 0; None starts from the mean of diag(2 D^T D) (default) and it
            is rebalanced as the iterations go.
        max_iter: the most iterations (default 2000).
        abs_tol, rel_tol: Boyd's absolute and relative tolerances (defaults 1e-6 and 1e-4:
            coefficients good to about 1e-3 of their size; tighter ones cost many more
            iterations, ADMM converging only linearly, slowest when lam is small and many
            coefficients are nonzero).

    Returns:
        (X, report). X is float64 (K,) or (K, N) with exact zeros. report is a dict:
        'converged' (bool, every signal met the tolerances), 'iterations', 'primal_residual'
        and 'dual_residual' (the largest over the signals at the end), 'rho' (the final
        penalty) and 'objective' (f at X, per signal, an array (N,) or a float).

    Raises:
        ValueError: a bad dictionary or signals (as for ``omp``), or lam, rho, max_iter or a
            tolerance out of range.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> D = rng.standard_normal((20, 40)); D /= np.linalg.norm(D, axis=0)
        >>> X, report = bpdn(D, D[:, 3] * 2.0, lam=0.1)
        >>> report["converged"], int(np.argmax(np.abs(X)))
        (True, 3)
    """
    where = "bpdn"
    D, Y, single = dictionary_and_signals(D, Y, where)
    K = D.shape[1]
    lam = check_number(lam, "lam", where, 0, open_low=True)
    max_iter = check_int(max_iter, "max_iter", where, 1, expected="an int >= 1")
    abs_tol = check_number(abs_tol, "abs_tol", where, 0, open_low=True)
    rel_tol = check_number(rel_tol, "rel_tol", where, 0, open_low=True)
    G2 = 2.0 * (D.T @ D)
    if rho is None:
        rho = float(np.mean(np.diag(G2)))
    else:
        rho = check_number(rho, "rho", where, 0, open_low=True)
    b = 2.0 * (D.T @ Y)  # (K, N)

    def inverse(r: float) -> np.ndarray:
        # symmetric positive definite, its eigenvalues >= r: inverting it once is accurate
        return np.linalg.inv(G2 + r * np.eye(K))

    A_inv = inverse(rho)
    N = Y.shape[1]
    z, u = np.zeros((K, N)), np.zeros((K, N))
    converged, iterations = False, 0
    primal = dual = np.inf
    while iterations < max_iter:
        iterations += 1
        x = A_inv @ (b + rho * (z - u))
        z_prev = z
        z = soft_threshold(x + u, lam / rho)
        u = u + x - z
        primal_n = np.linalg.norm(x - z, axis=0)
        dual_n = rho * np.linalg.norm(z - z_prev, axis=0)
        eps_primal = np.sqrt(K) * abs_tol + rel_tol * np.maximum(
            np.linalg.norm(x, axis=0), np.linalg.norm(z, axis=0)
        )
        eps_dual = np.sqrt(K) * abs_tol + rel_tol * rho * np.linalg.norm(u, axis=0)
        primal, dual = float(primal_n.max()), float(dual_n.max())
        if np.all(primal_n <= eps_primal) and np.all(dual_n <= eps_dual):
            converged = True
            break
        if iterations % 10 == 0 and (primal > 10.0 * dual or dual > 10.0 * primal):
            scale = 2.0 if primal > dual else 0.5
            rho *= scale
            u /= scale  # u is the dual variable divided by rho
            A_inv = inverse(rho)
    objective = _objective(D, z, Y, lam)
    report = {
        "converged": converged,
        "iterations": iterations,
        "primal_residual": primal,
        "dual_residual": dual,
        "rho": rho,
        "objective": float(objective[0]) if single else objective,
    }
    return (z[:, 0] if single else z), report
