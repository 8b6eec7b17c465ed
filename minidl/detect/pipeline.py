"""``DefectDetectionPipeline``: one interface over the two wafer defect detectors.

    pipeline = DefectDetectionPipeline(backend="cnn")       # or "classical"
    pipeline.fit(train_images, train_annotations, epochs=8)
    detections = pipeline.predict(test_images)               # per image: [{'bbox', 'class', 'score'}]
    report = pipeline.evaluate(test_images, test_annotations)  # precision, recall, F1, mAP, PWS, $
    pipeline.save("wafer_cnn.h5"); same = DefectDetectionPipeline.load("wafer_cnn.h5")

The backends (classical.py: background removal, thresholds and shape rules; cnn.py: a patch
classifier run fully convolutionally over the wafer) share this interface, so the same
evaluation judges both. Boxes are half-open pixel boxes [x1, y1, x2, y2], as the generator's.

A saved pipeline is a checked minidl file (the header, checksum and refusals of saved models,
minidl.saving), holding its settings as JSON and, for the CNN, the patch model.
"""

from __future__ import annotations

import datetime
import json
import time

import numpy as np

from ..errors import ModelFileError
from ..saving import open_checked_file, read_model_group, write_checked_file, write_model_group
from ..version import __version__
from . import metrics
from .classical import ClassicalDetector
from .cnn import CNNDetector
from .images import check_images

__all__ = ["BACKENDS", "DefectDetectionPipeline"]

BACKENDS = ("classical", "cnn")
CLASS_NAMES = ("scratch", "particle", "crack")
_DETECTORS = {"classical": ClassicalDetector, "cnn": CNNDetector}
CLASSICAL_MIN_SIDE = 16
"""The least image side ClassicalDetector.predict takes (its background filter needs room)."""


def _check_images(images: object, where: str) -> list[np.ndarray]:
    """A list (or an (N, H, W) array) of 2-D numeric images; the backend checks the rest."""
    return check_images(images, where, "a 2-D numeric array (H, W)")


class DefectDetectionPipeline:
    """Detect scratches, particles and cracks on wafer images with either backend.

    Args:
        backend: 'classical' or 'cnn'.
        **params: the backend's settings (see ClassicalDetector, CNNDetector), e.g.
            blur_kernel and threshold_value for 'classical', epochs or score_threshold for 'cnn'.
    """

    def __init__(self, backend: str = "cnn", **params) -> None:
        if backend not in BACKENDS:
            raise ValueError(
                f"DefectDetectionPipeline: expected backend 'classical' or 'cnn', received {backend!r}"
            )
        self.backend = backend
        self.detector = _DETECTORS[backend](**params)
        self.trained_at: str | None = None
        self.class_names = CLASS_NAMES

    def __repr__(self) -> str:
        state = f"trained {self.trained_at}" if self.trained_at else "not trained"
        return f"<DefectDetectionPipeline backend={self.backend!r}, {state}>"

    @property
    def params(self) -> dict:
        return self.detector.get_config()

    @property
    def min_image_side(self) -> int:
        """The smallest height and width ``predict`` takes, in pixels, so that a caller (the
        command line) can refuse a smaller image by its file name before any work is done."""
        if self.backend == "cnn":
            return self.detector.patch_size // 2 + 1
        return CLASSICAL_MIN_SIDE

    def fit(self, images, annotations, epochs: int | None = None, verbose: int = 0, **kwargs):
        """Train (cnn) or tune (classical) on images and their annotations; returns what the
        backend returns (a History for the CNN, the chosen settings for the classical one)."""
        images = _check_images(images, "DefectDetectionPipeline.fit")
        if len(annotations) != len(images):
            raise ValueError(
                f"DefectDetectionPipeline.fit: expected one annotation list per image: "
                f"{len(images)} images, {len(annotations)} annotation lists"
            )
        if self.backend == "cnn":
            result = self.detector.fit(
                images, annotations, epochs=epochs, verbose=verbose, **kwargs
            )
        else:
            result = self.detector.fit(images, annotations, verbose=verbose, **kwargs)
        self.trained_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        return result

    def predict(self, images) -> list[list[dict]]:
        """Per image, a list of {'bbox': [x1, y1, x2, y2], 'class': name, 'score': float}."""
        return self.detector.predict(_check_images(images, "DefectDetectionPipeline.predict"))

    def evaluate(self, images, annotations, iou_threshold: float = 0.5, **cost_kwargs) -> dict:
        """Detect, then judge against the annotations (minidl.detect.metrics.evaluate_detections);
        the result also holds 'ms_per_image', the time ``predict`` took per image."""
        images = _check_images(images, "DefectDetectionPipeline.evaluate")
        start = time.perf_counter()
        detections = self.predict(images)
        seconds = time.perf_counter() - start
        report = metrics.evaluate_detections(
            detections, annotations, iou_threshold=iou_threshold, **cost_kwargs
        )
        report["ms_per_image"] = 1e3 * seconds / len(images)
        return report

    # -- files ---------------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the pipeline to one checked minidl file (.h5 or .minidl)."""
        model = getattr(self.detector, "model", None) if self.backend == "cnn" else None
        if self.backend == "cnn" and model is None:
            raise ValueError(
                "DefectDetectionPipeline.save: the CNN backend has no model yet; fit it first"
            )

        def fill(f) -> None:
            f.attrs["pipeline"] = json.dumps(
                {
                    "backend": self.backend,
                    "class_names": list(self.class_names),
                    "params": self.detector.get_config(),
                    "trained_at": self.trained_at,
                    "minidl_version": __version__,
                }
            )
            if model is not None:
                write_model_group(f.create_group("model"), model)

        write_checked_file(path, "pipeline", fill)

    @classmethod
    def load(cls, path) -> DefectDetectionPipeline:
        """A pipeline saved by ``save``: the same detections, bit for bit.

        Raises:
            ModelFileNotFoundError, ModelFileError: as ``minidl.load_model`` does.
        """
        with open_checked_file(path, "pipeline") as (path, f):
            try:
                meta = json.loads(f.attrs["pipeline"])
                backend, params = meta["backend"], meta["params"]
            except (KeyError, TypeError, ValueError) as err:
                raise ModelFileError(f"{path}: not a detection pipeline ({err})") from err
            if backend not in BACKENDS or not isinstance(params, dict):
                raise ModelFileError(f"{path}: unknown backend {backend!r}")
            pipeline = cls.__new__(cls)
            pipeline.backend = backend
            pipeline.class_names = tuple(meta.get("class_names", CLASS_NAMES))
            pipeline.trained_at = meta.get("trained_at")
            detector_class = _DETECTORS[backend]
            if backend == "cnn":
                if "model" not in f:
                    raise ModelFileError(f"{path}: the CNN pipeline holds no model")
                model = read_model_group(f["model"], path)
                pipeline.detector = detector_class.from_config(params, model)
            else:
                pipeline.detector = detector_class.from_config(params)
        return pipeline
