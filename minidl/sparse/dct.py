"""The discrete cosine transform (DCT-II, orthonormal) of image patches, as matrix products.

A p x p patch is a point in p^2 dimensions. The DCT writes it in another orthonormal basis: p^2
cosine patterns, from the flat one (the DC, the patch's mean times p) to the finest
checkerboard. Natural images put most of their energy in the few low frequencies, while white
noise spreads evenly over all p^2 coefficients: in the DCT basis a clean patch is nearly
*sparse* and the noise is not. That is the whole idea of DCT denoising (``minidl.sparse.denoise``).

The 1-D transform of a length-p signal x is c = D x with the matrix

    D[k, n] = a_k cos(pi * (2n + 1) * k / (2p)),   a_0 = sqrt(1/p),  a_k = sqrt(2/p) for k > 0,

whose rows are orthonormal (D D^T = I), so the inverse is x = D^T c. The 2-D transform is
separable: transform every column, then every row, C = D X D^T, and X = D^T C D. For a stack of
patches this is two batched matrix products; ``dct2`` does it in one, with the Kronecker product
D (x) D acting on the flattened patches: vec(D X D^T) = (D (x) D) vec(X) for row-major vec.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_int

__all__ = ["dct2", "dct_dictionary", "dct_matrix", "idct2"]


def dct_matrix(p: int) -> np.ndarray:
    """The orthonormal DCT-II matrix D (p, p): c = D x transforms, x = D.T c inverts.

    Args:
        p: the signal length (a patch's side), an int >= 1.

    Returns:
        float64 array (p, p) with D @ D.T = I; row k is the k-th cosine pattern.

    Raises:
        ValueError: p is not an int >= 1.

    Example:
        >>> D = dct_matrix(8)
        >>> np.allclose(D @ D.T, np.eye(8))
        True
    """
    p = check_int(p, "p", "dct_matrix", 1, expected="an int >= 1")
    k = np.arange(p)[:, None]
    n = np.arange(p)[None, :]
    D = np.cos(np.pi * (2 * n + 1) * k / (2 * p)) * np.sqrt(2.0 / p)
    D[0] /= np.sqrt(2.0)
    return D


def _patch_stack(patches: object, where: str) -> np.ndarray:
    x = np.asarray(patches)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2] or x.shape[-1] < 1 or x.dtype.kind not in "uif":
        raise ValueError(
            f"{where}: expected square patches of numbers (..., p, p), received "
            f"{getattr(patches, 'shape', type(patches).__name__)} of {x.dtype}"
        )
    return x


def _kron_transform(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    p = x.shape[-1]
    dtype = np.result_type(x.dtype, np.float32)
    flat = x.reshape(-1, p * p).astype(dtype, copy=False)
    return (flat @ matrix.T.astype(dtype, copy=False)).reshape(x.shape)


def dct2(patches: np.ndarray) -> np.ndarray:
    """The 2-D orthonormal DCT of each p x p patch: C = D X D^T.

    Equal to ``scipy.fft.dctn(X, type=2, norm='ortho', axes=(-2, -1))``.

    Args:
        patches: array (..., p, p) of numbers; integers become float64.

    Returns:
        A new float array of the same shape (float32 stays float32): coefficient [u, v] is
        the weight of the cosine pattern with u half-periods down and v across; [0, 0] is the DC.

    Raises:
        ValueError: not square patches of numbers.
    """
    x = _patch_stack(patches, "dct2")
    D = dct_matrix(x.shape[-1])
    return _kron_transform(x, np.kron(D, D))


def idct2(coefficients: np.ndarray) -> np.ndarray:
    """The inverse of ``dct2``: X = D^T C D for each p x p block of coefficients.

    Args:
        coefficients: array (..., p, p).

    Returns:
        A new float array of the same shape.

    Raises:
        ValueError: not square blocks of numbers.
    """
    c = _patch_stack(coefficients, "idct2")
    D = dct_matrix(c.shape[-1])
    return _kron_transform(c, np.kron(D, D).T)


def dct_dictionary(p: int, n_atoms: int = 256) -> np.ndarray:
    """The overcomplete 2-D DCT dictionary for p x p patches (as in the K-SVD paper's
    experiments): the starting point, or the fixed choice, for coding image patches.

    The 1-D dictionary has q = sqrt(n_atoms) cosines of length p at frequencies
    k / q half-periods per sample (k = 0 .. q - 1), finer steps than the orthonormal DCT's when
    q > p; every atom but the flat one has its mean removed, and all are normalised. The 2-D
    atoms are the outer products of pairs of them, flattened row-major (the Kronecker product).

    Args:
        p: the patch side, >= 1.
        n_atoms: a square number >= p^2 (default 256, i.e. 16 x 16 frequencies for 8 x 8).

    Returns:
        float64 (p*p, n_atoms), unit-norm columns; column 0 is the flat atom 1/p.

    Raises:
        ValueError: p < 1, or n_atoms not a square number >= p^2.
    """
    where = "dct_dictionary"
    p = check_int(p, "p", where, 1, expected="an int >= 1")
    square = f"a square number >= p^2 = {p * p}"
    n_atoms = check_int(n_atoms, "n_atoms", where, p * p, expected=square)
    q = math.isqrt(n_atoms)
    if q * q != n_atoms:
        raise ValueError(f"{where}: expected n_atoms as {square}, received {n_atoms!r}")
    n = np.arange(p)[:, None]
    k = np.arange(q)[None, :]
    one = np.cos(np.pi * n * k / q)
    one[:, 1:] -= one[:, 1:].mean(axis=0)
    one /= np.linalg.norm(one, axis=0)
    return np.kron(one, one)
