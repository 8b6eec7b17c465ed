"""Figures with matplotlib: cost curves, mislabeled images, convolution filters and feature maps.

Each function returns a ``matplotlib.figure.Figure`` and never calls ``plt.show()`` itself, so the
same code saves a PNG from the command line and displays in a notebook. ``show(fig)`` displays when
a display exists; with ``MINIDL_GRADER=1`` (autograders) plotting is off altogether.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = [
    "cost_curve",
    "feature_maps",
    "filters",
    "mislabeled_images",
    "plots_disabled",
    "save_png",
    "show",
]


def plots_disabled() -> bool:
    """True under ``MINIDL_GRADER=1``, where figures would only cost time."""
    return os.environ.get("MINIDL_GRADER", "") == "1"


def show(fig) -> None:
    """Display ``fig`` where a display exists (a notebook, a desktop), then let it go.

    On a non-interactive backend such as Agg (a script, a grader) there is nothing to display and
    ``plt.show`` would only warn, so the figure is closed: open figures would pile up otherwise.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend().lower()
    if backend in ("agg", "pdf", "ps", "svg", "cairo", "template"):
        plt.close(fig)
        return
    plt.show()


def cost_curve(costs, learning_rate: float | None = None, every: int = 100):
    """The training cost against iterations (one point every ``every`` iterations)."""
    import matplotlib.pyplot as plt

    costs = np.squeeze(np.asarray(costs, dtype=np.float64))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.atleast_1d(costs))
    ax.set_ylabel("cost")
    ax.set_xlabel(f"iterations (per {'hundreds' if every == 100 else every})")
    if learning_rate is not None:
        ax.set_title(f"Learning rate ={learning_rate}")
    fig.tight_layout()
    return fig


def mislabeled_images(classes, images: np.ndarray, y: np.ndarray, p: np.ndarray, columns: int = 10):
    """Every image where prediction p differs from label y, titled as the course titles them.

    Args:
        classes: class names (bytes or str) indexed by label.
        images: (m, H, W, 3) with values in [0, 1] or [0, 255].
        y, p: labels and predictions, shape (m,).
        columns: images per row (default 10).
    """
    import matplotlib.pyplot as plt

    names = [c.decode("utf-8") if isinstance(c, bytes) else str(c) for c in classes]
    wrong = np.flatnonzero(np.asarray(p) != np.asarray(y))
    n_cols = max(1, min(columns, len(wrong)))
    n_rows = max(1, -(-len(wrong) // n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(2.2 * n_cols, 2.6 * n_rows), squeeze=False)
    scale = 255.0 if images.max() > 1 else 1.0
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong, strict=False):
        ax.imshow(np.clip(images[i] / scale, 0, 1), interpolation="nearest")
        ax.set_title(f"Prediction: {names[int(p[i])]} \n Class: {names[int(y[i])]}", fontsize=8)
    fig.tight_layout()
    return fig


def save_png(fig, path) -> None:
    """Write ``fig`` to ``path`` as a PNG, atomically (see ``minidl.io.atomic_path``)."""
    from .io import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)


def _grid(images: list[np.ndarray], titles: list[str], cmap: str | None, path, columns: int = 8):
    import matplotlib.pyplot as plt

    n_cols = max(1, min(columns, len(images)))
    n_rows = -(-len(images) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(1.6 * n_cols, 1.7 * n_rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles, strict=False):
        ax.imshow(image, cmap=cmap, interpolation="nearest")
        ax.set_title(title, fontsize=7)
    fig.tight_layout()
    if path is not None:
        save_png(fig, path)
    return fig


def _stretch(a: np.ndarray) -> np.ndarray:
    """Map values linearly onto [0, 1] (a constant array becomes 0.5)."""
    lo, hi = float(a.min()), float(a.max())
    return np.full(a.shape, 0.5) if hi == lo else (a - lo) / (hi - lo)


def filters(w: np.ndarray, path=None, columns: int = 8):
    """A grid of a convolution kernel's filters: w (kh, kw, C, F) gives F pictures.

    With C = 3 each filter is drawn in colour (the channels as RGB, stretched together to [0, 1]);
    otherwise each picture is the mean over input channels, in grey. Pass ``path`` to write a PNG.
    """
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(
            f"plot.filters: expected a kernel of shape (kh, kw, C, F), received {w.shape}"
        )
    if w.shape[2] == 3:
        images = [_stretch(w[:, :, :, f]) for f in range(w.shape[3])]
        cmap = None
    else:
        images = [_stretch(w[:, :, :, f].mean(axis=2)) for f in range(w.shape[3])]
        cmap = "gray"
    return _grid(images, [f"filter {f}" for f in range(w.shape[3])], cmap, path, columns)


def feature_maps(a: np.ndarray, path=None, columns: int = 8):
    """A grid of one image's feature maps: a (H, W, C) or (1, H, W, C) gives C grey pictures,
    each stretched to its own range. Pass ``path`` to write a PNG."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 3:
        raise ValueError(
            f"plot.feature_maps: expected one image's maps (H, W, C) or (1, H, W, C), received {np.shape(a)}"
        )
    images = [_stretch(a[:, :, c]) for c in range(a.shape[2])]
    return _grid(images, [f"map {c}" for c in range(a.shape[2])], "gray", path, columns)
