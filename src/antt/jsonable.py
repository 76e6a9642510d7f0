"""JSON-ready plain Python from numpy, pandas and dataclass values: the one conversion every results file uses.

Ground floor (numpy and pandas only). ``antt.data.io.json_text`` turns the plain value into text (sorted keys,
no NaN allowed), ``antt.reporting.results.write`` rounds floats before that.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd


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
