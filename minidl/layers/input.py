"""Input: declares the shape of a model's examples, so that the model is built (and its summary
known) before it sees any data. Like Keras's ``Input``, it holds no weights and does nothing to
the data; ``Sequential`` takes it as its first element and does not list it among its layers.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Input"]


class Input:
    """The shape of one example, without the batch size: ``Input(shape=(64, 64, 3))``.

    Args:
        shape: a tuple of positive ints (an entry may be None for images of any size).
        name: optional name (default 'input_layer').
    """

    def __init__(self, shape: tuple, name: str | None = None) -> None:
        if (
            not isinstance(shape, (tuple, list))
            or not shape
            or not all(
                d is None
                or (isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0)
                for d in shape
            )
        ):
            raise ValueError(
                f"Input: expected shape as a tuple of positive ints without the batch size, e.g. "
                f"(64, 64, 3), received {shape!r}"
            )
        self.shape = (None, *(None if d is None else int(d) for d in shape))
        self.name = name or "input_layer"

    def __repr__(self) -> str:
        return f"<Input shape={self.shape}>"
