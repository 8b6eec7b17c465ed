"""The patch classifier recast to run over a whole image in one pass: a fully convolutional net.

Classifying every 32x32 window of a 400x400 wafer one by one (``sliding_window_predict``,
minidl.detect.windows) repeats almost all the work: windows 4 px apart share 7/8 of their
pixels, and every convolution over the shared pixels is computed again for each window. A
network made of convolutions and poolings computes the same numbers for all windows at once when
it is simply run over the whole image:

    * a 'valid' convolution or pooling takes any image size; on the image, each output pixel is
      exactly the one it would be in every window that contains it (no padding means nothing in
      a window's output depends on where the window ends);
    * the head must be convolutional too. In CNNDetector's network it is a Conv2D whose kernel
      is as large as the feature map left of a patch (4x4x64 -> 4 classes): a Dense layer over
      that map, written as a convolution. A Keras-style head Flatten + Dense(units) over an
      (h, w, C) map is the same thing: Flatten orders the numbers (row, column, channel) in C
      order, so the Dense kernel (h*w*C, units) reshaped to (h, w, C, units) is a Conv2D kernel
      giving exactly the same sums. Later Dense layers become 1x1 convolutions; global pooling
      becomes a pooling whose window is the patch's feature map.

``fully_convolutional(model, input_shape)`` does that recast. On an H x W image its output is a
class-probability map (softmax acts on the last axis, per cell): cell (i, j) holds what the patch
model says about the window whose top-left corner is (i * S, j * S), where S is the network's
total stride (``network_stride``: the product of the conv and pool strides, 2 * 2 = 4 in
CNNDetector's network). The map has (H - P) // S + 1 rows (P the patch size); a window at a
position that is not a multiple of S (a stride finer than S) is reached by running the network
on shifted copies of the image and interleaving the maps ("shift and stitch", in
``CNNDetector.probability_map``). A batch normalization after a convolution is, at inference, a
fixed scale and shift per channel; the recast folds it into the convolution's kernel and bias,
one pass over the feature map instead of two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import layers as L
from ..models import Sequential
from ..ops.conv import normalize_padding

__all__ = ["copy_weights", "fully_convolutional", "network_stride", "patch_shape", "recast"]

_SPATIAL = (L.Conv2D, L.MaxPooling2D, L.AveragePooling2D)
_ELEMENTWISE = (L.Activation, L.BatchNormalization)  # Activation covers ReLU, Softmax, ...
_UNSUPPORTED = (L.Conv2DTranspose, L.UpSampling2D, L.Reshape, L.Composite)


def patch_shape(model: Sequential, where: str) -> tuple[int, int, int]:
    """(P, P, C): the shape of the patches a built patch classifier takes, or an error naming
    what the model is instead (not a Sequential, or not built for images of a fixed size)."""
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
    return recast(model, input_shape)[0]


def recast(
    model: Sequential, input_shape: Sequence[int]
) -> tuple[Sequential, list[tuple[L.Layer | None, L.Layer]]]:
    """``fully_convolutional``'s model and its (source layer, recast layer) pairs, so that the
    weights can be copied again after the patch model has changed (``copy_weights``)."""
    where = "fully_convolutional"
    P_h, P_w, C = patch_shape(model, where)
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
    copy_weights(pairs)
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


def copy_weights(pairs: list[tuple[Any, L.Layer]]) -> None:
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
