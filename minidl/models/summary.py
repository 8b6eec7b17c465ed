"""``model.summary()``: the layers, their output shapes and parameter counts, in Keras 3's layout.

    Model: "sequential"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
    │ dense (Dense)                   │ (None, 5)              │            10 │
    ├─────────────────────────────────┼────────────────────────┼───────────────┤
    │ dense_1 (Dense)                 │ (None, 1)              │             6 │
    └─────────────────────────────────┴────────────────────────┴───────────────┘
     Total params: 16 (128.00 B)
     Trainable params: 16 (128.00 B)
     Non-trainable params: 0 (0.00 B)

How the counts are made: a layer's "Param #" counts all its weights, trainable or not
(BatchNormalization: gamma, beta and the two moving statistics, 4 per channel). The totals add
the model's weights: trainable ones (of layers with trainable=True) and non-trainable ones
(frozen layers' weights and every buffer). The sizes in bytes are those of the arrays as stored
(float64 by default in minidl, float32 in Keras, so minidl's are twice Keras's for the same
counts). Once the optimizer has taken a step, its state is listed as "Optimizer params"
(its step counter and learning rate, plus one slot array per weight and slot, e.g. Adam's m and
v) and included in the total, as Keras 3 does.
"""

from __future__ import annotations

import textwrap

__all__ = ["format_size", "print_summary", "summary_lines"]

_COLUMNS = (33, 24, 15)  # Keras 3's widths for a 76-character table


def format_size(n_bytes: int) -> str:
    """Keras's readable sizes: '128.00 B', '136.04 KB', '1.50 MB' (powers of 1024)."""
    size = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _row(cells: list[str], widths: tuple, align: tuple) -> list[str]:
    """One table row; cells too wide for their column wrap onto more lines, at spaces."""
    wrapped = [textwrap.wrap(c, w - 2) or [""] for c, w in zip(cells, widths, strict=True)]
    lines = []
    for i in range(max(len(w) for w in wrapped)):
        parts = []
        for column, width, side in zip(wrapped, widths, align, strict=True):
            text = column[i] if i < len(column) else ""
            parts.append(" " + (text.rjust if side == ">" else text.ljust)(width - 2) + " ")
        lines.append("│" + "│".join(parts) + "│")
    return lines


def _shape(shape) -> str:
    return (
        "("
        + ", ".join("None" if d is None else str(d) for d in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def summary_lines(model, line_length: int | None = None) -> list[str]:
    """The lines ``summary()`` prints."""
    widths = _COLUMNS
    if line_length is not None:
        inner = max(30, int(line_length)) - 4
        widths = (
            round(inner * 0.44),
            round(inner * 0.32),
            inner - round(inner * 0.44) - round(inner * 0.32),
        )
    thick = lambda left, mid, right: left + mid.join("━" * w for w in widths) + right  # noqa: E731
    thin = lambda left, mid, right: left + mid.join("─" * w for w in widths) + right  # noqa: E731
    header = ["Layer (type)", "Output Shape", "Param #"]
    lines = [f'Model: "{model.name}"', thick("┏", "┳", "┓")]
    lines += [
        "┃"
        + "┃".join(
            f" {h.rjust(w - 2) if i == 2 else h.ljust(w - 2)} "
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
        + "┃",
        thick("┡", "╇", "┩"),
    ]
    shape = getattr(model, "_input_shape", None)
    for i, layer in enumerate(model.layers):
        if shape is not None and model.built:
            shape = tuple(layer.output_shape(shape))
            shape_text, count = _shape(shape), f"{layer.count_params():,}"
        else:
            shape_text, count = "?", "0 (unbuilt)"
        lines += _row(
            [f"{layer.name} ({type(layer).__name__})", shape_text, count], widths, ("<", "<", ">")
        )
        if i < len(model.layers) - 1:
            lines.append(thin("├", "┼", "┤"))
    lines.append(thin("└", "┴", "┘"))

    variables = model._variables()
    trainable = [v[3] for v in variables if v[4]]
    frozen = [v[3] for v in variables if not v[4]]
    counts = {
        "Trainable": (sum(w.size for w in trainable), sum(w.nbytes for w in trainable)),
        "Non-trainable": (sum(w.size for w in frozen), sum(w.nbytes for w in frozen)),
    }
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.iterations > 0:
        slots = [a for by_key in optimizer.get_state()["slots"].values() for a in by_key.values()]
        # the step counter (int64) and the learning rate (float64) are two more numbers
        counts["Optimizer"] = (2 + sum(a.size for a in slots), 16 + sum(a.nbytes for a in slots))
    total = (sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values()))
    lines.append(f" Total params: {total[0]:,} ({format_size(total[1])})")
    for label, (n, n_bytes) in counts.items():
        lines.append(f" {label} params: {n:,} ({format_size(n_bytes)})")
    return lines


def print_summary(model, print_fn=None, line_length: int | None = None) -> None:
    """Print ``summary_lines(model)`` one line at a time with ``print_fn`` (default ``print``)."""
    write = print if print_fn is None else print_fn
    for line in summary_lines(model, line_length):
        write(line)
