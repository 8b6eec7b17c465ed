"""Patch extraction and overlap-add against explicit loops."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl.sparse import aggregate_patches, extract_patches, patch_positions


def loop_positions(n, p, step):
    out = list(range(0, n - p + 1, step))
    if out[-1] != n - p:
        out.append(n - p)
    return out


@given(st.integers(1, 30), st.integers(1, 30), st.data())
def test_patch_positions_cover_every_pixel_when_step_is_at_most_the_patch(n, p, data):
    p = min(p, n)
    step = data.draw(st.integers(1, p))
    positions = patch_positions(n, p, step)
    assert list(positions) == loop_positions(n, p, step)
    covered = np.zeros(n, bool)
    for t in positions:
        covered[t : t + p] = True
    assert covered.all()


@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 5), st.integers(1, 6))
def test_extract_patches_equals_a_loop(H, W, p, step):
    p = min(p, H, W)
    image = np.random.default_rng(H * 100 + W).random((H, W))
    patches = extract_patches(image, p, step)
    ys, xs = loop_positions(H, p, step), loop_positions(W, p, step)
    assert patches.shape == (len(ys), len(xs), p, p)
    for i, top in enumerate(ys):
        for j, left in enumerate(xs):
            np.testing.assert_array_equal(patches[i, j], image[top : top + p, left : left + p])


def test_extract_patches_is_a_view_when_the_grid_is_regular():
    image = np.arange(100.0).reshape(10, 10)
    patches = extract_patches(image, 4, 3)  # 10 - 4 = 6, a multiple of 3
    assert np.shares_memory(patches, image) and not patches.flags.writeable
    assert not np.shares_memory(extract_patches(image, 4, 4), image)  # 0, 4 and the extra 6


@given(st.integers(2, 12), st.integers(2, 12), st.integers(1, 5), st.integers(1, 6), st.booleans())
def test_aggregate_patches_equals_a_loop(H, W, p, step, weighted):
    p = min(p, H, W)
    step = min(step, p)  # a larger step leaves pixels in no patch
    rng = np.random.default_rng(H * 13 + W)
    ys, xs = loop_positions(H, p, step), loop_positions(W, p, step)
    patches = rng.random((len(ys), len(xs), p, p))
    weights = rng.uniform(0.1, 2.0, (len(ys), len(xs))) if weighted else None
    total, norm = np.zeros((H, W)), np.zeros((H, W))
    for i, top in enumerate(ys):
        for j, left in enumerate(xs):
            w = 1.0 if weights is None else weights[i, j]
            total[top : top + p, left : left + p] += w * patches[i, j]
            norm[top : top + p, left : left + p] += w
    got = aggregate_patches(patches, (H, W), step, weights)
    np.testing.assert_allclose(got, total / norm, rtol=1e-12)


@given(st.integers(3, 14), st.integers(3, 14), st.integers(1, 4), st.integers(1, 5))
def test_extract_then_aggregate_gives_the_image_back(H, W, p, step):
    image = np.random.default_rng(7).random((H, W))
    p = min(p, H, W)
    step = min(step, p)
    np.testing.assert_allclose(
        aggregate_patches(extract_patches(image, p, step), (H, W), step), image, rtol=1e-12
    )


def test_bad_arguments():
    image = np.zeros((6, 8))
    with pytest.raises(ValueError, match=r"extract_patches: expected patch_size between 1 and"):
        extract_patches(image, 7)
    with pytest.raises(ValueError, match=r"extract_patches: expected step as an int >= 1"):
        extract_patches(image, 3, 0)
    with pytest.raises(ValueError, match=r"extract_patches: expected a 2-D image \(H, W\)"):
        extract_patches(np.zeros((6, 8, 3)), 3)
    patches = extract_patches(image, 3)
    with pytest.raises(ValueError, match=r"expected 4 x 6 patches for a 6x8 image at step 1"):
        aggregate_patches(patches[:-1], (6, 8))
    with pytest.raises(ValueError, match=r"expected weights \(rows, cols\)"):
        aggregate_patches(patches, (6, 8), weights=-np.ones((4, 6)))
    with pytest.raises(ValueError, match=r"some pixels lie in no patch of positive weight"):
        aggregate_patches(patches, (6, 8), weights=np.zeros((4, 6)))
    with pytest.raises(ValueError, match=r"some pixels lie in no patch of positive weight"):
        aggregate_patches(extract_patches(image, 2, 3), (6, 8), step=3)  # gaps between patches
