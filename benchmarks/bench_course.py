"""How fast are the course's training loops, next to the same loop written in PyTorch?

What is measured
    The two course-compatible training loops of ``minidl.course.dnn`` on the cat/non-cat training
    set, prepared as the course prepares it (X = train_x_orig.reshape(m, -1).T / 255., shape
    (12288, 209); Y = train_y, shape (1, 209)):

        two_layer_model(X, Y, (12288, 7, 1), learning_rate=0.0075, num_iterations=N)
        L_layer_model(X, Y, [12288, 20, 7, 5, 1], learning_rate=0.0075, num_iterations=N)

    and, in the same run, an equivalent loop in PyTorch (float64, ``torch.set_num_threads(2)``)
    that does the same work per iteration: forward through the same layers (ReLU hidden, sigmoid
    output), the mean binary cross-entropy cost, backward to the gradients of every W and b *and*
    of the input X (the course's backward computes dA0 = W1^T dZ1 too), then a plain
    gradient-descent step. Both loops start from the same weights (``np.random.seed(1)`` then the
    course's initializer), so their final costs must agree to about 1e-10 (relative); that is
    printed as a sanity check.

    For each model and each loop: seconds for N iterations (the median of R runs; minidl and
    PyTorch runs alternate), milliseconds per iteration, the achieved GFLOP/s and the fastest and
    slowest run, then the ratio minidl / PyTorch of the median times (above 1 means minidl is
    slower). Nothing is asserted: timings depend on the machine and on whatever else it is
    running (a wide spread of runs is the sign of a busy machine); this script only reports them.

How FLOPs are counted
    Analytically, from the matrix products alone (element-wise work is neglected). For layer l
    with weights W[l] of shape (n_l, n_{l-1}) and m examples, each iteration does

        forward   Z[l]      = W[l] A[l-1]       2 * m * n_l * n_{l-1}
        backward  dW[l]     = dZ[l] A[l-1]^T    2 * m * n_l * n_{l-1}
        backward  dA[l-1]   = W[l]^T dZ[l]      2 * m * n_l * n_{l-1}   (layer 1 included)

    so FLOPs per iteration = 6 * m * sum_l n_l * n_{l-1}; about 0.108 GFLOP for the two-layer
    network and 0.308 GFLOP for the four-layer one.

Reading the figures
    On a 2-core machine anything else running slows both loops, PyTorch's most: a wide range of
    runs means a busy machine. PyTorch's figure can also change from one invocation to the next:
    in some processes the C allocator gives the 20 MB gradient of X back to the system after each
    iteration, and faulting it in again costs about 3 ms per iteration (thousands of page faults,
    seen as system time). Running with MALLOC_MMAP_THRESHOLD_=67108864 and
    MALLOC_TRIM_THRESHOLD_=134217728 in the environment rules that out.

How to run
    python benchmarks/bench_course.py                    # N = 2500 iterations, 3 repeats
    python benchmarks/bench_course.py --iterations 100 --repeats 1      # a quick look
    python benchmarks/bench_course.py --data-dir /path/to/folder/with/the/h5/files

    Without --data-dir the data files are looked for in $MINIDL_DATA, then ./data.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time

import numpy as np
import torch

from minidl.course import dnn
from minidl.data import load_catvnoncat

LEARNING_RATE = 0.0075
TORCH_THREADS = 2
WARMUP_ITERATIONS = 3  # one untimed short run of each loop, so first-call costs are not timed

MODELS = {
    "two_layer_model": (dnn.two_layer_model, [12288, 7, 1]),
    "L_layer_model": (dnn.L_layer_model, [12288, 20, 7, 5, 1]),
}


def load_course_data(data_dir: str | None) -> tuple[np.ndarray, np.ndarray]:
    """The training set as the course feeds it to the models: X (12288, m) in [0, 1], Y (1, m)."""
    train_x_orig, train_y, _, _, _ = load_catvnoncat(data_dir)
    m = train_x_orig.shape[0]
    X = train_x_orig.reshape(m, -1).T / 255.0
    return X, train_y


def flops_per_iteration(layer_dims: list[int], m: int) -> int:
    """6 * m * sum_l n_l * n_{l-1}: forward, dW and dA_prev products of every layer."""
    return sum(6 * m * n_out * n_in for n_in, n_out in itertools.pairwise(layer_dims))


def initial_parameters(name: str, layer_dims: list[int]) -> dict[str, np.ndarray]:
    """The weights the course's loop starts from: it seeds NumPy with 1, then initializes."""
    np.random.seed(1)  # noqa: NPY002 (the course draws from NumPy's global generator)
    if name == "two_layer_model":
        return dnn.initialize_parameters(*layer_dims)
    return dnn.initialize_parameters_deep(layer_dims)


# -- the two loops, each returning the cost of its final parameters -----------------------------
def run_minidl(name: str, X: np.ndarray, Y: np.ndarray, num_iterations: int) -> tuple[float, float]:
    """Time the course's loop; return (seconds, cost of the trained parameters)."""
    model, layer_dims = MODELS[name]
    start = time.perf_counter()
    parameters, _ = model(
        X,
        Y,
        layer_dims,
        learning_rate=LEARNING_RATE,
        num_iterations=num_iterations,
        print_cost=False,
    )
    seconds = time.perf_counter() - start
    AL, _ = dnn.L_model_forward(X, parameters)  # also right for two-layer parameters
    return seconds, dnn.compute_cost(AL, Y)


def bce_cost(AL: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy, written as the course writes it.

    minidl clips AL to [1e-7, 1 - 1e-7] inside the log; on this data AL stays inside that range
    (its smallest value after 2500 iterations is about 2.6e-7), so the clipping changes nothing.
    """
    return -torch.mean(Y * torch.log(AL) + (1 - Y) * torch.log(1 - AL))


def torch_forward(X: torch.Tensor, weights: list, biases: list) -> torch.Tensor:
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID, one example per column as in the course."""
    A = X
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        A = torch.relu(W @ A + b)
    return torch.sigmoid(weights[-1] @ A + biases[-1])


def run_torch(name: str, X: np.ndarray, Y: np.ndarray, num_iterations: int) -> tuple[float, float]:
    """Time the equivalent PyTorch loop; return (seconds, cost of the trained parameters)."""
    _, layer_dims = MODELS[name]
    parameters = initial_parameters(name, layer_dims)
    L = len(layer_dims) - 1
    weights = [torch.tensor(parameters[f"W{l}"], requires_grad=True) for l in range(1, L + 1)]
    biases = [torch.tensor(parameters[f"b{l}"], requires_grad=True) for l in range(1, L + 1)]
    # The same float64 X (shared with NumPy, not copied); requires_grad so that backward computes
    # dA0 = W1^T dZ1, as the course's backward does.
    X_t = torch.from_numpy(X).requires_grad_()
    Y_t = torch.from_numpy(Y).to(torch.float64)

    start = time.perf_counter()
    for _ in range(num_iterations):
        cost = bce_cost(torch_forward(X_t, weights, biases), Y_t)
        cost.backward()
        with torch.no_grad():
            for p in weights + biases:
                p -= LEARNING_RATE * p.grad
                p.grad = None
        X_t.grad = None  # a fresh dA0 each iteration, as in the course (nothing accumulates)
    seconds = time.perf_counter() - start

    with torch.no_grad():
        final_cost = bce_cost(torch_forward(X_t, weights, biases), Y_t).item()
    return seconds, final_cost


# -- measuring and printing ---------------------------------------------------------------------
def benchmark(name: str, X: np.ndarray, Y: np.ndarray, num_iterations: int, repeats: int) -> None:
    """Time both loops ``repeats`` times (alternating) and print one block of figures."""
    _, layer_dims = MODELS[name]
    m = X.shape[1]
    flops = flops_per_iteration(layer_dims, m)
    runners = {"minidl": run_minidl, "PyTorch": run_torch}

    for run in runners.values():
        run(name, X, Y, WARMUP_ITERATIONS)
    seconds = {label: [] for label in runners}
    final_cost = {}
    for _ in range(repeats):
        for label, run in runners.items():
            elapsed, final_cost[label] = run(name, X, Y, num_iterations)
            seconds[label].append(elapsed)
    median = {label: statistics.median(times) for label, times in seconds.items()}

    print(f"\n{name}  layers {layer_dims}, m = {m}, {num_iterations} iterations")
    print(f"  {flops / 1e9:.4f} GFLOP per iteration (6 * m * sum n_l * n_(l-1))")
    header = f"{'seconds':>9} {'ms/iter':>9} {'GFLOP/s':>9}   {'all runs (s)':<16} final cost"
    print(f"  {'':8} {header}")
    for label in runners:
        s = median[label]
        gflops = flops * num_iterations / s / 1e9
        runs = f"{min(seconds[label]):.2f} to {max(seconds[label]):.2f}"
        row = f"{s:9.3f} {1e3 * s / num_iterations:9.3f} {gflops:9.1f}   {runs:<16}"
        print(f"  {label:8} {row} {final_cost[label]:.15f}")
    ratio = median["minidl"] / median["PyTorch"]
    rel = abs(final_cost["minidl"] - final_cost["PyTorch"]) / abs(final_cost["PyTorch"])
    print(f"  minidl / PyTorch time (medians of {repeats}): {ratio:.2f}x")
    print(f"  final costs differ by {rel:.1e} (relative)")


def describe_setup() -> None:
    """Print what decides the figures: versions, BLAS threads and the OpenBLAS overrides."""
    blas = {k: os.environ.get(k, "(unset)") for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print(f"CPUs: {os.cpu_count()}; " + ", ".join(f"{k}={v}" for k, v in blas.items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2500, help="N (default 2500)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per loop (default 3)")
    parser.add_argument(
        "--data-dir", default=None, help="folder with the .h5 files (default $MINIDL_DATA, ./data)"
    )
    args = parser.parse_args(argv)
    if args.iterations < 1 or args.repeats < 1:
        parser.error("--iterations and --repeats must be positive")

    torch.set_num_threads(TORCH_THREADS)
    X, Y = load_course_data(args.data_dir)
    describe_setup()
    for name in MODELS:
        benchmark(name, X, Y, args.iterations, args.repeats)


if __name__ == "__main__":
    main()
