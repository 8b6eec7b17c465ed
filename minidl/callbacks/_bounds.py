"""The lower-bound check of the callbacks' counts and thresholds (patience, min_delta, ...).

Type checks come from ``minidl._checks``; only the wording of an out-of-range value is the
callbacks' own: "EarlyStopping: expected patience >= 0, received -1" names the bound the way a
student reads the documented argument, without the "as an integer" of the type check.
"""

from __future__ import annotations

from .._checks import check_number


def check_at_least(
    value: object, name: str, where: str, minimum: float, *, integer: bool = False
) -> float | int:
    """``value`` as a float (an int with ``integer``) that is at least ``minimum``.

    An infinite number passes (``min_lr=inf`` is a rate never to be reduced); NaN never does,
    since every comparison with NaN is False and the callback would silently do nothing.

    Raises:
        ArgumentTypeError: not a real number (not an integer with ``integer``).
        ValueError: NaN, or below ``minimum``.
    """
    expected = f"an integer >= {minimum}" if integer else None
    number = check_number(value, name, where, integer=integer, allow_inf=True, expected=expected)
    if number < minimum:
        raise ValueError(f"{where}: expected {name} >= {minimum}, received {number}")
    return number
