"""How much of the input one output pixel sees: the receptive field of a stack of layers.

Each layer has a kernel k, a stride s and a dilation d; its kernel spans k_eff = d*(k - 1) + 1
input pixels. Walking up the stack, with r_0 = 1 and j_0 = 1 (one input pixel, one pixel apart):

    r_l = r_{l-1} + (k_eff - 1) * j_{l-1}     the receptive field grows by the kernel's span,
                                               measured in steps of the layer below
    j_l = j_{l-1} * s                          the jump: input pixels between neighbouring outputs

Strides multiply the jump, so every later layer grows the field faster (that is what pooling
buys); dilation widens k_eff without adding weights or shrinking the image, so a stack of
dilated 3x3 convolutions with d = 1, 2, 4, 8 sees 31 pixels at full resolution.
"""

from __future__ import annotations

from collections.abc import Sequence

from .conv import normalize_padding, to_pair

__all__ = ["print_receptive_fields", "receptive_field"]


def receptive_field(layers: Sequence[tuple], input_size: int | None = None) -> list[dict]:
    """One dict per layer: kernel, stride, dilation, receptive_field, jump (and output_size).

    Args:
        layers: (kernel, stride, dilation) per layer, or (kernel, stride, dilation, padding) with
            padding an int, 'valid' (the default) or 'same'; one spatial axis (square layers).
        input_size: the input's height (or width); given it, each dict has output_size too.

    Example:
        >>> [r["receptive_field"] for r in receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])]
        [3, 7, 15]
    """
    where = "receptive_field"
    rf, jump, size = 1, 1, input_size
    rows = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (3, 4):
            raise ValueError(
                f"{where}: expected layer {i} as (kernel, stride, dilation[, padding]), received {layer!r}"
            )
        k = to_pair(layer[0], "kernel", where, 1)[0]
        s = to_pair(layer[1], "stride", where, 1)[0]
        d = to_pair(layer[2], "dilation", where, 1)[0]
        rf += d * (k - 1) * jump
        jump *= s
        row = {"kernel": k, "stride": s, "dilation": d, "receptive_field": rf, "jump": jump}
        if size is not None:
            padding = layer[3] if len(layer) == 4 else "valid"
            (p0, p1), _ = normalize_padding(padding, (k, k), (s, s), (d, d), (size, size), where)
            size = (size + p0 + p1 - d * (k - 1) - 1) // s + 1
            if size < 1:
                raise ValueError(f"{where}: layer {i} leaves no output (input too small)")
            row["output_size"] = size
        rows.append(row)
    return rows


def print_receptive_fields(layers: Sequence[tuple], input_size: int | None = None) -> None:
    """Print ``receptive_field(layers, input_size)`` as a table."""
    rows = receptive_field(layers, input_size)
    keys = ["kernel", "stride", "dilation", "receptive_field", "jump"]
    if input_size is not None:
        keys.append("output_size")
    print("layer " + " ".join(f"{k:>15}" for k in keys))
    for i, row in enumerate(rows, start=1):
        print(f"{i:>5} " + " ".join(f"{row[k]:>15}" for k in keys))
