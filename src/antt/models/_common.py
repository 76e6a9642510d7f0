"""Small helpers shared by the model modules: input checks and JSON-ready conversion.

Nothing here knows about files, notebooks or the rest of the project.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any

import numpy as np
import pandas as pd


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


def plain(value: Any) -> Any:
    """Convert numpy/pandas values, tuples, DataFrames and dataclasses to plain JSON-ready Python.

    Floats are kept in full (no rounding: ``antt.reporting.results.write`` rounds what it writes to a file, see
    ``antt.reporting.results.round_float``); non-finite floats become ``None`` (NaN) or the strings
    ``"inf"``/``"-inf"``; DataFrames become a list of row dictionaries.
    """
    if isinstance(value, pd.DataFrame):
        return [plain(row) for row in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return plain(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):
            return value.to_dict()
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | range):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if value is None or isinstance(value, bool | int | str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def dataclass_to_dict(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """``{field: plain(value)}`` for every dataclass field not in ``skip``."""
    return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name not in skip}
