"""The job behind ``minidl denoise``: an image file in, its sliding-DCT denoising out.

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

from ..data.images import load_rgb
from ..io import atomic_path, write_json
from .denoise import dct_denoise
from .noise import estimate_noise_sigma, psnr

__all__ = ["denoise_file"]


def _grey(path: Path, where: str) -> np.ndarray:
    rgb = load_rgb(path, where=where)
    return rgb @ np.array([0.299, 0.587, 0.114]) / 255.0


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
        FileNotFoundError, ValueError: an unreadable image, a reference of another size, or
            settings ``dct_denoise`` refuses.
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
    estimate = estimate_noise_sigma(noisy)
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

    from ..plot import save_png

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
