"""The wafer-inspection job behind ``minidl train wafer``: data, training, a fair comparison.

    1. generate training wafers (seed S), validation wafers (seed S + 2000) and held-out
       wafers (seed S + 1000), so that no wafer is shared, with minidl.data.wafer;
    2. tune the classical detector and train the patch CNN on the training wafers; the CNN's
       patch loss and accuracy on the validation wafers are recorded after every epoch (the
       training curves), and nothing is chosen by them;
    3. judge both on the held-out wafers with the same metrics (minidl.detect.metrics) and time
       their predictions;
    4. print a comparison table and write the model, the metrics and the pictures, and the
       first three held-out wafers as plain PNGs (held_out_<i>.png), to try
       ``minidl detect`` on.

Everything is seeded: the same command gives the same numbers (timings aside).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image

from .. import plot
from ..data.patches import make_patch_dataset
from ..data.wafer import CLASS_NAMES as PATCH_CLASSES
from ..data.wafer import generate_wafers
from ..io import atomic_path, write_json
from ..version import __version__
from . import figures, metrics
from .pipeline import DefectDetectionPipeline

__all__ = ["TABLE_COLUMNS", "train_wafer"]

HELD_OUT_SEED_OFFSET = 1000
VALIDATION_SEED_OFFSET = 2000
VALIDATION_WAFERS = 10
TABLE_COLUMNS = (
    "detector",
    "precision",
    "recall",
    "f1_score",
    "map_50",
    "pws_percent",
    "estimated_loss_usd",
    "ms_per_image",
)
MISS_COSTS = (1_000.0, 5_000.0, 10_000.0, 20_000.0, 50_000.0)
FALSE_ALARM_COSTS = (100.0, 250.0, 500.0, 1_000.0, 2_500.0)


def _say(text: str, verbose: int) -> None:
    if verbose:
        print(text, flush=True)


def train_wafer(
    out: Path,
    n_images: int = 150,
    n_test: int = 20,
    epochs: int | None = None,
    seed: int = 0,
    image_size: tuple[int, int] = (400, 400),
    verbose: int = 2,
    patches_per_class: int | None = None,
) -> dict:
    """Run the whole job; returns the metrics written to ``out / 'metrics.json'``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    _say(
        f"Generating {n_images} training wafers (seed {seed}), {VALIDATION_WAFERS} validation "
        f"wafers (seed {seed + VALIDATION_SEED_OFFSET}) and {n_test} held-out wafers "
        f"(seed {seed + HELD_OUT_SEED_OFFSET}), {image_size[0]}x{image_size[1]}",
        verbose,
    )
    train_images, train_ann = generate_wafers(n_images, image_size=image_size, seed=seed)
    test_images, test_ann = generate_wafers(
        n_test, image_size=image_size, seed=seed + HELD_OUT_SEED_OFFSET
    )
    val_images, val_ann = generate_wafers(
        VALIDATION_WAFERS, image_size=image_size, seed=seed + VALIDATION_SEED_OFFSET
    )

    _say(
        "Tuning the classical detector (blur and threshold, by F1 on the training wafers)", verbose
    )
    classical = DefectDetectionPipeline("classical")
    classical.fit(train_images, train_ann, verbose=0)

    _say("Training the patch CNN", verbose)
    cnn_params = {} if patches_per_class is None else {"per_class": patches_per_class}
    cnn = DefectDetectionPipeline("cnn", seed=seed, **cnn_params)
    history = cnn.fit(
        train_images,
        train_ann,
        epochs=epochs,
        verbose=2 if verbose else 0,
        validation_images=val_images,
        validation_annotations=val_ann,
    )

    reports, all_predictions = {}, {}
    for name, pipeline in (("classical", classical), ("cnn", cnn)):
        pipeline.predict(test_images[:1])  # untimed: the CNN builds its network for this size
        start_predict = time.perf_counter()
        all_predictions[name] = pipeline.predict(test_images)
        seconds = time.perf_counter() - start_predict
        reports[name] = metrics.evaluate_detections(all_predictions[name], test_ann)
        reports[name]["ms_per_image"] = 1e3 * seconds / n_test
    rows = [
        {"detector": name, **{k: r[k] for k in TABLE_COLUMNS[1:]}} for name, r in reports.items()
    ]
    formats = {c: ".3f" for c in (*TABLE_COLUMNS[1:4], "map_50")}
    formats.update({"pws_percent": ".1f", "estimated_loss_usd": ",.0f", "ms_per_image": ".1f"})
    table = metrics.format_table(rows, list(TABLE_COLUMNS), formats)
    print(f"\nOn {n_test} held-out wafers (IoU >= 0.5):\n{table}")
    per_class = [
        {
            "detector": name,
            "class": c,
            **{k: r["per_class"][c][k] for k in ("precision", "recall", "f1_score", "ap_50")},
        }
        for name, r in reports.items()
        for c in r["per_class"]
    ]
    print(
        "\nPer class:\n"
        + metrics.format_table(
            per_class,
            ["detector", "class", "precision", "recall", "f1_score", "ap_50"],
            {k: ".3f" for k in ("precision", "recall", "f1_score", "ap_50")},
        )
    )

    # -- files -----------------------------------------------------------------------------------
    cnn.save(out / "wafer_cnn.h5")
    classical.save(out / "wafer_classical.h5")
    written = ["wafer_cnn.h5", "wafer_classical.h5"]
    for i in range(min(3, n_test)):  # plain images to try 'minidl detect' on
        with atomic_path(out / f"held_out_{i}.png") as tmp:
            Image.fromarray(test_images[i]).save(tmp, format="PNG")
        written.append(f"held_out_{i}.png")

    def png(fig, name: str) -> None:
        plot.save_png(fig, out / name)
        plot.close(fig)
        written.append(name)

    png(plot.history(history), "training_curves.png")
    x_test, y_test = make_patch_dataset(test_images, test_ann, per_class=250, seed=seed + 1)
    predicted = cnn.detector.model.predict(x_test, verbose=0).argmax(axis=-1)
    patch_accuracy = float(np.mean(predicted == y_test))
    png(plot.confusion_matrix(y_test, predicted, list(PATCH_CLASSES)), "confusion_matrix.png")
    for i in range(min(3, n_test)):
        for name in ("classical", "cnn"):
            png(
                figures.detections(
                    test_images[i],
                    test_ann[i],
                    all_predictions[name][i],
                    title=f"held-out wafer {i}: {name} detector",
                ),
                f"detections_{name}_{i}.png",
            )
    sensitivity = {
        name: metrics.iou_sensitivity(d, test_ann) for name, d in all_predictions.items()
    }
    png(figures.iou_sensitivity(sensitivity), "iou_sensitivity.png")
    grid = metrics.cost_sensitivity_grid(
        all_predictions["cnn"], test_ann, MISS_COSTS, FALSE_ALARM_COSTS
    )
    png(
        figures.cost_heatmap(
            grid, MISS_COSTS, FALSE_ALARM_COSTS, title="CNN detector: estimated loss (USD)"
        ),
        "cost_heatmap.png",
    )
    kernel = next(layer for layer in cnn.detector.model.layers if "kernel" in layer.params).params[
        "kernel"
    ]
    png(plot.filters(kernel), "filters.png")

    result = {
        "minidl_version": __version__,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "train_wafers": n_images,
        "held_out_wafers": n_test,
        "image_size": list(image_size),
        "patch_accuracy": patch_accuracy,
        "detectors": reports,
        "history": {k: [float(v) for v in vals] for k, vals in history.history.items()},
        "seconds": round(time.perf_counter() - start, 1),
    }
    write_json(out / "metrics.json", _jsonable(result))
    written.append("metrics.json")
    print(f"\nPatch CNN accuracy on held-out patches: {patch_accuracy:.4f}")
    print(f"Wrote to {out}: " + ", ".join(written))
    return result


def _jsonable(value):
    """Plain Python numbers, lists and dicts, so that json can write them (inf becomes null)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value
