"""How good and how fast are minidl's sliding-DCT denoiser and its OMP, against C++ and scikit-learn?

What is measured
    1. Denoising the 512 x 512 cameraman (``minidl.data.images.cameraman``, scikit-image's copy)
       with white Gaussian noise of sigma = 20/255 (``add_noise(clean, 20/255, rng=seed)``,
       clipped to [0, 1]), 8 x 8 patches, every patch (step 1), threshold 3 sigma:
         minidl   ``dct_denoise(noisy, sigma)``, float64;
         OpenCV   ``cv2.xphoto.dctDenoising(noisy as float32, dst, sigma, 8)``, the same
                  algorithm in C++ (opencv-contrib-python-headless).
       For each: the median time of R runs (--repeats, default 5), the PSNR against the clean
       image, and how many output pixels are NaN. OpenCV leaves its last row and column NaN, so
       both are also scored on the pixels OpenCV does produce (all but the last row and column).
       Targets: minidl's PSNR >= OpenCV's on the same noisy image, with no NaN, and its time
       <= 1.0x OpenCV's.

       Then the lecture's PSNR table, minidl alone: uniform against sparsity-aware aggregation,
       sliding patches (step 1) against non-overlapping tiles (step 8), and sigma known against
       sigma estimated from the noisy image (``sigma='auto'``, the MAD of horizontal
       differences; the estimate is printed).

    2. Sparse coding 10,000 signals of 64 samples over a dictionary of 256 unit-norm random atoms
       (Gaussian, seeded) at sparsity 8:
         minidl         ``omp(D, Y, n_nonzero=8)``;
         scikit-learn   ``sklearn.linear_model.orthogonal_mp(D, Y, n_nonzero_coefs=8)``.
       Median time of R runs, the ratio, and the share of signals whose supports agree, with the
       largest coefficient difference. Target: minidl >= 5x faster with the same supports.

    3. Classifying wafer defect patches (``make_patch_dataset``, 32 x 32: background, scratch,
       particle, crack) by sparse representation: ``SRCClassifier`` (OMP, 10 atoms, 2 x 2
       downsampling) with 1,500 patches per class of 150 training wafers (seed S) as its
       dictionary, tested on 500 patches per class of 20 held-out wafers (seed S + 1000), the
       same patches ``minidl train wafer`` holds out. With --cnn PATH (a pipeline saved by
       ``minidl train wafer``) the patch CNN is scored on the same test patches.

Reading the figures
    Nothing is asserted. Timings depend on the machine and on whatever else it runs; both sides
    of each comparison run in this process, one after the other, on the same inputs.
    OpenCV and scikit-learn belong in the benchmark's environment only (they are not minidl's
    dependencies); without them their rows are skipped with a note.

How to run
    pip install opencv-contrib-python-headless scikit-learn    # for the comparisons
    python benchmarks/bench_sparse.py
    python benchmarks/bench_sparse.py --repeats 9 --seed 1
    python benchmarks/bench_sparse.py --cnn runs/wafer-<time>/wafer_cnn.h5
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from minidl import __version__
from minidl.data.images import cameraman
from minidl.data.patches import make_patch_dataset
from minidl.data.wafer import CLASS_NAMES, generate_wafers
from minidl.sparse import SRCClassifier, add_noise, dct_denoise, estimate_noise_sigma, omp, psnr

SIGMA = 20 / 255


def median_seconds(run, repeats: int) -> tuple[float, object]:
    result, times = None, []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def denoising(repeats: int, seed: int) -> None:
    clean = cameraman()
    noisy = add_noise(clean, SIGMA, rng=seed)
    print(f"\n1. Denoising the cameraman {clean.shape[0]}x{clean.shape[1]}, sigma = 20/255, 8x8")
    print(f"   patches, step 1, threshold 3 sigma; median of {repeats} runs")
    print(f"   noisy image: PSNR {psnr(noisy, clean):.2f} dB")
    seconds, ours = median_seconds(lambda: dct_denoise(noisy, SIGMA), repeats)
    crop = (slice(0, -1), slice(0, -1))
    rows = [("minidl dct_denoise", seconds, ours)]
    try:
        import cv2

        src = noisy.astype(np.float32)

        def opencv():
            dst = np.zeros_like(src)
            cv2.xphoto.dctDenoising(src, dst, SIGMA, 8)
            return dst

        cv_seconds, theirs = median_seconds(opencv, repeats)
        rows.append((f"OpenCV {cv2.__version__} xphoto", cv_seconds, theirs.astype(np.float64)))
    except ImportError:
        print("   OpenCV: skipped (pip install opencv-contrib-python-headless)")
    print(f"   {'':24} {'ms':>8} {'PSNR all':>9} {'PSNR crop':>10} {'NaN pixels':>11}")
    for name, secs, out in rows:
        finite = np.isfinite(out)
        whole = psnr(out, clean) if finite.all() else float("nan")
        print(
            f"   {name:24} {1e3 * secs:8.1f} {whole:9.2f} {psnr(out[crop], clean[crop]):10.2f} "
            f"{int((~finite).sum()):11d}"
        )
    print("   (crop: all but the last row and column, the pixels OpenCV produces)")
    if len(rows) == 2:
        ratio = rows[0][1] / rows[1][1]
        better = psnr(ours[crop], clean[crop]) >= psnr(rows[1][2][crop], clean[crop])
        print(
            f"   minidl / OpenCV time: {ratio:.2f}x (target <= 1.0x: "
            f"{'met' if ratio <= 1.0 else 'missed'}); PSNR >= OpenCV's with no NaN: "
            f"{'met' if better and np.isfinite(ours).all() else 'missed'}"
        )

    estimate = estimate_noise_sigma(noisy)
    print(
        f"\n   The lecture's table (minidl, PSNR in dB; sigma estimated from the noisy image: "
        f"{255 * estimate:.2f}/255)"
    )
    print(f"   {'':28} {'uniform':>8} {'sparsity':>9}")
    for label, step, sigma in (
        ("sliding, sigma known", 1, SIGMA),
        ("sliding, sigma estimated", 1, "auto"),
        ("tiles, sigma known", 8, SIGMA),
        ("tiles, sigma estimated", 8, "auto"),
    ):
        values = [
            psnr(dct_denoise(noisy, sigma, step=step, aggregation=aggregation), clean)
            for aggregation in ("uniform", "sparsity")
        ]
        print(f"   {label:28} {values[0]:8.2f} {values[1]:9.2f}")


def coding(repeats: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((64, 256))
    D /= np.linalg.norm(D, axis=0)
    Y = rng.standard_normal((64, 10_000))
    print("\n2. OMP: 10,000 signals of 64 samples, 256 atoms, sparsity 8; median of", repeats)
    seconds, ours = median_seconds(lambda: omp(D, Y, n_nonzero=8), repeats)
    print(f"   {'minidl omp':24} {1e3 * seconds:9.1f} ms")
    try:
        import sklearn
        from sklearn.linear_model import orthogonal_mp
    except ImportError:
        print("   scikit-learn: skipped (pip install scikit-learn)")
        return
    sk_seconds, theirs = median_seconds(lambda: orthogonal_mp(D, Y, n_nonzero_coefs=8), repeats)
    print(f"   {'scikit-learn ' + sklearn.__version__:24} {1e3 * sk_seconds:9.1f} ms")
    same = np.mean(np.all((ours != 0) == (theirs != 0), axis=0))
    ratio = sk_seconds / seconds
    print(
        f"   minidl faster by {ratio:.1f}x (target >= 5x: {'met' if ratio >= 5 else 'missed'}); "
        f"same supports for {same:.2%} of the signals; largest coefficient difference "
        f"{np.abs(ours - theirs).max():.1e}"
    )


def classifying(seed: int, cnn: str | None) -> None:
    train_images, train_ann = generate_wafers(150, seed=seed)
    test_images, test_ann = generate_wafers(20, seed=seed + 1000)
    x, y = make_patch_dataset(train_images, train_ann, per_class=1500, seed=seed)
    xt, yt = make_patch_dataset(test_images, test_ann, per_class=500, seed=seed + 1)
    print(f"\n3. Wafer patches: {len(x)} training, {len(xt)} test (held-out wafers)")
    start = time.perf_counter()
    predicted = SRCClassifier(n_nonzero=10, downsample=2).fit(x[..., 0], y).predict(xt[..., 0])
    seconds = time.perf_counter() - start
    rows = [("SRC (OMP, 10 atoms)", predicted, seconds)]
    if cnn:
        from minidl.detect.pipeline import DefectDetectionPipeline

        model = DefectDetectionPipeline.load(cnn).detector.model
        start = time.perf_counter()
        scores = model.predict(xt, verbose=0)
        rows.append(("patch CNN", scores.argmax(axis=-1), time.perf_counter() - start))
    else:
        print("   patch CNN: skipped (pass --cnn runs/wafer-<time>/wafer_cnn.h5)")
    names = "  ".join(f"{c:>10}" for c in CLASS_NAMES)
    print(f"   {'':22} {'accuracy':>8}  {names}  {'seconds':>7}")
    for name, pred, secs in rows:
        recall = "  ".join(f"{np.mean(pred[yt == k] == k):10.3f}" for k in range(len(CLASS_NAMES)))
        print(f"   {name:22} {np.mean(pred == yt):8.4f}  {recall}  {secs:7.1f}")
    print("   (per class: the share of that class's test patches named right)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per figure")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise and the data")
    parser.add_argument("--cnn", default=None, help="a wafer pipeline file for section 3")
    args = parser.parse_args()
    print(f"minidl {__version__}, numpy {np.__version__}")
    denoising(args.repeats, args.seed)
    coding(args.repeats, args.seed)
    classifying(args.seed, args.cnn)


if __name__ == "__main__":
    main()
