"""Weight initializers: how the first guess of every weight is drawn.

Each initializer takes the shape and an explicit random generator (``np.random.Generator``, or the
legacy ``np.random.RandomState`` the course's code draws from), so that results never depend on
hidden global state. Fans follow the weight layouts of minidl:

    dense  W (D_in, D_out)           fan_in = D_in            fan_out = D_out
    conv   W (kh, kw, C_in, C_out)   fan_in = kh * kw * C_in  fan_out = kh * kw * C_out

Why the scale matters: a layer with fan_in inputs of unit variance produces outputs of variance
fan_in * Var(W). Keeping that near 1 (or 2 for ReLU, which zeroes half of its input) stops
activations and gradients from vanishing or exploding with depth.

    zeros           0                                   biases
    ones            1                                   BatchNormalization's gamma
    scaled_normal   N(0, 1) * scale (default 0.01)      the course's two-layer network
    normal_fan_in   N(0, 1) / sqrt(fan_in)              the course's L-layer network (Var = 1/fan_in)
    he_normal       N(0, 1) * sqrt(2 / fan_in)          ReLU networks (He et al., 2015)
    glorot_uniform  U(-l, l), l = sqrt(6 / (fan_in + fan_out))   Keras's default for Dense and Conv2D

he_normal draws from the plain normal, as PyTorch's ``kaiming_normal_`` and the course do; Keras
truncates at two standard deviations instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "INITIALIZERS",
    "compute_fans",
    "get_initializer",
    "glorot_uniform",
    "he_normal",
    "normal_fan_in",
    "ones",
    "scaled_normal",
    "zeros",
]

RNG = np.random.Generator | np.random.RandomState


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` for a weight of the given shape (see the module docstring)."""
    shape = tuple(int(s) for s in shape)
    if len(shape) < 1:
        raise ValueError(f"compute_fans: expected a weight shape, received {shape}")
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def _check_rng(rng: object, where: str) -> None:
    if not isinstance(rng, (np.random.Generator, np.random.RandomState)):
        raise TypeError(
            f"{where}: expected rng as np.random.Generator (e.g. np.random.default_rng(0)), "
            f"received {type(rng).__name__}"
        )


def zeros(shape: tuple[int, ...], rng: RNG | None = None) -> np.ndarray:
    """All zeros (float64). ``rng`` is accepted for a uniform signature and ignored."""
    return np.zeros(shape)


def ones(shape: tuple[int, ...], rng: RNG | None = None) -> np.ndarray:
    """All ones (float64): BatchNormalization's initial scale gamma and moving variance."""
    return np.ones(shape)


def scaled_normal(shape: tuple[int, ...], rng: RNG, scale: float = 0.01) -> np.ndarray:
    """``N(0, 1) * scale``: small random weights that break the symmetry between units."""
    _check_rng(rng, "scaled_normal")
    return rng.standard_normal(shape) * scale


def normal_fan_in(shape: tuple[int, ...], rng: RNG, fan_in: int | None = None) -> np.ndarray:
    """``N(0, 1) / sqrt(fan_in)``, so each unit's pre-activation has variance about 1."""
    _check_rng(rng, "normal_fan_in")
    fan_in = compute_fans(shape)[0] if fan_in is None else fan_in
    return rng.standard_normal(shape) / np.sqrt(fan_in)


def he_normal(shape: tuple[int, ...], rng: RNG, fan_in: int | None = None) -> np.ndarray:
    """``N(0, 1) * sqrt(2 / fan_in)``: doubles the variance to make up for ReLU's zeroed half."""
    _check_rng(rng, "he_normal")
    fan_in = compute_fans(shape)[0] if fan_in is None else fan_in
    return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)


def glorot_uniform(shape: tuple[int, ...], rng: RNG) -> np.ndarray:
    """``U(-l, l)`` with ``l = sqrt(6 / (fan_in + fan_out))``: variance 2 / (fan_in + fan_out),
    a compromise between keeping forward activations and backward gradients at unit scale."""
    _check_rng(rng, "glorot_uniform")
    fan_in, fan_out = compute_fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "zeros": zeros,
    "ones": ones,
    "scaled_normal": scaled_normal,
    "normal_fan_in": normal_fan_in,
    "he_normal": he_normal,
    "glorot_uniform": glorot_uniform,
}


def get_initializer(name: str | Callable[..., np.ndarray], where: str = "get_initializer"):
    """Return the initializer named ``name`` (or ``name`` itself if it is already a function)."""
    if callable(name):
        return name
    if name not in INITIALIZERS:
        raise ValueError(
            f"{where}: unknown initializer {name!r}; expected one of {sorted(INITIALIZERS)}"
        )
    return INITIALIZERS[name]
