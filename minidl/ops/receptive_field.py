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

from .._checks import check_int, received
from .conv import normalize_padding

__all__ = ["print_receptive_fields", "receptive_field"]


_ENTRIES = ("kernel", "stride", "dilation")


def _entry(value: object, name: str, i: int, where: str) -> int:
    """A layer's kernel, stride or dilation: an int >= 1."""
    number = check_int(value, f"layer {i}'s {name}", where)
    if number < 1:
        raise ValueError(f"{where}: expected {name} >= 1 in layer {i}, received {value!r}")
    return number


def receptive_field(layers: Sequence[tuple], input_size: int | None = None) -> list[dict]:
    """One dict per layer: kernel, stride, dilation, receptive_field, jump (and output_size).

    Args:
        layers: (kernel, stride, dilation) per layer, or (kernel, stride, dilation, padding) with
            padding an int, 'valid' (the default) or 'same'; one spatial axis (square layers).
        input_size: the input's height (or width), an int >= 1; given it, each dict has
            output_size too.

    Raises:
        TypeError: layers is not a sequence of tuples, or an entry is not an int.
        ValueError: a kernel, stride or dilation below 1, an unknown padding, input_size below 1,
            or an input too small for the stack.

    Example:
        >>> [r["receptive_field"] for r in receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])]
        [3, 7, 15]
    """
    where = "receptive_field"
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(
            f"{where}: expected layers as a list of (kernel, stride, dilation[, padding]) "
            f"tuples, received {received(layers)}"
        )
    size = check_int(input_size, "input_size", where, 1, allow_none=True)
    rf, jump = 1, 1
    rows = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (3, 4):
            raise ValueError(
                f"{where}: expected layer {i} as (kernel, stride, dilation[, padding]), received {layer!r}"
            )
        k, s, d = (_entry(v, name, i, where) for v, name in zip(layer, _ENTRIES, strict=False))
        padding = layer[3] if len(layer) == 4 else "valid"
        if not (isinstance(padding, str) and padding.lower() in ("valid", "same")):
            check_int(
                padding,
                f"layer {i}'s padding",
                where,
                0,
                expected="'valid', 'same' or an integer >= 0",
            )
        rf += d * (k - 1) * jump
        jump *= s
        row = {"kernel": k, "stride": s, "dilation": d, "receptive_field": rf, "jump": jump}
        if size is not None:
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
