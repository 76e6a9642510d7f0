"""Small helpers shared by the model modules: input checks and results as plain dictionaries.

Nothing here knows about files, notebooks or the rest of the project.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any

from antt.jsonable import plain


def check_alpha(alpha: float) -> float:
    """Return ``alpha`` as a float after checking 0 < alpha < 1."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise ValueError(f"alpha must be a number in (0, 1), got {alpha!r}")
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    return alpha


def check_count(value: Any, name: str) -> int:
    """Return ``value`` as a Python int; it must be an integer (integral floats are accepted) >= 0."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer count, got the boolean {value!r}")
    if isinstance(value, numbers.Integral) or (
        isinstance(value, numbers.Real) and math.isfinite(float(value)) and float(value).is_integer()
    ):
        out = int(value)
    else:
        raise ValueError(f"{name} must be an integer count, got {value!r}")
    if out < 0:
        raise ValueError(f"{name} must be >= 0, got {out}")
    return out


def dataclass_to_dict(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """``{field: plain(value)}`` for every dataclass field not in ``skip``."""
    return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name not in skip}
