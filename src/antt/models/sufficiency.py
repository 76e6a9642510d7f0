"""Can an interrupted time series be fitted to these periods? Counting the points on each side of
every intervention, before any model is fitted.

Periods are years, or months as integer indices ``year * 12 + (month - 1)``. Below ``min_points``
points on a side the verdict is "refuse" (and ``InsufficientDataError`` carries it); below
``warn_below`` it is "warn". The message says which periods are missing and what to collect.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from antt.models._common import dataclass_to_dict


class InsufficientDataError(ValueError):
    """The data cannot identify the requested model; ``verdict`` says why and what to collect."""

    def __init__(self, verdict: SufficiencyVerdict):
        self.verdict = verdict
        super().__init__(verdict.message)


# --------------------------------------------------------------------------------------------
# Periods: years, or months as integer indices year * 12 + (month − 1)
# --------------------------------------------------------------------------------------------


def is_whole_number(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def start_index(name: str, start: Any, monthly: bool) -> int:
    """Period index of an intervention's first period."""
    if is_whole_number(start):
        return int(start) * 12 if monthly else int(start)
    if (
        isinstance(start, Sequence)
        and not isinstance(start, str)
        and len(start) == 2
        and all(map(is_whole_number, start))
    ):
        year, month = int(start[0]), int(start[1])
        if not monthly:
            raise ValueError(f"intervention {name!r}: yearly data take the first year as an integer, got {start!r}")
        if not 1 <= month <= 12:
            raise ValueError(f"intervention {name!r}: month must be 1..12, got {month}")
        return year * 12 + month - 1
    raise ValueError(
        f"intervention {name!r}: give the first year as an integer (or (year, month) for monthly data), got {start!r}"
    )


def period_label(index: int, monthly: bool) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}" if monthly else str(index)


def period_ranges(indices: Sequence[int], monthly: bool) -> str:
    """Compress sorted period indices into "a–b, c" labels."""
    idx = sorted(set(indices))
    if not idx:
        return "none"
    parts, start, prev = [], idx[0], idx[0]
    for i in idx[1:] + [None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(
            period_label(start, monthly)
            if start == prev
            else f"{period_label(start, monthly)}–{period_label(prev, monthly)}"
        )
        if i is not None:
            start = prev = i
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------
# Data sufficiency
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InterventionSupport:
    """Points available around one intervention.

    ``points_before`` counts periods from the previous intervention's start (or the beginning) up to this
    one's; ``points_after`` from this one's start up to the next intervention's (or the end).
    ``missing_before``/``missing_after`` are the absent periods nearest to the start that would bring
    each side to ``min_points`` (empty when the side has enough).
    """

    name: str
    start: str
    points_before: int
    points_after: int
    periods_before: tuple[str, ...]
    periods_after: tuple[str, ...]
    missing_before: tuple[str, ...]
    missing_after: tuple[str, ...]
    status: str

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


@dataclass(frozen=True)
class SufficiencyVerdict:
    """Can an interrupted time series be fitted to these periods?

    ``status`` is "refuse" (fewer than ``min_points`` points on a side of some intervention, or another
    reason given in ``message``), "warn" (fewer than ``warn_below`` on a side: fitted, but fragile) or "ok".
    ``years_present`` lists the distinct years with data. ``message`` (English) says which periods are
    missing and what to collect.
    """

    status: str
    frequency: str
    min_points: int
    warn_below: int
    years_present: tuple[int, ...]
    interventions: tuple[InterventionSupport, ...]
    message: str
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dataclass_to_dict(self)


def check_sufficiency(
    years: Sequence[int],
    interventions: Mapping[str, Any],
    min_points: int = 3,
    warn_below: int = 8,
    months: Sequence[int] | None = None,
    outcome: str = "events",
) -> SufficiencyVerdict:
    """Check that every intervention has enough points before and after it.

    Parameters
    ----------
    years:
        The year of each observation (may be empty: no series at all).
    interventions:
        ``{name: first year}``; for monthly data also ``{name: (year, month)}`` (an integer year means
        January of that year).
    min_points:
        Fewer points than this on either side of any intervention → "refuse".
    warn_below:
        ``min_points`` ≤ points < ``warn_below`` on some side → "warn"; otherwise "ok".
    months:
        The month (1–12) of each observation for monthly data; ``None`` for yearly data.
    outcome:
        What is counted, for the message (e.g. "new drug addicts").

    With several interventions, "before" the second counts the points from the first one's start up to
    the second's, and "after" the first stops at the second's start.
    """
    _check_thresholds(min_points, warn_below, interventions)
    monthly = months is not None
    present = _present_periods(years, months)
    starts = sorted((start_index(str(n), s, monthly), str(n)) for n, s in interventions.items())
    sides = [_side(i, starts, present, min_points, warn_below) for i in range(len(starts))]
    refusals, warnings_ = _side_texts(sides, starts, min_points, monthly)
    all_missing = [p for side in sides for p in side.missing_before + side.missing_after]
    return SufficiencyVerdict(
        status="refuse" if refusals else ("warn" if warnings_ else "ok"),
        frequency="month" if monthly else "year",
        min_points=min_points,
        warn_below=warn_below,
        years_present=tuple(sorted({p // 12 for p in present} if monthly else present)),
        interventions=tuple(side.support(monthly) for side in sides),
        message=_message(refusals, warnings_, present, all_missing, min_points, warn_below, outcome, monthly),
        missing=tuple(period_label(p, monthly) for p in sorted(set(all_missing))),
    )


def _check_thresholds(min_points: int, warn_below: int, interventions: Mapping[str, Any]) -> None:
    if not is_whole_number(min_points) or min_points < 1:
        raise ValueError(f"min_points must be a positive integer, got {min_points!r}")
    if not is_whole_number(warn_below) or warn_below < min_points:
        raise ValueError(f"warn_below must be an integer >= min_points ({min_points}), got {warn_below!r}")
    if not interventions:
        raise ValueError("give at least one intervention: {name: first year}")


def _present_periods(years: Sequence[int], months: Sequence[int] | None) -> list[int]:
    """Sorted distinct period indices with data: years, or months counted from year 0 (year * 12 + month - 1)."""
    years = [int(y) for y in years]
    if months is None:
        return sorted(set(years))
    months = [int(m) for m in months]
    if len(months) != len(years):
        raise ValueError("years and months must have the same length")
    if any(not 1 <= m <= 12 for m in months):
        raise ValueError("months must be in 1..12")
    return sorted({y * 12 + m - 1 for y, m in zip(years, months)})


@dataclass(frozen=True)
class _Side:
    """The periods on each side of one intervention (period indices) and the nearest absent ones that would
    complete a side; ``short_before``/``short_after``: how many no amount of data can supply (a neighbour's start
    is too close)."""

    name: str
    start: int
    before: list[int]
    after: list[int]
    missing_before: list[int]
    missing_after: list[int]
    short_before: int
    short_after: int
    status: str

    def support(self, monthly: bool) -> InterventionSupport:
        label = functools.partial(period_label, monthly=monthly)
        return InterventionSupport(
            name=self.name,
            start=label(self.start),
            points_before=len(self.before),
            points_after=len(self.after),
            periods_before=tuple(map(label, self.before)),
            periods_after=tuple(map(label, self.after)),
            missing_before=tuple(map(label, self.missing_before)),
            missing_after=tuple(map(label, sorted(self.missing_after))),
            status=self.status,
        )


def _side(i: int, starts: list[tuple[int, str]], present: list[int], min_points: int, warn_below: int) -> _Side:
    """The ``_Side`` of the i-th intervention (in start order): "before" runs from the previous start, "after"
    stops at the next one."""
    s, name = starts[i]
    prev_start = starts[i - 1][0] if i > 0 else None
    next_start = starts[i + 1][0] if i + 1 < len(starts) else None
    before = [p for p in present if p < s and (prev_start is None or p >= prev_start)]
    after = [p for p in present if p >= s and (next_start is None or p < next_start)]
    # Absent periods nearest to the start that would complete each side.
    need_b, need_a = max(0, min_points - len(before)), max(0, min_points - len(after))
    miss_b, miss_a = [], []
    p = s - 1
    while need_b and (prev_start is None or p >= prev_start):
        if p not in present:
            miss_b.append(p)
            need_b -= 1
        p -= 1
    p = s
    while need_a and (next_start is None or p < next_start):
        if p not in present:
            miss_a.append(p)
            need_a -= 1
        p += 1
    fewest = min(len(before), len(after))
    status = "refuse" if fewest < min_points else ("warn" if fewest < warn_below else "ok")
    return _Side(name, s, before, after, sorted(miss_b), miss_a, need_b, need_a, status)


def _side_texts(
    sides: list[_Side], starts: list[tuple[int, str]], min_points: int, monthly: bool
) -> tuple[list[str], list[str]]:
    """The refusal and warning sentences, one per intervention that needs one (in start order)."""
    unit, adj = ("month", "monthly") if monthly else ("year", "yearly")
    refusals, warnings_ = [], []
    reported_pairs: set[tuple[str, ...]] = set()
    for i, side in enumerate(sides):
        name, s = side.name, side.start
        prev_start = starts[i - 1][0] if i > 0 else None
        next_start = starts[i + 1][0] if i + 1 < len(starts) else None
        if prev_start == s:
            refusals.append(
                f"interventions {starts[i - 1][1]!r} and {name!r} start in the same {unit} "
                f"({period_label(s, monthly)}): their effects cannot be separated; combine them into one"
            )
        before_where = (
            "" if prev_start is None else f", since {starts[i - 1][1]!r} started in {period_label(prev_start, monthly)}"
        )
        after_where = (
            "" if next_start is None else f", until {starts[i + 1][1]!r} starts in {period_label(next_start, monthly)}"
        )
        text = (
            f"Intervention {name!r} (from {period_label(s, monthly)}): {len(side.before)} {adj} point(s) before "
            f"it{before_where} [{period_ranges(side.before, monthly)}] and {len(side.after)} from its "
            f"start{after_where} [{period_ranges(side.after, monthly)}]"
        )
        if side.status == "refuse":
            wanted = []
            if side.missing_before:
                wanted.append(f"{period_ranges(side.missing_before, monthly)} before")
            if side.missing_after:
                wanted.append(f"{period_ranges(side.missing_after, monthly)} after")
            if wanted:
                text += f"; {min_points} needed on each side, missing at least " + " and ".join(wanted)
            if side.short_before or side.short_after:
                neighbour = starts[i - 1][1] if side.short_before else starts[i + 1][1]
                pair = tuple(sorted((name, neighbour)))
                if pair not in reported_pairs:
                    reported_pairs.add(pair)
                    text += (
                        f"; fewer than {min_points} {unit}s separate the starts of {pair[0]!r} and {pair[1]!r}, "
                        f"so no amount of data can separate their effects: analyse them as one intervention"
                    )
            refusals.append(text + ".")
        elif side.status == "warn":
            warnings_.append(text + ".")
    return refusals, warnings_


def _message(
    refusals: list[str],
    warnings_: list[str],
    present: list[int],
    all_missing: list[int],
    min_points: int,
    warn_below: int,
    outcome: str,
    monthly: bool,
) -> str:
    """The verdict in plain English (the Python API's message; reports word verdicts from their fields)."""
    unit, adj = ("month", "monthly") if monthly else ("year", "yearly")
    present_text = f"{adj.capitalize()} data present: {period_ranges(present, monthly)}."
    if refusals:
        collect = (
            f" Collect {adj} counts of {outcome} for at least {period_ranges(all_missing, monthly)}"
            f" ({min_points} {unit}s on each side of every intervention), then refit."
            if all_missing
            else ""
        )
        return (
            f"Refused: an interrupted time series needs at least {min_points} {adj} points on each side of "
            f"every intervention, and these data cannot identify the model, so nothing is fitted. "
            f"{present_text} " + " ".join(refusals) + collect
        )
    if warnings_:
        return (
            f"Fitted with a warning: fewer than {warn_below} {adj} points on a side of an intervention, so "
            f"the estimates rest on few points and the trend is poorly determined. {present_text} "
            + " ".join(warnings_)
        )
    return f"Enough data: at least {warn_below} {adj} points on each side of every intervention. {present_text}"
