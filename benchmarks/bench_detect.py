"""How fast do the two wafer defect detectors inspect a wafer, and why is the CNN fast enough?

What is measured
    Both detectors of ``minidl.detect`` through ``DefectDetectionPipeline.predict``, the whole
    pipeline from image to boxes, on I generated 400x400 wafers (--images, default 10;
    ``generate_wafers(I, seed=seed + 1000)``, the seeds ``minidl train wafer`` holds out). Each
    figure is the median of R runs (--repeats, default 5) over the I wafers, divided by I, with
    the fastest and slowest run beside it; one untimed call on one wafer comes first (the CNN
    then builds its fully convolutional network for the wafer's size, once per size).

    1. ms per image of each detector, against the project's target for the CNN (at most 200 ms
       per 400x400 image on 2 cores), and where the CNN's time goes:
         probability map   ``detector.probability_map(image)``: the image scaled to [0, 1],
                           mirrored by P // 4 px, and the fully convolutional forward pass;
         FCN forward       that forward pass alone, on the padded images prepared beforehand;
         post-processing   everything ``predict`` does after the map (the background removal
                           and the objects, as the classical detector finds them, the windows'
                           vote on each object, non-maximum suppression), timed by running
                           ``predict`` with ``probability_map`` replaced, on the detector
                           instance and for these runs only, by a lookup of the maps computed
                           beforehand. The detections must be the same as the real
                           ``predict``'s (printed).
       The detections per image are printed too.

    2. The fully convolutional pass against classifying windows one at a time, on the first
       wafer, padded as ``probability_map`` pads it (416x416 for P = 32): every P x P window at
       stride S (the network's total stride, 4; 97 x 97 = 9,409 windows)
         FCN               ``fully_convolutional(model, (H, W, 1)).forward(x)``, one pass;
         batched windows   ``sliding_window_predict(model, x, stride=S, batch_size=256)``;
         per-window loop   ``sliding_window_predict(model, x, stride=S, batch_size=1)``: each
                           window classified on its own, the naive way. Thousands of calls are
                           slow, so it is timed once on the first L rows of windows
                           (--loop-rows, default 8; 0 = all rows) and its time multiplied by
                           rows / L, which the printout says.
       The speed-ups of the FCN over both (the project's target: at least 10x over the
       per-window loop), the multiply-adds of each way (convolutions only, counted from the
       layers: each window alone repeats the work of the windows it overlaps), and the largest
       difference between the FCN's map and each window map (float32: they must agree to
       about 1e-5).

    3. When PyTorch is importable: the same FCN as a torch.nn.Sequential (Conv2d, ReLU,
       MaxPool2d, BatchNorm2d in eval mode, Softmax over the channels) holding copies of the
       weights, on the same image in NCHW layout, under torch.inference_mode(), with
       torch.set_num_threads(T) (--threads, default 2); the ratio minidl / PyTorch of the
       medians and the largest difference of the outputs (they must agree to 1e-4). Without
       PyTorch the section is skipped with a note.

    4. ``minidl.detect.metrics.throughput_table`` at each detector's measured ms per image, for
       1, 4 and 16 images per wafer, printed with ``format_table``: wafers per hour and per day
       (inference only, no handling).

Where the detectors come from
    --model PATH loads a CNN pipeline saved by ``DefectDetectionPipeline.save`` (``minidl train
    wafer`` writes runs/wafer-<time>/wafer_cnn.h5), --classical PATH a classical one
    (wafer_classical.h5). Without them, the script fits each on 10 generated wafers
    (``generate_wafers(10, seed=seed)``): the classical detector's grid search (a few seconds),
    and the CNN for 2 epochs on 300 patches per class (about half a minute on 2 cores), and says
    so. The CNN's forward pass and the post-processing cost about the same whatever the
    weights, but the detections of a barely trained network are not worth looking at: for
    figures that stand for the real detector, pass a trained model.

Reading the figures
    Nothing is asserted: timings depend on the machine and on whatever else it is running; a
    wide range between the fastest and slowest run is the sign of a busy machine. NumPy's
    matrix products use OpenBLAS with OPENBLAS_NUM_THREADS threads (all cores when unset; it
    cannot be changed once NumPy is imported, so set it in the environment to match --threads;
    the script prints both and warns when they differ). A small product split over 2 threads
    waits for both: with another process keeping a core busy, the per-window loop (one tiny
    product per layer and window) can run 10 times slower, which measures the neighbour;
    OPENBLAS_NUM_THREADS=1 keeps it close to its quiet-machine value. Each library is timed in
    its own block of runs, after warm-up runs, because idle OpenBLAS and OpenMP threads of one
    library slow the other for a while (see benchmarks/bench_conv.py).

How to run
    python benchmarks/bench_detect.py                                  # fits both quickly
    python benchmarks/bench_detect.py --model runs/wafer-X/wafer_cnn.h5 \\
        --classical runs/wafer-X/wafer_classical.h5                    # trained detectors
    python benchmarks/bench_detect.py --images 2 --repeats 1 --loop-rows 2   # a quick check
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_detect.py --threads 1     # one core each
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import minidl
from minidl import layers as L
from minidl.data.wafer import generate_wafers
from minidl.detect import DefectDetectionPipeline
from minidl.detect.fully_convolutional import fully_convolutional, network_stride
from minidl.detect.metrics import format_table, throughput_table
from minidl.detect.windows import sliding_window_predict

try:
    import torch
except ImportError:
    torch = None

HELD_OUT_SEED_OFFSET = 1000  # timing wafers: seed + 1000, as `minidl train wafer` holds out
TRAIN_WAFERS = 10
QUICK_EPOCHS = 2
QUICK_PER_CLASS = 300
TARGET_MS = 200.0  # the CNN's whole predict, per 400x400 image, on 2 cores
TARGET_SPEEDUP = 10.0  # the FCN over the per-window loop
BATCH = 256
MAP_TOLERANCE = 1e-5
TORCH_TOLERANCE = 1e-4
IMAGES_PER_WAFER = (1, 4, 16)
WARMUP_SECONDS = 0.5


# -- timing -------------------------------------------------------------------------------------
def seconds_of(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def timed_runs(step, repeats: int, warmup=None) -> list[float]:
    """Seconds of ``repeats`` calls of ``step()``, after calls of ``warmup`` (default: ``step``)
    lasting at least WARMUP_SECONDS, and at least one."""
    warmup = warmup or step
    start = time.perf_counter()
    while True:
        warmup()
        if time.perf_counter() - start >= WARMUP_SECONDS:
            break
    return [seconds_of(step) for _ in range(repeats)]


def ms(seconds: list[float], per: int = 1) -> tuple[float, str]:
    """The median in ms divided by ``per``, and 'fastest to slowest' in the same unit."""
    scale = 1e3 / per
    spread = f"{scale * min(seconds):.1f} to {scale * max(seconds):.1f}"
    return scale * statistics.median(seconds), spread


def runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


# -- the detectors ------------------------------------------------------------------------------
def load(path: str, backend: str, parser: argparse.ArgumentParser) -> DefectDetectionPipeline:
    pipeline = DefectDetectionPipeline.load(path)
    if pipeline.backend != backend:
        parser.error(f"{path} holds a '{pipeline.backend}' pipeline, expected '{backend}'")
    return pipeline


def get_detectors(args, parser) -> dict[str, DefectDetectionPipeline]:
    """The two pipelines, loaded from --classical / --model or fitted quickly (and said so)."""
    pipelines = {}
    if args.classical:
        pipelines["classical"] = load(args.classical, "classical", parser)
        print(f"classical: loaded from {args.classical}")
    if args.model:
        pipelines["cnn"] = load(args.model, "cnn", parser)
        print(f"cnn: loaded from {args.model} (trained {pipelines['cnn'].trained_at})")
    if len(pipelines) == 2:
        return {name: pipelines[name] for name in ("classical", "cnn")}

    images, annotations = generate_wafers(TRAIN_WAFERS, seed=args.seed)
    if "classical" not in pipelines:
        pipeline = DefectDetectionPipeline("classical")
        start = time.perf_counter()
        chosen = pipeline.fit(images, annotations)
        print(
            f"classical: fitted on {TRAIN_WAFERS} generated wafers (seed {args.seed}) in "
            f"{time.perf_counter() - start:.1f} s: blur_kernel {chosen['blur_kernel']}, "
            f"threshold_value {chosen['threshold_value']:g}, F1 {chosen['f1_score']:.3f}"
        )
        pipelines["classical"] = pipeline
    if "cnn" not in pipelines:
        pipeline = DefectDetectionPipeline(
            "cnn", seed=args.seed, epochs=QUICK_EPOCHS, per_class=QUICK_PER_CLASS
        )
        start = time.perf_counter()
        history = pipeline.fit(images, annotations)
        print(
            f"cnn: fitted on {TRAIN_WAFERS} generated wafers (seed {args.seed}), {QUICK_EPOCHS} "
            f"epochs on {QUICK_PER_CLASS} patches per class, in "
            f"{time.perf_counter() - start:.1f} s (patch accuracy "
            f"{history.history['accuracy'][-1]:.3f})"
        )
        print(
            "  note: a barely trained CNN; its timings are a trained one's, its detections are "
            "not:\n  pass --model PATH (from 'minidl train wafer') for figures that stand for "
            "the real detector."
        )
        pipelines["cnn"] = pipeline
    return {name: pipelines[name] for name in ("classical", "cnn")}


def padded(detector, image: np.ndarray) -> np.ndarray:
    """The image as ``probability_map`` feeds it to the network: [0, 1], mirrored by P // 4."""
    x = np.asarray(image, np.float32) / np.float32(255.0)
    return np.pad(x, detector.patch_size // 4, mode="reflect")


# -- 1. the whole pipeline ----------------------------------------------------------------------
def whole_pipeline(pipelines: dict, images: np.ndarray, repeats: int) -> dict[str, float]:
    """Print ms per image of each pipeline's predict; return the medians."""
    n = len(images)
    size = f"{images.shape[1]}x{images.shape[2]}"
    print(f"\n1. Whole pipeline, predict on {n} wafer{'s' * (n > 1)} {size}")
    print(f"   median of {runs(repeats)}, per image:")
    print(f"  {'detector':10} {'ms/image':>9} {'detections/image':>17}   all runs (ms/image)")
    medians = {}
    for name, pipeline in pipelines.items():
        found = pipeline.predict(images)
        seconds = timed_runs(
            lambda p=pipeline: p.predict(images), repeats, lambda p=pipeline: p.predict(images[:1])
        )
        median, spread = ms(seconds, n)
        medians[name] = median
        per_image = sum(len(d) for d in found) / n
        print(f"  {name:10} {median:9.1f} {per_image:17.1f}   {spread}")
    verdict = "met" if medians["cnn"] <= TARGET_MS else "NOT met"
    print(f"  target: cnn <= {TARGET_MS:.0f} ms/image on 2 cores: {verdict}")
    return medians


def post_processing_runs(
    pipeline, images: np.ndarray, maps: list, repeats: int
) -> tuple[list[float], bool]:
    """Seconds of ``predict`` with the maps already computed: ``probability_map`` is replaced,
    on this detector instance only, by a lookup of ``maps`` in the order predict asks for them.
    Also whether the detections are those of the real predict."""
    detector = pipeline.detector
    expected = pipeline.predict(images)
    pending: list[np.ndarray] = []

    def lookup(image):
        return pending.pop(0)

    def step():
        pending[:] = maps
        return pipeline.predict(images)

    detector.probability_map = lookup
    try:
        same = step() == expected
        seconds = timed_runs(step, repeats)
    finally:
        del detector.probability_map
    return seconds, same


def cnn_breakdown(pipeline, images: np.ndarray, repeats: int, whole_ms: float) -> None:
    """Print where the CNN's predict goes: the probability map, its forward pass, the rest."""
    detector = pipeline.detector
    n = len(images)
    maps = [detector.probability_map(image) for image in images]
    xs = [padded(detector, image)[None, :, :, None] for image in images]
    fcn = fully_convolutional(detector.model, xs[0].shape[1:])

    map_seconds = timed_runs(lambda: [detector.probability_map(im) for im in images], repeats)
    forward_seconds = timed_runs(lambda: [fcn.forward(x) for x in xs], repeats)
    post_seconds, same = post_processing_runs(pipeline, images, maps, repeats)

    rows, cols = maps[0].shape[:2]
    print(f"\n  Where the cnn's predict goes (median of {runs(repeats)}, per image):")
    print(f"  {'':24} {'ms/image':>9} {'share':>6}   all runs (ms/image)")
    for label, seconds in (
        ("probability map", map_seconds),
        ("  of which FCN forward", forward_seconds),
        ("post-processing", post_seconds),
    ):
        median, spread = ms(seconds, n)
        print(f"  {label:24} {median:9.1f} {median / whole_ms:6.1%}   {spread}")
    summed = ms(map_seconds, n)[0] + ms(post_seconds, n)[0]
    print(f"  {'map + post-processing':24} {summed:9.1f} {summed / whole_ms:6.1%}")
    print(f"  {'whole predict':24} {whole_ms:9.1f}")
    print(f"  post-processing on the precomputed maps gives predict's detections: {same}")
    print(f"  map {rows}x{cols} cells (stride {detector.stride})")


# -- 2. FCN against windows ---------------------------------------------------------------------
def conv_flops(model, input_shape: tuple) -> int:
    """Multiply-adds of the model's convolutions: 2 * H_out * W_out * F * kh * kw * C each."""
    flops, shape = 0, (1, *input_shape)
    for layer in model.layers:
        out = tuple(layer.output_shape(shape))
        if isinstance(layer, L.Conv2D):
            kh, kw, C, _ = layer.params["kernel"].shape
            flops += 2 * out[1] * out[2] * out[3] * kh * kw * C
        elif isinstance(layer, L.Dense):
            flops += 2 * layer.params["kernel"].size
        shape = out
    return flops


def fcn_versus_windows(detector, image: np.ndarray, repeats: int, loop_rows: int) -> tuple:
    """Print the FCN against the window loops on one wafer; return (fcn, its input, its output,
    its median seconds) for the comparison with PyTorch."""
    model = detector.model
    P, S = detector.patch_size, network_stride(model)
    x = padded(detector, image)
    x4 = x[None, :, :, None]
    fcn = fully_convolutional(model, (*x.shape, 1))
    full = fcn.forward(x4)[0]
    rows, cols = full.shape[:2]
    loop_rows = rows if loop_rows == 0 else min(loop_rows, rows)
    crop = x[: (loop_rows - 1) * S + P]  # exactly loop_rows rows of windows

    fcn_seconds = timed_runs(lambda: fcn.forward(x4), repeats)
    batched = sliding_window_predict(model, x, stride=S, batch_size=BATCH)
    batched_seconds = timed_runs(
        lambda: sliding_window_predict(model, x, stride=S, batch_size=BATCH),
        repeats,
        lambda: sliding_window_predict(model, crop[: P + S], stride=S, batch_size=BATCH),
    )
    sliding_window_predict(model, x[:P, : P + S], stride=S, batch_size=1)  # warm-up, 2 windows
    start = time.perf_counter()
    loop = sliding_window_predict(model, crop, stride=S, batch_size=1)
    loop_seconds = time.perf_counter() - start
    loop_total = loop_seconds * rows / loop_rows

    windows = rows * cols
    fcn_ms = ms(fcn_seconds)
    batched_ms = ms(batched_seconds)
    print(
        f"\n2. FCN against classifying windows, on the first wafer padded to {x.shape[0]}x"
        f"{x.shape[1]}:\n   {windows:,} windows {P}x{P} at stride {S} ({rows} x {cols})"
    )
    print(f"  {'':34} {'ms':>9} {'FCN faster by':>14}   all runs (ms)")
    print(f"  {'FCN, one forward pass':34} {fcn_ms[0]:9.1f} {'':>14}   {fcn_ms[1]}")
    print(
        f"  {f'batched windows, batch_size={BATCH}':34} {batched_ms[0]:9.1f} "
        f"{batched_ms[0] / fcn_ms[0]:13.1f}x   {batched_ms[1]}"
    )
    print(
        f"  {'per-window loop, batch_size=1':34} {1e3 * loop_total:9.1f} "
        f"{1e3 * loop_total / fcn_ms[0]:13.1f}x   (extrapolated, below)"
    )
    print(
        f"  the per-window loop was timed once on the first {loop_rows} of {rows} rows "
        f"({loop_rows * cols:,} windows): {1e3 * loop_seconds:.1f} ms,\n"
        f"  {1e3 * loop_seconds / (loop_rows * cols):.2f} ms per window, times {rows} / "
        f"{loop_rows} for the whole map"
    )
    verdict = "met" if loop_total / fcn_ms[0] * 1e3 >= TARGET_SPEEDUP else "NOT met"
    print(f"  target: FCN >= {TARGET_SPEEDUP:.0f}x faster than the per-window loop: {verdict}")

    per_window = conv_flops(model, (P, P, 1))
    whole = conv_flops(fcn, (*x.shape, 1))
    print(
        f"  multiply-adds (convolutions): {per_window / 1e6:.2f} MFLOP per window, "
        f"{windows * per_window / 1e9:.1f} GFLOP for all windows,\n  "
        f"{whole / 1e9:.2f} GFLOP for the FCN ({windows * per_window / whole:.0f}x less work)"
    )
    d_batched = float(np.abs(full - batched).max())
    d_loop = float(np.abs(full[:loop_rows] - loop).max())
    agree = max(d_batched, d_loop) <= MAP_TOLERANCE
    print(
        f"  largest |FCN map - window map|: batched {d_batched:.1e}, per-window loop "
        f"{d_loop:.1e} (on its rows);\n  within {MAP_TOLERANCE:g}: {agree}"
    )
    return fcn, x4, full, statistics.median(fcn_seconds)


# -- 3. PyTorch ---------------------------------------------------------------------------------
def torch_activation(name: str, where: str) -> list:
    if name == "relu":
        return [torch.nn.ReLU()]
    if name == "softmax":
        return [torch.nn.Softmax(dim=1)]  # channels are axis 1 in NCHW
    if name in (None, "linear"):
        return []
    raise TypeError(f"{where}: no PyTorch twin here for activation {name!r}")


def tensor(a: np.ndarray) -> torch.nn.Parameter:
    return torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(a)), requires_grad=False)


def torch_twin(fcn) -> torch.nn.Sequential:
    """The FCN as torch modules holding copies of its weights, channels-first, in eval mode."""
    nn = torch.nn
    modules = []
    for layer in fcn.layers:
        where = f"layer '{layer.name}' ({type(layer).__name__})"
        if isinstance(layer, L.Conv2D):
            kernel = layer.params["kernel"]  # (kh, kw, C, F) -> (F, C, kh, kw)
            kh, kw, C, F = kernel.shape
            conv = nn.Conv2d(
                C,
                F,
                (kh, kw),
                stride=tuple(layer.strides),
                dilation=tuple(layer.dilation_rate),
                bias="bias" in layer.params,
            )
            conv.weight = tensor(kernel.transpose(3, 2, 0, 1))
            if "bias" in layer.params:
                conv.bias = tensor(layer.params["bias"])
            modules += [conv, *torch_activation(layer.get_config()["activation"], where)]
        elif isinstance(layer, L.BatchNormalization):
            C = layer.buffers["moving_mean"].shape[0]
            norm = nn.BatchNorm2d(C, eps=layer.epsilon)
            with torch.no_grad():
                if "gamma" in layer.params:
                    norm.weight.copy_(torch.from_numpy(layer.params["gamma"]))
                if "beta" in layer.params:
                    norm.bias.copy_(torch.from_numpy(layer.params["beta"]))
                norm.running_mean.copy_(torch.from_numpy(layer.buffers["moving_mean"]))
                norm.running_var.copy_(torch.from_numpy(layer.buffers["moving_variance"]))
            modules.append(norm)
        elif isinstance(layer, L.MaxPooling2D):
            modules.append(nn.MaxPool2d(tuple(layer.pool_size), stride=tuple(layer.strides)))
        elif isinstance(layer, L.AveragePooling2D):
            modules.append(nn.AvgPool2d(tuple(layer.pool_size), stride=tuple(layer.strides)))
        elif isinstance(layer, L.Activation):
            modules += torch_activation(layer.activation, where)
        else:
            raise TypeError(f"{where} has no PyTorch twin here")
    return nn.Sequential(*modules).eval()


def versus_torch(fcn, x4: np.ndarray, out: np.ndarray, minidl_seconds: float, repeats: int):
    """Print the FCN pass in PyTorch next to minidl's, and the largest difference."""
    print("\n3. The FCN pass in PyTorch, same weights, NCHW:")
    if torch is None:
        print("  skipped: torch is not importable")
        return
    try:
        net = torch_twin(fcn)
    except TypeError as err:
        print(f"  skipped: {err}")
        return
    x_t = torch.from_numpy(np.ascontiguousarray(x4.transpose(0, 3, 1, 2)))

    def step():
        with torch.inference_mode():
            return net(x_t)

    theirs = step()[0].permute(1, 2, 0).numpy()
    difference = float(np.abs(out - theirs).max())
    seconds = timed_runs(step, repeats)
    median, spread = ms(seconds)
    print(f"  {'':8} {'ms':>9}   all runs (ms)")
    print(f"  {'minidl':8} {1e3 * minidl_seconds:9.1f}   (section 2)")
    print(f"  {'PyTorch':8} {median:9.1f}   {spread}")
    print(f"  minidl / PyTorch: {1e3 * minidl_seconds / median:.2f}x")
    agree = difference <= TORCH_TOLERANCE
    print(
        f"  largest |minidl - PyTorch| of the probabilities: {difference:.1e} "
        f"(within {TORCH_TOLERANCE:g}: {agree})"
    )


# -- 4. throughput ------------------------------------------------------------------------------
def print_throughput(medians: dict[str, float]) -> None:
    rows = []
    for name, ms_per_image in medians.items():
        for per_wafer in IMAGES_PER_WAFER:
            hour, day = throughput_table(ms_per_image, images_per_wafer=per_wafer, hours=(1, 24))
            rows.append(
                {
                    "detector": name,
                    "ms_per_image": ms_per_image,
                    "images_per_wafer": per_wafer,
                    "wafers_per_hour": hour["wafers"],
                    "wafers_per_day": day["wafers"],
                }
            )
    columns = ["detector", "ms_per_image", "images_per_wafer", "wafers_per_hour", "wafers_per_day"]
    formats = {"ms_per_image": ".1f", "wafers_per_hour": ",.0f", "wafers_per_day": ",.0f"}
    print("\n4. Throughput at the measured ms/image (inference only, one process):")
    for line in format_table(rows, columns, formats).splitlines():
        print(f"  {line}")


# -- the setting --------------------------------------------------------------------------------
def describe_setup(threads: int) -> None:
    """Print versions and threads; warn when NumPy's BLAS and PyTorch get different numbers."""
    torch_text = f"torch {torch.__version__}" if torch is not None else "torch not installed"
    print(f"minidl {minidl.__version__}, numpy {np.__version__}, {torch_text}")
    blas = os.environ.get("OPENBLAS_NUM_THREADS")
    malloc = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
    print(
        f"CPUs: {os.cpu_count()}; OPENBLAS_NUM_THREADS={blas or '(unset)'}; --threads {threads}"
        + (f" (torch.set_num_threads({threads}))" if torch is not None else "")
    )
    print(", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in malloc))
    blas_threads = int(blas) if blas and blas.isdigit() else os.cpu_count()
    if blas_threads != threads:
        print(
            f"  note: NumPy's OpenBLAS uses {blas_threads} thread(s), --threads is {threads}; "
            f"set OPENBLAS_NUM_THREADS={threads} to match"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10, help="wafers per run (default 10)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--threads", type=int, default=2, help="PyTorch threads (default 2)")
    parser.add_argument("--model", help="a saved CNN pipeline (wafer_cnn.h5)")
    parser.add_argument("--classical", help="a saved classical pipeline (wafer_classical.h5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the wafers (default 0)")
    parser.add_argument(
        "--loop-rows",
        type=int,
        default=8,
        help="rows of windows the per-window loop is timed on (default 8; 0 = all)",
    )
    args = parser.parse_args(argv)
    for name in ("images", "repeats", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be positive")
    if args.loop_rows < 0 or args.seed < 0:
        parser.error("--loop-rows and --seed must not be negative")

    if torch is not None:
        torch.set_num_threads(args.threads)
    describe_setup(args.threads)
    pipelines = get_detectors(args, parser)
    images, _ = generate_wafers(args.images, seed=args.seed + HELD_OUT_SEED_OFFSET)

    medians = whole_pipeline(pipelines, images, args.repeats)
    cnn = pipelines["cnn"]
    cnn_breakdown(cnn, images, args.repeats, medians["cnn"])
    fcn, x4, out, fcn_seconds = fcn_versus_windows(
        cnn.detector, images[0], args.repeats, args.loop_rows
    )
    versus_torch(fcn, x4, out, fcn_seconds, args.repeats)
    print_throughput(medians)


if __name__ == "__main__":
    main()
