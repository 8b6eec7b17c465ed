"""How long does one training epoch of minidl's Keras-style API take, next to PyTorch?

What is measured
    One epoch of ``model.fit`` on a small convolutional network, the kind the course trains on
    its 64x64 images, against the same network trained by a plain PyTorch loop in the same
    process. The network, for both libraries:

        Conv2D(8, 3, padding='same', activation='relu')     (N, 64, 64, 1) -> (N, 64, 64, 8)
        MaxPooling2D(2)                                      -> (N, 32, 32, 8)
        Conv2D(16, 3, padding='same', activation='relu')    -> (N, 32, 32, 16)
        MaxPooling2D(2)                                      -> (N, 16, 16, 16)
        BatchNormalization()                                 (momentum 0.99, epsilon 1e-3)
        Flatten()                                            -> (N, 4096)
        Dense(3, activation='softmax')                       -> (N, 3)

    on 1,024 synthetic grey 64x64 images of 3 classes (noise plus a bright square whose place
    depends on the class, so that both networks have something to learn), batch size 32, the
    Adam optimizer (learning rate 1e-3, epsilon 1e-7) and the sparse categorical cross-entropy.
    Everything is float32 in both libraries: the data, and the weights (minidl's layers default
    to float64, so each layer is given dtype='float32'; the script checks that the output of
    ``model.predict`` is float32 and says so).

    minidl:  model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',
                           metrics=['accuracy'])
             model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=True)
             on channels-last images x (1024, 64, 64, 1). The time is the whole call: fit's
             checks of the data, the shuffling, 32 steps (forward, loss, backward, Adam,
             running loss and accuracy) and its callbacks (the History).
    PyTorch: the equivalent nn.Sequential (Conv2d, ReLU, MaxPool2d, Conv2d, ReLU, MaxPool2d,
             BatchNorm2d(momentum=0.01, eps=1e-3), which is Keras's 0.99 / 1e-3 written the
             PyTorch way, Flatten, Linear), CrossEntropyLoss on the logits (the softmax is
             inside the loss), Adam(lr=1e-3, eps=1e-7), on NCHW images (1024, 1, 64, 64) holding
             the same numbers, with torch.set_num_threads(2). No DataLoader: each epoch shuffles
             the indices with torch.randperm and takes batches of 32 of them, and each step does
             the same work as minidl's: forward, loss, backward, optimizer step, and the running
             loss and count of correct predictions. PyTorch flattens (C, H, W) where Keras
             flattens (H, W, C): the Dense weights are permuted, not different in number, which
             changes nothing for the timing. Neither library computes the gradient with respect
             to the input images (nothing asks for it: fit lets the first layer skip it).

    For each library: the median, fastest and slowest of R epochs (--repeats, default 5), each
    library in its own block, after one untimed warm-up epoch; images per second (of the median)
    and the achieved GFLOP/s (below); then the ratio minidl / PyTorch of the medians (the
    project's target is at most 2x; the ratio of the fastest epochs is printed next to it). The
    training accuracy of the last epoch is printed as a sanity check that both networks learn.

    Then where minidl's epoch goes: during one more epoch, each layer's ``forward`` and
    ``backward`` are wrapped (on the layer instances, by this script only) with
    time.perf_counter accumulators, and a table shows, for each layer, its name and type, the
    milliseconds its forward and its backward took over the epoch, and their share of that
    epoch. The time outside the layers is 'rest': the loss and its gradient, the optimizer
    (shown on its own line, ``optimizer.apply`` being wrapped the same way), the metrics, the
    batching (copying the shuffled rows), fit's checks and callbacks. The largest share is the
    next thing to speed up. The wrappers cost about a microsecond per call, a few hundred calls
    per epoch: nothing next to the times shown.

    Last, the peak resident memory of the process (resource.getrusage's ru_maxrss), read three
    times: after the imports, the data and the two (untrained) networks, after minidl's epochs,
    after PyTorch's. ru_maxrss is
    a process-wide high-water mark: it only ever rises. So minidl is measured first, and its
    figure (the rise over the first reading) is what minidl's training needed; PyTorch's rise
    is only what it needed *beyond* minidl's high-water mark (0 when it needed less). Both
    libraries are imported before the first reading, so neither import counts.

How FLOPs are counted
    Analytically, multiply-adds of the two convolutions and the Dense layer only (pooling,
    batch normalization, activations, loss and optimizer are neglected): each convolution's
    forward is 2 * N * H_out * W_out * F * kh * kw * C, and its backward twice that (dx and dW);
    the Dense layer's forward is 2 * N * D_in * D_out, its backward twice that. One epoch is
    about 9.1 GFLOP, counting the first convolution's dx, which neither library computes (about
    0.6 of those GFLOP). The same count is used for both libraries.

Reading the figures
    Nothing is asserted: timings depend on the machine and on whatever else it is running. On a
    2-core machine anything else running slows both libraries; a wide range between the
    fastest and slowest epoch is the sign of a busy machine, so compare medians and rerun when
    in doubt. NumPy's matrix products use OpenBLAS (its threads:
    OPENBLAS_NUM_THREADS, printed); PyTorch uses its own kernels with 2 threads. This network's
    products are small (a fraction of a millisecond each), and a product split over 2 threads
    waits for both: with another process keeping one core busy, each can take a scheduler tick
    (4 ms) or more, and an epoch 5 to 15 times longer, for either library. Such runs show as a
    wide spread and say nothing about minidl; OPENBLAS_NUM_THREADS=1 keeps minidl's figure
    close to its quiet-machine value, at little cost on a quiet machine. The two libraries are
    timed in separate blocks because idle BLAS and OpenMP threads of one library keep a core
    busy for a while after its last call and slow the other (see benchmarks/bench_conv.py).
    The C allocator matters more than the arrays' size suggests (a few MiB per step): when it
    hands freed memory back to the system, the next step pays page faults to touch it again
    (bench_conv.py explains the thresholds that decide this). The minor page faults per epoch
    are printed for each library ('faults'): on the 2-core machine this script was written on,
    PyTorch's epoch took 250 to 390 ms from one invocation to the next with 65,000 to 130,000
    faults per epoch, and 150 to 210 ms with the MALLOC_*_ thresholds below (almost no
    faults); minidl's went from 630-810 ms (about 70,000 faults) to 510-610 ms. PyTorch gains
    more, so the ratio is higher with the thresholds fixed. Compare runs made with the same
    settings (they are printed).

How to run
    python benchmarks/bench_fit.py               # 5 epochs of each library after a warm-up
    python benchmarks/bench_fit.py --repeats 11  # tighter medians on a busy machine
    MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=134217728 \\
        python benchmarks/bench_fit.py           # without page faults from the allocator
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections import defaultdict

import numpy as np
import torch

import minidl
from minidl.layers import BatchNormalization, Conv2D, Dense, Flatten, Input, MaxPooling2D
from minidl.models import Sequential

TORCH_THREADS = 2
N_IMAGES = 1024
SIZE = 64  # images are SIZE x SIZE, one channel
CLASSES = 3
BATCH_SIZE = 32
DTYPE = "float32"
LEARNING_RATE = 1e-3
ADAM_EPSILON = 1e-7  # Keras's default; PyTorch's is 1e-8
BN_MOMENTUM = 0.99  # Keras's convention; PyTorch's momentum is 1 - this
BN_EPSILON = 1e-3
SQUARE = 12  # side of the bright square that marks the class


def make_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Images x (N, SIZE, SIZE, 1) float32 and labels y (N,) int64.

    Class c has a bright square on the diagonal, further down and right for each class (class 0
    at the top left, the last class at the bottom right), on top of Gaussian noise: easy to
    learn, so a training accuracy near 1 shows that the training loop works.
    """
    y = rng.integers(0, CLASSES, N_IMAGES)
    x = rng.standard_normal((N_IMAGES, SIZE, SIZE, 1), dtype=np.float32)
    for c in range(CLASSES):
        start = 4 + c * (SIZE - SQUARE - 8) // (CLASSES - 1)
        x[y == c, start : start + SQUARE, start : start + SQUARE, :] += 2.0
    return x, y


def epoch_flops() -> int:
    """Forward 2 * N * H_out * W_out * F * kh * kw * C per convolution, 2 * N * D_in * D_out for
    Dense; backward (dx and dW) twice the forward."""
    conv1 = 2 * SIZE * SIZE * 8 * 3 * 3 * 1
    conv2 = 2 * (SIZE // 2) * (SIZE // 2) * 16 * 3 * 3 * 8
    dense = 2 * (SIZE // 4) * (SIZE // 4) * 16 * CLASSES
    return 3 * N_IMAGES * (conv1 + conv2 + dense)


# -- the two networks ---------------------------------------------------------------------------
def minidl_model() -> Sequential:
    model = Sequential(
        [
            Input((SIZE, SIZE, 1)),
            Conv2D(8, 3, padding="same", activation="relu", dtype=DTYPE),
            MaxPooling2D(2),
            Conv2D(16, 3, padding="same", activation="relu", dtype=DTYPE),
            MaxPooling2D(2),
            BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, dtype=DTYPE),
            Flatten(),
            Dense(CLASSES, activation="softmax", dtype=DTYPE),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def torch_model() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding="same"),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding="same"),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(16, momentum=1.0 - BN_MOMENTUM, eps=BN_EPSILON),
        nn.Flatten(),
        nn.Linear(16 * (SIZE // 4) * (SIZE // 4), CLASSES),
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE, eps=ADAM_EPSILON)
    return net, optimizer


# -- one epoch of each library --------------------------------------------------------------------
def minidl_epoch(model: Sequential, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Seconds of one ``fit`` epoch, and the epoch's training accuracy."""
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, verbose=0, shuffle=True)
    seconds = time.perf_counter() - start
    return seconds, float(history.history["accuracy"][-1])


def torch_epoch(
    net: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    x_t: torch.Tensor,
    y_t: torch.Tensor,
    generator: torch.Generator,
) -> tuple[float, float]:
    """Seconds of one epoch of the hand-written loop, and the epoch's training accuracy."""
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    net.train()
    order = torch.randperm(len(x_t), generator=generator)
    total_loss, correct = 0.0, 0
    for first in range(0, len(x_t), BATCH_SIZE):
        rows = order[first : first + BATCH_SIZE]
        xb, yb = x_t[rows], y_t[rows]
        optimizer.zero_grad(set_to_none=True)
        logits = net(xb)
        loss = loss_fn(logits, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(rows)  # the running loss, as fit keeps it
        correct += int((logits.argmax(dim=1) == yb).sum())
    seconds = time.perf_counter() - start
    return seconds, correct / len(x_t)


def minor_faults() -> int:
    """Minor page faults of the process so far: pages the allocator had to map in again."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def timed_epochs(epoch, args: tuple, repeats: int) -> tuple[list[float], float, float]:
    """Seconds of ``repeats`` epochs after one untimed warm-up epoch; the last epoch's accuracy;
    the minor page faults per timed epoch."""
    epoch(*args)
    faults = minor_faults()
    results = [epoch(*args) for _ in range(repeats)]
    faults = (minor_faults() - faults) / repeats
    return [seconds for seconds, _ in results], results[-1][1], faults


# -- where minidl's epoch goes --------------------------------------------------------------------
def _timed(method, totals: dict, key: tuple):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        result = method(*args, **kwargs)
        totals[key] += time.perf_counter() - start
        return result

    return wrapper


def layer_split(model: Sequential, x: np.ndarray, y: np.ndarray) -> tuple[dict, float]:
    """Seconds per (layer name, 'forward' | 'backward') and of ``optimizer.apply`` over one
    epoch, and that epoch's total seconds. The wrappers live on the instances and are removed."""
    totals: dict[tuple, float] = defaultdict(float)
    patched = [*model.layers, model.optimizer]
    for layer in model.layers:
        layer.forward = _timed(layer.forward, totals, (layer.name, "forward"))
        layer.backward = _timed(layer.backward, totals, (layer.name, "backward"))
    model.optimizer.apply = _timed(model.optimizer.apply, totals, ("optimizer", "apply"))
    try:
        seconds, _ = minidl_epoch(model, x, y)
    finally:
        for obj in patched:
            for name in ("forward", "backward", "apply"):
                obj.__dict__.pop(name, None)
    return dict(totals), seconds


def print_layer_split(model: Sequential, totals: dict, seconds: float) -> None:
    print(f"\nWhere minidl's epoch goes (one more epoch, {1e3 * seconds:.0f} ms, layers timed):")
    print(f"  {'':20} {'':18} {'':>13} {'forward':>8} {'backward':>8} {'total':>8}")
    print(f"  {'layer':20} {'type':18} {'output':>13} {'ms':>8} {'ms':>8} {'ms':>8} {'share':>6}")
    in_layers = 0.0
    shape = model.input_shape
    for layer in model.layers:
        shape = layer.output_shape(shape)
        fwd = totals.get((layer.name, "forward"), 0.0)
        bwd = totals.get((layer.name, "backward"), 0.0)
        in_layers += fwd + bwd
        out = "(" + ", ".join(str(d) for d in shape[1:]) + ")"
        print(
            f"  {layer.name:20} {type(layer).__name__:18} {out:>13} {1e3 * fwd:8.1f} "
            f"{1e3 * bwd:8.1f} {1e3 * (fwd + bwd):8.1f} {(fwd + bwd) / seconds:6.1%}"
        )
    rest = seconds - in_layers
    optimizer = totals.get(("optimizer", "apply"), 0.0)
    others = rest - optimizer
    blank = f"{'':>13} {'':>8} {'':>8}"
    print(f"  {'rest':20} {'(outside layers)':18} {blank} {1e3 * rest:8.1f} {rest / seconds:6.1%}")
    print(
        f"    of which Adam (optimizer.apply) {1e3 * optimizer:.1f} ms ({optimizer / seconds:.1%}),"
    )
    print(
        f"    loss, metrics, batching, fit's checks and callbacks {1e3 * others:.1f} ms "
        f"({others / seconds:.1%})"
    )


# -- the setting ----------------------------------------------------------------------------------
def peak_rss_mib() -> float:
    """The process's resident-memory high-water mark (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def describe_setup() -> None:
    """Print what decides the figures: versions, threads, OpenBLAS and allocator settings."""
    blas = ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE")
    malloc = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
    print(
        f"minidl {minidl.__version__}, numpy {np.__version__}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads)"
    )
    print(
        f"CPUs: {os.cpu_count()}; " + ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in blas)
    )
    print(", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in malloc))


def print_times(label: str, seconds: list[float], faults: float, flops: int) -> float:
    median = statistics.median(seconds)
    spread = f"{1e3 * min(seconds):.0f} to {1e3 * max(seconds):.0f}"
    print(
        f"  {label:8} {1e3 * median:9.0f} {N_IMAGES / median:9.0f} {flops / median / 1e9:8.2f}"
        f" {faults:9.0f}   {spread}"
    )
    return median


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs (default 5)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be positive")

    torch.set_num_threads(TORCH_THREADS)
    describe_setup()
    minidl.seed(0)
    torch.manual_seed(0)
    x, y = make_data(np.random.default_rng(0))
    x_t = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    y_t = torch.from_numpy(y)

    model = minidl_model()
    out_dtype = model.predict(x[:BATCH_SIZE], verbose=0).dtype
    net, optimizer = torch_model()
    flops = epoch_flops()
    print(
        f"One epoch: {N_IMAGES} images {SIZE}x{SIZE}x1, {CLASSES} classes, batch {BATCH_SIZE}, "
        f"Adam, {DTYPE}; {model.count_params()} weights (minidl), {flops / 1e9:.2f} GFLOP"
    )
    print(f"minidl's predict returns {out_dtype} (expected {DTYPE})")
    rss = {"start": peak_rss_mib()}

    minidl_seconds, minidl_accuracy, minidl_faults = timed_epochs(
        minidl_epoch, (model, x, y), args.repeats
    )
    totals, split_seconds = layer_split(model, x, y)
    rss["minidl"] = peak_rss_mib()
    generator = torch.Generator().manual_seed(0)
    torch_args = (net, optimizer, x_t, y_t, generator)
    torch_seconds, torch_accuracy, torch_faults = timed_epochs(
        torch_epoch, torch_args, args.repeats
    )
    rss["torch"] = peak_rss_mib()

    print(f"\nEpoch time, median of {args.repeats} epochs after a warm-up epoch:")
    print(f"  {'':8} {'ms':>9} {'images/s':>9} {'GFLOP/s':>8} {'faults':>9}   all epochs (ms)")
    mine = print_times("minidl", minidl_seconds, minidl_faults, flops)
    theirs = print_times("PyTorch", torch_seconds, torch_faults, flops)
    fastest = min(minidl_seconds) / min(torch_seconds)
    print(
        f"  minidl / PyTorch: {mine / theirs:.2f}x (fastest epochs: {fastest:.2f}x; "
        f"project target: at most 2x)"
    )
    print(
        f"  training accuracy in the last timed epoch: minidl {minidl_accuracy:.3f}, "
        f"PyTorch {torch_accuracy:.3f}"
    )

    print_layer_split(model, totals, split_seconds)

    print("\nPeak resident memory (ru_maxrss, a process-wide high-water mark):")
    print(f"  before any training     {rss['start']:7.1f} MiB")
    print(
        f"  after minidl's epochs   {rss['minidl']:7.1f} MiB  "
        f"(+{rss['minidl'] - rss['start']:.1f} MiB for minidl's training)"
    )
    print(
        f"  after PyTorch's epochs  {rss['torch']:7.1f} MiB  "
        f"(+{rss['torch'] - rss['minidl']:.1f} MiB beyond minidl's mark)"
    )


if __name__ == "__main__":
    main()
