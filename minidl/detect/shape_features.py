"""The shape of an object's footprint: the numbers the classical detector's rules read.

From the footprint's pixel coordinates: length and width ``sqrt(12 * eigenvalue)`` of their
covariance matrix (exact for a uniform bar: a bar of length L has variance L^2 / 12 along it);
elongation = length / width; jaggedness, the RMS distance of the pixels from a parabola fitted
along the major axis. Jaggedness stands in for branching: forks and kinks pull pixels off any
smooth curve, while a smooth line of width w strays only about w / sqrt(12) < 1 px.
"""

from __future__ import annotations

import numpy as np

__all__ = ["shape_features"]


def shape_features(ys: np.ndarray, xs: np.ndarray) -> dict[str, float]:
    """Length, width, elongation and jaggedness of a set of pixel coordinates (module docstring)."""
    coords = np.stack([ys, xs], 1).astype(np.float64)
    centred = coords - coords.mean(0)
    cov = centred.T @ centred / len(coords) + np.eye(2) / 12  # + 1/12: a pixel's own extent
    evals, evecs = np.linalg.eigh(cov)  # ascending: evecs[:, 1] is the major axis
    length, width = np.sqrt(12 * evals[::-1])
    across, along = (centred @ evecs).T
    jaggedness = 0.0
    if len(coords) >= 6:
        A = np.stack([np.ones_like(along), along, along**2], 1)
        coef, *_ = np.linalg.lstsq(A, across, rcond=None)
        jaggedness = float(np.sqrt(np.mean((across - A @ coef) ** 2)))
    return {
        "length": float(length),
        "width": float(width),
        "elongation": float(length / width),
        "jaggedness": jaggedness,
    }
