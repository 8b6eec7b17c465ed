"""Training batches under the 8 symmetries of the square: quarter turns and mirror images.

A wafer has no preferred side, so a patch turned or mirrored is as plausible as the original
and is exact (no interpolation): the symmetries multiply the patches a network learns from.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["DihedralFlow"]


class DihedralFlow:
    """Training batches, reshuffled every pass, each patch turned by a random multiple of 90
    degrees and mirrored with probability 1/2: the 8 symmetries of the square, under which a
    wafer patch is as plausible as before (exact, no interpolation)."""

    def __init__(self, x, y, batch_size: int, symmetries: bool, rng: np.random.Generator) -> None:
        self.x, self.y, self.batch_size, self.symmetries = x, y, batch_size, symmetries
        self.rng = np.random.default_rng(rng.integers(2**63))

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __iter__(self):
        order = self.rng.permutation(len(self.x))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            xb = self.x[rows].copy()
            if not self.symmetries:
                yield xb, self.y[rows]
                continue
            symmetry = self.rng.integers(8, size=len(rows))
            for s in range(8):
                pick = symmetry == s
                if pick.any():
                    turned = np.rot90(xb[pick], s % 4, axes=(1, 2))
                    xb[pick] = turned[:, :, ::-1] if s >= 4 else turned
            yield xb, self.y[rows]
