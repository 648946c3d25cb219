"""An exercise's thresholds as data: a ``thresholds.toml`` beside its checks, validated.

    T = load_thresholds(Path(__file__).with_name("thresholds.toml"),
                        {"full_at": float, "zero_at": float, "hidden_size": int})
    FULL_AT = T["full_at"]

Every key of the schema must be present with a number of that type (an int is accepted for
a float), and no other key may be: a typo in the file is an error when the exercise loads,
not a silently ignored threshold. Each key may carry a comment in the file saying where its
value comes from (a measurement, a bench).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from checkers.engine.errors import GraderSetupError


class ThresholdsError(GraderSetupError):
    """A thresholds file is missing, malformed, or does not match its schema."""


def load_thresholds(path: Path, schema: Mapping[str, type]) -> dict[str, float | int]:
    """Read ``path`` and check it against ``schema`` (key -> ``int`` or ``float``)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ThresholdsError(f"cannot read thresholds {path}: {error}") from None
    missing = sorted(set(schema) - set(data))
    unknown = sorted(set(data) - set(schema))
    if missing or unknown:
        raise ThresholdsError(f"{path}: missing keys {missing}, unknown keys {unknown}")
    values: dict[str, float | int] = {}
    for key, kind in schema.items():
        value = data[key]
        accepted = (int,) if kind is int else (int, float)
        if isinstance(value, bool) or not isinstance(value, accepted):
            wanted = "an integer" if kind is int else "a number"
            raise ThresholdsError(f"{path}: {key} must be {wanted}")
        values[key] = kind(value)
    return values
