"""The CNN detector's patch classifier: a small network of 'valid' convolutions and poolings.

Built so that it can be recast to run over a whole wafer (minidl.detect.fully_convolutional):
no padding anywhere, a patch size that every layer reads exactly, and a head that is itself a
convolution.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import layers as L
from ..data.wafer import CLASS_NAMES
from ..models import Sequential

__all__ = ["patch_network"]


def _block(filters: int, rng: np.random.Generator) -> list[L.Layer]:
    """A 3x3 convolution without bias, batch normalization (whose beta is the bias), ReLU."""
    return [
        L.Conv2D(
            filters,
            3,
            use_bias=False,
            kernel_initializer="he_normal",
            seed=rng,
            dtype="float32",
        ),
        L.BatchNormalization(momentum=0.9, dtype="float32"),
        L.ReLU(),
    ]


def patch_network(patch_size: int, filters: Sequence[int], rng: np.random.Generator) -> Sequential:
    """The patch classifier: (P, P, 1) in [0, 1] -> 4 class probabilities, convolutions only.

        BatchNormalization        the input standardised (wafers differ in brightness)
        Conv2D(16, 3) BN relu x2  edges and thin lines           32 -> 30 -> 28
        MaxPooling2D(2)                                          -> 14
        Conv2D(32, 3) BN relu                                    -> 12
        MaxPooling2D(2)                                          -> 6
        Conv2D(64, 3) BN relu                                    -> 4
        Dropout(0.3)
        Conv2D(4, 4) softmax      the head: a Dense over the 4x4x64 map, as a convolution
        Flatten                   (N, 1, 1, 4) -> (N, 4)

    Each convolution is followed by batch normalization (so it has no bias of its own; the
    normalization's beta shifts instead) and then ReLU. At inference batch normalization is
    a fixed per-channel scale and shift, which the recast folds into the convolution.
    Every layer is 'valid' (no padding) and float32, so the network runs on a whole wafer
    (``fully_convolutional``) with total stride 4.

    Args:
        patch_size: P, a multiple of 4, at least 20 (the map a patch leaves is P / 4 - 4 wide).
        filters: the channels of the four convolutions, e.g. (16, 16, 32, 64).
        rng: draws the initial weights and the dropout masks, in the order of the layers.

    Returns:
        The built, uncompiled Sequential, named 'patch_cnn'.
    """
    P = patch_size
    f1, f2, f3, f4 = filters
    body = [
        L.BatchNormalization(momentum=0.9, dtype="float32"),
        *_block(f1, rng),
        *_block(f2, rng),
        L.MaxPooling2D(2),
        *_block(f3, rng),
        L.MaxPooling2D(2),
        *_block(f4, rng),
        L.Dropout(0.3, seed=rng),
    ]
    h = P // 4 - 4  # the map a patch leaves: 4 for P = 32
    head = L.Conv2D(len(CLASS_NAMES), h, activation="softmax", seed=rng, dtype="float32")
    return Sequential([L.Input(shape=(P, P, 1)), *body, head, L.Flatten()], name="patch_cnn")
