"""Strict validation of values returned by a submission, before anything compares them.

Each ``expect_*`` function returns the value in the form a check works with, or raises
:class:`checkers.engine.errors.WrongType` with a message that names what came back and what was
expected. ``what`` names the call for the student, e.g. ``"generate_string(...)"``.
Values arrive as plain data (see :mod:`checkers.sandbox.protocol`): numpy scalars are already
Python scalars, and arrays are accepted wherever a list is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from checkers.engine.errors import WrongType


def describe_type(value: Any) -> str:
    """A short description of a value's type for feedback ("a list of 3 items", ...)."""
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of {len(value)} items"
    if value is None:
        return "None"
    return f"a {type(value).__name__} ({_short(value)})"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fail(what: str, value: Any, expected: str) -> WrongType:
    return WrongType(f"{what} returned {describe_type(value)}; expected {expected}")


def expect_str(value: Any, what: str) -> str:
    """A str (and nothing else)."""
    if type(value) is not str:
        raise _fail(what, value, "a str")
    return value


def expect_bool(value: Any, what: str) -> bool:
    """A bool (numpy.bool_ arrives as bool); ints are refused."""
    if type(value) is not bool:
        raise _fail(what, value, "a bool (True or False)")
    return value


def expect_int(value: Any, what: str) -> int:
    """An int (numpy integers arrive as int; a 0-d integer array is accepted); no bools."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value)
    if type(value) is not int:
        raise _fail(what, value, "an int")
    return value


def expect_float(value: Any, what: str, *, finite: bool = True) -> float:
    """A real number (ints accepted) as float; NaN/inf refused when ``finite``."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if type(value) not in (int, float):
        raise _fail(what, value, "a number")
    number = float(value)
    if finite and not np.isfinite(number):
        raise WrongType(f"{what} returned {number}; expected a finite number")
    return number


def expect_list(value: Any, what: str, length: int | None = None) -> list:
    """A list (a tuple or 1-d+ array is accepted and converted), optionally of a length."""
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        value = value.tolist()
    elif isinstance(value, tuple):
        value = list(value)
    if type(value) is not list:
        raise _fail(what, value, "a list")
    if length is not None and len(value) != length:
        raise WrongType(f"{what} returned {len(value)} items; expected {length}")
    return value


def expect_tuple(value: Any, what: str, length: int) -> tuple:
    """A tuple (or list) of exactly ``length`` items, as a tuple."""
    if type(value) not in (tuple, list):
        raise _fail(what, value, f"a tuple of {length} items")
    if len(value) != length:
        raise WrongType(f"{what} returned {len(value)} items; expected a tuple of {length}")
    return tuple(value)


def expect_str_list(value: Any, what: str, length: int | None = None) -> list[str]:
    """A list of str."""
    items = expect_list(value, what, length)
    for index, item in enumerate(items):
        if type(item) is not str:
            raise WrongType(f"{what} returned {describe_type(item)} at index {index}; "
                            "expected every item to be a str")
    return items


def expect_int_list(value: Any, what: str, length: int | None = None) -> list[int]:
    """A list of int (an integer array is accepted)."""
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind not in "iu":
        raise _fail(what, value, "a list of ints")
    items = expect_list(value, what, length)
    for index, item in enumerate(items):
        if type(item) is not int:
            raise WrongType(f"{what} returned {describe_type(item)} at index {index}; "
                            "expected every item to be an int")
    return items


def expect_array(
    value: Any,
    what: str,
    *,
    kind: str | None = None,
    ndim: int | None = None,
    shape: tuple[int | None, ...] | None = None,
    finite: bool = True,
) -> np.ndarray:
    """A numpy array (lists of numbers are converted), checked for dtype kind and shape.

    ``kind``: ``'f'`` real numbers (ints accepted, returned as float64), ``'i'`` integers,
    ``'b'`` booleans. ``shape`` may hold None for any size along an axis.
    """
    if isinstance(value, list | tuple):
        try:
            value = np.asarray(value)
        except ValueError:
            raise WrongType(f"{what} returned nested lists of unequal lengths; "
                            "expected a rectangular array") from None
    if not isinstance(value, np.ndarray):
        raise _fail(what, value, "a numpy array")
    if value.dtype.kind in "OUS" or value.dtype.kind == "c":
        raise _fail(what, value, "an array of numbers")
    if kind == "f":
        if value.dtype.kind not in "iufb":
            raise _fail(what, value, "an array of floats")
        value = value.astype(np.float64)
        if finite and value.size and not np.all(np.isfinite(value)):
            raise WrongType(f"{what} returned an array with NaN or infinite values")
    elif kind == "i" and value.dtype.kind not in "iu":
        if value.dtype.kind == "f" and value.size and np.all(np.equal(np.mod(value, 1), 0)):
            value = value.astype(np.int64)
        elif value.size:
            raise _fail(what, value, "an array of integers")
        else:
            value = value.astype(np.int64)
    elif kind == "b" and value.dtype.kind != "b":
        raise _fail(what, value, "an array of booleans")
    if ndim is not None and value.ndim != ndim:
        raise WrongType(f"{what} returned an array with {value.ndim} dimensions "
                        f"(shape {value.shape}); expected {ndim}")
    if shape is not None:
        if value.ndim != len(shape) or any(
            want is not None and want != got for want, got in zip(shape, value.shape, strict=True)
        ):
            wanted = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise WrongType(f"{what} returned an array of shape {value.shape}; expected {wanted}")
    return value
