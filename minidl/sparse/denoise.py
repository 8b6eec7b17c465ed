"""Denoising by hard thresholding in the sliding DCT (the sparse-representation lecture's first
algorithm).

For every p x p patch s of the noisy image z (``step`` pixels apart; step 1 gives all of them):

    1. c = DCT2(s): a clean patch has few large coefficients, the noise adds a little to all
       of them (an orthonormal transform keeps white noise white, with the same sigma);
    2. c_hat = H_tau(c): coefficients with |c| <= tau are set to 0 (hard thresholding), except
       the DC coefficient c[0, 0], the patch's mean, which is always kept (it is large for any
       patch that is not black, and zeroing it would darken the patch);
    3. x_hat = IDCT2(c_hat), the patch's estimate.

tau = 3 sigma by default: a coefficient of pure noise exceeds it with probability 0.27%, so
almost all the noise goes while any pattern clearly stronger than the noise stays.
'universal' is Donoho and Johnstone's sigma * sqrt(2 ln n) for n = p^2 coefficients: the
largest of n noise coefficients stays below it with high probability.

Each pixel lies in up to p^2 patch estimates; the output averages them with a weight per patch
(``aggregation``):

    'uniform'    w = 1: the plain mean;
    'sparsity'   w = 1 / ||c_hat||_0, one over the number of coefficients kept (the DC counts,
                 so ||c_hat||_0 >= 1): a patch explained by few coefficients is most likely
                 clean, and a patch that kept many kept noise with them; its say shrinks.

``step = patch_size`` cuts the image into non-overlapping tiles: cheap, but every estimate then
depends on where the tile grid happens to fall (blocking artefacts, and an image shifted by
one pixel is denoised differently); step 1 averages over all the grids.

Memory and speed: the patches of a band of rows are copied out at a time (about 40 MB whatever
the image size) and transformed by one matrix product with the (p^2, p^2) Kronecker matrix
D (x) D; after thresholding, the inverse product is taken in the transposed order, which lays the
estimates out pixel-major, (p, p, rows, cols), so that ``minidl.sparse.patches.overlap_add``
reads each offset's plane contiguously.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_int, check_number
from .dct import dct_matrix
from .noise import check_image, estimate_noise_sigma, power_of_two_scale
from .patches import extract_patches, overlap_add, patch_positions

__all__ = ["dct_denoise"]

_BAND_VALUES = 5_000_000  # patch values per band: 40 MB of float64


def _threshold(threshold: object, sigma: float, p: int, where: str) -> float:
    if threshold is None:
        return 3.0 * sigma
    if isinstance(threshold, str):
        if threshold != "universal":
            raise ValueError(
                f"{where}: expected threshold None (3 sigma), 'universal' or a number > 0, "
                f"received {threshold!r}"
            )
        return sigma * math.sqrt(2.0 * math.log(p * p)) if p > 1 else 0.0
    return check_number(threshold, "threshold", where, 0, open_low=True)


def dct_denoise(
    z: np.ndarray,
    sigma: float | str,
    patch_size: int = 8,
    step: int = 1,
    threshold: float | str | None = None,
    aggregation: str = "uniform",
) -> np.ndarray:
    """Denoise an image by hard thresholding in the sliding DCT (module docstring).

    Args:
        z: the noisy grey image (H, W), any units (the output has the same).
        sigma: the noise's standard deviation in those units, > 0, or 'auto' to estimate it
            (``estimate_noise_sigma(z)``, the MAD of horizontal differences).
        patch_size: p, the patch side, 1 <= p <= min(H, W) (default 8).
        step: pixels between neighbouring patches (default 1; ``patch_size`` for
            non-overlapping tiles).
        threshold: None for 3 * sigma (default), 'universal' for sigma * sqrt(2 ln p^2), or a
            number > 0 in the image's units.
        aggregation: 'uniform' (default) or 'sparsity' (weights 1 / ||c_hat||_0).

    Returns:
        The denoised image, float64 (H, W), finite everywhere (every pixel lies in a patch,
        borders included); z is not modified.

    Raises:
        ValueError: z is not a 2-D image of finite numbers; sigma not > 0 nor 'auto'; a patch
            size, step, threshold or aggregation out of range.

    Example:
        >>> from minidl.data.images import checkerboard
        >>> from minidl.sparse import add_noise, psnr
        >>> clean = checkerboard(8, 8)
        >>> noisy = add_noise(clean, 20 / 255, rng=0)
        >>> psnr(dct_denoise(noisy, 20 / 255), clean) > psnr(noisy, clean) + 8
        True
    """
    where = "dct_denoise"
    z = check_image(z, "z", where)
    if isinstance(sigma, str):
        if sigma != "auto":
            raise ValueError(f"{where}: expected sigma > 0 or 'auto', received {sigma!r}")
        sigma = estimate_noise_sigma(z)
    else:
        sigma = check_number(sigma, "sigma", where, 0, open_low=True)
    p = check_int(patch_size, "patch_size", where, expected="an int >= 1")
    if not 1 <= p <= min(z.shape):
        raise ValueError(
            f"{where}: expected patch_size between 1 and the image's smaller side "
            f"{min(z.shape)}, received {p}"
        )
    if aggregation not in ("uniform", "sparsity"):
        raise ValueError(
            f"{where}: expected aggregation 'uniform' or 'sparsity', received {aggregation!r}"
        )
    cover = f"an int from 1 to patch_size ({p}), so that the patches cover every pixel"
    step = check_int(step, "step", where, 1, p, expected=cover)
    tau = _threshold(threshold, sigma, p, where)
    # Computed on z / scale (a power of two: exact), so that sums of values near 1e308 stay finite.
    scale = power_of_two_scale(z)
    x, tau = z.astype(np.float64) / scale, tau / scale
    patches = extract_patches(x, p, step)  # a view for regular grids
    H, W = x.shape
    ys, xs = patch_positions(H, p, step), patch_positions(W, p, step)
    D = dct_matrix(p)
    kron = np.kron(D, D)
    total, norm = np.zeros((H, W)), np.zeros((H, W))
    band = max(1, _BAND_VALUES // (len(xs) * p * p))
    for r0 in range(0, len(ys), band):
        rows = patches[r0 : r0 + band]
        n_rows, n_cols = rows.shape[:2]
        c = rows.reshape(-1, p * p) @ kron.T  # (n, p^2): one patch's coefficients per row
        keep = np.abs(c) > tau
        keep[:, 0] = True  # the DC
        c *= keep
        planes = (kron.T @ c.T).reshape(p, p, n_rows, n_cols)  # estimates, pixel-major
        weights = None if aggregation == "uniform" else 1.0 / keep.sum(axis=1)
        overlap_add(
            total,
            norm,
            planes,
            None if weights is None else weights.reshape(n_rows, n_cols),
            ys[r0 : r0 + band],
            xs,
        )
    with np.errstate(over="ignore"):
        estimate = total / norm * scale
    if not np.isfinite(estimate).all():  # an overshoot past max|z| near float64's limit
        raise ValueError(
            f"{where}: the denoised image exceeds float64's range (about 1.8e308) for z of "
            f"magnitude up to {float(np.max(np.abs(z))):.3g}; expected smaller values (rescale z)"
        )
    return estimate
