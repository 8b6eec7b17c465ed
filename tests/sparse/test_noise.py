"""Noise: the sigma estimate on the test images, seeded noise, PSNR by hand."""

import math

import numpy as np
import pytest

from minidl.data.images import cameraman, checkerboard
from minidl.sparse import add_noise, estimate_noise_sigma, psnr


@pytest.mark.parametrize("sigma", [5, 10, 20, 30, 50])
def test_sigma_estimate_on_flat_and_checkerboard_images(sigma):
    # Pure noise on a flat image: the MAD of differences is sqrt(2) * 0.67449 * sigma.
    flat = add_noise(np.full((256, 256), 0.5), sigma / 255, rng=sigma, clip=False)
    assert estimate_noise_sigma(flat) == pytest.approx(sigma / 255, rel=0.03)
    assert estimate_noise_sigma(flat, method="std") == pytest.approx(sigma / 255, rel=0.02)
    # The checkerboard's edges are 7 of every 255 differences: the MAD barely moves (+3%),
    # while the standard deviation is inflated by them.
    board = add_noise(checkerboard(), sigma / 255, rng=sigma, clip=False)
    assert estimate_noise_sigma(board) == pytest.approx(sigma / 255, rel=0.05)
    assert estimate_noise_sigma(board, method="std") > 1.05 * sigma / 255


@pytest.mark.parametrize(("sigma", "rel"), [(20, 0.10), (30, 0.06), (50, 0.04)])
def test_sigma_estimate_on_the_cameraman(sigma, rel):
    # The photograph's own texture (grass, coat) adds to the differences: the estimate leans
    # high, by less as the noise dominates (+8% at sigma 20/255, +2% at 50/255).
    clean = cameraman()
    z = add_noise(clean, sigma / 255, rng=0, clip=False)
    estimate = estimate_noise_sigma(z)
    assert sigma / 255 <= estimate <= (1 + rel) * sigma / 255
    assert abs(estimate_noise_sigma(z, "std") - sigma / 255) > abs(estimate - sigma / 255)


def test_add_noise_is_seeded_clipped_and_leaves_its_input_alone():
    clean = checkerboard(4, 16, 0.0, 1.0)
    before = clean.copy()
    a, b = add_noise(clean, 0.1, rng=3), add_noise(clean, 0.1, rng=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, add_noise(clean, 0.1, rng=4))
    assert a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(clean, before)
    unclipped = add_noise(np.full((200, 200), 0.5), 0.1, rng=5, clip=False)
    assert unclipped.std() == pytest.approx(0.1, rel=0.02)


def test_psnr_by_hand():
    reference = np.zeros((4, 5))
    assert psnr(reference + 0.1, reference) == pytest.approx(20.0)  # MSE 0.01
    assert psnr(reference + 25.5, reference, peak=255) == pytest.approx(20.0)
    half = reference.copy()
    half[:2] = 0.2  # MSE = 0.5 * 0.04
    assert psnr(half, reference) == pytest.approx(10 * math.log10(1 / 0.02))
    assert psnr(reference, reference) == math.inf


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: estimate_noise_sigma(np.zeros((4, 4, 3))), r"expected z as a 2-D grey image"),
        (lambda: estimate_noise_sigma(np.zeros((4, 1))), r"at least 2 pixels wide"),
        (lambda: estimate_noise_sigma(np.full((4, 4), np.nan)), r"z holds NaN"),
        (lambda: estimate_noise_sigma(np.zeros((4, 4)), "max"), r"method 'mad' or 'std'"),
        (lambda: add_noise(np.zeros((4, 4)), 0.0), r"expected sigma as a number > 0"),
        (lambda: add_noise(np.zeros((4, 4)), -1), r"expected sigma as a number > 0"),
        (lambda: psnr(np.zeros((4, 4)), np.zeros((4, 5))), r"expected images of one shape"),
        (lambda: psnr(np.zeros((4, 4)), np.zeros((4, 4)), peak=0), r"expected peak as a number"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
