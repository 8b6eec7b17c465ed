"""How fast is minidl's 2-D convolution, next to PyTorch's, and how close to the machine's peak?

What is measured
    One training step of a convolution, in float32: the forward pass, then the backward pass
    with a random upstream gradient dout, for 3x3 kernels, padding 1, no bias, on these shapes
    (x is (N, H, W, C), channels-last; F filters):

        N    H    W    C ->  F  stride
        64   64   64   3 ->  8  1        a first layer on small colour images
        64   32   32   8 -> 16  1        a middle layer
        32  224  224   1 ->  8  1        a first layer on large grey images
        64   32   32  16 -> 32  2        a down-sampling layer

    minidl:  out, cache = conv2d_forward(x, w, stride=s, padding=1)
             dx, dw, _ = conv2d_backward(dout, cache)
    PyTorch: out = torch.nn.functional.conv2d(x, w, stride=s, padding=1), then out.backward(dout),
             with x and w requiring gradients (so dx and dw are both computed), on NCHW tensors
             holding the same numbers (converted once, outside the timing), with
             torch.set_num_threads(2).

    For each shape: the median time of R runs with the fastest and slowest run, the achieved
    GFLOP/s of each library and its fraction of the machine's matrix-product peak (below), and
    the ratio minidl / PyTorch of the medians (above 1 means minidl is slower; the ratio of the
    fastest runs is printed next to it). Then the geometric mean and the worst of those ratios.
    The largest difference between minidl's and PyTorch's out, dx and dw is printed as a sanity
    check (float32: a few 1e-6, relative to the largest value).

    Each library is timed in its own block of R runs, as in a training loop, after warm-up runs
    lasting at least half a second. The runs do not alternate on purpose: after a matrix product
    OpenBLAS's threads keep a core busy for a while, waiting for more work, and so do PyTorch's
    OpenMP threads; on 2 cores, a PyTorch step that follows NumPy work directly (or the
    reverse) runs up to 2x slower, which measures the neighbour, not the convolution.

    Three more figures:
    - the matrix-product peak: GFLOP/s of np.matmul on two 2048x2048 float32 matrices, the most
      this machine's BLAS does on this kind of work; a convolution reaches a fraction of it;
    - the peak extra memory of minidl's forward + backward on the 224x224 shape (tracemalloc
      traces NumPy's allocations): the padded input, the im2col column buffer (processed in
      chunks, at most 256 MiB), the gradients;
    - the textbook loops of ``minidl.ops.naive`` (conv2d_forward_naive + conv2d_backward_naive)
      on one small shape, next to the fast path on the same shape: why we vectorise.
    - max pooling 2x2 (stride 2), forward + backward, on (64, 32, 32, 16), against PyTorch's
      max_pool2d with the same upstream gradient.

How FLOPs are counted
    Analytically, multiply-adds of the formula only (zeros of the padding included, index work
    and copies neglected): forward 2 * N * H_out * W_out * F * kh * kw * C, backward twice that
    (dx and dw, one matrix product each), so one step is 3 times the forward count.

Reading the figures
    Nothing is asserted: timings depend on the machine and on whatever else it is running. On a
    2-core machine anything else running slows both libraries, PyTorch's 2 threads most; a wide
    range between the fastest and slowest run is the sign of a busy machine, so compare medians
    and rerun when in doubt. NumPy's matrix products use OpenBLAS (its threads:
    OPENBLAS_NUM_THREADS, its kernels: OPENBLAS_CORETYPE, both printed; a CORETYPE older than the
    CPU gives a lower peak); PyTorch uses oneDNN with 2 threads.
    Both libraries allocate large arrays at every step. The C allocator gives an array back to
    the system when it is freed if it is larger than a threshold (which moves with the sizes
    freed so far, up to 32 MiB), and touching fresh pages again costs page faults at the next
    step. So PyTorch's time on the first shape can vary threefold from one invocation to the
    next (8 to 25 ms on the 2-core machine this script was written on), and on the 224x224 shape
    it is about twice its fault-free time. For figures that do not depend on that history, fix
    both thresholds in the environment (see "How to run"; their values are printed).

How to run
    python benchmarks/bench_conv.py               # 5 repeats
    python benchmarks/bench_conv.py --repeats 11  # tighter medians on a busy machine
    MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=134217728 \
        python benchmarks/bench_conv.py            # without page faults from the allocator
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
import tracemalloc

import numpy as np
import torch

from minidl.ops import conv2d_backward, conv2d_forward
from minidl.ops.naive import conv2d_backward_naive, conv2d_forward_naive

TORCH_THREADS = 2
KERNEL = 3
PADDING = 1
SHAPES = [  # (N, H, W, C, F, stride)
    (64, 64, 64, 3, 8, 1),
    (64, 32, 32, 8, 16, 1),
    (32, 224, 224, 1, 8, 1),
    (64, 32, 32, 16, 32, 2),
]
MEMORY_SHAPE = (32, 224, 224, 1, 8, 1)
NAIVE_SHAPE = (2, 16, 16, 3, 4, 1)
PEAK_SIZE = 2048  # the square matrices of the peak measurement
WARMUP_SECONDS = 0.5  # untimed runs first: caches, allocator, idle threads settle


def describe(shape: tuple) -> str:
    n, h, w, c, f, s = shape
    return f"({n}, {h}, {w}, {c} -> {f}, s{s})"


def output_size(size: int, stride: int) -> int:
    return (size + 2 * PADDING - KERNEL) // stride + 1


def step_flops(shape: tuple) -> int:
    """Forward 2 * N * H_out * W_out * F * kh * kw * C; backward (dx and dw) twice that."""
    n, h, w, c, f, s = shape
    forward = 2 * n * output_size(h, s) * output_size(w, s) * f * KERNEL * KERNEL * c
    return 3 * forward


def make_data(shape: tuple, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """float32 x (N, H, W, C), w (kh, kw, C, F) and dout (N, H_out, W_out, F)."""
    n, h, w, c, f, s = shape
    x = rng.standard_normal((n, h, w, c), dtype=np.float32)
    weights = rng.standard_normal((KERNEL, KERNEL, c, f), dtype=np.float32)
    weights /= np.sqrt(KERNEL * KERNEL * c, dtype=np.float32)
    dout = rng.standard_normal((n, output_size(h, s), output_size(w, s), f), dtype=np.float32)
    return x, weights, dout


# -- one step of each library -------------------------------------------------------------------
def minidl_step(x: np.ndarray, w: np.ndarray, dout: np.ndarray, stride: int) -> tuple:
    """Forward then backward; returns (out, dx, dw)."""
    out, cache = conv2d_forward(x, w, stride=stride, padding=PADDING)
    dx, dw, _ = conv2d_backward(dout, cache)
    return out, dx, dw


def naive_step(x: np.ndarray, w: np.ndarray, dout: np.ndarray, stride: int) -> tuple:
    """The same step with the textbook loops."""
    out, cache = conv2d_forward_naive(x, w, stride=stride, padding=PADDING)
    dx, dw, _ = conv2d_backward_naive(dout, cache)
    return out, dx, dw


def to_torch(x: np.ndarray, w: np.ndarray, dout: np.ndarray) -> tuple[torch.Tensor, ...]:
    """The same numbers in PyTorch's layout: x (N, C, H, W), w (F, C, kh, kw), dout NCHW."""
    x_t = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).requires_grad_()
    w_t = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1))).requires_grad_()
    dout_t = torch.from_numpy(np.ascontiguousarray(dout.transpose(0, 3, 1, 2)))
    return x_t, w_t, dout_t


def torch_step(x_t: torch.Tensor, w_t: torch.Tensor, dout_t: torch.Tensor, stride: int) -> tuple:
    """Forward then backward; fresh gradients every step (nothing accumulates)."""
    x_t.grad = None
    w_t.grad = None
    out = torch.nn.functional.conv2d(x_t, w_t, stride=stride, padding=PADDING)
    out.backward(dout_t)
    return out, x_t.grad, w_t.grad


def seconds_of(step, *args) -> float:
    start = time.perf_counter()
    step(*args)
    return time.perf_counter() - start


def timed_runs(step, args: tuple, repeats: int) -> list[float]:
    """Seconds of ``repeats`` runs, after warm-up runs (at least 2, and at least WARMUP_SECONDS)."""
    start = time.perf_counter()
    warmups = 0
    while warmups < 2 or time.perf_counter() - start < WARMUP_SECONDS:
        step(*args)
        warmups += 1
    return [seconds_of(step, *args) for _ in range(repeats)]


# -- the measurements ---------------------------------------------------------------------------
POOL_SHAPE = (64, 32, 32, 16)


def max_pool_versus_torch(repeats: int) -> None:
    """Max pooling 2x2, stride 2: one forward + backward step in each library."""
    from minidl.ops.pool import max_pool2d_backward, max_pool2d_forward

    rng = np.random.default_rng(0)
    x = rng.standard_normal(POOL_SHAPE, dtype=np.float32)
    n, h, w, c = POOL_SHAPE
    dout = rng.standard_normal((n, h // 2, w // 2, c), dtype=np.float32)

    def minidl_pool():
        out, cache = max_pool2d_forward(x, 2)
        return out, max_pool2d_backward(dout, cache)

    x_t = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).requires_grad_()
    dout_t = torch.from_numpy(np.ascontiguousarray(dout.transpose(0, 3, 1, 2)))

    def torch_pool():
        x_t.grad = None
        out = torch.nn.functional.max_pool2d(x_t, 2)
        out.backward(dout_t)
        return out, x_t.grad

    mine = statistics.median(timed_runs(minidl_pool, (), repeats))
    theirs = statistics.median(timed_runs(torch_pool, (), repeats))
    print(f"\nMax pooling 2x2, stride 2, forward + backward on {POOL_SHAPE}:")
    print(f"  minidl {1e3 * mine:.2f} ms, PyTorch {1e3 * theirs:.2f} ms: {mine / theirs:.2f}x")


def matmul_peak(repeats: int) -> float:
    """GFLOP/s of a large float32 square matrix product (median of ``repeats`` runs)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((PEAK_SIZE, PEAK_SIZE), dtype=np.float32)
    b = rng.standard_normal((PEAK_SIZE, PEAK_SIZE), dtype=np.float32)
    median = statistics.median(timed_runs(np.matmul, (a, b), repeats))
    return 2 * PEAK_SIZE**3 / median / 1e9


def largest_difference(mine: tuple, theirs: tuple) -> float:
    """max |minidl - torch| / max |torch| over out, dx and dw (torch converted back to NHWC)."""
    worst = 0.0
    for a, t, axes in zip(mine, theirs, [(0, 2, 3, 1), (0, 2, 3, 1), (2, 3, 1, 0)], strict=True):
        t = t.detach().numpy().transpose(axes)
        worst = max(worst, float(np.abs(a - t).max() / np.abs(t).max()))
    return worst


def compare(shape: tuple, repeats: int, peak: float) -> float:
    """Time both libraries on one shape, print one block of figures, return the ratio."""
    x, w, dout = make_data(shape, np.random.default_rng(0))
    x_t, w_t, dout_t = to_torch(x, w, dout)
    stride = shape[-1]
    runs = {
        "minidl": (minidl_step, (x, w, dout, stride)),
        "PyTorch": (torch_step, (x_t, w_t, dout_t, stride)),
    }
    difference = largest_difference(
        minidl_step(*runs["minidl"][1]), torch_step(*runs["PyTorch"][1])
    )

    seconds = {label: timed_runs(step, args, repeats) for label, (step, args) in runs.items()}
    median = {label: statistics.median(times) for label, times in seconds.items()}

    flops = step_flops(shape)
    print(f"\n{describe(shape)}  {flops / 1e9:.3f} GFLOP per step")
    print(f"  {'':8} {'ms':>8} {'GFLOP/s':>8} {'of peak':>8}   all runs (ms)")
    for label in runs:
        gflops = flops / median[label] / 1e9
        spread = f"{1e3 * min(seconds[label]):.1f} to {1e3 * max(seconds[label]):.1f}"
        print(
            f"  {label:8} {1e3 * median[label]:8.1f} {gflops:8.1f} {gflops / peak:8.1%}   {spread}"
        )
    ratio = median["minidl"] / median["PyTorch"]
    fastest = min(seconds["minidl"]) / min(seconds["PyTorch"])
    print(f"  minidl / PyTorch: {ratio:.2f}x (fastest runs: {fastest:.2f}x)")
    print(f"  largest difference of out, dx, dw: {difference:.1e} (relative)")
    return ratio


def memory_of_step(shape: tuple) -> None:
    """Print the peak of NumPy allocations during one minidl step (inputs not counted)."""
    x, w, dout = make_data(shape, np.random.default_rng(0))
    minidl_step(x, w, dout, shape[-1])  # warm-up outside the trace
    tracemalloc.start()
    minidl_step(x, w, dout, shape[-1])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"\nPeak extra memory of one minidl step on {describe(shape)}:")
    print(f"  {peak / 2**20:.1f} MiB  (the input x itself is {x.nbytes / 2**20:.1f} MiB)")


def naive_versus_fast(shape: tuple, repeats: int) -> None:
    """The textbook loops against the vectorised path, on a shape small enough for the loops."""
    x, w, dout = make_data(shape, np.random.default_rng(0))
    args = (x, w, dout, shape[-1])
    fast_result, naive_result = minidl_step(*args), naive_step(*args)
    agree = all(
        np.allclose(a, b, rtol=1e-4, atol=1e-5)
        for a, b in zip(fast_result, naive_result, strict=True)
    )
    fast = statistics.median(timed_runs(minidl_step, args, repeats))
    naive = statistics.median(timed_runs(naive_step, args, repeats))
    print(f"\nTextbook loops (minidl.ops.naive) against the fast path on {describe(shape)}:")
    print(f"  naive {1e3 * naive:9.2f} ms")
    print(f"  fast  {1e3 * fast:9.2f} ms   {naive / fast:,.0f}x faster (same results: {agree})")


def describe_setup() -> None:
    """Print what decides the figures: versions, threads, OpenBLAS and allocator settings."""
    blas = ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    malloc = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
    print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print(
        f"CPUs: {os.cpu_count()}; " + ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in blas)
    )
    print(", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in malloc))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per shape (default 5)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be positive")

    torch.set_num_threads(TORCH_THREADS)
    describe_setup()
    peak = matmul_peak(args.repeats)
    print(f"Matrix-product peak: {peak:.1f} GFLOP/s (float32 np.matmul, {PEAK_SIZE}^2)")
    print("conv2d forward + backward, float32, 3x3 kernels, padding 1, no bias:")

    ratios = [compare(shape, args.repeats, peak) for shape in SHAPES]
    geometric_mean = math.exp(statistics.fmean(math.log(r) for r in ratios))
    worst = max(range(len(SHAPES)), key=lambda i: ratios[i])
    worst_shape = describe(SHAPES[worst])
    print(f"\nminidl / PyTorch over the {len(SHAPES)} shapes (medians of {args.repeats} runs):")
    print(f"  geometric mean {geometric_mean:.2f}x, worst {ratios[worst]:.2f}x {worst_shape}")

    max_pool_versus_torch(args.repeats)
    memory_of_step(MEMORY_SHAPE)
    naive_versus_fast(NAIVE_SHAPE, args.repeats)


if __name__ == "__main__":
    main()
