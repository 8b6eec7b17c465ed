"""Coding every patch over a dictionary: masked OMP, denoising and inpainting."""

import numpy as np
import pytest

from minidl.data.images import cameraman
from minidl.sparse import add_noise, dct_dictionary, inpaint, masked_omp, omp, psnr, sparse_denoise


@pytest.fixture(scope="module")
def crop():
    return cameraman()[200:296, 200:296]  # 96 x 96: the face and the camera


def test_dct_dictionary_by_its_definition():
    D = dct_dictionary(4, 36)  # q = 6 frequencies of length 4
    assert D.shape == (16, 36)
    np.testing.assert_allclose(np.linalg.norm(D, axis=0), 1.0)
    np.testing.assert_allclose(D[:, 0], 0.25)  # the flat atom
    n, k = np.arange(4), 2
    one = np.cos(np.pi * n * k / 6)
    one -= one.mean()
    one /= np.linalg.norm(one)
    np.testing.assert_allclose(D[:, k * 6 + k], np.outer(one, one).ravel())
    with pytest.raises(ValueError, match=r"expected n_atoms as a square number >= p\^2 = 16"):
        dct_dictionary(4, 12)


def test_masked_omp_with_everything_known_is_omp():
    D = dct_dictionary(4, 36)
    S = np.random.default_rng(0).standard_normal((40, 16))
    got = masked_omp(D, S, np.ones(S.shape, bool), np.full(40, 1.5), 16)
    np.testing.assert_allclose(got, omp(D, S.T, tol=1.5).T, atol=1e-7)


def test_masked_omp_ignores_the_unknown_entries():
    D = dct_dictionary(4, 36)
    rng = np.random.default_rng(1)
    x = np.zeros(36)
    x[[0, 7, 20]] = [1.0, -0.6, 0.4]
    clean = D @ x
    known = rng.random(16) > 0.3
    corrupted = np.where(known, clean, 99.0)[None]
    code = masked_omp(D, corrupted, known[None], np.array([1e-9]), 8)[0]
    np.testing.assert_allclose(D @ code, clean, atol=1e-6)  # the unknown entries, recovered


def test_sparse_denoise_improves_psnr_and_keeps_shape(crop):
    noisy = add_noise(crop, 20 / 255, rng=2)
    before = noisy.copy()
    out = sparse_denoise(noisy, 20 / 255, dct_dictionary(8))
    assert out.shape == crop.shape and np.isfinite(out).all()
    assert psnr(out, crop) > psnr(noisy, crop) + 5.0
    np.testing.assert_array_equal(noisy, before)


def test_inpainting_half_the_pixels(crop):
    rng = np.random.default_rng(3)
    known = rng.random(crop.shape) > 0.5
    damaged = np.where(known, crop, np.nan)
    out = inpaint(damaged, known, dct_dictionary(8), sigma=1 / 255)
    assert np.isfinite(out).all()
    masked = psnr(np.where(known, crop, 0.0), crop)
    filled = psnr(out, crop)
    assert filled > masked + 15.0  # about 9 dB masked, 25 to 30 dB filled
    assert filled > psnr(np.where(known, crop, crop[known].mean()), crop) + 8.0


def test_a_hole_wider_than_the_patches_gets_the_known_mean():
    image = np.full((40, 40), 0.3)
    known = np.ones(image.shape, bool)
    known[5:30, 5:30] = False  # 25 px wide
    out = inpaint(image, known, dct_dictionary(8), sigma=0.01)
    # Rows and columns 12..22: every 8x8 patch holding them starts in 5..22 and lies inside
    # the hole, so nothing is known about them but the rest of the image.
    np.testing.assert_array_equal(out[12:23, 12:23], 0.3)
    # Elsewhere the patches extrapolate from what they know, a corner for some: roughly.
    assert np.abs(out - 0.3).mean() < 0.03 and np.abs(out[known] - 0.3).max() < 1e-6


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda D: inpaint(np.zeros((16, 16)), np.ones((16, 15), bool), D, 0.1),
            r"expected mask as a bool array of z's shape \(16, 16\)",
        ),
        (
            lambda D: inpaint(np.zeros((16, 16)), np.ones((16, 16)), D, 0.1),
            r"expected mask as a bool",
        ),
        (
            lambda D: inpaint(np.full((16, 16), np.nan), np.ones((16, 16), bool), D, 0.1),
            r"z \(at its known pixels\) holds NaN",
        ),
        (lambda D: inpaint(np.zeros(16), np.ones(16, bool), D, 0.1), r"expected z as a 2-D"),
        (lambda D: sparse_denoise(np.zeros((16, 16)), 0.0, D), r"expected sigma as a number > 0"),
        (lambda D: sparse_denoise(np.zeros((16, 16)), 0.1, D[:10]), r"p\*p rows\), received 10"),
        (lambda D: sparse_denoise(np.zeros((16, 16)), 0.1, D[:, :0]), r"a dictionary with atoms"),
        (lambda D: sparse_denoise(np.zeros((6, 16)), 0.1, D), r"8x8 patches do not fit"),
        (
            lambda D: sparse_denoise(np.zeros((16, 16)), 0.1, D, step=9),
            r"step as an int from 1 to 8",
        ),
        (lambda D: sparse_denoise(np.zeros((16, 16)), 0.1, D, n_nonzero=0), r"n_nonzero as an int"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call(dct_dictionary(8))
