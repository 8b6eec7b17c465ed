"""The learned wafer defect detector: a patch classifier run fully convolutionally over the wafer.

Training. ``make_patch_dataset`` cuts 32x32 patches from the training wafers: background (plain
wafer, die streets, rim, notch) and the three defect classes. A small CNN learns to name the
patch. Flips and quarter turns of the patches (a wafer has no preferred side) multiply the data.

Inference, the point of this module. Classifying every 32x32 window of a 400x400 wafer one by one
(``sliding_window_predict``) repeats almost all the work: windows 4 px apart share 7/8 of their
pixels, and every convolution over the shared pixels is computed again for each window. A
network made of convolutions and poolings computes the same numbers for all windows at once when
it is simply run over the whole image:

    * a 'valid' convolution or pooling takes any image size; on the image, each output pixel is
      exactly the one it would be in every window that contains it (no padding means nothing in
      a window's output depends on where the window ends);
    * the head must be convolutional too. Here it is a Conv2D whose kernel is as large as the
      feature map left of a patch (4x4x64 -> 4 classes): a Dense layer over that map, written as
      a convolution. A Keras-style head Flatten + Dense(units) over an (h, w, C) map is the same
      thing: Flatten orders the numbers (row, column, channel) in C order, so the Dense kernel
      (h*w*C, units) reshaped to (h, w, C, units) is a Conv2D kernel giving exactly the same
      sums. Later Dense layers become 1x1 convolutions; global pooling becomes a pooling whose
      window is the patch's feature map.

``fully_convolutional(model, input_shape)`` does that recast. On an H x W image its output is a
class-probability map (softmax acts on the last axis, per cell): cell (i, j) holds what the patch
model says about the window whose top-left corner is (i * S, j * S), where S is the network's
total stride (the product of the conv and pool strides; 2 * 2 = 4 here). The map has
(H - P) // S + 1 rows (P the patch size); a window at a position that is not a multiple of S
(a stride finer than S) is reached by running the network on shifted copies of the image and
interleaving the maps ("shift and stitch"). A batch normalization after a convolution is, at
inference, a fixed scale and shift per channel; the recast folds it into the convolution's kernel
and bias, one pass over the feature map instead of two.

From map to boxes (``CNNDetector.predict``): the network names the defects, the image places
them. The map's cells are 4 px apart and each sees 32 px, so they tell what is there but not
to the pixel where; a particle is 2-10 px across, and a box must match the truth at IoU 0.5. So:

    1. the map: the image (0..255) scaled to [0, 1], mirrored by P // 4 px on each side so that
       windows centred near the border exist, and one fully convolutional pass (shift and
       stitch for a stride finer than the network's). Cell (i, j) is the window whose top-left
       corner is (i * stride - P // 4, j * stride - P // 4) in the image;
    2. the objects: whatever stands out of the wafer's background, found by the image
       processing of ``minidl.detect.classical`` (steps 1-5: die pattern and light removed,
       ``blur_kernel`` box blur, ``threshold_value`` noise sigmas with hysteresis, closing,
       connected components, each with its footprint, the pixels above ``box_fraction`` of
       its peak). Some are not defects (noise, a bright die feature): the network decides;
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
from scipy import ndimage

from .. import callbacks as callbacks_module
from .. import layers as L
from .. import optimizers
from ..data.patches import make_patch_dataset
from ..data.wafer import CLASS_NAMES
from ..models import Sequential
from ..ops.conv import normalize_padding
from ..random import as_generator
from .classical import _check_blur, _check_number, remove_background, segment

__all__ = [
    "CNNDetector",
    "fully_convolutional",
    "network_stride",
    "non_max_suppression",
    "sliding_window_predict",
]

_SPATIAL = (L.Conv2D, L.MaxPooling2D, L.AveragePooling2D)
_ELEMENTWISE = (L.Activation, L.BatchNormalization)  # Activation covers ReLU, Softmax, ...
_UNSUPPORTED = (L.Conv2DTranspose, L.UpSampling2D, L.Reshape, L.Composite)
_MINING_AT = 0.5  # the share of the epochs trained before hard negatives are mined
_MINING_WAFERS = 40  # hard negatives are sought on (at most) this many training wafers


# --------------------------------------------------------------------------- the recast


def _patch_shape(model: Sequential, where: str) -> tuple[int, int, int]:
    if not isinstance(model, Sequential):
        raise TypeError(
            f"{where}: expected a minidl Sequential model, received {type(model).__name__}"
        )
    shape = model.input_shape if model.built else None
    if shape is None or len(shape) != 4 or None in shape[1:]:
        raise ValueError(
            f"{where}: expected a built model for image patches (N, P, P, C), received input "
            f"shape {shape}"
        )
    return tuple(int(d) for d in shape[1:])


def _check_spatial(layer: L.Layer, shape: tuple, where: str) -> None:
    """Refuse padding: a padded layer sees zeros at a window's edge but image pixels in the
    whole image, so the two would disagree near every window's border."""
    if isinstance(layer, L.Conv2D):
        kernel, strides, dilation = layer.kernel_size, layer.strides, layer.dilation_rate
    else:
        kernel, strides, dilation = layer.pool_size, layer.strides, (1, 1)
    pads = normalize_padding(layer.padding, kernel, strides, dilation, shape[1:3], where)
    same_may_pad = isinstance(layer.padding, str) and layer.padding.lower() == "same"
    if any(pads[0] + pads[1]) or (same_may_pad and (max(kernel) > 1 or max(strides) > 1)):
        raise ValueError(
            f"{where}: layer '{layer.name}' pads its input (padding={layer.padding!r}); only "
            f"'valid' layers compute the same numbers on a window and on the whole image"
        )


def _check_exact(layer: L.Layer, shape: tuple, where: str) -> None:
    """Refuse a layer that leaves the last rows or columns of a patch unread.

    With kernel extent k and stride s on an input of n, the last window ends at
    (n - k) // s * s + k; if that is short of n, the patch model never reads its last pixels,
    and on a whole image the recast would report cells for windows hanging past the image.
    """
    if isinstance(layer, L.Conv2D):
        extent = [
            (k - 1) * d + 1 for k, d in zip(layer.kernel_size, layer.dilation_rate, strict=True)
        ]
    else:
        extent = list(layer.pool_size)
    for n, k, s in zip(shape[1:3], extent, layer.strides, strict=True):
        if (n - k) % s:
            raise ValueError(
                f"{where}: layer '{layer.name}' (extent {k}, stride {s}) leaves "
                f"{(n - k) % s} row(s) or column(s) of its {shape[1]}x{shape[2]} input unread; "
                f"expected a patch size each layer divides exactly, so that every window's "
                f"pixels are all used"
            )


def _copy(layer: L.Layer) -> L.Layer:
    return L.deserialize(L.serialize(layer))


def _as_conv(dense: L.Dense, kernel_hw: tuple[int, int], name: str) -> L.Conv2D:
    return L.Conv2D(
        dense.units,
        kernel_hw,
        activation=dense.activation,
        use_bias=dense.use_bias,
        dtype=dense.dtype.name,
        name=name,
    )


def fully_convolutional(model: Sequential, input_shape: Sequence[int]) -> Sequential:
    """The patch classifier recast to run over a whole image in one pass.

    Convolutions, poolings, batch normalization and activations are copied as they are, except
    that a batch normalization of a convolution's output channels (the convolution having no
    activation) is folded into it (``_fold``); Dropout is left out (it does nothing at
    inference). A head that fixes the input size is
    rewritten as convolutions with the same weights:

        Flatten + Dense(units) on an (h, w, C) map  ->  Conv2D(units, (h, w)), kernel
                                                        W.reshape(h, w, C, units)
        Dense(units) on a vector                     ->  Conv2D(units, 1)
        GlobalAverage/MaxPooling2D on an (h, w, C) map  ->  Average/MaxPooling2D((h, w), strides=1)
        Flatten of a 1x1 map                         ->  dropped (nothing to flatten)

    The weights are copied, so training the patch model later does not change the recast.

    Args:
        model: a built Sequential patch classifier with input (P, P, C) and output (N, K).
        input_shape: (H, W, C) (or (N, H, W, C)) of the images the new model will take, each side
            at least P.

    Returns:
        A Sequential with input (H, W, C) and output (N, H_out, W_out, K), where
        ``H_out = (H - P) // S + 1`` (likewise W_out) and S = ``network_stride(model)``. Cell (i, j)
        equals ``model`` on the window ``x[:, i*S : i*S + P, j*S : j*S + P]``; on a P x P input
        the output is ``model``'s, shaped (N, 1, 1, K).

    Raises:
        TypeError: ``model`` is not a Sequential, or holds a layer with no convolutional twin
            (Reshape, Residual, UpSampling2D, ...).
        ValueError: the model is not built for (P, P, C) patches, a layer pads its input, the
            head is not one of the forms above, or ``input_shape`` is smaller than a patch or has
            another number of channels.

    Example:
        >>> fcn = fully_convolutional(patch_model, (400, 400, 1))
        >>> probs = fcn.predict(image[None, :, :, None])[0]    # (93, 93, 4) for P=32, S=4
    """
    return _recast(model, input_shape)[0]


def _recast(
    model: Sequential, input_shape: Sequence[int]
) -> tuple[Sequential, list[tuple[L.Layer | None, L.Layer]]]:
    """``fully_convolutional``'s model and its (source layer, recast layer) pairs, so that the
    weights can be copied again after the patch model has changed (``_copy_weights``)."""
    where = "fully_convolutional"
    P_h, P_w, C = _patch_shape(model, where)
    shape_in = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if shape_in is not None and len(shape_in) == 4:
        shape_in = shape_in[1:]
    ok = shape_in is not None and len(shape_in) == 3
    ok = ok and all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in shape_in)
    if not ok or shape_in[0] < P_h or shape_in[1] < P_w or shape_in[2] != C:
        raise ValueError(
            f"{where}: expected input_shape (H, W, {C}) with H >= {P_h} and W >= {P_w} (the "
            f"patch model's input), received {input_shape!r}"
        )
    pairs: list[tuple[L.Layer | None, L.Layer]] = []  # (source of the weights, new layer)
    shape = (None, P_h, P_w, C)  # what the layer receives in the patch model
    flat_from = None  # the (h, w, C) map a Flatten has just flattened, if any
    for layer in model.layers:
        out = tuple(layer.output_shape(shape))
        if isinstance(layer, L.Dropout):  # nothing at inference, even between Flatten and Dense
            shape = out
            continue
        if isinstance(layer, _UNSUPPORTED) or isinstance(layer, L.Add):
            raise TypeError(
                f"{where}: layer '{layer.name}' ({type(layer).__name__}) has no convolutional "
                f"twin; expected Conv2D, pooling, BatchNormalization, activations, Dropout, "
                f"Flatten and Dense"
            )
        elif isinstance(layer, _SPATIAL):
            _check_spatial(layer, shape, where)
            _check_exact(layer, shape, where)
            pairs.append((layer, _copy(layer)))
        elif isinstance(layer, (L.GlobalAveragePooling2D, L.GlobalMaxPooling2D)):
            pool = L.AveragePooling2D if isinstance(layer, L.GlobalAveragePooling2D) else None
            pool = pool or L.MaxPooling2D
            pairs.append((None, pool(tuple(shape[1:3]), strides=1, name=layer.name)))
        elif isinstance(layer, L.Flatten):
            if len(shape) != 4:
                raise ValueError(f"{where}: Flatten '{layer.name}' expects images, got {shape}")
            flat_from = tuple(shape[1:])
            shape = out
            continue
        elif isinstance(layer, L.Dense):
            hw = flat_from[:2] if flat_from is not None else (1, 1)
            pairs.append((layer, _as_conv(layer, hw, layer.name)))
        elif isinstance(layer, L.Softmax) and len(shape) == 2 and layer.axis in (-1, 1):
            pairs.append((None, L.Softmax(axis=-1, name=layer.name)))
        elif _foldable(pairs, layer, shape):
            conv = pairs[-1][0]
            config = {**conv.get_config(), "use_bias": True}
            pairs[-1] = ((conv, layer), L.Conv2D.from_config(config))
        elif isinstance(layer, L.BatchNormalization) and len(shape) == 2:
            config = {**layer.get_config(), "axis": -1}  # the feature axis is last in both
            pairs.append((layer, L.BatchNormalization.from_config(config)))
        elif isinstance(layer, _ELEMENTWISE):
            pairs.append((layer, _copy(layer)))
        else:
            raise TypeError(
                f"{where}: layer '{layer.name}' ({type(layer).__name__}) has no convolutional "
                f"twin in minidl"
            )
        if flat_from is not None and flat_from[:2] != (1, 1) and not isinstance(layer, L.Dense):
            raise ValueError(
                f"{where}: Flatten of an {flat_from} map must be followed by a Dense layer, "
                f"found '{layer.name}' ({type(layer).__name__})"
            )
        flat_from = None
        shape = out
    if flat_from is not None and flat_from[:2] != (1, 1):
        raise ValueError(f"{where}: the model ends with a Flatten of an {flat_from} map")
    if len(shape) != 2:
        raise ValueError(
            f"{where}: expected a classifier with output (N, K), received output {shape}"
        )

    fcn = Sequential([L.Input(shape=shape_in)] + [new for _, new in pairs], name="fully_conv")
    _copy_weights(pairs)
    return fcn, pairs


def _foldable(pairs: list, layer: L.Layer, shape: tuple) -> bool:
    """A BatchNormalization of the channels right after a Conv2D with no activation: at
    inference it is a fixed scale and shift per channel, which the convolution can absorb."""
    if not (isinstance(layer, L.BatchNormalization) and len(shape) == 4):
        return False
    if layer.axis not in (-1, 3) or not pairs:
        return False
    source = pairs[-1][0]
    return isinstance(source, L.Conv2D) and source.activation in (None, "linear")


def _fold(conv: L.Layer, norm: L.Layer, new: L.Layer) -> None:
    """conv followed by batch normalization as one convolution: with s = gamma / sqrt(moving
    variance + epsilon), norm(conv(x)) = conv(x) * s + (beta - moving_mean * s), so the kernel's
    output channels are scaled by s and the bias is (b - moving_mean) * s + beta. One pass over
    the feature map instead of two."""
    C = norm.buffers["moving_mean"].shape[0]
    gamma = norm.params["gamma"] if "gamma" in norm.params else np.ones(C)
    beta = norm.params["beta"] if "beta" in norm.params else np.zeros(C)
    s = gamma / np.sqrt(norm.buffers["moving_variance"] + norm.epsilon)
    bias = conv.params["bias"] if "bias" in conv.params else np.zeros(C)
    new.params["kernel"][...] = conv.params["kernel"] * s
    new.params["bias"][...] = (bias - norm.buffers["moving_mean"]) * s + beta


def _copy_weights(pairs: list[tuple[Any, L.Layer]]) -> None:
    """Each source layer's weights and buffers into its recast twin (reshaped for Dense,
    folded for a convolution and its batch normalization)."""
    for source, new in pairs:
        if source is None:
            continue
        if isinstance(source, tuple):
            _fold(*source, new)
            continue
        for key, value in source.params.items():
            new.params[key][...] = value.reshape(new.params[key].shape)
        for key, value in source.buffers.items():
            new.buffers[key][...] = value


def network_stride(model: Sequential) -> int:
    """The total stride S: input pixels between neighbouring cells of the probability map, the
    product of the strides of the Conv2D and pooling layers (square strides only)."""
    S = 1
    for layer in model.layers:
        if isinstance(layer, _SPATIAL):
            if layer.strides[0] != layer.strides[1]:
                raise ValueError(
                    f"network_stride: layer '{layer.name}' has unequal strides {layer.strides}"
                )
            S *= int(layer.strides[0])
    return S


def _as_image(image: object, channels: int, where: str) -> np.ndarray:
    """(H, W) or (H, W, C) -> float (H, W, C)."""
    if (
        not isinstance(image, np.ndarray)
        or image.ndim not in (2, 3)
        or image.dtype.kind not in "uif"
    ):
        raise ValueError(
            f"{where}: expected an image as a numeric array (H, W) or (H, W, {channels}), "
            f"received {getattr(image, 'shape', type(image).__name__)}"
        )
    image = image[:, :, None] if image.ndim == 2 else image
    if image.shape[2] != channels:
        raise ValueError(
            f"{where}: expected {channels} channel(s), received image of shape {image.shape}"
        )
    return image if image.dtype.kind == "f" else image.astype(np.float32)


def _check_stride(stride: object, where: str) -> int:
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"{where}: expected stride as a positive int, received {stride!r}")
    return int(stride)


def sliding_window_predict(
    model: Sequential, image: np.ndarray, stride: int, batch_size: int = 256
) -> np.ndarray:
    """The slow reference: cut every P x P window and classify each with the patch model.

    Window (i, j) has its top-left corner at (i * stride, j * stride). The windows are a view
    of the image; each batch of ``batch_size`` of them is copied out and goes through
    ``model.predict`` in one forward pass (1 classifies them literally one at a time).

    Args:
        model: the patch classifier, input (P, P, C), output (N, K).
        image: (H, W) or (H, W, C), in the units the model was trained on, H and W >= P.
        stride: pixels between neighbouring windows, >= 1.
        batch_size: windows per forward pass (default 256).

    Returns:
        float array (n_rows, n_cols, K), n_rows = (H - P) // stride + 1 (likewise n_cols).

    Raises:
        TypeError, ValueError: a bad model, image, stride or batch size.
    """
    where = "sliding_window_predict"
    P_h, P_w, C = _patch_shape(model, where)
    image = _as_image(image, C, where)
    stride = _check_stride(stride, where)
    batch_size = _positive_int(batch_size, "batch_size", where)
    H, W = image.shape[:2]
    if H < P_h or W < P_w:
        raise ValueError(f"{where}: the image {H}x{W} is smaller than a {P_h}x{P_w} patch")
    windows = np.lib.stride_tricks.sliding_window_view(image, (P_h, P_w), axis=(0, 1))
    windows = windows[::stride, ::stride]  # (rows, cols, C, P, P), a view
    rows, cols = windows.shape[:2]
    out = []
    for k in range(0, rows * cols, batch_size):
        i, j = np.divmod(np.arange(k, min(k + batch_size, rows * cols)), cols)
        batch = np.moveaxis(windows[i, j], 1, -1)  # this batch's windows copied, (n, P, P, C)
        out.append(model.predict(batch, batch_size=len(batch), verbose=0))
    probs = np.concatenate(out, axis=0)
    if probs.ndim != 2:
        raise ValueError(f"{where}: expected model outputs (N, K), received {probs.shape[1:]}")
    return probs.reshape(rows, cols, -1)


# --------------------------------------------------------------------------- boxes


def _iou_one_to_many(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    w = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    h = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    inter = np.maximum(w, 0) * np.maximum(h, 0)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
    return inter / (area(box) + area(boxes) - inter)


def non_max_suppression(detections: Sequence[dict], iou_threshold: float) -> list[dict]:
    """Greedy NMS across classes: keep the best-scored box, drop every box overlapping it by
    IoU > ``iou_threshold``, repeat with the best remaining one.

    Args:
        detections: dicts with 'bbox' [x1, y1, x2, y2] (half-open, x2 > x1, y2 > y1), 'score'.
        iou_threshold: in [0, 1].

    Returns:
        The kept detections (the same dicts), best score first; ties keep the input order.
    """
    if not 0.0 <= iou_threshold <= 1.0:
        raise ValueError(
            f"non_max_suppression: expected iou_threshold in [0, 1], received {iou_threshold!r}"
        )
    if not detections:
        return []
    order = sorted(range(len(detections)), key=lambda k: -detections[k]["score"])
    boxes = np.array([detections[k]["bbox"] for k in order], dtype=np.float64)
    alive = np.ones(len(order), bool)
    kept = []
    for n in range(len(order)):
        if not alive[n]:
            continue
        kept.append(detections[order[n]])
        alive[n + 1 :] &= _iou_one_to_many(boxes[n], boxes[n + 1 :]) <= iou_threshold
    return kept


class _DihedralFlow:
    """Training batches, reshuffled every pass, each patch turned by a random multiple of 90
    degrees and mirrored with probability 1/2: the 8 symmetries of the square, under which a
    wafer patch is as plausible as before (exact, no interpolation)."""

    def __init__(self, x, y, batch_size: int, symmetries: bool, rng: np.random.Generator) -> None:
        self.x, self.y, self.batch_size, self.symmetries = x, y, batch_size, symmetries
        self.rng = np.random.default_rng(rng.integers(2**63))

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __iter__(self):
        order = self.rng.permutation(len(self.x))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            xb = self.x[rows].copy()
            if not self.symmetries:
                yield xb, self.y[rows]
                continue
            symmetry = self.rng.integers(8, size=len(rows))
            for s in range(8):
                pick = symmetry == s
                if pick.any():
                    turned = np.rot90(xb[pick], s % 4, axes=(1, 2))
                    xb[pick] = turned[:, :, ::-1] if s >= 4 else turned
            yield xb, self.y[rows]


def _check_images(images: object, where: str) -> list[np.ndarray]:
    """A list of 2-D grey images (uint8, or floats in [0, 255])."""
    if isinstance(images, np.ndarray) and images.ndim == 3:
        images = list(images)
    ok = isinstance(images, (list, tuple)) and len(images) > 0
    if ok:
        for i, image in enumerate(images):
            if (
                not isinstance(image, np.ndarray)
                or image.ndim != 2
                or image.dtype.kind not in "uif"
            ):
                raise ValueError(
                    f"{where}: expected image {i} as a 2-D grey image (H, W), received "
                    f"{getattr(image, 'shape', type(image).__name__)}"
                )
    else:
        raise ValueError(
            f"{where}: expected a non-empty list of grey images (H, W) or an (N, H, W) array, "
            f"received {getattr(images, 'shape', type(images).__name__)}"
        )
    return list(images)


def _as_uint8(images: list[np.ndarray], where: str) -> np.ndarray:
    if len({image.shape for image in images}) != 1:
        raise ValueError(f"{where}: expected images of one size, received several sizes")
    stack = np.stack(images)
    if stack.dtype == np.uint8:
        return stack
    return np.clip(np.rint(stack), 0, 255).astype(np.uint8)


def _positive_int(value: object, name: str, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{where}: expected {name} as an int >= {minimum}, received {value!r}")
    return int(value)


def _unit(value: object, name: str, where: str) -> float:
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    if not ok or not 0.0 <= value <= 1.0:
        raise ValueError(f"{where}: expected {name} in [0, 1], received {value!r}")
    return float(value)


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
            ``_hard_negatives``); 0 turns it off. Default None: per_class // 2.
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
        self.patch_size = _positive_int(patch_size, "patch_size", where, 20)
        if self.patch_size % 4:
            raise ValueError(
                f"{where}: expected patch_size as a multiple of 4 (two poolings of 2 after "
                f"pairs of 3x3 convolutions then read every pixel), received {patch_size}"
            )
        self.stride = _check_stride(stride, where)
        self.score_threshold = _unit(score_threshold, "score_threshold", where)
        self.nms_iou = _unit(nms_iou, "nms_iou", where)
        self.epochs = _positive_int(epochs, "epochs", where)
        self.batch_size = _positive_int(batch_size, "batch_size", where)
        self.per_class = _positive_int(per_class, "per_class", where)
        lr_ok = isinstance(learning_rate, (int, float, np.integer, np.floating)) and not isinstance(
            learning_rate, bool
        )
        if not lr_ok or not 0 < learning_rate < 1:
            raise ValueError(
                f"{where}: expected learning_rate in (0, 1), received {learning_rate!r}"
            )
        self.learning_rate = float(learning_rate)
        if not isinstance(augment, (bool, np.bool_)):
            raise TypeError(f"{where}: expected augment as True or False, received {augment!r}")
        self.augment = bool(augment)
        if hard_negatives is None:
            hard_negatives = self.per_class // 2
        self.hard_negatives = _positive_int(hard_negatives, "hard_negatives", where, 0)
        if not isinstance(filters, (list, tuple)) or len(filters) != 4:
            raise ValueError(f"{where}: expected filters as 4 ints, received {filters!r}")
        self.filters = tuple(_positive_int(f, "filters", where) for f in filters)
        self.blur_kernel = _check_blur(blur_kernel, where)
        self.threshold_value = _check_number(
            threshold_value, "threshold_value", where, 0, open_low=True
        )
        self.box_fraction = _unit(box_fraction, "box_fraction", where)
        if seed is not None and not isinstance(seed, np.random.Generator):
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
                raise TypeError(
                    f"{where}: expected seed as a non-negative int, a Generator or None, "
                    f"received {seed!r}"
                )
            if seed < 0:
                raise ValueError(f"{where}: expected seed as a non-negative int, received {seed}")
        self.seed = seed
        self.model: Sequential | None = None
        self._fcns: dict[tuple, tuple] = {}  # image shape -> _recast(self._fcns_of, ...)
        self._fcns_of: Sequential | None = None

    def __repr__(self) -> str:
        state = "trained" if self.model is not None else "not trained"
        return f"<CNNDetector patch_size={self.patch_size} stride={self.stride}, {state}>"

    # -- the network ---------------------------------------------------------------------------
    def build_model(self, seed: int | np.random.Generator | None = None) -> Sequential:
        """The patch classifier: (P, P, 1) in [0, 1] -> 4 class probabilities, convolutions only.

            BatchNormalization        the input standardised (wafers differ in brightness)
            Conv2D(16, 3) BN relu x2  edges and thin lines           32 -> 30 -> 28
            MaxPooling2D(2)                                          -> 14
            Conv2D(32, 3) BN relu                                    -> 12
            MaxPooling2D(2)                                          -> 6
            Conv2D(64, 3) BN relu                                    -> 4
            Dropout(0.3)
            Conv2D(4, 4) softmax      the head: a Dense over the 4x4x64 map, as a convolution
            Flatten                   (N, 1, 1, 4) -> (N, 4)

        Each convolution is followed by batch normalization (so it has no bias of its own; the
        normalization's beta shifts instead) and then ReLU. At inference batch normalization is
        a fixed per-channel scale and shift, which the recast folds into the convolution.
        Every layer is 'valid' (no padding) and float32, so the network runs on a whole wafer
        (``fully_convolutional``) with total stride 4. Widths come from ``filters``.
        """
        rng = as_generator(self.seed if seed is None else seed, "CNNDetector.build_model")
        P = self.patch_size

        def block(filters: int) -> list[L.Layer]:
            return [
                L.Conv2D(
                    filters,
                    3,
                    use_bias=False,
                    kernel_initializer="he_normal",
                    seed=rng,
                    dtype="float32",
                ),
                L.BatchNormalization(momentum=0.9, dtype="float32"),
                L.ReLU(),
            ]

        f1, f2, f3, f4 = self.filters
        body = [
            L.BatchNormalization(momentum=0.9, dtype="float32"),
            *block(f1),
            *block(f2),
            L.MaxPooling2D(2),
            *block(f3),
            L.MaxPooling2D(2),
            *block(f4),
            L.Dropout(0.3, seed=rng),
        ]
        h = P // 4 - 4  # the map a patch leaves: 4 for P = 32
        head = L.Conv2D(len(CLASS_NAMES), h, activation="softmax", seed=rng, dtype="float32")
        return Sequential([L.Input(shape=(P, P, 1)), *body, head, L.Flatten()], name="patch_cnn")

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
        epochs = self.epochs if epochs is None else _positive_int(epochs, "epochs", where)
        train = _as_uint8(_check_images(images, where), where)
        rng = as_generator(self.seed, where)
        if isinstance(self.seed, (int, np.integer)):
            rng = np.random.default_rng(int(self.seed))  # the same seed, the same model
        x, y = make_patch_dataset(train, annotations, self.patch_size, self.per_class, rng)
        validation = None
        if (validation_images is None) != (validation_annotations is None):
            raise ValueError(f"{where}: give both validation_images and validation_annotations")
        if validation_images is not None:
            val = _as_uint8(_check_images(validation_images, where), where)
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
        flow = _DihedralFlow(x, y, self.batch_size, self.augment, rng)
        first = epochs if not self.hard_negatives else max(1, round(epochs * _MINING_AT))
        history = model.fit(flow, epochs=first, **settings)
        self.model = model
        if self.hard_negatives and first < epochs:
            hard = self._hard_negatives(train, annotations, self.hard_negatives)
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

    def _hard_negatives(
        self, images: np.ndarray, annotations: Sequence[Sequence[dict]], n: int
    ) -> np.ndarray:
        """The ``n`` defect-free windows of the training wafers with the highest P(defect).

        A patch set samples the background at a few kinds of places; the fully convolutional
        pass looks at every window, including kinds never sampled (the rim half out of the
        window, a street crossing off-centre). Windows it wrongly calls defects are added to
        the background patches and training goes on: bootstrapping, as in classic detectors.
        Clean means no pixel within 2 px of a defect, as for make_patch_dataset's background.
        The first ``_MINING_WAFERS`` wafers are searched: 40 wafers hold some 370,000 windows,
        far more than the few hundred sought, and each costs a forward pass.
        """
        P, S = self.patch_size, network_stride(self.model)
        pad = P // 4
        scores, windows = [], []
        kept = slice(0, _MINING_WAFERS)
        for image, defects in zip(images[kept], annotations[kept], strict=True):
            x = np.pad(image.astype(np.float32) / np.float32(255.0), pad, mode="reflect")
            p_defect = 1.0 - self._fcn(x.shape).forward(x[None, :, :, None])[0, ..., 0]
            near = np.zeros(x.shape, bool)
            for d in defects:
                near[pad:-pad, pad:-pad] |= d["mask"]
            near = ndimage.binary_dilation(near, iterations=2) if near.any() else near
            table = np.pad(np.cumsum(np.cumsum(near, 0), 1), ((1, 0), (1, 0)))
            counts = table[P:, P:] - table[:-P, P:] - table[P:, :-P] + table[:-P, :-P]
            counts = counts[::S, ::S][: p_defect.shape[0], : p_defect.shape[1]]
            i, j = np.nonzero((counts == 0) & (p_defect >= 0.5))
            scores.append(p_defect[i, j])
            windows.extend(
                x[a * S : a * S + P, b * S : b * S + P] for a, b in zip(i, j, strict=True)
            )
        if not windows:
            return np.zeros((0, P, P, 1), np.float32)
        best = np.argsort(-np.concatenate(scores), kind="stable")[:n]
        return np.stack([windows[k] for k in best])[..., None]

    # -- inference -----------------------------------------------------------------------------
    def _fcn(self, shape: tuple) -> Sequential:
        """The recast of ``self.model`` for images of ``shape``, built once per shape and
        model, its weights copied afresh on every call (the model may have been trained
        further, or replaced, since)."""
        if self._fcns_of is not self.model:  # another model: its recasts are of no use
            self._fcns, self._fcns_of = {}, self.model
        if shape not in self._fcns:
            self._fcns[shape] = _recast(self.model, (*shape, 1))
        fcn, pairs = self._fcns[shape]
        _copy_weights(pairs)
        return fcn

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
            full = self._fcn(x.shape).forward(x[None, :, :, None])[0]
            return np.array(full[:: s // S, :: s // S][:rows, :cols])
        r = S // s  # shift and stitch: r x r passes on shifted copies
        out = np.empty((rows, cols, len(CLASS_NAMES)), np.float32)
        for a in range(min(r, rows)):
            for b in range(min(r, cols)):
                sub = x[a * s :, b * s :]
                part = self._fcn(sub.shape).forward(sub[None, :, :, None])[0]
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
        images = _check_images(images, where)
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
            if _patch_shape(model, "CNNDetector.from_config") != (P, P, 1):
                raise ValueError(
                    f"CNNDetector.from_config: expected a model for ({P}, {P}, 1) patches, "
                    f"received input shape {model.input_shape}"
                )
            detector.model = model
        return detector
