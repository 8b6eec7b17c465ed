"""Patches for a defect classifier, cut from synthetic wafers (wafer.py) with their labels.

A patch classifier learns what a defect looks like from small squares: each defect patch is
centred near a defect pixel (shifted at random, so the network does not learn "the defect is in
the middle"), and each background patch holds no defect pixel at all. Plain wafer is easy; the
background that teaches the network most is the regular structure it must not call a defect,
so the background patches are a mix:

    plain      40 %   ordinary patterned wafer
    structure  30 %   the strongest edges inside the wafer: die streets, their crossings
    rim        20 %   the wafer's edge against the dark chuck
    notch      10 %   the orientation notch

(hard negatives, found from the image itself with ``wafer_mask``). ``save_patch_dataset`` and
``load_patch_dataset`` store a data set as HDF5 (minidl.io: atomic, no pickle).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from .._checks import check_int
from ..errors import DataFileError
from ..io import load_arrays, save_arrays
from ..random import as_generator
from .wafer import CLASS_NAMES, wafer_mask
from .wafer_defects import GAP

__all__ = ["PATCH_DATASET_FORMAT", "load_patch_dataset", "make_patch_dataset", "save_patch_dataset"]

PATCH_DATASET_FORMAT = "minidl.wafer_patches/1"

_BACKGROUND_MIX = (("plain", 0.4), ("structure", 0.3), ("rim", 0.2), ("notch", 0.1))


def _background_pools(image, defects, P):
    """Candidate patch centres (flat indices) of each background kind, free of defects."""
    H, W = image.shape
    wafer = wafer_mask(image)
    inside = ndimage.distance_transform_edt(wafer)
    rim = (inside > 0) & (inside <= 1.5)
    ys, xs = np.nonzero(wafer)
    cy, cx = ys.mean(), xs.mean()
    r_rim = np.hypot(*(np.nonzero(rim) - np.array([[cy], [cx]])))
    notch = np.zeros_like(rim)
    if r_rim.size:
        dent = r_rim < np.median(r_rim) - max(2.0, 0.01 * np.median(r_rim))
        notch[tuple(a[dent] for a in np.nonzero(rim))] = True
    interior = inside > P / 2 + 2  # the whole patch on the wafer
    grad = np.hypot(*(ndimage.sobel(ndimage.gaussian_filter(image * 1.0, 1.0), a) for a in (0, 1)))
    structure = (
        interior & (grad >= np.percentile(grad[interior], 90)) if interior.any() else interior
    )

    # A patch is clean when no pixel of any (slightly grown) defect falls in it; a summed-area
    # table gives every window's count at once.
    near = np.zeros((H, W), bool)
    for d in defects:
        near |= d["mask"]
    if near.any():
        near = ndimage.binary_dilation(near, np.ones((3, 3), bool), iterations=GAP)
    sat = np.pad(np.cumsum(np.cumsum(near, 0), 1), ((1, 0), (1, 0)))
    counts = sat[P:, P:] - sat[:-P, P:] - sat[P:, :-P] + sat[:-P, :-P]
    ty = np.clip(np.arange(H) - P // 2, 0, H - P)
    tx = np.clip(np.arange(W) - P // 2, 0, W - P)
    clean = counts[ty[:, None], tx[None, :]] == 0
    kinds = {"plain": interior, "structure": structure, "rim": rim, "notch": notch}
    pools = {k: np.flatnonzero(v & clean) for k, v in kinds.items()}
    if not pools["plain"].size:  # big patches, many defects: take any clean place on the wafer
        pools["plain"] = np.flatnonzero(wafer & clean)
    return pools


def _defect_windows(mask, defects, n, P, rng, tries=4):
    """Top-left corners of ``n`` windows around one defect, free of the image's other defects.

    Each window is centred on a random pixel of ``mask`` and shifted by up to P // 4 each way.
    A window that also shows another defect would carry two answers under one label, so ``tries``
    candidates are drawn per window and the clean ones are used first; where the defect lies
    too close to another for enough clean windows, the rest are taken as drawn.
    """
    H, W = mask.shape
    ys, xs = np.nonzero(mask)
    m = tries * n
    pick = rng.integers(len(ys), size=m)
    jitter = rng.integers(-(P // 4), P // 4 + 1, size=(2, m))
    top = np.clip(ys[pick] - P // 2 + jitter[0], 0, H - P)
    left = np.clip(xs[pick] - P // 2 + jitter[1], 0, W - P)
    others = np.zeros((H, W), bool)
    for d in defects:
        if d["mask"] is not mask:
            others |= d["mask"]
    if others.any():
        sat = np.pad(np.cumsum(np.cumsum(others, 0), 1), ((1, 0), (1, 0)))
        count = sat[top + P, left + P] - sat[top, left + P] - sat[top + P, left] + sat[top, left]
        order = np.argsort(count > 0, kind="stable")  # clean windows first, in drawn order
        top, left = top[order], left[order]
    return top[:n], left[:n]


def _check_patch_args(images, annotations, patch_size, per_class):
    where = "make_patch_dataset"
    if not isinstance(images, np.ndarray) or images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{where}: expected images as a uint8 array (N, H, W), received "
            f"{getattr(images, 'dtype', type(images).__name__)} of shape {np.shape(images)}"
        )
    N, H, W = images.shape
    if not isinstance(annotations, Sequence) or len(annotations) != N:
        raise ValueError(
            f"{where}: expected one annotation list per image ({N}), received "
            f"{len(annotations) if isinstance(annotations, Sequence) else type(annotations).__name__}"
        )
    for i, defects in enumerate(annotations):
        for d in defects:
            if not isinstance(d, dict) or d.get("class") not in CLASS_NAMES[1:]:
                raise ValueError(
                    f"{where}: annotation of image {i}: expected a dict with 'class' in "
                    f"{CLASS_NAMES[1:]}, received {d!r:.80}"
                )
            mask = d.get("mask")
            ok = isinstance(mask, np.ndarray) and mask.dtype == bool and mask.shape == (H, W)
            if not ok or not mask.any():
                raise ValueError(
                    f"{where}: annotation of image {i}: expected a non-empty bool 'mask' of "
                    f"shape {(H, W)}, received {getattr(mask, 'dtype', type(mask).__name__)} "
                    f"of shape {np.shape(mask)}"
                )
    side = min(H, W)
    expected = f"an int from 4 to the image size {side}"
    check_int(patch_size, "patch_size", where, 4, side, expected=expected)
    check_int(per_class, "per_class", where, 1, expected="a positive int")


def make_patch_dataset(
    images: np.ndarray,
    annotations: Sequence[Sequence[dict]],
    patch_size: int = 32,
    per_class: int = 500,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cut labelled square patches from wafer images, to train a patch classifier.

    Defect patches: for each defect class present in ``annotations``, ``per_class`` patches,
    cycling through that class's defects so each is used about equally often. Each is centred
    on a random pixel of the defect's mask, shifted by up to ``patch_size // 4`` in each
    direction (so the network cannot rely on the defect sitting dead centre), and moved inward
    where it would cross the image border; the chosen defect pixel is always inside. Windows
    that show no other defect are preferred (one patch, one answer); only a defect lying too
    close to another for that keeps a window showing both, labelled with the chosen one.

    Background patches (label 0, ``per_class`` of them) contain no defect pixel, nor any pixel
    within 2 px of one. A classifier that has only seen plain wafer would call every strong
    edge a defect, so the mix is deliberately hard (shares of the background patches):

        40% plain: centred anywhere on the wafer, away from the rim;
        30% structure: centred on the strongest edges inside the wafer (the top 10% of the
            gradient): die streets, their crossings and the die pattern;
        20% rim: centred on the wafer's edge, half chuck, half wafer;
        10% notch: centred on the notch.

    The wafer, its rim and notch are found from the image alone (``wafer_mask``), so this works
    on any such images. When a kind finds no clean place its share goes to plain patches; when
    no clean patch fits wholly on the wafer (large patches, many defects), plain patches may
    reach over the rim.

    Args:
        images: uint8 images (N, H, W), as from ``generate_wafers``.
        annotations: per image, a list of dicts with 'class' and 'mask' (bool (H, W)).
        patch_size: the side P of each square patch (default 32), from 4 to min(H, W).
        per_class: patches per label (default 500).
        seed: an int, an ``np.random.Generator`` or None (minidl's root generator).

    Returns:
        (x, y): ``x`` float32 (M, P, P, 1) with values in [0, 1] (pixel / 255); ``y`` int64 (M,)
        indices into ``CLASS_NAMES`` (0 = background). Shuffled. M = per_class * (1 + the number
        of defect classes present).

    Raises:
        ValueError: bad arguments, or no clean place on any image for a background patch.
    """
    _check_patch_args(images, annotations, patch_size, per_class)
    rng = as_generator(seed, "make_patch_dataset")
    N, H, W = images.shape
    P = int(patch_size)
    tops, lefts, which, labels = [], [], [], []

    for label, name in enumerate(CLASS_NAMES[1:], start=1):
        found = [
            (i, d["mask"]) for i, ds in enumerate(annotations) for d in ds if d["class"] == name
        ]
        if not found:
            continue
        uses = np.bincount(np.resize(rng.permutation(len(found)), per_class), minlength=len(found))
        for (i, mask), n in zip(found, uses, strict=True):
            top, left = _defect_windows(mask, annotations[i], n, P, rng)
            tops.extend(top)
            lefts.extend(left)
            which.extend([i] * n)
            labels.extend([label] * n)

    pools = [_background_pools(images[i], annotations[i], P) for i in range(N)]
    counts = {kind: round(share * per_class) for kind, share in _BACKGROUND_MIX[1:]}
    counts["plain"] = per_class - sum(counts.values())
    for kind in ("notch", "rim", "structure", "plain"):
        usable = [i for i in range(N) if pools[i][kind].size]
        if not usable:
            if kind == "plain":
                raise ValueError(
                    f"make_patch_dataset: expected room for background patches, but no "
                    f"{P}x{P} window centred on a wafer is free of defects; use a smaller "
                    f"patch_size or images with fewer defects"
                )
            counts["plain"] += counts[kind]
            continue
        for i in rng.choice(usable, size=counts[kind]):
            centre = pools[i][kind][rng.integers(pools[i][kind].size)]
            cy, cx = divmod(int(centre), W)
            tops.append(min(max(cy - P // 2, 0), H - P))
            lefts.append(min(max(cx - P // 2, 0), W - P))
            which.append(int(i))
            labels.append(0)

    perm = rng.permutation(len(labels))
    top, left = np.asarray(tops)[perm], np.asarray(lefts)[perm]
    offsets = np.arange(P)
    x = images[
        np.asarray(which)[perm][:, None, None],
        top[:, None, None] + offsets[None, :, None],
        left[:, None, None] + offsets[None, None, :],
    ]
    x = (x.astype(np.float32) / np.float32(255.0))[..., None]
    return x, np.asarray(labels, dtype=np.int64)[perm]


def _check_patches(x, y):
    """Return None when (x, y) is a valid patch dataset, else what is wrong."""
    if not isinstance(x, np.ndarray) or x.dtype != np.float32 or x.ndim != 4 or x.shape[3] != 1:
        return (
            f"expected x as float32 patches (N, P, P, 1), received "
            f"{getattr(x, 'dtype', type(x).__name__)} of shape {np.shape(x)}"
        )
    if x.shape[1] != x.shape[2]:
        return f"expected square patches (N, P, P, 1), received shape {x.shape}"
    if x.size and not (np.all(x >= 0.0) and np.all(x <= 1.0)):
        return f"expected x in [0, 1], received values from {x.min()} to {x.max()}"
    if not isinstance(y, np.ndarray) or y.dtype.kind not in "iu" or y.shape != (x.shape[0],):
        return (
            f"expected y as integer labels of shape ({x.shape[0]},), received "
            f"{getattr(y, 'dtype', type(y).__name__)} of shape {np.shape(y)}"
        )
    if y.size and (y.min() < 0 or y.max() >= len(CLASS_NAMES)):
        return f"expected labels in 0..{len(CLASS_NAMES) - 1}, received {y.min()}..{y.max()}"
    return None


def save_patch_dataset(
    path: str | os.PathLike, x: np.ndarray, y: np.ndarray, metadata: dict | None = None
) -> None:
    """Save a patch dataset to HDF5, atomically (``minidl.io.save_arrays``; no pickle).

    Args:
        path: the file to write (replaced whole, or left untouched if writing fails).
        x: float32 patches (N, P, P, 1) in [0, 1].
        y: integer labels (N,) indexing ``CLASS_NAMES``.
        metadata: JSON-serialisable notes (e.g. the seed and settings used), default None.
            The keys 'format' and 'class_names' are written by this function.

    Raises:
        ValueError: ``x`` or ``y`` is not a patch dataset, or ``metadata`` sets 'format' or
            'class_names' to something else.
    """
    problem = _check_patches(x, y)
    if problem:
        raise ValueError(f"save_patch_dataset: {problem}")
    meta = dict(metadata or {})
    ours = {"format": PATCH_DATASET_FORMAT, "class_names": list(CLASS_NAMES)}
    for key, value in ours.items():
        if key in meta and meta[key] != value:
            raise ValueError(
                f"save_patch_dataset: metadata key {key!r} is reserved (expected {value!r} or "
                f"absent, received {meta[key]!r})"
            )
    save_arrays(path, {"x": x, "y": y}, {**meta, **ours})


def load_patch_dataset(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, dict]:
    """Load a file written by ``save_patch_dataset``; returns ``(x, y, metadata)``.

    Raises:
        FileNotFoundError: no such file.
        DataFileError: the file is not a patch dataset (foreign, truncated, or with arrays of
            the wrong shape or dtype), naming the file.
    """
    arrays, metadata = load_arrays(path)
    if metadata.get("format") != PATCH_DATASET_FORMAT or set(arrays) != {"x", "y"}:
        raise DataFileError(
            f"{path}: not a wafer patch dataset (expected format {PATCH_DATASET_FORMAT!r} with "
            f"arrays 'x' and 'y', found {metadata.get('format')!r} with {sorted(arrays)})"
        )
    problem = _check_patches(arrays["x"], arrays["y"])
    if problem:
        raise DataFileError(f"{path}: {problem}")
    return arrays["x"], arrays["y"], metadata
