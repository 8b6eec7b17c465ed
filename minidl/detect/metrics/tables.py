"""Text tables: how many wafers a detector inspects in a given time, and an aligned table of rows.

Plain text, so that the command line, a log file and a notebook show the same figures; each row
is a dict, the form in which every metric of this package reports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..._checks import is_real
from .inputs import check_count, check_finite, is_list

__all__ = [
    "format_table",
    "throughput_table",
]


_MS_PER_HOUR = 3.6e6


def throughput_table(
    ms_per_image: float, images_per_wafer: int = 1, hours: Sequence[float] = (1, 24)
) -> list[dict[str, Any]]:
    """How many images and wafers the detector inspects in a given time, at a measured speed.

    ::

        images(h) = h * 3.6e6 / ms_per_image                       (3.6e6 ms in an hour)
        wafers(h) = h * 3.6e6 / (ms_per_image * images_per_wafer)

    Expected values, not rounded down to whole wafers; inference only (no loading, no handling).

    Args:
        ms_per_image: time to inspect one image, in milliseconds, > 0.
        images_per_wafer: images taken of each wafer (dies, fields or scan strips). Default 1.
        hours: the periods to report. Default (1, 24): per hour and per day.

    Returns:
        One dict per period: 'hours', 'images', 'wafers'. Ready for ``format_table``.

    Raises:
        ValueError: if ms_per_image or an entry of hours is not a finite number > 0, or
            images_per_wafer is not a whole number >= 1.

    Example:
        >>> throughput_table(50.0, images_per_wafer=4, hours=(1,))  # 72,000 images / 4
        [{'hours': 1, 'images': 72000.0, 'wafers': 18000.0}]
    """
    where = "throughput_table"
    ms = check_finite(ms_per_image, "ms_per_image", where)
    if ms <= 0:
        raise ValueError(f"{where}: expected ms_per_image > 0, received {ms!r}")
    per_wafer = check_count(images_per_wafer, "images_per_wafer", where, minimum=1)
    if not is_list(hours):
        raise ValueError(f"{where}: expected hours as a list of numbers, received {hours!r}")
    rows = []
    for k, h in enumerate(hours):
        if check_finite(h, f"hours[{k}]", where) <= 0:
            raise ValueError(f"{where}: expected hours[{k}] > 0, received {h!r}")
        images = h * _MS_PER_HOUR / ms
        rows.append({"hours": h, "images": float(images), "wafers": float(images / per_wafer)})
    return rows


def _cell(value: object, spec: str | None) -> str:
    """One value as text: '-' for None, ``spec`` if given, else 4 significant digits."""
    if value is None:
        return "-"
    if spec is not None:
        return format(value, spec)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value) or abs(value) < 1000:
            return f"{value:.4g}"
        return f"{value:.0f}"
    return str(value)


def format_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    formats: Mapping[str, str] | None = None,
) -> str:
    """An aligned plain-text table, for the CLI and for notebooks.

    A header of column names, a rule, then one line per row. Numbers are right-aligned and text
    left-aligned; None prints as '-'. Floats print with 4 significant digits below 1000 and as
    whole numbers above, unless ``formats`` gives a format spec for the column.

    Args:
        rows: dicts, one per line, each with every key in columns (other keys are ignored).
        columns: the keys to show, in order; also the header.
        formats: optional {column: format spec}, e.g. {'pws_percent': '.1f'}. Default None.

    Returns:
        The table, lines joined by newlines, no trailing newline.

    Raises:
        ValueError: if a row misses a column (naming the row and the key).

    Example:
        >>> print(format_table(throughput_table(50.0), ['hours', 'wafers']))
        hours   wafers
        -----  -------
            1    72000
           24  1728000
    """
    where = "format_table"
    if not is_list(columns) or not all(isinstance(c, str) for c in columns):
        raise ValueError(f"{where}: expected columns as a list of str keys, received {columns!r}")
    if not is_list(rows):
        raise ValueError(f"{where}: expected rows as a list of dicts, received {rows!r}")
    formats = dict(formats or {})
    cells = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ValueError(f"{where}: expected rows[{i}] as a dict, received {row!r}")
        for c in columns:
            if c not in row:
                raise ValueError(
                    f"{where}: rows[{i}] is missing the key {c!r}; expected keys {list(columns)}"
                )
        cells.append([_cell(row[c], formats.get(c)) for c in columns])
    numeric = [bool(rows) and all(is_real(r[c]) or r[c] is None for r in rows) for c in columns]
    widths = [max([len(c)] + [len(text[k]) for text in cells]) for k, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = ["-" * w for w in widths]
    return "\n".join([line(list(columns)), line(rule)] + [line(values) for values in cells])
