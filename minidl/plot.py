"""Figures with matplotlib: cost curves, training histories, confusion matrices, mislabeled images,
convolution filters and feature maps.

Each function returns a ``matplotlib.figure.Figure`` and never calls ``plt.show()`` itself, so the
same code saves a PNG from the command line and displays in a notebook. ``show(fig)`` displays when
a display exists; with ``MINIDL_GRADER=1`` (autograders) plotting is off altogether.

matplotlib is imported inside the functions that draw, not at the top: it takes most of a second
to load, and ``import minidl`` (or ``minidl --help``) should not pay that for no figure.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from .io import atomic_path
from .metrics import confusion_counts

__all__ = [
    "close",
    "confusion_matrix",
    "cost_curve",
    "feature_maps",
    "filters",
    "history",
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


def close(fig) -> None:
    """Let pyplot forget ``fig`` once it is saved: open figures pile up in a long run otherwise."""
    import matplotlib.pyplot as plt

    plt.close(fig)


def save_png(fig, path) -> None:
    """Write ``fig`` to ``path`` as a PNG, atomically (see ``minidl.io.atomic_path``)."""
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


# Per-epoch values that describe the optimizer, not the model: they get their own subplot.
_SCHEDULE_KEYS = ("learning_rate", "lr")


def _history_dict(history) -> dict[str, np.ndarray]:
    """The per-epoch lists of a History (its ``.history``) or of a plain dict, as 1-D arrays."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise TypeError(
            f"plot.history: expected a History (with a .history dict) or a dict of per-epoch "
            f"lists, received {type(history).__name__}"
        )
    if not logs:
        raise ValueError("plot.history: the history is empty; expected keys such as 'loss'")
    curves = {}
    for key, values in logs.items():
        arr = np.asarray(values)
        if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iuf":
            raise ValueError(
                f"plot.history: expected {key!r} as a non-empty list of numbers (one per "
                f"epoch), received {values!r}"
            )
        curves[str(key)] = arr.astype(np.float64)
    return curves


def _quantities(keys) -> list[str]:
    """What to plot, one subplot each: the loss first, then each metric in the order met, then
    the learning rate; 'val_accuracy' belongs to 'accuracy'."""
    names: list[str] = []
    for key in keys:
        name = key[len("val_") :] if key.startswith("val_") else key
        if name not in names:
            names.append(name)
    first = [n for n in names if n == "loss"]
    last = [n for n in names if n in _SCHEDULE_KEYS]
    return first + [n for n in names if n not in first and n not in last] + last


def history(history, path=None):
    """Training curves: one subplot per quantity, training solid and validation dashed.

    Args:
        history: what ``fit`` returns (an object whose ``.history`` is a dict) or the dict
            itself, of per-epoch lists: 'loss', metrics such as 'accuracy', their validation
            twins 'val_loss', 'val_accuracy', and possibly 'learning_rate'.
        path: where to write a PNG (atomically); None writes nothing.

    Returns:
        The Figure: the loss first, then each metric, then the learning rate (on a log scale,
        since schedules shrink it by factors), each against the epoch counted from 1. A gap
        between the training and validation curves that widens with the epochs is overfitting.

    Raises:
        TypeError: not a History or a dict.
        ValueError: an empty history, or a value that is not a list of numbers.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    curves = _history_dict(history)
    names = _quantities(curves)
    n_cols = min(3, len(names))
    n_rows = -(-len(names) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(4.5 * n_cols, 3.4 * n_rows), squeeze=False)
    for ax in axes.flat[len(names) :]:
        fig.delaxes(ax)
    for ax, name in zip(axes.flat, names, strict=False):
        schedule = name in _SCHEDULE_KEYS
        for key, label, style in ((name, "training", "-"), (f"val_{name}", "validation", "--")):
            if key in curves:
                values = curves[key]
                # A single epoch is a single point, which a line alone would not show.
                marker = "o" if len(values) == 1 else None
                ax.plot(
                    np.arange(1, len(values) + 1),
                    values,
                    linestyle=style,
                    marker=marker,
                    label=name if schedule else label,
                )
        if schedule and min(float(np.min(line.get_ydata())) for line in ax.lines) > 0:
            ax.set_yscale("log")  # schedules shrink the rate by factors
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
    fig.tight_layout()
    if path is not None:
        save_png(fig, path)
    return fig


def confusion_matrix(y_true, y_pred, class_names=None, path=None, normalize: bool = False):
    """The confusion matrix as a grid: rows the true class, columns the predicted class.

    Each cell shows how many examples of its row's class were predicted as its column's class
    (``minidl.metrics.confusion_counts``); the diagonal holds the right answers. With
    ``normalize``, each row is divided by its total, so a cell is the fraction of that class
    predicted so, and the diagonal is each class's recall (a row without examples stays 0).

    Args:
        y_true: integer labels (N,), or one-hot rows (N, K) (argmax taken).
        y_pred: integer predictions (N,), or scores / probabilities (N, K) (argmax taken).
        class_names: one name (str or bytes) per class, used as tick labels; sets K.
            Default: the class numbers.
        path: where to write a PNG (atomically); None writes nothing.
        normalize: show row fractions instead of counts (default False).

    Returns:
        The Figure; its first axes holds the image of the matrix, with one text per cell.

    Raises:
        ValueError: as ``confusion_counts``, or class_names of the wrong length.
    """
    import matplotlib.pyplot as plt

    names = None
    if class_names is not None:
        names = [c.decode("utf-8") if isinstance(c, bytes) else str(c) for c in class_names]
    counts = confusion_counts(y_true, y_pred, n_classes=None if names is None else len(names))
    k = counts.shape[0]
    if names is None:
        names = [str(i) for i in range(k)]
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        values = np.divide(counts, totals, out=np.zeros((k, k)), where=totals > 0)
        texts = [[f"{v:.2f}" for v in row] for row in values]
    else:
        values = counts
        texts = [[str(v) for v in row] for row in values]

    side = max(3.5, 1.5 + 0.7 * k)
    fig, ax = plt.subplots(figsize=(side + 1.2, side))
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=max(float(values.max()), 1e-12))
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    bar.set_label("fraction of the true class" if normalize else "examples")
    # Dark text on light cells and light text on dark ones, so every number stays readable.
    middle = values.max() / 2
    for i in range(k):
        for j in range(k):
            colour = "white" if values[i, j] > middle else "black"
            ax.text(j, i, texts[i][j], ha="center", va="center", color=colour)
    ax.set_xticks(range(k), labels=names)
    ax.set_yticks(range(k), labels=names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix")
    fig.tight_layout()
    if path is not None:
        save_png(fig, path)
    return fig
