"""Figures of wafer inspection: detections against the truth, IoU sensitivity, a cost heat map.

Like ``minidl.plot``'s, each function returns a matplotlib Figure, writes a PNG atomically when
given a path, and never calls ``plt.show``. They live beside the detectors, not in plot.py,
because they speak the detectors' language (boxes, classes, costs). As there, matplotlib is
imported where a figure is drawn, so that importing the detectors does not load it.
"""

from __future__ import annotations

import numpy as np

from ..plot import save_png

__all__ = ["CLASS_COLOURS", "cost_heatmap", "detections", "iou_sensitivity"]

CLASS_COLOURS = {"scratch": "tab:red", "particle": "tab:green", "crack": "tab:cyan"}


def _box(ax, bbox, colour: str, dashed: bool, label: str | None) -> None:
    import matplotlib.patches as mpatches

    x1, y1, x2, y2 = bbox
    # half-open pixel boxes: pixel centres sit at integers, so the edges are at -0.5
    ax.add_patch(
        mpatches.Rectangle(
            (x1 - 0.5, y1 - 0.5),
            x2 - x1,
            y2 - y1,
            fill=False,
            edgecolor=colour,
            linewidth=1.2,
            linestyle="--" if dashed else "-",
        )
    )
    if label:
        ax.text(x1 - 0.5, y1 - 2, label, color=colour, fontsize=7, va="bottom")


def detections(image: np.ndarray, ground_truth, predictions, path=None, title: str | None = None):
    """Two panels of one wafer: the truth (dashed boxes) and the detections (solid, with scores),
    one colour per class. With ``ground_truth`` None (an image whose defects nobody marked) the
    left panel shows the plain image, titled 'image'."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 5.4))
    for ax, items, name in (
        (axes[0], ground_truth or [], "image" if ground_truth is None else "ground truth"),
        (axes[1], predictions, "detections"),
    ):
        ax.imshow(image, cmap="gray", vmin=0, vmax=255)
        ax.set_title(name)
        ax.axis("off")
        for item in items:
            colour = CLASS_COLOURS.get(item["class"], "tab:orange")
            score = item.get("score")
            label = item["class"] if score is None else f"{item['class']} {score:.2f}"
            _box(ax, item["bbox"], colour, dashed=score is None, label=label)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        save_png(fig, path)
    return fig


def iou_sensitivity(rows_by_detector: dict, path=None):
    """Precision, recall and F1 against the IoU threshold, one line style per detector.

    Args:
        rows_by_detector: {name: rows of ``metrics.iou_sensitivity``}.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    styles = ["-", "--", ":", "-."]
    for (name, rows), style in zip(rows_by_detector.items(), styles, strict=False):
        t = [r["threshold"] for r in rows]
        for key, colour in (
            ("precision", "tab:blue"),
            ("recall", "tab:orange"),
            ("f1_score", "tab:green"),
        ):
            ax.plot(t, [r[key] for r in rows], style, color=colour, label=f"{name} {key}")
    ax.set_xlabel("IoU threshold for a match")
    ax.set_ylabel("score")
    ax.set_ylim(0, 1.02)
    ax.set_title("how strict the box overlap must be")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    if path is not None:
        save_png(fig, path)
    return fig


def cost_heatmap(
    grid: np.ndarray, miss_costs, false_alarm_costs, path=None, title: str = "estimated loss (USD)"
):
    """The estimated loss for every pair of costs (``metrics.cost_sensitivity_grid``)."""
    import matplotlib.pyplot as plt

    grid = np.asarray(grid, dtype=float)
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    image = ax.imshow(grid, cmap="Reds", origin="lower", aspect="auto")
    fig.colorbar(image, ax=ax, label="USD")
    ax.set_xticks(
        range(len(false_alarm_costs)), labels=[f"{c:,.0f}" for c in false_alarm_costs], rotation=45
    )
    ax.set_yticks(range(len(miss_costs)), labels=[f"{c:,.0f}" for c in miss_costs])
    ax.set_xlabel("cost of a false alarm (USD)")
    ax.set_ylabel("cost of a missed defect (USD)")
    middle = grid.max() / 2 if grid.size else 0
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            ax.text(
                j,
                i,
                f"{grid[i, j]:,.0f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if grid[i, j] > middle else "black",
            )
    ax.set_title(title)
    fig.tight_layout()
    if path is not None:
        save_png(fig, path)
    return fig
