"""Where minidl's randomness comes from.

Every random operation takes an explicit ``np.random.Generator``. When none is given, minidl
derives a fresh one from a package-wide root generator; ``minidl.seed(s)`` resets that root, so one
call at the top of a notebook makes everything after it reproducible without touching NumPy's
global state (which ``minidl.course`` alone uses, because the course does).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int

__all__ = ["as_generator", "seed"]

_root = np.random.default_rng()


def seed(s: int) -> None:
    """Make every later default generator reproducible: ``minidl.seed(0)``."""
    global _root
    s = check_int(s, "the seed", "minidl.seed", 0, expected="a non-negative integer")
    _root = np.random.default_rng(s)


def as_generator(
    rng: np.random.Generator | int | None, where: str = "as_generator"
) -> np.random.Generator:
    """Return ``rng`` itself, a generator seeded with the given int, or one derived from the root."""
    if rng is None:
        return np.random.default_rng(_root.integers(0, 2**63))
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{where}: expected a seed (non-negative int), an np.random.Generator or None, "
        f"received {rng!r}"
    )
