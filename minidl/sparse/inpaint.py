"""Denoising and inpainting with a dictionary: every patch coded sparsely, then overlap-add.

Denoising (``sparse_denoise``). A clean patch is a few atoms of a good dictionary D; noise is
not. So code each noisy patch s with OMP until its residual is no larger than the noise alone
would be, ||s - D x|| <= 1.15 * p * sigma (the norm of p^2 noise samples is about p * sigma; the
factor 1.15 leaves room so that noise is not fitted), and keep D x. Then average the patches'
estimates of each pixel.

Inpainting (``inpaint``). Some pixels are missing (``mask`` False). A patch's known pixels still
say which few atoms it is made of: with P_i picking the known rows, code P_i s with the atoms
P_i D (the same atoms, seen only where the patch is known), to the threshold the known noise
allows,

    delta_i = 1.15 * p * sigma * sqrt((p^2 - m_i) / p^2),   m_i = the patch's missing pixels,

then synthesise the whole patch with the whole atoms, D x: the missing pixels are filled by the
atoms' values there. Overlap-add as for denoising, each patch weighted by the share of its pixels
that are known: a patch that saw only a corner guesses the rest, and many atoms fit a few pixels,
so its say is small; one with no known pixel has none. (With nothing missing every weight is 1,
plain averaging.)

Each patch has its own mask, so each has its own dictionary P_i D, and the Gram-matrix trick of
``omp`` does not apply. ``masked_omp`` keeps OMP batched anyway: the correlations D^T r_i are
one matrix product for all patches (r_i is zero where the patch is unknown), the atoms' norms
on the known pixels are (mask) @ (D * D), and the least squares on each support are small
normal equations solved together (``np.linalg.solve`` on a stack).
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_int, check_number
from .noise import check_image
from .omp import _check_dictionary
from .patches import extract_patches, overlap_add, patch_positions

__all__ = ["NOISE_FACTOR", "inpaint", "masked_omp", "sparse_denoise"]

NOISE_FACTOR = 1.15
"""How much larger than the noise's own norm a patch's residual may stay (the lecture's 1.15)."""
_BAND_PATCHES = 20_000  # patches coded at a time


def masked_omp(
    D: np.ndarray, S: np.ndarray, known: np.ndarray, tol: np.ndarray, n_nonzero: int
) -> np.ndarray:
    """OMP of each row of S over the atoms of D seen only at that row's known entries.

    Args:
        D: the dictionary (m, K).
        S: signals (N, m), one per row; entries where ``known`` is False are ignored.
        known: bool (N, m).
        tol: (N,) residual norms (on the known entries) at which each signal stops.
        n_nonzero: the most atoms per signal.

    Returns:
        Codes (N, K): D @ X[n] synthesises signal n everywhere, known entries or not.
    """
    N, m = S.shape
    K = D.shape[1]
    w = known.astype(np.float64)
    target = S * w
    atom_norms = np.sqrt(w @ (D * D))  # (N, K): each atom's norm on each signal's known rows
    X = np.zeros((N, K))
    ids = np.flatnonzero(np.einsum("nm,nm->n", target, target) > tol**2)
    support = np.zeros((len(ids), 0), np.intp)
    residual = target[ids]
    for k in range(min(n_nonzero, m, K)):
        if len(ids) == 0:
            break
        corr = np.abs(residual @ D) / np.maximum(atom_norms[ids], 1e-12)
        corr[np.arange(len(ids))[:, None], support] = -1.0
        j = np.argmax(corr, axis=1)
        useful = corr[np.arange(len(ids)), j] > 1e-12
        support = np.concatenate([support, j[:, None]], axis=1)
        A = D[:, support].transpose(1, 0, 2) * w[ids][:, :, None]  # (n, m, k+1): P_i D_S
        gram = np.einsum("nmk,nml->nkl", A, A) + 1e-10 * np.eye(k + 1)
        coef = np.linalg.solve(gram, np.einsum("nmk,nm->nk", A, target[ids])[..., None])[..., 0]
        residual = target[ids] - np.einsum("nmk,nk->nm", A, coef)
        # an atom with no correlation left changes nothing; its signal stops here
        X[ids[:, None], support] = coef
        keep = useful & (np.einsum("nm,nm->n", residual, residual) > tol[ids] ** 2)
        ids, support, residual = ids[keep], support[keep], residual[keep]
    return X


def _dictionary_patch_side(D: np.ndarray, where: str) -> int:
    p = math.isqrt(D.shape[0])
    if p * p != D.shape[0]:
        raise ValueError(
            f"{where}: expected a dictionary of flattened square patches (p*p rows), received "
            f"{D.shape[0]} rows"
        )
    return p


def _code_and_aggregate(z, known, D, sigma, step, n_nonzero, where):
    p = _dictionary_patch_side(D, where)
    if p > min(z.shape):
        raise ValueError(f"{where}: the dictionary's {p}x{p} patches do not fit {z.shape}")
    step = check_int(step, "step", where, 1, p, expected=f"an int from 1 to {p}")
    if n_nonzero is None:
        n_nonzero = p * p // 2
    else:
        n_nonzero = check_int(n_nonzero, "n_nonzero", where, 1, expected="an int >= 1")
    H, W = z.shape
    ys, xs = patch_positions(H, p, step), patch_positions(W, p, step)
    patches = extract_patches(z, p, step)
    masks = extract_patches(known, p, step)
    total, norm = np.zeros((H, W)), np.zeros((H, W))
    band = max(1, _BAND_PATCHES // len(xs))
    for r0 in range(0, len(ys), band):
        rows = patches[r0 : r0 + band]
        n_rows, n_cols = rows.shape[:2]
        S = rows.reshape(-1, p * p)
        M = masks[r0 : r0 + band].reshape(-1, p * p)
        n_known = M.sum(axis=1)
        tol = NOISE_FACTOR * sigma * np.sqrt(n_known)
        X = masked_omp(D, S, M, tol, n_nonzero)
        planes = (D @ X.T).reshape(p, p, n_rows, n_cols)
        weights = (n_known / (p * p)).reshape(n_rows, n_cols)
        overlap_add(total, norm, planes, weights, ys[r0 : r0 + band], xs)
    empty = norm == 0
    fill = z[known].mean() if known.any() else 0.0
    return np.where(empty, fill, total / np.where(empty, 1.0, norm))


def sparse_denoise(
    z: np.ndarray,
    sigma: float,
    D: np.ndarray,
    step: int = 1,
    n_nonzero: int | None = None,
) -> np.ndarray:
    """Denoise an image by coding every patch over the dictionary D (module docstring).

    Args:
        z: the noisy grey image (H, W).
        sigma: the noise's standard deviation, > 0, in the image's units.
        D: the dictionary (p*p, K) of flattened p x p patches (e.g. ``dct_dictionary(8)`` or
            one learned by ``ksvd``).
        step: pixels between patches, 1 to p (default 1).
        n_nonzero: the most atoms per patch (default p*p // 2).

    Returns:
        float64 (H, W), finite everywhere; z is not modified.

    Raises:
        ValueError: a bad image, sigma, dictionary (not p*p rows, zero atoms), step or
            n_nonzero.
    """
    where = "sparse_denoise"
    z = check_image(z, "z", where).astype(np.float64)
    sigma = check_number(sigma, "sigma", where, 0, open_low=True)
    D = _check_dictionary(D, where)
    known = np.ones(z.shape, bool)
    return _code_and_aggregate(z, known, D, sigma, step, n_nonzero, where)


def inpaint(
    z: np.ndarray,
    mask: np.ndarray,
    D: np.ndarray,
    sigma: float,
    step: int = 1,
    n_nonzero: int | None = None,
) -> np.ndarray:
    """Fill in the missing pixels of an image (and denoise the rest) with a dictionary.

    Args:
        z: the image (H, W); values where ``mask`` is False are ignored (NaN is fine there).
        mask: bool (H, W), True where the pixel is known.
        D: the dictionary (p*p, K) of flattened p x p patches.
        sigma: the noise's standard deviation on the known pixels, > 0 (a small value such as
            1/255 for clean ones).
        step: pixels between patches, 1 to p (default 1).
        n_nonzero: the most atoms per patch (default p*p // 2).

    Returns:
        float64 (H, W): every pixel estimated from the patches that contain it. A pixel whose
        patches are all unknown (a hole wider than 2p - 1) gets the mean of the known pixels.

    Raises:
        ValueError: a bad image or mask (another shape, not boolean), sigma, dictionary, step
            or n_nonzero.
    """
    where = "inpaint"
    if not (isinstance(z, np.ndarray) and z.ndim == 2 and z.dtype.kind in "uif"):
        check_image(z, "z", where)  # raises, naming what was received
    if not isinstance(mask, np.ndarray) or mask.dtype != bool or mask.shape != z.shape:
        raise ValueError(
            f"{where}: expected mask as a bool array of z's shape {z.shape}, received "
            f"{getattr(mask, 'dtype', type(mask).__name__)} {getattr(mask, 'shape', '')}"
        )
    # the unknown pixels may hold anything, NaN included; the known ones must be finite
    z = check_image(np.where(mask, z, 0.0), "z (at its known pixels)", where)
    sigma = check_number(sigma, "sigma", where, 0, open_low=True)
    D = _check_dictionary(D, where)
    return _code_and_aggregate(z.astype(np.float64), mask, D, sigma, step, n_nonzero, where)
