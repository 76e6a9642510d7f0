"""Can an interrupted time series be fitted to these periods? Counting the points on each side of
every intervention, before any model is fitted.

Periods are years, or months as integer indices ``year * 12 + (month - 1)``. Below ``min_points``
points on a side the verdict is "refuse" (and ``InsufficientDataError`` carries it); below
``warn_below`` it is "warn". The message says which periods are missing and what to collect.
"""

from __future__ import annotations

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
    if not is_whole_number(min_points) or min_points < 1:
        raise ValueError(f"min_points must be a positive integer, got {min_points!r}")
    if not is_whole_number(warn_below) or warn_below < min_points:
        raise ValueError(f"warn_below must be an integer >= min_points ({min_points}), got {warn_below!r}")
    if not interventions:
        raise ValueError("give at least one intervention: {name: first year}")
    monthly = months is not None
    years = [int(y) for y in years]
    if monthly:
        months = [int(m) for m in months]
        if len(months) != len(years):
            raise ValueError("years and months must have the same length")
        if any(not 1 <= m <= 12 for m in months):
            raise ValueError("months must be in 1..12")
        present = sorted({y * 12 + m - 1 for y, m in zip(years, months)})
    else:
        present = sorted(set(years))
    unit, adj = ("month", "monthly") if monthly else ("year", "yearly")

    starts = sorted(((start_index(str(n), s, monthly), str(n)) for n, s in interventions.items()))
    refusals, warnings_, supports, all_missing = [], [], [], []
    reported_pairs: set[tuple[str, str]] = set()
    for i, (s, name) in enumerate(starts):
        prev_start = starts[i - 1][0] if i > 0 else None
        next_start = starts[i + 1][0] if i + 1 < len(starts) else None
        if prev_start == s:
            refusals.append(
                f"interventions {starts[i - 1][1]!r} and {name!r} start in the same {unit} "
                f"({period_label(s, monthly)}): their effects cannot be separated; combine them into one"
            )
        before = [p for p in present if p < s and (prev_start is None or p >= prev_start)]
        after = [p for p in present if p >= s and (next_start is None or p < next_start)]
        # Absent periods nearest to the start that would complete each side.
        need_b, need_a = max(0, min_points - len(before)), max(0, min_points - len(after))
        miss_b, miss_a, impossible = [], [], []
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
        if need_b or need_a:
            impossible.append(name)
        miss_b.sort()
        all_missing += miss_b + miss_a
        side_status = (
            "refuse"
            if min(len(before), len(after)) < min_points
            else ("warn" if min(len(before), len(after)) < warn_below else "ok")
        )
        start_label = period_label(s, monthly)
        before_where = (
            "" if prev_start is None else f", since {starts[i - 1][1]!r} started in {period_label(prev_start, monthly)}"
        )
        after_where = (
            "" if next_start is None else f", until {starts[i + 1][1]!r} starts in {period_label(next_start, monthly)}"
        )
        text = (
            f"Intervention {name!r} (from {start_label}): {len(before)} {adj} point(s) before it{before_where} "
            f"[{period_ranges(before, monthly)}] and {len(after)} from its start{after_where} "
            f"[{period_ranges(after, monthly)}]"
        )
        if side_status == "refuse":
            wanted = []
            if miss_b:
                wanted.append(f"{period_ranges(miss_b, monthly)} before")
            if miss_a:
                wanted.append(f"{period_ranges(miss_a, monthly)} after")
            if wanted:
                text += f"; {min_points} needed on each side, missing at least " + " and ".join(wanted)
            if name in impossible:
                neighbour = starts[i - 1][1] if need_b else starts[i + 1][1]
                pair = tuple(sorted((name, neighbour)))
                if pair not in reported_pairs:
                    reported_pairs.add(pair)
                    text += (
                        f"; fewer than {min_points} {unit}s separate the starts of {pair[0]!r} and {pair[1]!r}, "
                        f"so no amount of data can separate their effects: analyse them as one intervention"
                    )
            refusals.append(text + ".")
        elif side_status == "warn":
            warnings_.append(text + ".")
        supports.append(
            InterventionSupport(
                name=name,
                start=start_label,
                points_before=len(before),
                points_after=len(after),
                periods_before=tuple(period_label(p, monthly) for p in before),
                periods_after=tuple(period_label(p, monthly) for p in after),
                missing_before=tuple(period_label(p, monthly) for p in miss_b),
                missing_after=tuple(period_label(p, monthly) for p in sorted(miss_a)),
                status=side_status,
            )
        )

    years_present = tuple(sorted({p // 12 for p in present} if monthly else present))
    present_text = f"{adj.capitalize()} data present: {period_ranges(present, monthly)}."
    if refusals:
        status = "refuse"
        collect = (
            f" Collect {adj} counts of {outcome} for at least {period_ranges(all_missing, monthly)}"
            f" ({min_points} {unit}s on each side of every intervention), then refit."
            if all_missing
            else ""
        )
        message = (
            f"Refused: an interrupted time series needs at least {min_points} {adj} points on each side of "
            f"every intervention, and these data cannot identify the model, so nothing is fitted. "
            f"{present_text} " + " ".join(refusals) + collect
        )
    elif warnings_:
        status = "warn"
        message = (
            f"Fitted with a warning: fewer than {warn_below} {adj} points on a side of an intervention, so "
            f"the estimates rest on few points and the trend is poorly determined. {present_text} "
            + " ".join(warnings_)
        )
    else:
        status = "ok"
        message = f"Enough data: at least {warn_below} {adj} points on each side of every intervention. {present_text}"
    return SufficiencyVerdict(
        status=status,
        frequency="month" if monthly else "year",
        min_points=min_points,
        warn_below=warn_below,
        years_present=years_present,
        interventions=tuple(supports),
        message=message,
        missing=tuple(period_label(p, monthly) for p in sorted(set(all_missing))),
    )
