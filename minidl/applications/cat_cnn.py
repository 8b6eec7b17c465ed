"""A small convolutional network for the course's cat/non-cat images, trained with augmentation.

The course's L-layer network flattens each 64x64x3 image into 12,288 numbers: it has no idea
that neighbouring pixels belong together, and a cat moved by a few pixels is a new problem to
it. It reaches 0.80 on the 50 test images. A convolutional network shares one small filter over
every position instead, so an ear or an eye is recognised wherever it appears, with a few
thousand weights per layer rather than 12,288 x 20 in the first layer alone.

The architecture (``build_cat_cnn``), 61,105 weights, channels-last:

    Input (64, 64, 3)                   RGB, scaled to [0, 1]
    4 x [ Conv2D(F, 3, 'same')          F = 16, 32, 64, 64 filters of 3x3: edges and colours
                                        first, then parts (ears, eyes, fur) made of them
          BatchNormalization(0.9)       each channel to zero mean and unit variance over the batch
          ReLU
          MaxPooling2D(2) ]             halves the size: 64 -> 32 -> 16 -> 8 -> 4
    GlobalAveragePooling2D              (4, 4, 64) -> (64,): "how much of each part, anywhere"
    Dropout(0.3)                        while training, no single feature can carry the decision
    Dense(1, sigmoid)                   P(cat)

Why each piece:

* Four blocks of 3x3 convolutions and 2x2 poolings give the last layer a view of 46x46 pixels
  (the receptive field), enough to see a whole cat's head; three blocks (22x22 pixels) did
  worse on held-out training images.
* Batch normalization lets Adam take large steps from the start. Its ``momentum`` is 0.9
  rather than Keras's 0.99: with 14 batches per epoch, 0.99 averages the statistics used at
  test time over the last ~100 batches (7 epochs), while the weights keep changing, so the
  network that is tested lags behind the one being trained; 0.9 follows the last ~10 batches.
  The convolutions have no bias: the normalization's shift (beta) plays that part.
* Global average pooling instead of Flatten: 64 numbers instead of 1,024 reach the classifier,
  so the classifier has 65 weights to learn from 209 images rather than 1,025.
* float32 weights and images: an epoch takes about half the time it takes in float64.

Why augmentation: 209 training images are few. The network fits them long before it has
learned what a cat is (the L-layer network reaches 98.6% on them and 80% on the test images).
Each epoch therefore sees every image changed at random (``AUGMENTATION``): turned by up to 15
degrees, moved by up to 10% of its size, zoomed by up to 10% and mirrored left-right half of the
time. A cat stays a cat under each of these, so the network is pushed to use what does not
change; it never sees the same picture twice. Vertical flips are left out: photographs are
taken the right way up.

Training: Adam with the learning rate starting at 0.002 and decreasing along a half cosine to
almost zero at the last epoch (``CosineDecay``): large steps early, small ones at the end, so
the final weights do not jump between epochs and no epoch has to be picked. Batches of 16, 60
epochs, the binary cross-entropy. The settings were chosen on 50 images held out of the
training set, never on the test images, and they are the same for every seed; the test
images are looked at once, at the end. ``benchmarks/cat_cnn_seeds.py`` prints the test
accuracy over seeds 0 to 4.

Everything random (initial weights, dropout masks, augmentation, batch order) derives from
``seed``: the same int gives the same weights, bit for bit, on the same machine with the same
number of BLAS threads (OPENBLAS_NUM_THREADS; the order in which a matrix product adds its terms
depends on it, and float32 sums keep the difference).

Example:
    >>> from minidl.data import load_catvnoncat
    >>> train_x, train_y, test_x, test_y, classes = load_catvnoncat()
    >>> model, history, accuracy = train_cat_cnn(train_x, train_y, test_x, test_y, seed=0)
    >>> accuracy["test"]
"""

from __future__ import annotations

import math

import numpy as np

from .. import callbacks, layers, optimizers
from .._checks import check_int, check_number, is_real
from ..data.augment import Augment
from ..models import Sequential
from ..random import as_generator

__all__ = [
    "AUGMENTATION",
    "BATCH_SIZE",
    "EPOCHS",
    "LEARNING_RATE",
    "CosineDecay",
    "accuracy_of",
    "build_cat_cnn",
    "cat_augment",
    "prepare_images",
    "prepare_labels",
    "train_cat_cnn",
]

IMAGE_SHAPE = (64, 64, 3)
FILTERS = (16, 32, 64, 64)
DROPOUT = 0.3
BN_MOMENTUM = 0.9
EPOCHS = 60
BATCH_SIZE = 16
LEARNING_RATE = 0.002
POSITIVE = "a positive number"  # how the checks name (0, inf)
SEED = "an integer >= 0 or None"
AUGMENTATION = {
    "rotation_range": 15.0,
    "width_shift_range": 0.1,
    "height_shift_range": 0.1,
    "zoom_range": 0.1,
    "horizontal_flip": True,
}


class CosineDecay(callbacks.Callback):
    """Set the optimizer's learning rate at the start of each epoch along a half cosine.

    ``lr(epoch) = initial_learning_rate * (1 + cos(pi * epoch / epochs)) / 2`` for epoch = 0,
    1, ..., epochs - 1: the full rate in the first epoch, then smoothly smaller, and about
    ``initial_learning_rate * 2.5 / epochs**2`` in the last (never zero). ``fit`` records the
    rate of each epoch in ``history.history['learning_rate']``.

    Args:
        initial_learning_rate: the rate of the first epoch, > 0.
        epochs: the number of epochs the schedule spans, >= 1.

    Raises:
        ValueError: either argument out of range, or not a number (``ArgumentTypeError``, a
            ValueError and a TypeError).
    """

    def __init__(self, initial_learning_rate: float, epochs: int) -> None:
        super().__init__()
        self.initial_learning_rate = check_number(
            initial_learning_rate,
            "initial_learning_rate",
            "CosineDecay",
            0,
            open_low=True,
            expected=POSITIVE,
        )
        self.epochs = check_int(epochs, "epochs", "CosineDecay", 1)

    def rate(self, epoch: int) -> float:
        """The learning rate of ``epoch`` (counted from 0)."""
        return self.initial_learning_rate * 0.5 * (1.0 + math.cos(math.pi * epoch / self.epochs))

    def on_epoch_begin(self, epoch, logs=None):
        self.model.optimizer.learning_rate = self.rate(epoch)


def _check_seed(seed: object, where: str) -> int | None:
    """``seed`` as an int >= 0, or None (``check_int``). A float is refused first, quoting the
    number alone ("received 1.5"): what the caller has to fix is the value, a whole number."""
    if is_real(seed) and not isinstance(seed, (int, np.integer)):
        raise ValueError(f"{where}: expected seed as {SEED}, received {seed!r}")
    return check_int(seed, "seed", where, 0, allow_none=True, expected=SEED)


def prepare_images(x: np.ndarray, name: str = "x", where: str = "prepare_images") -> np.ndarray:
    """Images as the loader gives them, uint8 (m, 64, 64, 3), as float32 in [0, 1].

    Args:
        x: uint8 images (m, 64, 64, 3).
        name, where: for the error message.

    Returns:
        A new float32 array (m, 64, 64, 3), x / 255.

    Raises:
        TypeError: x is not a uint8 NumPy array (already-scaled floats would be divided twice).
        ValueError: x is not (m, 64, 64, 3) with m >= 1.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8:
        got = f"dtype {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"{where}: expected {name} as uint8 images (m, 64, 64, 3), as load_catvnoncat "
            f"gives them, received {got}"
        )
    if x.ndim != 4 or x.shape[1:] != IMAGE_SHAPE or len(x) == 0:
        raise ValueError(
            f"{where}: expected {name} of shape (m, 64, 64, 3) with m >= 1, received {x.shape}"
        )
    return x.astype(np.float32) / np.float32(255.0)


def prepare_labels(
    y: np.ndarray, m: int, name: str = "y", where: str = "prepare_labels"
) -> np.ndarray:
    """Labels (1, m) as the loader gives them (or (m,) or (m, 1)) as float32 (m, 1), one row
    per image, the layout ``fit`` expects.

    Raises:
        ValueError: not m labels, or a label other than 0 and 1.
    """
    y = np.asarray(y)
    if y.ndim not in (1, 2) or y.size != m or (y.ndim == 2 and 1 not in y.shape):
        raise ValueError(
            f"{where}: expected {name} as {m} labels of shape (1, {m}), one per image, "
            f"received shape {y.shape}"
        )
    if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
        raise ValueError(f"{where}: expected {name} with labels 0 (non-cat) and 1 (cat) only")
    return y.reshape(m, 1).astype(np.float32)


def build_cat_cnn(seed: int | None = None) -> Sequential:
    """The network of the module docstring, built for (64, 64, 3) images and not compiled.

    Args:
        seed: an int >= 0 fixes the initial weights and the dropout masks; None derives them
            from ``minidl.seed`` (default None).

    Returns:
        A Sequential named 'cat_cnn' with layers conv1, bn1, relu1, pool1, ..., conv4, bn4,
        relu4, pool4, gap, dropout, output; output (N, 1), P(cat). ``summary()`` works at once.

    Raises:
        ValueError: a seed that is not an int >= 0 or None.
    """
    where = "build_cat_cnn"
    rng = as_generator(_check_seed(seed, where), where)

    def child_seed() -> int:
        return int(rng.integers(2**31))

    stack: list = [layers.Input(IMAGE_SHAPE)]
    for i, filters in enumerate(FILTERS, start=1):
        stack += [
            layers.Conv2D(
                filters,
                3,
                padding="same",
                use_bias=False,
                seed=child_seed(),
                dtype="float32",
                name=f"conv{i}",
            ),
            layers.BatchNormalization(momentum=BN_MOMENTUM, dtype="float32", name=f"bn{i}"),
            layers.ReLU(name=f"relu{i}"),
            layers.MaxPooling2D(2, name=f"pool{i}"),
        ]
    stack += [
        layers.GlobalAveragePooling2D(name="gap"),
        layers.Dropout(DROPOUT, seed=child_seed(), name="dropout"),
        layers.Dense(1, activation="sigmoid", seed=child_seed(), dtype="float32", name="output"),
    ]
    return Sequential(stack, name="cat_cnn")


def cat_augment(seed: int | None = None) -> Augment:
    """The augmentation of the module docstring (``AUGMENTATION``), seeded."""
    return Augment(**AUGMENTATION, seed=seed)


def accuracy_of(model: Sequential, x: np.ndarray, y: np.ndarray) -> float:
    """The share of images (float32 (m, 64, 64, 3)) whose P(cat) > 0.5 matches y (m, 1)."""
    p = model.predict(x, batch_size=64, verbose=0)
    return float(np.mean((p > 0.5) == (y > 0.5)))


def train_cat_cnn(
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    epochs: int = EPOCHS,
    batch_size: int = BATCH_SIZE,
    learning_rate: float = LEARNING_RATE,
    seed: int | None = 0,
    verbose: int = 2,
) -> tuple[Sequential, callbacks.History, dict[str, float]]:
    """Build, train and test the cat CNN on the course's images, as ``load_catvnoncat`` gives them.

    The test images are used once, after training, for the reported accuracy; nothing during
    training looks at them.

    Args:
        train_x: uint8 training images (m, 64, 64, 3), scaled to [0, 1] here.
        train_y: their labels (1, m) (or (m,)), 1 for a cat.
        test_x, test_y: the test images and labels, in the same layouts.
        epochs: passes over the augmented training images (default 60).
        batch_size: images per step (default 16).
        learning_rate: Adam's rate in the first epoch, decayed by ``CosineDecay`` (default 0.002).
        seed: an int >= 0 makes the whole run reproducible (weights, dropout, augmentation,
            batch order); None derives everything from ``minidl.seed`` (default 0).
        verbose: 0 silent, 1 a progress bar, 2 one line per epoch (default 2).

    Returns:
        (model, history, accuracy): the trained, compiled model; ``fit``'s History (per epoch:
        'loss' and 'accuracy' on the augmented batches, in training mode, and
        'learning_rate'); {'train': ..., 'test': ...}, the accuracies on the unchanged images.

    Raises:
        TypeError: images that are not uint8.
        ValueError: a bad shape, label, setting or seed, or a loss that became NaN or infinite
            (a learning rate too large), naming the epoch.
    """
    where = "train_cat_cnn"
    x = prepare_images(train_x, "train_x", where)
    y = prepare_labels(train_y, len(x), "train_y", where)
    xt = prepare_images(test_x, "test_x", where)
    yt = prepare_labels(test_y, len(xt), "test_y", where)
    check_int(epochs, "epochs", where, 1)
    check_int(batch_size, "batch_size", where, 1)
    check_number(learning_rate, "learning_rate", where, 0, open_low=True, expected=POSITIVE)

    rng = as_generator(_check_seed(seed, where), where)
    model = build_cat_cnn(seed=int(rng.integers(2**31)))
    model.compile(
        optimizer=optimizers.Adam(learning_rate=learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    augment = cat_augment(seed=int(rng.integers(2**31)))
    batches = augment.flow(x, y, batch_size=batch_size, shuffle=True, seed=int(rng.integers(2**31)))
    history = model.fit(
        batches,
        epochs=epochs,
        verbose=verbose,
        callbacks=[CosineDecay(learning_rate, epochs), callbacks.TerminateOnNaN()],
    )
    losses = history.history.get("loss", [])
    if len(losses) < epochs or not all(math.isfinite(v) for v in losses):
        raise ValueError(
            f"{where}: the loss became {losses[-1] if losses else 'nan'} in epoch {len(losses)}; "
            f"expected a learning rate small enough to train with, received {learning_rate}"
        )
    accuracy = {"train": accuracy_of(model, x, y), "test": accuracy_of(model, xt, yt)}
    return model, history, accuracy
