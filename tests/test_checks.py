"""The shared argument checks (minidl/_checks.py): what they accept, what they refuse, and how
their messages read."""

from __future__ import annotations

import fractions
import importlib
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minidl
from minidl._checks import (
    check_bool,
    check_int,
    check_number,
    check_unit,
    is_real,
    received,
    register_class,
)
from minidl.errors import ArgumentTypeError, MinidlError


def test_a_wrong_type_is_a_type_error_a_value_error_and_minidls_own():
    with pytest.raises(ArgumentTypeError) as info:
        check_number("0.1", "learning_rate", "SGD", 0, open_low=True)
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, MinidlError)
    assert str(info.value) == "SGD: expected learning_rate as a number > 0, received str '0.1'"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_int(0, "n", "f", 1), "f: expected n as an integer >= 1, received 0"),
        (
            lambda: check_int(2.0, "n", "f", 1),
            "f: expected n as an integer >= 1, received float 2.0",
        ),
        (lambda: check_int(True, "n", "f"), "f: expected n as an integer, received bool True"),
        (
            lambda: check_number(None, "x", "g", 0, 1),
            "g: expected x as a number in [0, 1], received None",
        ),
        (
            lambda: check_unit(1.0, "rate", "h", open_high=True),
            "h: expected rate as a number in [0, 1), received 1.0",
        ),
        (
            lambda: check_number(0, "eps", "h", 1e-7),
            "h: expected eps as a number >= 1e-07, received 0",
        ),
        (
            lambda: check_int(5, "k", "h", 1_000_000),
            "h: expected k as an integer >= 1000000, received 5",
        ),
        (
            lambda: check_number(np.float64(-2.0), "x", "h", 0),
            "h: expected x as a number >= 0, received -2.0",
        ),
        (
            lambda: check_number(np.float32("nan"), "x", "h", allow_none=True),
            "h: expected x as a number or None, received nan",
        ),
        (
            lambda: check_bool(1, "shuffle", "fit"),
            "fit: expected shuffle as True or False, received int 1",
        ),
        (
            lambda: check_int(3, "n", "f", 5, expected="an odd int >= 5"),
            "f: expected n as an odd int >= 5, received 3",
        ),
    ],
)
def test_messages_name_the_caller_the_argument_the_expected_and_the_received(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message


def test_numbers_come_back_as_plain_python_numbers():
    assert type(check_number(np.float32(0.5), "x", "f")) is float
    assert type(check_int(np.int64(3), "n", "f")) is int
    assert check_number(fractions.Fraction(1, 4), "lr", "f", 0) == 0.25
    assert check_number(None, "x", "f", allow_none=True) is None
    assert check_bool(np.bool_(True), "flag", "f") is True


def test_infinity_only_where_allowed_and_nan_never():
    assert check_number(math.inf, "baseline", "f", allow_inf=True) == math.inf
    with pytest.raises(ValueError, match="received inf"):
        check_number(math.inf, "x", "f")
    with pytest.raises(ValueError, match="received nan"):
        check_number(math.nan, "x", "f", allow_inf=True)
    with pytest.raises(ValueError, match="expected x as a number in"):
        check_number(10**400, "x", "f", 0, 1)  # too large for a float: out of range, no crash


def test_is_real_refuses_bools_and_non_numbers():
    assert is_real(1) and is_real(1.5) and is_real(np.float32(2)) and is_real(fractions.Fraction(1))
    assert not any(is_real(x) for x in (True, np.bool_(False), "1", None, 1j, [1]))


def test_received_shows_numpy_scalars_by_their_plain_value():
    assert received(np.float64(2.0)) == "float64 2.0"
    assert received("a") == "str 'a'"
    assert received(None) == "None"


@given(
    value=st.floats(allow_nan=True, allow_infinity=True, width=64),
    low=st.floats(-10, 10),
    width=st.floats(0, 10),
    open_low=st.booleans(),
    open_high=st.booleans(),
)
def test_check_number_accepts_exactly_the_finite_numbers_of_its_interval(
    value, low, width, open_low, open_high
):
    high = low + width
    inside = math.isfinite(value) and (value > low if open_low else value >= low)
    inside = inside and (value < high if open_high else value <= high)
    try:
        got = check_number(value, "x", "f", low, high, open_low=open_low, open_high=open_high)
    except ValueError as err:
        assert not inside, err
        assert str(err).startswith("f: expected x as a number in ")
    else:
        assert inside and got == value


@given(value=st.integers(-(2**70), 2**70), low=st.integers(-100, 100))
def test_check_int_accepts_python_and_numpy_integers_at_or_above_the_minimum(value, low):
    for candidate in (value, np.int64(value)) if abs(value) < 2**63 else (value,):
        if value >= low:
            assert check_int(candidate, "n", "f", low) == value
        else:
            with pytest.raises(ValueError, match=f"expected n as an integer >= {low}"):
                check_int(candidate, "n", "f", low)


def test_a_registry_refuses_a_second_class_of_the_same_name_but_takes_a_reloaded_one():
    table: dict[str, type] = {}

    class Thing:
        pass

    register_class(table, Thing, "things.register")
    register_class(table, Thing, "things.register")  # the same class again: fine
    assert table == {"Thing": Thing}

    def other():
        class Thing:  # same name, another class
            pass

        return Thing

    with pytest.raises(ValueError, match=r"things.register: a class named 'Thing' is registered"):
        register_class(table, other(), "things.register")


def test_reloading_a_layer_module_keeps_every_layer_loadable(tmp_path):
    import minidl.layers.dense as dense_module
    from minidl.layers.serialization import LAYER_CLASSES

    original = dense_module.Dense
    try:
        importlib.reload(dense_module)  # as IPython's autoreload does
        assert LAYER_CLASSES["Dense"] is dense_module.Dense is not original
        model = minidl.Sequential([minidl.layers.Input((3,)), dense_module.Dense(2, seed=0)])
        model.save(tmp_path / "m.h5")
        again = minidl.load_model(tmp_path / "m.h5")
        x = np.ones((1, 3))
        np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    finally:  # the other tests use the class the package imported first
        dense_module.Dense = LAYER_CLASSES["Dense"] = original


def test_a_custom_optimizer_without_its_own_config_still_has_a_repr():
    class Halving(minidl.optimizers.Optimizer):
        def __init__(self, rate=0.5):
            super().__init__(learning_rate=rate)

    assert repr(Halving()).startswith("Halving(learning_rate=0.5")
