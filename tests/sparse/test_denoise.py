"""Sliding-DCT denoising: against a direct loop, and the lecture's lessons as assertions."""

import math

import numpy as np
import pytest
import scipy.fft

from minidl.data.images import cameraman, checkerboard
from minidl.sparse import add_noise, dct_denoise, estimate_noise_sigma, psnr

SIGMA = 20 / 255


def loop_denoise(z, sigma, p, step, tau, aggregation):
    """The algorithm written out: every patch on its own, scipy's DCT, explicit sums."""
    H, W = z.shape
    ys = list(range(0, H - p + 1, step))
    xs = list(range(0, W - p + 1, step))
    ys += [H - p] if ys[-1] != H - p else []
    xs += [W - p] if xs[-1] != W - p else []
    total, norm = np.zeros((H, W)), np.zeros((H, W))
    for top in ys:
        for left in xs:
            c = scipy.fft.dctn(z[top : top + p, left : left + p], norm="ortho")
            keep = np.abs(c) > tau
            keep[0, 0] = True
            estimate = scipy.fft.idctn(c * keep, norm="ortho")
            w = 1.0 if aggregation == "uniform" else 1.0 / keep.sum()
            total[top : top + p, left : left + p] += w * estimate
            norm[top : top + p, left : left + p] += w
    return total / norm


@pytest.mark.parametrize("aggregation", ["uniform", "sparsity"])
@pytest.mark.parametrize(
    ("shape", "p", "step"), [((20, 23), 4, 1), ((21, 18), 5, 3), ((16, 16), 8, 8)]
)
def test_dct_denoise_equals_a_direct_loop(aggregation, shape, p, step):
    clean = checkerboard(4, 8)[: shape[0], : shape[1]]
    z = add_noise(clean, 0.1, rng=1, clip=False)
    got = dct_denoise(z, 0.1, patch_size=p, step=step, aggregation=aggregation)
    expected = loop_denoise(z, 0.1, p, step, 0.3, aggregation)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_thresholds_by_name_and_by_value():
    z = add_noise(checkerboard(2, 12), 0.1, rng=2, clip=False)
    universal = 0.1 * math.sqrt(2 * math.log(36))
    np.testing.assert_allclose(
        dct_denoise(z, 0.1, patch_size=6, threshold="universal"),
        loop_denoise(z, 0.1, 6, 1, universal, "uniform"),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        dct_denoise(z, 0.1, patch_size=6, threshold=0.05),
        loop_denoise(z, 0.1, 6, 1, 0.05, "uniform"),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        dct_denoise(z, "auto", patch_size=6),
        dct_denoise(z, estimate_noise_sigma(z), patch_size=6),
    )


def test_output_is_finite_everywhere_and_the_input_untouched():
    z = add_noise(checkerboard(3, 7), SIGMA, rng=3)  # 21 x 21: 8x8 tiles do not divide it
    before = z.copy()
    for step in (1, 3, 8):
        out = dct_denoise(z, SIGMA, step=step)
        assert out.shape == z.shape and np.isfinite(out).all()
    np.testing.assert_array_equal(z, before)


def test_a_clean_flat_image_comes_back_unchanged():
    flat = np.full((24, 24), 0.4)
    np.testing.assert_allclose(dct_denoise(flat, 0.05), flat, atol=1e-14)


# --------------------------------------------------------------------------- the lecture's lessons


def test_tiles_suffer_from_a_one_pixel_shift_and_sliding_wins_it_back():
    # 32-px squares: 8x8 tiles that start on the squares' edges never hold an edge, and their
    # DC alone is the answer; moved by one pixel, every tile along an edge holds one, and
    # thresholding its many coefficients leaves ringing. Sliding patches average over all
    # grid positions, so where the grid falls no longer matters.
    board = checkerboard(8, 32)
    noisy = add_noise(board, SIGMA, rng=4)
    shifted_board = np.roll(board, 1, axis=(0, 1))
    shifted = np.roll(noisy, 1, axis=(0, 1))
    tiles = psnr(dct_denoise(noisy, SIGMA, step=8), board)
    tiles_shifted = psnr(dct_denoise(shifted, SIGMA, step=8), shifted_board)
    sliding_shifted = psnr(dct_denoise(shifted, SIGMA), shifted_board)
    assert tiles - tiles_shifted > 3.0  # several dB lost to the shift
    assert sliding_shifted > tiles_shifted + 3.0  # and won back


@pytest.fixture(scope="module")
def noisy_cameraman():
    clean = cameraman()
    return clean, add_noise(clean, SIGMA, rng=0)


def test_sliding_beats_tiles_on_a_natural_image(noisy_cameraman):
    clean, noisy = noisy_cameraman
    sliding = psnr(dct_denoise(noisy, SIGMA), clean)
    tiles = psnr(dct_denoise(noisy, SIGMA, step=8), clean)
    assert sliding > tiles + 1.5
    assert sliding > psnr(noisy, clean) + 6.0


def test_three_sigma_beats_much_smaller_and_much_larger_thresholds(noisy_cameraman):
    clean, noisy = noisy_cameraman
    crop = (slice(128, 384), slice(128, 384))  # a quarter of the work, the same lesson
    clean, noisy = clean[crop], noisy[crop]
    at = {k: psnr(dct_denoise(noisy, SIGMA, threshold=k * SIGMA), clean) for k in (1, 3, 8)}
    assert at[3] > at[1] + 1.0  # too small: noise kept
    assert at[3] > at[8] + 1.0  # too large: detail removed


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"z": np.zeros((8, 8, 3))}, r"expected z as a 2-D grey image"),
        ({"z": np.full((8, 8), np.nan)}, r"z holds NaN"),
        ({"sigma": 0.0}, r"expected sigma as a number > 0"),
        ({"sigma": "estimate"}, r"expected sigma > 0 or 'auto'"),
        ({"patch_size": 9}, r"patch_size between 1 and the image's smaller side 8"),
        ({"patch_size": 0}, r"patch_size between 1"),
        ({"step": 5, "patch_size": 4}, r"expected step as an int from 1 to patch_size \(4\)"),
        ({"threshold": "big"}, r"expected threshold None \(3 sigma\), 'universal'"),
        ({"threshold": -1.0}, r"expected threshold as a number > 0"),
        ({"aggregation": "mean"}, r"expected aggregation 'uniform' or 'sparsity'"),
    ],
)
def test_bad_input(kwargs, match):
    arguments = {"z": np.zeros((8, 8)), "sigma": 0.1, **kwargs}
    with pytest.raises(ValueError, match=match):
        dct_denoise(**arguments)
