"""The jobs behind ``minidl denoise`` and ``minidl anomaly``.

``minidl denoise``: an image file in, its sliding-DCT denoising out.

1. read the image (any format Pillow reads) as grey, scaled to [0, 1];
2. estimate the noise's sigma from the image (always, and report it); use it, or the
   sigma given in grey levels (0-255);
3. ``dct_denoise`` with the patch size and aggregation asked for;
4. write <name>_denoised.png (8-bit grey), <name>_comparison.png (noisy | denoised, and the
   reference when given) and <name>_denoise.json (the settings, the estimate, the PSNR
   against the reference when given, the seconds taken).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image

from ..data.images import load_grey
from ..data.wafer import generate_wafers
from ..io import atomic_path, write_json
from ..plot import save_png
from .anomaly import AnomalyDetector, roc_curve
from .denoise import dct_denoise
from .noise import estimate_noise_sigma, psnr

__all__ = ["anomaly_job", "denoise_file"]


def _grey(path: Path, where: str) -> np.ndarray:
    return load_grey(path, where=where) / 255.0


def _check_fits(image: np.ndarray, path: Path, patch_size: int, where: str) -> None:
    """Refuse, naming the file, an image too small for the noise estimate (which compares
    horizontal neighbours) or for one patch, before the estimator or ``dct_denoise`` refuse it
    in terms of arrays the user never saw."""
    height, width = image.shape
    if width < 2:
        raise ValueError(
            f"{where}: {path} is {width}x{height} pixels; expected an image at least 2 pixels "
            f"wide to estimate its noise"
        )
    if patch_size > min(height, width):
        raise ValueError(
            f"{where}: --patch {patch_size} does not fit in {path} ({width}x{height} pixels); "
            f"expected patch_size between 1 and the image's smaller side {min(height, width)}"
        )


def denoise_file(
    path: Path,
    out: Path,
    sigma: float | str = "auto",
    patch_size: int = 8,
    aggregation: str = "uniform",
    reference: Path | None = None,
) -> dict:
    """Denoise one image file and write the results into ``out`` (module docstring).

    Args:
        path: the noisy image file.
        out: the output folder (created if needed).
        sigma: 'auto' or the noise's standard deviation in grey levels (0-255), > 0.
        patch_size: the patch side (default 8).
        aggregation: 'uniform' or 'sparsity'.
        reference: the clean image, for the PSNR (same size), or None.

    Returns:
        The report written to <name>_denoise.json.

    Raises:
        FileNotFoundError, ValueError: an unreadable image, a reference of another size, an
            image whose noise cannot be estimated with ``sigma='auto'`` (a flat one: the
            estimate is 0), or settings ``dct_denoise`` refuses. Nothing is written then.
    """
    where = "minidl denoise"
    noisy = _grey(Path(path), where)
    clean = None
    if reference is not None:
        clean = _grey(Path(reference), where)
        if clean.shape != noisy.shape:
            raise ValueError(
                f"{where}: the reference {reference} is {clean.shape[1]}x{clean.shape[0]}, "
                f"the image {noisy.shape[1]}x{noisy.shape[0]}; expected one size"
            )
    _check_fits(noisy, Path(path), patch_size, where)
    estimate = estimate_noise_sigma(noisy)
    if sigma == "auto" and not estimate > 0:
        raise ValueError(
            f"{where}: the noise of {path} cannot be estimated: most neighbouring pixels are "
            f"equal (a flat or noise-free image); give the noise level with --sigma"
        )
    used = estimate if sigma == "auto" else float(sigma) / 255.0
    start = time.perf_counter()
    denoised = dct_denoise(noisy, used, patch_size=patch_size, aggregation=aggregation)
    seconds = time.perf_counter() - start

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(path).stem
    with atomic_path(out / f"{stem}_denoised.png") as tmp:
        pixels = np.clip(np.rint(denoised * 255.0), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(tmp, format="PNG")
    report = {
        "image": str(path),
        "sigma_estimated": 255.0 * estimate,
        "sigma_used": 255.0 * used,
        "patch_size": patch_size,
        "aggregation": aggregation,
        "seconds": round(seconds, 3),
    }
    panels = [("noisy", noisy), ("denoised", denoised)]
    if clean is not None:
        report["reference"] = str(reference)
        report["psnr_noisy_db"] = psnr(noisy, clean)
        report["psnr_denoised_db"] = psnr(denoised, clean)
        panels.append(("reference", clean))
    _comparison(panels, report, out / f"{stem}_comparison.png")
    write_json(out / f"{stem}_denoise.json", report)
    return report


def _comparison(panels, report: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.6))
    for ax, (name, image) in zip(axes, panels, strict=True):
        ax.imshow(image, cmap="gray", vmin=0.0, vmax=1.0)
        ax.axis("off")
        if name == "noisy" and "psnr_noisy_db" in report:
            name += f" ({report['psnr_noisy_db']:.2f} dB)"
        if name == "denoised" and "psnr_denoised_db" in report:
            name += f" ({report['psnr_denoised_db']:.2f} dB)"
        ax.set_title(name)
    fig.suptitle(
        f"sliding DCT, {report['patch_size']}x{report['patch_size']} patches, "
        f"{report['aggregation']} aggregation, sigma {report['sigma_used']:.2f}/255 "
        f"(estimated {report['sigma_estimated']:.2f})"
    )
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def anomaly_job(
    out: Path,
    n_normal: int = 12,
    n_test: int = 6,
    size: int = 200,
    fpr: float = 0.01,
    seed: int = 0,
    verbose: int = 1,
) -> dict:
    """The job behind ``minidl anomaly``: no defect is ever labelled for training.

    1. generate ``n_normal`` defect-free wafers (seed S) and fit an ``AnomalyDetector`` on them;
    2. score ``n_test`` wafers with defects (seed S + 1000) against their true defect masks
       (pixel ROC AUC, the rates at the threshold), and as many new defect-free wafers
       (seed S + 2000) for the false-positive rate on normal wafers alone;
    3. write anomaly_<i>.png (the wafer, its true defects, the score map with the threshold's
       outline) for the first three test wafers, roc.png and metrics.json into ``out``.
    """
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    say = print if verbose else (lambda *a, **k: None)
    shape = (size, size)
    say(f"Fitting on {n_normal} defect-free wafers {size}x{size} (seed {seed}); no labels")
    normal, _ = generate_wafers(n_normal, shape, defect_free_fraction=1.0, seed=seed)
    detector = AnomalyDetector(fpr=fpr, seed=seed).fit(normal, verbose=verbose)
    images, annotations = generate_wafers(n_test, shape, seed=seed + 1000)
    masks = [
        np.any([d["mask"] for d in a], axis=0) if a else np.zeros(shape, bool) for a in annotations
    ]
    maps = [detector.score_map(image) for image in images]
    scores = np.concatenate([m.ravel() for m in maps])
    labels = np.concatenate([m.ravel() for m in masks])
    report = detector.evaluate_maps(maps, masks)
    clean, _ = generate_wafers(n_test, shape, defect_free_fraction=1.0, seed=seed + 2000)
    normal_fpr = detector.evaluate(clean, [np.zeros(shape, bool)] * n_test)["fpr"]
    result = {
        "roc_auc": report["roc_auc"],
        "fpr_requested": fpr,
        "fpr_on_test_wafers": report["fpr"],
        "tpr_on_test_wafers": report["tpr"],
        "fpr_on_defect_free_wafers": normal_fpr,
        "threshold": report["threshold"],
        "normal_wafers": n_normal,
        "test_wafers": n_test,
        "size": size,
        "seed": seed,
        "settings": {
            k: getattr(detector, k) for k in ("patch_size", "n_atoms", "lam", "step", "features")
        },
        "seconds": round(time.perf_counter() - start, 1),
    }
    for i in range(min(3, n_test)):
        fig, axes = plt.subplots(1, 3, figsize=(12, 4.4))
        axes[0].imshow(images[i], cmap="gray", vmin=0, vmax=255)
        axes[0].set_title(f"wafer {i}")
        axes[1].imshow(masks[i], cmap="gray")
        axes[1].set_title("true defects")
        shown = axes[2].imshow(maps[i], cmap="magma", vmax=np.quantile(maps[i], 0.999))
        axes[2].contour(maps[i] > detector.threshold, levels=[0.5], colors="cyan", linewidths=0.8)
        axes[2].set_title("anomaly score (cyan: above the threshold)")
        fig.colorbar(shown, ax=axes[2], fraction=0.046)
        for ax in axes:
            ax.axis("off")
        fig.tight_layout()
        save_png(fig, out / f"anomaly_{i}.png")
        plt.close(fig)
    fp, tp = roc_curve(scores, labels)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(fp, tp, label=f"dictionary anomaly score (AUC {result['roc_auc']:.3f})")
    ax.plot([0, 1], [0, 1], ":", color="grey", label="chance")
    ax.axvline(fpr, color="tab:red", lw=0.8, label=f"requested FPR {fpr:g}")
    ax.set_xlabel("false-positive rate (normal pixels flagged)")
    ax.set_ylabel("true-positive rate (defect pixels flagged)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    save_png(fig, out / "roc.png")
    plt.close(fig)
    write_json(out / "metrics.json", result)
    say(
        f"Pixel ROC AUC {result['roc_auc']:.3f}; at the threshold: TPR {result['tpr_on_test_wafers']:.3f}, "
        f"FPR {result['fpr_on_test_wafers']:.4f} on the test wafers and "
        f"{normal_fpr:.4f} on {n_test} new defect-free wafers (requested {fpr:g})"
    )
    return result
