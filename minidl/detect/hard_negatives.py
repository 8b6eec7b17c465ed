"""Hard negatives: the background windows the patch network wrongly calls defects.

A patch set samples the background at a few kinds of places; the fully convolutional pass looks
at every window, including kinds never sampled (the rim half out of the window, a street crossing
off-centre). Windows it wrongly calls defects are added to the background patches and training
goes on: bootstrapping, as in classic detectors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import ndimage

__all__ = ["MINING_WAFERS", "mine_hard_negatives"]

MINING_WAFERS = 40
"""Hard negatives are sought on (at most) this many training wafers."""


def mine_hard_negatives(
    images: np.ndarray,
    annotations: Sequence[Sequence[dict]],
    n: int,
    patch_size: int,
    stride: int,
    class_probabilities: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """The ``n`` defect-free windows of the training wafers with the highest P(defect).

    Clean means no pixel within 2 px of a defect, as for make_patch_dataset's background.
    The first ``MINING_WAFERS`` wafers are searched: 40 wafers hold some 370,000 windows,
    far more than the few hundred sought, and each costs a forward pass.

    Args:
        images: (N, H, W) uint8 training wafers.
        annotations: per wafer, dicts with a 'mask' (bool (H, W)) per defect.
        n: how many windows to return at most.
        patch_size: P, the side of a window.
        stride: the network's total stride S: map cell (i, j) is the window at (i * S, j * S).
        class_probabilities: the fully convolutional pass: a padded float image (H', W') in
            [0, 1] -> its (rows, cols, K) probability map, class 0 the background.

    Returns:
        float32 (m, P, P, 1), m <= n: the windows, most confidently wrong first.
    """
    P, S = patch_size, stride
    pad = P // 4
    scores, windows = [], []
    kept = slice(0, MINING_WAFERS)
    for image, defects in zip(images[kept], annotations[kept], strict=True):
        x = np.pad(image.astype(np.float32) / np.float32(255.0), pad, mode="reflect")
        p_defect = 1.0 - class_probabilities(x)[..., 0]
        near = np.zeros(x.shape, bool)
        for d in defects:
            near[pad:-pad, pad:-pad] |= d["mask"]
        near = ndimage.binary_dilation(near, iterations=2) if near.any() else near
        table = np.pad(np.cumsum(np.cumsum(near, 0), 1), ((1, 0), (1, 0)))
        counts = table[P:, P:] - table[:-P, P:] - table[P:, :-P] + table[:-P, :-P]
        counts = counts[::S, ::S][: p_defect.shape[0], : p_defect.shape[1]]
        i, j = np.nonzero((counts == 0) & (p_defect >= 0.5))
        scores.append(p_defect[i, j])
        windows.extend(x[a * S : a * S + P, b * S : b * S + P] for a, b in zip(i, j, strict=True))
    if not windows:
        return np.zeros((0, P, P, 1), np.float32)
    best = np.argsort(-np.concatenate(scores), kind="stable")[:n]
    return np.stack([windows[k] for k in best])[..., None]
