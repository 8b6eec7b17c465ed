"""How well, and how fast, does the cat CNN train, seed after seed?

What is measured
    ``minidl.applications.cat_cnn.train_cat_cnn`` with its default settings (60 epochs, batches
    of 16, Adam from 0.002 decayed along a cosine, the module's augmentation) on the course's
    cat/non-cat images (209 training, 50 test), once per seed (default seeds 0 to 4). For each
    seed: the accuracy on the training images (unchanged, not augmented) and on the test images,
    and the seconds the training took (``train_cat_cnn`` as a whole: scaling, 60 epochs, the two
    accuracies). Then the mean and the standard deviation (population, ddof=0) of each column
    over the seeds, and next to them the course's L-layer network's test accuracy, 0.80.

    The settings are fixed for every seed; nothing is chosen per seed, and the test images
    take no part in training. A single seed's test accuracy moves in steps of 0.02 (one image
    of 50), so compare means over seeds.

Reading the figures
    Nothing is asserted. The accuracies are the same, digit for digit, from one run to the next
    on the same machine with the same number of BLAS threads; the seconds depend on whatever
    else the machine is running. NumPy's matrix products use OpenBLAS, whose thread count
    (OPENBLAS_NUM_THREADS) is printed. This network's products are small, and a product split
    over two threads waits for the slower one: on a 2-core machine, OPENBLAS_NUM_THREADS=1 can
    be faster than two threads, and much faster when other work keeps a core busy. The thread
    count also changes the order of float32 sums, hence a weight's last digits and, now and
    then, one image's prediction.

How to run
    python benchmarks/cat_cnn_seeds.py                   # seeds 0 1 2 3 4, 3 to 4 minutes
    python benchmarks/cat_cnn_seeds.py --seeds 0 1       # fewer seeds
    python benchmarks/cat_cnn_seeds.py --epochs 20       # a quicker, weaker look
    python benchmarks/cat_cnn_seeds.py --data-dir /path/to/folder/with/the/h5/files

    Without --data-dir the data files are looked for in $MINIDL_DATA, then ./data.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from minidl import __version__
from minidl.applications import cat_cnn
from minidl.data import load_catvnoncat

L_LAYER_TEST_ACCURACY = 0.80  # the course's published figure


def run(data: tuple, seed: int, epochs: int) -> tuple[float, float, float]:
    """(train accuracy, test accuracy, seconds) of one default training with ``seed``."""
    train_x, train_y, test_x, test_y, _ = data
    start = time.perf_counter()
    _, _, accuracy = cat_cnn.train_cat_cnn(
        train_x, train_y, test_x, test_y, epochs=epochs, seed=seed, verbose=0
    )
    return accuracy["train"], accuracy["test"], time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="seeds (default 0 1 2 3 4)"
    )
    parser.add_argument(
        "--epochs", type=int, default=cat_cnn.EPOCHS, help=f"epochs (default {cat_cnn.EPOCHS})"
    )
    parser.add_argument(
        "--data-dir", default=None, help="folder with the .h5 files (default $MINIDL_DATA, ./data)"
    )
    args = parser.parse_args(argv)
    if args.epochs < 1 or any(seed < 0 for seed in args.seeds):
        parser.error("--epochs must be positive and the seeds >= 0")

    data = load_catvnoncat(args.data_dir)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "(unset)")
    print(
        f"minidl {__version__}, numpy {np.__version__}; CPUs: {os.cpu_count()}; "
        f"OPENBLAS_NUM_THREADS={threads}"
    )
    print(
        f"cat CNN: {cat_cnn.build_cat_cnn(0).count_params():,} weights, {args.epochs} epochs, "
        f"batch size {cat_cnn.BATCH_SIZE}, learning rate {cat_cnn.LEARNING_RATE}; "
        f"{len(data[0])} training and {len(data[2])} test images"
    )
    print(f"{'seed':>6} {'train':>8} {'test':>8} {'seconds':>9}")
    rows = []
    for seed in args.seeds:
        rows.append(run(data, seed, args.epochs))
        train, test, seconds = rows[-1]
        print(f"{seed:>6} {train:>8.4f} {test:>8.4f} {seconds:>9.1f}", flush=True)
    table = np.array(rows)
    mean, std = table.mean(axis=0), table.std(axis=0)
    print(f"{'mean':>6} {mean[0]:>8.4f} {mean[1]:>8.4f} {mean[2]:>9.1f}")
    print(f"{'std':>6} {std[0]:>8.4f} {std[1]:>8.4f} {std[2]:>9.1f}")
    print(
        f"mean test accuracy {mean[1]:.4f} over {len(rows)} seed(s); the course's L-layer "
        f"network: {L_LAYER_TEST_ACCURACY:.2f}"
    )


if __name__ == "__main__":
    main()
