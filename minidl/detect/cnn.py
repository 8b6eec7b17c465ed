"""The learned wafer defect detector: a patch classifier run fully convolutionally over the wafer.

Training. ``make_patch_dataset`` cuts 32x32 patches from the training wafers: background (plain
wafer, die streets, rim, notch) and the three defect classes. A small CNN (``patch_network``)
learns to name the patch. Flips and quarter turns of the patches (``DihedralFlow``: a wafer has
no preferred side) multiply the data. Halfway through, the background windows the network gets
most wrong join the patches (``mine_hard_negatives``).

Inference. Classifying every window on its own (``sliding_window_predict``) would repeat almost
all the work; the network is instead recast to run over the whole wafer in one pass
(``fully_convolutional``), which gives the class probabilities of every window at once: the
probability map.

From map to boxes (``CNNDetector.predict``): the network names the defects, the image places
them. The map's cells are 4 px apart and each sees 32 px, so they tell what is there but not
to the pixel where; a particle is 2-10 px across, and a box must match the truth at IoU 0.5. So:

    1. the map: the image (0..255) scaled to [0, 1], mirrored by P // 4 px on each side so that
       windows centred near the border exist, and one fully convolutional pass (shift and
       stitch for a stride finer than the network's). Cell (i, j) is the window whose top-left
       corner is (i * stride - P // 4, j * stride - P // 4) in the image;
    2. the objects: whatever stands out of the wafer's background, found by the classical
       detector's image processing (``remove_background``, then ``segment``: die pattern and
       light removed, ``blur_kernel`` box blur, ``threshold_value`` noise sigmas with
       hysteresis, closing, connected components, each with its footprint, the pixels above
       ``box_fraction`` of its peak). Some are not defects (noise, a bright die feature): the
       network decides;
    3. the windows that saw each object: a footprint pixel is looked at by the cells whose
       window holds it in its central P/4 x P/4 square, the windows most nearly centred on it
       (the patches were centred on a defect pixel, give or take P // 4). For a long scratch
       these are the windows all along it;
    4. the class: the one of the three defect classes with the largest summed probability over
       those windows; the score: the largest probability any of them gives that class. An
       object the windows call background scores low, and ``score_threshold`` drops it;
    5. the box: tight around the footprint (half-open, like the generator's); last,
       non-maximum suppression across classes drops a box overlapping a better-scored one by
       more than ``nms_iou``.

The defaults (blur 5, threshold 7 sigmas, box_fraction 0.4, central P/4 square, the largest
probability as the score) were chosen on validation wafers (``generate_wafers(30, seed=2024)``
and ``seed=3030``), never on the wafers ``minidl train wafer`` holds out for its report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import callbacks as callbacks_module
from .. import optimizers
from .._checks import check_bool, check_int, check_number, check_unit
from ..data.patches import make_patch_dataset
from ..data.wafer import CLASS_NAMES
from ..models import Sequential
from ..random import as_generator
from .background import remove_background
from .dihedral_flow import DihedralFlow
from .fully_convolutional import copy_weights, network_stride, patch_shape, recast
from .hard_negatives import mine_hard_negatives
from .images import as_uint8_stack, check_images
from .nms import non_max_suppression
from .patch_network import patch_network
from .segmentation import check_blur_kernel, segment

__all__ = ["CNNDetector"]

_MINING_AT = 0.5  # the share of the epochs trained before hard negatives are mined


class CNNDetector:
    """Wafer defect detector: a patch CNN run fully convolutionally, then boxes (module docstring).

    Args:
        patch_size: side P of the training patches and of the window each map cell sees, a
            multiple of 4 (each layer of the network then reads the whole patch), at least 20
            (default 32).
        stride: pixels between neighbouring windows at inference (default 4, the network's own
            stride: one pass). A divisor of 4 (2, 1) runs 4 or 16 shifted passes and interleaves
            them; a multiple of 4 keeps every (stride / 4)-th cell.
        score_threshold: detections scoring below it are dropped (default 0.5).
        nms_iou: non-maximum suppression drops a box overlapping a better one by more (0.3).
        epochs: training passes over the patches (default 15).
        batch_size: patches per training step (default 64).
        per_class: training patches per class, cut by ``make_patch_dataset`` (default 1500).
        learning_rate: Adam's initial step, decayed along a half cosine to 5% (default 3e-3).
        augment: train on random flips and quarter turns of the patches (default True).
        hard_negatives: after half the epochs, this many defect-free windows of the training
            wafers that the network calls defects are added as background (bootstrapping; see
            ``mine_hard_negatives``); 0 turns it off. Default None: per_class // 2.
        filters: channels of the four convolutions (default (16, 16, 32, 64)).
        blur_kernel: side of the box blur before the objects are sought, an odd int (default 5).
        threshold_value: noise sigmas a pixel must stand out to seed an object (default 7.0).
        box_fraction: an object's footprint, and so its box, keeps the pixels reaching this
            fraction of its peak (default 0.4).
        seed: int, Generator or None (from ``minidl.seed``): the patches, initial weights,
            dropout and batch order. The same int seed gives the same model and detections.

    Attributes:
        model: the trained patch classifier (a Sequential), None before ``fit``.

    Example:
        >>> detector = CNNDetector(seed=0)
        >>> detector.fit(train_images, train_annotations, verbose=2)
        >>> detector.predict(test_images)[0][:1]
        [{'bbox': [212, 87, 219, 93], 'class': 'particle', 'score': 0.98}]
    """

    def __init__(
        self,
        patch_size: int = 32,
        stride: int = 4,
        score_threshold: float = 0.5,
        nms_iou: float = 0.3,
        epochs: int = 15,
        batch_size: int = 64,
        per_class: int = 1500,
        learning_rate: float = 3e-3,
        augment: bool = True,
        hard_negatives: int | None = None,
        filters: Sequence[int] = (16, 16, 32, 64),
        blur_kernel: int = 5,
        threshold_value: float = 7.0,
        box_fraction: float = 0.4,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        where = "CNNDetector"
        self.patch_size = check_int(patch_size, "patch_size", where, 20)
        if self.patch_size % 4:
            raise ValueError(
                f"{where}: expected patch_size as a multiple of 4 (two poolings of 2 after "
                f"pairs of 3x3 convolutions then read every pixel), received {patch_size}"
            )
        self.stride = check_int(stride, "stride", where, 1, expected="a positive int")
        self.score_threshold = check_unit(score_threshold, "score_threshold", where)
        self.nms_iou = check_unit(nms_iou, "nms_iou", where)
        self.epochs = check_int(epochs, "epochs", where, 1)
        self.batch_size = check_int(batch_size, "batch_size", where, 1)
        self.per_class = check_int(per_class, "per_class", where, 1)
        self.learning_rate = check_number(
            learning_rate, "learning_rate", where, 0, 1, open_low=True, open_high=True
        )
        self.augment = check_bool(augment, "augment", where)
        if hard_negatives is None:
            hard_negatives = self.per_class // 2
        self.hard_negatives = check_int(hard_negatives, "hard_negatives", where, 0)
        if not isinstance(filters, (list, tuple)) or len(filters) != 4:
            raise ValueError(f"{where}: expected filters as 4 ints, received {filters!r}")
        self.filters = tuple(check_int(f, "filters", where, 1) for f in filters)
        self.blur_kernel = check_blur_kernel(blur_kernel, where)
        self.threshold_value = check_number(
            threshold_value, "threshold_value", where, 0, open_low=True
        )
        self.box_fraction = check_unit(box_fraction, "box_fraction", where)
        if seed is not None and not isinstance(seed, np.random.Generator):
            check_int(seed, "seed", where, 0, expected="a non-negative int, a Generator or None")
        self.seed = seed
        self.model: Sequential | None = None
        self._fcns: dict[tuple, tuple] = {}  # image shape -> recast(self._fcns_of, ...)
        self._fcns_of: Sequential | None = None

    def __repr__(self) -> str:
        state = "trained" if self.model is not None else "not trained"
        return f"<CNNDetector patch_size={self.patch_size} stride={self.stride}, {state}>"

    # -- the network ---------------------------------------------------------------------------
    def build_model(self, seed: int | np.random.Generator | None = None) -> Sequential:
        """The patch classifier (``patch_network``) for this detector's patch size and filters,
        its weights drawn from ``seed`` (default: the detector's)."""
        rng = as_generator(self.seed if seed is None else seed, "CNNDetector.build_model")
        return patch_network(self.patch_size, self.filters, rng)

    # -- training ------------------------------------------------------------------------------
    def fit(
        self,
        images,
        annotations: Sequence[Sequence[dict]],
        epochs: int | None = None,
        verbose: int = 0,
        validation_images=None,
        validation_annotations: Sequence[Sequence[dict]] | None = None,
    ):
        """Cut patches from the wafers and train the patch classifier (Adam, cross-entropy).

        Args:
            images: (N, H, W) uint8 array or a list of 2-D grey images of one size (floats are
                read as 0..255 and rounded).
            annotations: per image, dicts with 'class' and 'mask' (as ``generate_wafers`` gives).
            epochs: overrides the constructor's ``epochs`` for this call.
            verbose: 0 silent, 1 progress bar, 2 one line per epoch (as ``Sequential.fit``).
            validation_images, validation_annotations: other wafers; their patches
                (``per_class // 4`` per class) are scored after every epoch (val_loss,
                val_accuracy in the history).

        Returns:
            The ``History`` of ``Sequential.fit``.
        """
        where = "CNNDetector.fit"
        epochs = self.epochs if epochs is None else check_int(epochs, "epochs", where, 1)
        train = as_uint8_stack(check_images(images, where), where)
        rng = as_generator(self.seed, where)
        if isinstance(self.seed, (int, np.integer)):
            rng = np.random.default_rng(int(self.seed))  # the same seed, the same model
        x, y = make_patch_dataset(train, annotations, self.patch_size, self.per_class, rng)
        validation = None
        if (validation_images is None) != (validation_annotations is None):
            raise ValueError(f"{where}: give both validation_images and validation_annotations")
        if validation_images is not None:
            val = as_uint8_stack(check_images(validation_images, where), where)
            validation = make_patch_dataset(
                val, validation_annotations, self.patch_size, max(1, self.per_class // 4), rng
            )
        model = self.build_model(rng)
        model._rng = np.random.default_rng(rng.integers(2**63))
        optimizer = optimizers.Adam(learning_rate=self.learning_rate)
        model.compile(
            optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )

        def cosine(epoch: int, logs: dict | None = None) -> None:
            optimizer.learning_rate = self.learning_rate * (
                0.05 + 0.475 * (1 + math.cos(math.pi * epoch / epochs))
            )

        settings = dict(
            batch_size=self.batch_size,
            verbose=verbose,
            validation_data=validation,
            callbacks=[callbacks_module.LambdaCallback(on_epoch_begin=cosine)],
        )
        flow = DihedralFlow(x, y, self.batch_size, self.augment, rng)
        first = epochs if not self.hard_negatives else max(1, round(epochs * _MINING_AT))
        history = model.fit(flow, epochs=first, **settings)
        self.model = model
        if self.hard_negatives and first < epochs:
            hard = mine_hard_negatives(
                train,
                annotations,
                self.hard_negatives,
                self.patch_size,
                network_stride(self.model),
                self._class_probabilities,
            )
            if verbose:
                print(
                    f"Hard negatives: {len(hard)} background windows of the training wafers "
                    f"that the network calls defects join the patches"
                )
            flow.x = np.concatenate([x, hard])
            flow.y = np.concatenate([y, np.zeros(len(hard), y.dtype)])
            more = model.fit(flow, epochs=epochs, initial_epoch=first, **settings)
            for key, values in more.history.items():
                history.history.setdefault(key, []).extend(values)
            history.epoch += more.epoch
        return history

    # -- inference -----------------------------------------------------------------------------
    def _fcn(self, shape: tuple) -> Sequential:
        """The recast of ``self.model`` for images of ``shape``, built once per shape and
        model, its weights copied afresh on every call (the model may have been trained
        further, or replaced, since)."""
        if self._fcns_of is not self.model:  # another model: its recasts are of no use
            self._fcns, self._fcns_of = {}, self.model
        if shape not in self._fcns:
            self._fcns[shape] = recast(self.model, (*shape, 1))
        fcn, pairs = self._fcns[shape]
        copy_weights(pairs)
        return fcn

    def _class_probabilities(self, x: np.ndarray) -> np.ndarray:
        """The recast network on one padded float image (H, W): its (rows, cols, K) map."""
        return self._fcn(x.shape).forward(x[None, :, :, None])[0]

    def probability_map(self, image: np.ndarray) -> np.ndarray:
        """Class probabilities of every window of the padded image, (rows, cols, K).

        The image (0..255) is scaled to [0, 1] and mirrored by P // 4 px on each side; cell
        (i, j) is the window with top-left (i * stride - P // 4, j * stride - P // 4).
        """
        where = "CNNDetector.probability_map"
        if self.model is None:
            raise RuntimeError(f"{where}: the detector has no model; call fit first")
        P, s = self.patch_size, self.stride
        S = network_stride(self.model)
        if S % s and s % S:
            raise ValueError(
                f"{where}: stride {s} must divide the network's stride {S} or be a multiple of it"
            )
        x = np.pad(np.asarray(image, np.float32) / np.float32(255.0), P // 4, mode="reflect")
        rows, cols = (x.shape[0] - P) // s + 1, (x.shape[1] - P) // s + 1
        if s % S == 0:
            full = self._class_probabilities(x)
            return np.array(full[:: s // S, :: s // S][:rows, :cols])
        r = S // s  # shift and stitch: r x r passes on shifted copies
        out = np.empty((rows, cols, len(CLASS_NAMES)), np.float32)
        for a in range(min(r, rows)):
            for b in range(min(r, cols)):
                sub = x[a * s :, b * s :]
                part = self._class_probabilities(sub)
                n_a, n_b = len(range(a, rows, r)), len(range(b, cols, r))
                out[a::r, b::r] = part[:n_a, :n_b]
        return out

    def _seen_by(self, ys: np.ndarray, xs: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """The map cells whose window holds one of the pixels (ys, xs) in its central
        P/4 x P/4 square (at least the nearest cell, when the stride is coarser): a bool
        array of the map's (rows, cols)."""
        P, s = self.patch_size, self.stride
        lo = P // 2 - P // 8  # the central square's offsets in a window: [lo, lo + P // 4)
        seen = np.zeros(shape, bool)
        for d in range(lo, lo + max(P // 4, s), s):
            i = np.clip((ys + P // 4 - d) // s, 0, shape[0] - 1)
            for e in range(lo, lo + max(P // 4, s), s):
                seen[i, np.clip((xs + P // 4 - e) // s, 0, shape[1] - 1)] = True
        return seen

    def _detect(self, image: np.ndarray) -> list[dict[str, Any]]:
        """Steps 1-5 of the module docstring on one image."""
        probs = self.probability_map(image)
        pixels = np.clip(np.rint(image), 0, 255).astype(np.uint8)
        residual, region, _ = remove_background(pixels)
        objects = segment(
            residual,
            region,
            self.blur_kernel,
            self.threshold_value,
            box_fraction=self.box_fraction,
        )
        found = []
        for obj in objects:
            p = probs[self._seen_by(obj["ys"], obj["xs"], probs.shape[:2])]
            c = 1 + int(np.argmax(p[:, 1:].sum(axis=0)))
            score = float(p[:, c].max())
            if score >= self.score_threshold:
                found.append({"bbox": obj["bbox"], "class": CLASS_NAMES[c], "score": score})
        return non_max_suppression(found, self.nms_iou)

    def predict(self, images) -> list[list[dict[str, Any]]]:
        """Detect defects: per image a list of {'bbox': [x1, y1, x2, y2] (half-open ints),
        'class': 'scratch' | 'particle' | 'crack', 'score': float in [0, 1]}, best first.

        Raises:
            RuntimeError: no model yet (call ``fit``, or ``from_config`` with a model).
            ValueError: not a list of 2-D images, or an image smaller than P / 2.
        """
        where = "CNNDetector.predict"
        if self.model is None:
            raise RuntimeError(f"{where}: the detector has no model; call fit first")
        images = check_images(images, where)
        for i, image in enumerate(images):
            if min(image.shape) < self.patch_size // 2 + 1:
                raise ValueError(
                    f"{where}: image {i} of shape {image.shape} is smaller than half a patch "
                    f"({self.patch_size // 2 + 1} px)"
                )
        return [self._detect(image) for image in images]

    # -- configuration -------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments as JSON-ready values (a Generator seed becomes None)."""
        return {
            "patch_size": self.patch_size,
            "stride": self.stride,
            "score_threshold": self.score_threshold,
            "nms_iou": self.nms_iou,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "per_class": self.per_class,
            "learning_rate": self.learning_rate,
            "augment": self.augment,
            "hard_negatives": self.hard_negatives,
            "filters": list(self.filters),
            "blur_kernel": self.blur_kernel,
            "threshold_value": self.threshold_value,
            "box_fraction": self.box_fraction,
            "seed": int(self.seed) if isinstance(self.seed, (int, np.integer)) else None,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], model: Sequential | None = None) -> CNNDetector:
        """A detector with these settings around a trained (e.g. loaded) patch model."""
        if not isinstance(config, dict):
            raise TypeError(f"CNNDetector.from_config: expected a dict, received {config!r:.60}")
        detector = cls(**{**config, "filters": tuple(config.get("filters", (16, 16, 32, 64)))})
        if model is not None:
            P = detector.patch_size
            if patch_shape(model, "CNNDetector.from_config") != (P, P, 1):
                raise ValueError(
                    f"CNNDetector.from_config: expected a model for ({P}, {P}, 1) patches, "
                    f"received input shape {model.input_shape}"
                )
            detector.model = model
        return detector
