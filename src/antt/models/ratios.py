"""Descriptive ratios of reported figures whose exact values are not known.

A newspaper figure often comes with a qualifier: «gần 20 nghìn» (nearly twenty thousand) is taken as
value 20000 with bounds [15000, 20000]; a magnitude such as «hàng trăm» (hundreds) has no point value
(``None``) and bounds [100, 999]. The bounds come from how the figure was written, not from sampling, so
the intervals here are interval arithmetic on those bounds — never confidence intervals.

A bounded figure is a triple ``(value, lower, upper)`` with ``lower <= value <= upper`` (``value`` may be
``None``), in the figure's own unit (people, teams, ...).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from antt.models._common import dataclass_to_dict

RATIO_NOTE = "descriptive: bounds from the figures' qualifiers, not a sampling interval"


def _number(x: Any, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    return float(x)


def _triple(x: Any, what: str) -> tuple[float | None, float, float]:
    try:
        value, lower, upper = x
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a (value, lower, upper) triple, got {x!r}") from None
    lo, up = _number(lower, f"{what} lower bound"), _number(upper, f"{what} upper bound")
    if lo > up:
        raise ValueError(f"{what}: lower bound {lo} exceeds upper bound {up}")
    if value is None:
        return None, lo, up
    v = _number(value, f"{what} value")
    if not lo <= v <= up:
        raise ValueError(f"{what}: value {v} is outside its bounds [{lo}, {up}]")
    return v, lo, up


@dataclass(frozen=True)
class Bounded:
    """A figure known only within bounds: ``value`` (None when only a magnitude is known), ``lower``, ``upper``.

    Iterating gives ``(value, lower, upper)``, so a ``Bounded`` can be passed wherever a triple is expected.
    """

    value: float | None
    lower: float
    upper: float
    note: str = RATIO_NOTE

    def __iter__(self) -> Iterator[float | None]:
        return iter((self.value, self.lower, self.upper))

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


# A ratio of two bounded figures is itself a bounded figure (unit: numerator unit per denominator
# unit; ``value`` None when either point value is missing).
RatioEstimate = Bounded


def derived_ratio(numerator: Iterable, denominator: Iterable) -> RatioEstimate:
    """Ratio of two bounded figures by interval arithmetic (both must be non-negative).

    ``numerator`` and ``denominator`` are ``(value, lower, upper)`` triples (or ``Bounded``). The
    denominator's lower bound must be > 0. The result's bounds are descriptive: they follow from the
    figures' qualifiers («gần», «hơn», «hàng trăm»), not from a sampling model.
    """
    nv, nlo, nup = _triple(numerator, "numerator")
    dv, dlo, dup = _triple(denominator, "denominator")
    if nlo < 0:
        raise ValueError(f"numerator bounds must be >= 0, got [{nlo}, {nup}]")
    if dlo <= 0:
        raise ValueError(f"the denominator's lower bound must be > 0, got {dlo}")
    value = None if nv is None or dv is None else nv / dv
    return RatioEstimate(value=value, lower=nlo / dup, upper=nup / dlo)


def sum_bounded(*terms: Iterable) -> Bounded:
    """Sum of bounded figures: values add (None if any value is None), lower bounds add, upper bounds add.

    Exact counts are given as ``(v, v, v)``; e.g. teams ``sum_bounded((518, 518, 518), (687, 687, 687),
    (102, 102, 102))`` is 1307 exactly. A single iterable of triples is also accepted.
    """
    if len(terms) == 1 and not _looks_like_triple(terms[0]):
        terms = tuple(terms[0])
    if not terms:
        raise ValueError("sum_bounded needs at least one term")
    triples = [_triple(t, f"term {i + 1}") for i, t in enumerate(terms)]
    values = [t[0] for t in triples]
    value = None if any(v is None for v in values) else math.fsum(values)
    return Bounded(
        value=value,
        lower=math.fsum(t[1] for t in triples),
        upper=math.fsum(t[2] for t in triples),
        note="descriptive: sum of bounds from the figures' qualifiers, not a sampling interval",
    )


def _looks_like_triple(x: Any) -> bool:
    if isinstance(x, Bounded | RatioEstimate):
        return True
    try:
        items = list(x)
    except TypeError:
        return False
    return len(items) == 3 and all(i is None or isinstance(i, numbers.Real) for i in items)
