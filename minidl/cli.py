"""The ``minidl`` command.

    minidl train wafer [--images N] [--epochs E] [--seed S] [--out DIR]

generates synthetic wafers, tunes the classical detector and trains the patch CNN, compares both
on held-out wafers (a table on stdout) and writes the models, ``metrics.json``, pictures and
three held-out wafers as plain PNGs into DIR (minidl.detect.job).

    minidl detect IMAGE... --model PATH [--out DIR]

runs a saved detection pipeline on image files and writes annotated PNGs and a JSON of the
detections.

    minidl denoise IMAGE [--sigma auto|VALUE] [--patch 8] [--aggregation uniform|sparsity]
                         [--reference CLEAN] [--out DIR]

denoises an image by hard thresholding in the sliding DCT (minidl.sparse) and writes the
denoised PNG, a side-by-side figure and a JSON report (sigma in grey levels, 0-255).

    minidl anomaly [--normal N] [--test N] [--size PX] [--fpr RATE] [--seed S] [--out DIR]

fits a dictionary anomaly detector on generated defect-free wafers (no labels), scores wafers
with defects and writes anomaly maps beside the truth, the ROC curve and metrics.json.

    minidl data wafer [--out FILE] [--images N] [--per-class K] [--seed S]

writes a patch data set (defect and background patches) as HDF5.

    minidl train cat --model two-layer|l-layer [--iterations N] [--learning-rate LR] [--out DIR]

trains the course's network on the cat/non-cat images, prints the cost every 100 iterations and
the train and test accuracy, and writes into DIR: ``cost.png`` (the cost curve),
``parameters.h5`` (the weights; reload with ``minidl.io.load_arrays``) and ``metrics.json``.

    minidl train cat --model cnn [--epochs E] [--learning-rate LR] [--seed S] [--out DIR]

trains a small convolutional network on the same images with augmentation
(minidl.applications.cat_cnn), prints a line per epoch and the train and test accuracy, and
writes into DIR: ``training_curves.png`` (loss, accuracy and learning rate per epoch), ``model.h5``
(reload with ``minidl.load_model``) and ``metrics.json``. ``--learning-rate`` is then Adam's
rate in the first epoch; ``--iterations`` belongs to the course's networks, ``--epochs`` and
``--seed`` to the CNN, and giving one to the other model is a usage error (exit status 2).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["main"]

CAT_MODELS = {"two-layer": [12288, 7, 1], "l-layer": [12288, 20, 7, 5, 1]}
CAT_CNN = "cnn"  # minidl.applications.cat_cnn


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, received {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, received {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, received {value}")
    return value


def _sigma(text: str) -> float | str:
    if text == "auto":
        return text
    try:
        return _positive_float(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected 'auto' or a positive number of grey levels, received {text!r}"
        ) from None


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a rate between 0 and 1, received {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}")
    return value


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Show '(default: X)' except where the help already explains a None default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None:
            return action.help or ""
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    from .version import __version__

    fmt = _Formatter
    parser = argparse.ArgumentParser(
        prog="minidl",
        description="minidl: deep learning from scratch in NumPy.",
        formatter_class=fmt,
    )
    parser.add_argument("--version", action="version", version=f"minidl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    train = commands.add_parser(
        "train", help="train a model", description="Train a model.", formatter_class=fmt
    )
    jobs = train.add_subparsers(dest="job", metavar="JOB", required=True)
    cat = jobs.add_parser(
        "cat",
        help="the course's cat/non-cat network, or a small CNN",
        description="Train the course's two-layer or L-layer network, or a small convolutional "
        "network with data augmentation (--model cnn), on the cat/non-cat images.",
        formatter_class=fmt,
    )
    cat.add_argument(
        "--model",
        choices=sorted([*CAT_MODELS, CAT_CNN]),
        default="two-layer",
        help="two-layer: (12288, 7, 1); l-layer: [12288, 20, 7, 5, 1]; cnn: four convolution "
        "blocks trained with augmentation (minidl.applications.cat_cnn)",
    )
    cat.add_argument(
        "--iterations",
        type=_positive_int,
        default=None,
        help="gradient-descent iterations of two-layer and l-layer (default: 2500)",
    )
    cat.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="epochs of cnn (default: 60)",
    )
    cat.add_argument(
        "--learning-rate",
        type=_positive_float,
        default=None,
        help="learning rate of gradient descent (default: 0.0075); for cnn, Adam's rate in the "
        "first epoch, decayed along a cosine (default: 0.002)",
    )
    cat.add_argument(
        "--seed",
        type=_non_negative_int,
        default=None,
        help="seed of cnn's weights, dropout, augmentation and batch order (default: 0); the "
        "course's networks always start from the course's seed",
    )
    cat.add_argument(
        "--out", type=Path, default=None, help="output folder (default: runs/<model>-<timestamp>/)"
    )
    cat.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder with the .h5 files (default: $MINIDL_DATA, then ./data)",
    )
    cat.set_defaults(func=train_cat, usage_error=cat.error)

    wafer = jobs.add_parser(
        "wafer",
        help="the wafer defect detectors (the main job)",
        description="Generate synthetic wafers, train the patch CNN and tune the classical "
        "detector, compare them on held-out wafers and write models, metrics and pictures.",
        formatter_class=fmt,
    )
    wafer.add_argument("--images", type=_positive_int, default=150, help="training wafers")
    wafer.add_argument("--test-images", type=_positive_int, default=20, help="held-out wafers")
    wafer.add_argument(
        "--epochs", type=_positive_int, default=None, help="CNN epochs (default: the detector's)"
    )
    wafer.add_argument(
        "--patches-per-class",
        type=_positive_int,
        default=None,
        help="CNN training patches per class (default: the detector's)",
    )
    wafer.add_argument(
        "--seed", type=_non_negative_int, default=0, help="seed of the data and training"
    )
    wafer.add_argument("--size", type=_positive_int, default=400, help="wafer image side in pixels")
    wafer.add_argument(
        "--out", type=Path, default=None, help="output folder (default: runs/wafer-<timestamp>/)"
    )
    wafer.set_defaults(func=train_wafer)
    train.epilog = "".join(
        f"options of 'minidl train {name}':" + job.format_help().split("options:", 1)[1]
        for name, job in (("wafer", wafer), ("cat", cat))
    )

    detect = commands.add_parser(
        "detect",
        help="find defects on wafer images with a saved pipeline",
        description="Run a saved detection pipeline on image files (PNG, JPEG, TIFF, ... of any "
        "size); write annotated PNGs and detections.json.",
        formatter_class=fmt,
    )
    detect.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="image files")
    detect.add_argument(
        "--model", type=Path, required=True, help="a pipeline saved by 'minidl train wafer'"
    )
    detect.add_argument("--out", type=Path, default=Path("detections"), help="output folder")
    detect.set_defaults(func=detect_images)

    denoise = commands.add_parser(
        "denoise",
        help="denoise an image by hard thresholding in the sliding DCT",
        description="Denoise an image file (PNG, JPEG, TIFF, ...; read as grey) by hard "
        "thresholding in the sliding DCT; write the denoised PNG, a side-by-side figure and a "
        "JSON report (the estimated sigma, and the PSNR when a reference is given).",
        formatter_class=fmt,
    )
    denoise.add_argument("image", type=Path, metavar="IMAGE", help="the noisy image file")
    denoise.add_argument(
        "--sigma",
        type=_sigma,
        default="auto",
        help="the noise's standard deviation in grey levels (0-255), or 'auto' to estimate it "
        "from the image",
    )
    denoise.add_argument("--patch", type=_positive_int, default=8, help="patch side in pixels")
    denoise.add_argument(
        "--aggregation",
        choices=["uniform", "sparsity"],
        default="uniform",
        help="how overlapping patch estimates are averaged",
    )
    denoise.add_argument(
        "--reference", type=Path, default=None, help="the clean image, to report the PSNR"
    )
    denoise.add_argument("--out", type=Path, default=Path("denoised"), help="output folder")
    denoise.set_defaults(func=denoise_image)

    anomaly = commands.add_parser(
        "anomaly",
        help="find wafer defects with no labels: a dictionary of normal patches",
        description="Fit an anomaly detector on generated defect-free wafers (no defect is "
        "labelled), score wafers with defects against their true masks and write anomaly maps, "
        "the ROC curve and metrics.json.",
        formatter_class=fmt,
    )
    anomaly.add_argument(
        "--normal", type=_positive_int, default=12, help="defect-free wafers to fit on"
    )
    anomaly.add_argument(
        "--test", type=_positive_int, default=6, help="wafers with defects to score"
    )
    anomaly.add_argument(
        "--size", type=_positive_int, default=200, help="wafer image side in pixels"
    )
    anomaly.add_argument(
        "--fpr", type=_rate, default=0.01, help="the false-positive rate to aim for"
    )
    anomaly.add_argument("--seed", type=_non_negative_int, default=0, help="seed of the data")
    anomaly.add_argument(
        "--out", type=Path, default=None, help="output folder (default: runs/anomaly-<timestamp>/)"
    )
    anomaly.set_defaults(func=anomaly_command)

    data = commands.add_parser(
        "data", help="generate data sets", description="Generate data sets.", formatter_class=fmt
    )
    sets = data.add_subparsers(dest="dataset", metavar="DATASET", required=True)
    patches = sets.add_parser(
        "wafer",
        help="wafer defect patches",
        description="Write a wafer patch data set (HDF5).",
        formatter_class=fmt,
    )
    patches.add_argument(
        "--out", type=Path, default=Path("data/wafer_patches.h5"), help="output file"
    )
    patches.add_argument(
        "--images", type=_positive_int, default=40, help="wafers to cut patches from"
    )
    patches.add_argument("--per-class", type=_positive_int, default=500, help="patches per class")
    patches.add_argument("--seed", type=_non_negative_int, default=0, help="seed")
    patches.set_defaults(func=data_wafer)
    return parser


def _default_out(model: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path("runs") / f"{model}-{stamp}"
    suffix = 1
    while out.exists():
        out = Path("runs") / f"{model}-{stamp}-{suffix}"
        suffix += 1
    return out


def _check_cat_options(args: argparse.Namespace) -> None:
    """Refuse options that belong to the other kind of model (argparse's usage error, exit 2)."""
    if args.model == CAT_CNN:
        if args.iterations is not None:
            args.usage_error(
                "argument --iterations: the cnn model trains for --epochs, not for "
                f"gradient-descent iterations; received --iterations {args.iterations}"
            )
        return
    for option, value in (("--epochs", args.epochs), ("--seed", args.seed)):
        if value is not None:
            args.usage_error(
                f"argument {option}: applies to --model cnn only; the {args.model} network "
                f"takes --iterations and starts from the course's seed; received {option} {value}"
            )


def train_cat(args: argparse.Namespace) -> int:
    from .data import load_catvnoncat

    _check_cat_options(args)
    data = load_catvnoncat(args.data_dir)
    out = args.out if args.out is not None else _default_out(args.model)
    created = not out.exists()
    try:  # before training, so that a bad --out never costs a finished run
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"minidl: cannot use {out} as the output folder: {err.strerror}", file=sys.stderr)
        return 2
    job = _train_cat_cnn if args.model == CAT_CNN else _train_cat_course
    return job(args, data, out, created)


def _training_failed(err: ValueError, out: Path, created: bool) -> int:
    """Report a failed training (e.g. a learning rate so large that the network saturates),
    remove the output folder if this run created it and left it empty; exit status 1."""
    if created and not any(out.iterdir()):
        out.rmdir()
    print(f"minidl: training failed: {err}", file=sys.stderr)
    return 1


def _train_cat_course(args: argparse.Namespace, data: tuple, out: Path, created: bool) -> int:
    """The course's two-layer or L-layer network: cost.png, parameters.h5, metrics.json."""
    import matplotlib.pyplot as plt
    import numpy as np

    from . import plot
    from .course import dnn
    from .io import save_arrays, write_json
    from .version import __version__

    train_x_orig, train_y, test_x_orig, test_y, _ = data
    iterations = 2500 if args.iterations is None else args.iterations
    learning_rate = 0.0075 if args.learning_rate is None else args.learning_rate
    train_x = train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255.0
    test_x = test_x_orig.reshape(test_x_orig.shape[0], -1).T / 255.0
    dims = CAT_MODELS[args.model]
    fit = dnn.two_layer_model if args.model == "two-layer" else dnn.L_layer_model
    print(
        f"Training the {args.model} network {dims} on {train_x.shape[1]} images "
        f"for {iterations} iterations (learning rate {learning_rate})",
        flush=True,
    )
    start = time.perf_counter()
    try:
        parameters, costs = fit(
            train_x,
            train_y,
            dims,
            learning_rate=learning_rate,
            num_iterations=iterations,
            print_cost=True,
        )
    except ValueError as err:
        return _training_failed(err, out, created)
    seconds = time.perf_counter() - start
    accuracy = {
        name: float(np.mean(dnn.predict(x, None, parameters) == y))
        for name, x, y in (("train", train_x, train_y), ("test", test_x, test_y))
    }
    print(f"Train accuracy: {accuracy['train']:.4f}")
    print(f"Test accuracy:  {accuracy['test']:.4f}")

    fig = plot.cost_curve(costs, learning_rate)
    plot.save_png(fig, out / "cost.png")
    plt.close(fig)
    meta = {
        "model": args.model,
        "layers_dims": dims,
        "learning_rate": learning_rate,
        "iterations": iterations,
    }
    save_arrays(out / "parameters.h5", parameters, meta)
    write_json(
        out / "metrics.json",
        {
            **meta,
            "costs": {str(100 * i): c for i, c in enumerate(costs)},
            "train_accuracy": accuracy["train"],
            "test_accuracy": accuracy["test"],
            "seconds": round(seconds, 3),
            "ms_per_iteration": round(1000 * seconds / iterations, 3),
            "minidl_version": __version__,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        },
    )
    print(f"Wrote {out / 'cost.png'}, {out / 'parameters.h5'} and {out / 'metrics.json'}")
    return 0


def _train_cat_cnn(args: argparse.Namespace, data: tuple, out: Path, created: bool) -> int:
    """The convolutional network of minidl.applications.cat_cnn: training_curves.png, model.h5,
    metrics.json."""
    import matplotlib.pyplot as plt

    from . import plot
    from .applications import cat_cnn
    from .io import write_json
    from .version import __version__

    train_x_orig, train_y, test_x_orig, test_y, _ = data
    epochs = cat_cnn.EPOCHS if args.epochs is None else args.epochs
    learning_rate = cat_cnn.LEARNING_RATE if args.learning_rate is None else args.learning_rate
    seed = 0 if args.seed is None else args.seed
    batch_size = cat_cnn.BATCH_SIZE
    print(
        f"Training the cnn network (four convolution blocks, "
        f"{cat_cnn.build_cat_cnn(seed).count_params():,} weights) on {len(train_x_orig)} "
        f"augmented images for {epochs} epoch{'' if epochs == 1 else 's'} (batch size {batch_size}, Adam, learning rate "
        f"{learning_rate} decayed along a cosine, seed {seed})",
        flush=True,
    )
    start = time.perf_counter()
    try:
        model, history, accuracy = cat_cnn.train_cat_cnn(
            train_x_orig,
            train_y,
            test_x_orig,
            test_y,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            seed=seed,
            verbose=2,
        )
    except ValueError as err:  # the loss became NaN: a learning rate too large
        return _training_failed(err, out, created)
    seconds = time.perf_counter() - start
    print(f"Train accuracy: {accuracy['train']:.4f}")
    print(f"Test accuracy:  {accuracy['test']:.4f}")

    fig = plot.history(history, out / "training_curves.png")
    plt.close(fig)
    model.save(out / "model.h5")
    write_json(
        out / "metrics.json",
        {
            "model": CAT_CNN,
            "parameters": model.count_params(),
            "epochs": epochs,
            "batch_size": batch_size,
            "learning_rate": learning_rate,
            "seed": seed,
            "augmentation": cat_cnn.AUGMENTATION,
            "history": {key: list(values) for key, values in history.history.items()},
            "train_accuracy": accuracy["train"],
            "test_accuracy": accuracy["test"],
            "seconds": round(seconds, 3),
            "seconds_per_epoch": round(seconds / epochs, 3),
            "minidl_version": __version__,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        },
    )
    print(f"Wrote {out / 'training_curves.png'}, {out / 'model.h5'} and {out / 'metrics.json'}")
    return 0


def _prepare_out(out: Path) -> bool:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"minidl: cannot use {out} as the output folder: {err.strerror}", file=sys.stderr)
        return False
    return True


def train_wafer(args: argparse.Namespace) -> int:
    from .detect.job import train_wafer as job

    out = args.out if args.out is not None else _default_out("wafer")
    if not _prepare_out(out):  # before training, so that a bad --out never costs a finished run
        return 2
    job(
        out,
        n_images=args.images,
        n_test=args.test_images,
        epochs=args.epochs,
        seed=args.seed,
        image_size=(args.size, args.size),
        patches_per_class=args.patches_per_class,
    )
    return 0


def _grey_image(path: Path):
    """An image file as uint8 grey (H, W), or ValueError naming the file."""
    import numpy as np

    from .data.images import load_grey

    return np.round(load_grey(path, where="minidl detect")).clip(0, 255).astype(np.uint8)


def detect_images(args: argparse.Namespace) -> int:
    import matplotlib.pyplot as plt

    from .detect.figures import detections as draw
    from .detect.pipeline import DefectDetectionPipeline
    from .io import write_json
    from .plot import save_png

    try:
        images = [_grey_image(path) for path in args.images]
    except (FileNotFoundError, ValueError) as err:
        print(f"minidl: {err}", file=sys.stderr)
        return 2
    pipeline = DefectDetectionPipeline.load(args.model)
    if not _prepare_out(args.out):
        return 2
    found = pipeline.predict(images)
    report = []
    for path, image, items in zip(args.images, images, found, strict=True):
        name = f"{path.stem}_detections.png"
        fig = draw(image, None, items, title=f"{path.name}: {len(items)} defect(s)")
        save_png(fig, args.out / name)
        plt.close(fig)
        report.append({"image": str(path), "detections": items, "picture": name})
        print(
            f"{path}: {len(items)} defect(s)"
            + "".join(f"\n  {d['class']:<9} score {d['score']:.2f} box {d['bbox']}" for d in items)
        )
    write_json(
        args.out / "detections.json",
        {"model": str(args.model), "backend": pipeline.backend, "images": report},
    )
    print(f"Wrote {len(report)} picture(s) and detections.json to {args.out}")
    return 0


def denoise_image(args: argparse.Namespace) -> int:
    from .sparse.job import denoise_file

    if not _prepare_out(args.out):
        return 2
    try:
        report = denoise_file(
            args.image, args.out, args.sigma, args.patch, args.aggregation, args.reference
        )
    except (FileNotFoundError, ValueError) as err:
        print(f"minidl: {err}", file=sys.stderr)
        return 2
    print(
        f"{args.image}: sigma estimated {report['sigma_estimated']:.2f}/255, used "
        f"{report['sigma_used']:.2f}/255; {report['patch_size']}x{report['patch_size']} "
        f"patches, {report['aggregation']} aggregation, {report['seconds']:.2f} s"
    )
    if "psnr_denoised_db" in report:
        print(
            f"PSNR against {args.reference}: {report['psnr_noisy_db']:.2f} dB noisy, "
            f"{report['psnr_denoised_db']:.2f} dB denoised"
        )
    print(f"Wrote the denoised image, a comparison figure and a JSON report to {args.out}")
    return 0


def anomaly_command(args: argparse.Namespace) -> int:
    from .data.wafer import MIN_IMAGE_SIZE
    from .sparse.job import anomaly_job

    if args.size < MIN_IMAGE_SIZE:
        print(
            f"minidl: expected --size of at least {MIN_IMAGE_SIZE}, received {args.size}",
            file=sys.stderr,
        )
        return 2
    if args.normal < 2:
        print(
            f"minidl: expected --normal of at least 2 wafers, received {args.normal}",
            file=sys.stderr,
        )
        return 2
    out = args.out if args.out is not None else _default_out("anomaly")
    if not _prepare_out(out):
        return 2
    anomaly_job(out, args.normal, args.test, args.size, args.fpr, args.seed)
    print(f"Wrote anomaly maps, roc.png and metrics.json to {out}")
    return 0


def data_wafer(args: argparse.Namespace) -> int:
    from .data.patches import make_patch_dataset, save_patch_dataset
    from .data.wafer import generate_wafers

    images, annotations = generate_wafers(args.images, seed=args.seed)
    x, y = make_patch_dataset(images, annotations, per_class=args.per_class, seed=args.seed)
    try:
        save_patch_dataset(args.out, x, y, {"wafers": args.images, "seed": args.seed})
    except OSError as err:
        print(f"minidl: cannot write {args.out}: {err}", file=sys.stderr)
        return 2
    print(f"Wrote {len(x)} patches of {x.shape[1]}x{x.shape[2]} to {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``minidl`` console script; returns the exit status."""
    from .errors import DataFileError, DataNotFoundError, ModelFileError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataNotFoundError, DataFileError, ModelFileError) as err:
        print(f"minidl: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("minidl: interrupted", file=sys.stderr)
        return 130
