"""The wire format between the grader and a worker: length-prefixed JSON, no pickle.

Each message is an 8-byte big-endian length followed by that many bytes of UTF-8 JSON.
Values that JSON cannot express are tagged objects:

- ``{"__nd__": base64 of a .npy file}`` — a numpy array (loaded with ``allow_pickle=False``,
  so object arrays never cross);
- ``{"__tuple__": [...]}``, ``{"__dict__": [[key, value], ...]}``;
- ``{"__rng__": state}`` — a ``numpy.random.Generator`` sent by its bit generator state.

:func:`to_plain` turns whatever a submission returned into plain data: numpy scalars become
Python scalars, tensors become arrays, and subclasses of built-in types are copied into the
exact built-in type, so nothing the student defined ever reaches a comparison.
This module imports only the standard library and numpy: the worker uses it too.
"""

from __future__ import annotations

import base64
import io
import json
import os
import select
import struct
import time
from typing import Any

import numpy as np

HEADER = struct.Struct(">Q")
MAX_DEPTH = 64


class ProtocolError(Exception):
    """A message could not be read, decoded or was refused (too large, malformed)."""


class MessageTooLarge(ProtocolError):
    """A message announced more bytes than the reader accepts."""


class Unencodable(TypeError):
    """A value is not plain data (a function, a custom object, an object array, ...)."""


def _array_to_b64(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _array_from_b64(text: str) -> np.ndarray:
    try:
        return np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)
    except Exception as error:  # malformed bytes from an untrusted peer
        raise ProtocolError(f"malformed array: {error}") from error


def _as_array(value: Any) -> np.ndarray | None:
    """Tensors and array-likes (TF, torch, Keras) as a numpy array, else None."""
    if hasattr(value, "numpy") and callable(value.numpy):
        try:
            converted = value.detach().cpu().numpy() if hasattr(value, "detach") else value.numpy()
        except Exception:
            return None
        return np.asarray(converted) if isinstance(converted, np.ndarray | np.generic) else None
    return None


def to_plain(value: Any, depth: int = 0) -> Any:
    """``value`` as plain data of exact built-in types (see module docstring).

    Raises :class:`Unencodable` for anything else.
    """
    if depth > MAX_DEPTH:
        raise Unencodable("the value is nested too deeply")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, np.generic):
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return float(value)
        if isinstance(value, np.str_):
            return str.__str__(value)
        raise Unencodable(f"a numpy {type(value).__name__} scalar is not supported")
    if isinstance(value, bool):
        return bool(int.__int__(value))
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, np.ndarray):
        array = np.asarray(value)
        if array.dtype.kind == "O":
            return [to_plain(item, depth + 1) for item in array.tolist()]
        if array.dtype.kind not in "biufcUS":
            raise Unencodable(f"arrays of dtype {array.dtype} are not supported")
        return np.array(array, copy=True)
    if isinstance(value, np.random.Generator):
        return value
    if isinstance(value, tuple):
        return tuple(to_plain(item, depth + 1) for item in tuple.__iter__(value))
    if isinstance(value, list):
        return [to_plain(item, depth + 1) for item in list.__iter__(value)]
    if isinstance(value, dict):
        return {
            to_plain(k, depth + 1): to_plain(v, depth + 1) for k, v in dict.items(value)
        }
    array = _as_array(value)
    if array is not None:
        return to_plain(array, depth + 1)
    raise Unencodable(f"a value of type {type(value).__qualname__} is not plain data")


def encode(value: Any) -> Any:
    """Plain data (see :func:`to_plain`) as a JSON-ready structure with tags."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [encode(item) for item in value]
    if type(value) is tuple:
        return {"__tuple__": [encode(item) for item in value]}
    if type(value) is dict:
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if type(value) is np.ndarray:
        return {"__nd__": _array_to_b64(value)}
    if isinstance(value, np.random.Generator):
        return {"__rng__": value.bit_generator.state}
    raise Unencodable(f"a value of type {type(value).__qualname__} is not plain data")


def encode_plain(value: Any, depth: int = 0, memo: dict[int, Any] | None = None) -> Any:
    """``encode(to_plain(value))`` in one pass: the same result, faster on the common case
    (nested lists, tuples and dicts of exact built-in scalars, as most calls send).

    ``memo`` (an empty dict shared by the calls of one message) encodes a container that
    occurs several times in the message once; the receiver still decodes separate copies.
    Only for values that do not change while the message is built (the grader's own).
    """
    if depth > MAX_DEPTH:
        raise Unencodable("the value is nested too deeply")
    kind = type(value)
    if value is None or kind is str or kind is int or kind is float or kind is bool:
        return value
    if memo is not None and kind in (list, tuple, dict):
        known = memo.get(id(value))
        if known is not None and known[0] is value and known[1] == depth:
            return known[2]
    if kind is list:
        encoded: Any = [encode_plain(item, depth + 1, memo) for item in value]
    elif kind is tuple:
        encoded = {"__tuple__": [encode_plain(item, depth + 1, memo) for item in value]}
    elif kind is dict:
        encoded = {"__dict__": [[encode_plain(k, depth + 1, memo),
                                 encode_plain(v, depth + 1, memo)] for k, v in value.items()]}
    else:
        return encode(to_plain(value, depth))
    if memo is not None:
        memo[id(value)] = (value, depth, encoded)
    return encoded


def _generator_from_state(state: Any) -> np.random.Generator:
    if not isinstance(state, dict) or state.get("bit_generator") != "PCG64":
        raise ProtocolError("only PCG64 generators can be sent")
    bit_generator = np.random.PCG64()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def decode(obj: Any, depth: int = 0) -> Any:
    """The inverse of :func:`encode`; refuses anything but the known tags."""
    if depth > MAX_DEPTH + 2:
        raise ProtocolError("message nested too deeply")
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if type(obj) is list:
        return [decode(item, depth + 1) for item in obj]
    if type(obj) is dict and len(obj) == 1:
        (tag, payload), = obj.items()
        if tag == "__tuple__" and type(payload) is list:
            return tuple(decode(item, depth + 1) for item in payload)
        if tag == "__dict__" and type(payload) is list:
            result = {}
            for pair in payload:
                if type(pair) is not list or len(pair) != 2:
                    raise ProtocolError("malformed dict entry")
                key = decode(pair[0], depth + 1)
                try:
                    hash(key)
                except TypeError as error:
                    raise ProtocolError("unhashable dict key") from error
                result[key] = decode(pair[1], depth + 1)
            return result
        if tag == "__nd__" and type(payload) is str:
            return _array_from_b64(payload)
        if tag == "__rng__":
            return _generator_from_state(payload)
    raise ProtocolError(f"unexpected value in message: {str(obj)[:80]}")


def dumps(message: dict[str, Any]) -> bytes:
    """A framed message (header + JSON bytes)."""
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(body)) + body


def write_message(fd: int, message: dict[str, Any]) -> None:
    """Write one framed message to a file descriptor (blocking)."""
    data = memoryview(dumps(message))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        if deadline is not None:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int, *, max_bytes: int, deadline: float | None = None) -> dict[str, Any]:
    """Read one framed message; ``TimeoutError`` past ``deadline``, ``EOFError`` on close."""
    (size,) = HEADER.unpack(_read_exactly(fd, HEADER.size, deadline))
    if size > max_bytes:
        raise MessageTooLarge(f"{size} bytes announced, at most {max_bytes} accepted")
    body = _read_exactly(fd, size, deadline)
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProtocolError(f"malformed message: {error}") from error
    if type(message) is not dict:
        raise ProtocolError("a message must be a JSON object")
    return message
