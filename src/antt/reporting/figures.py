"""Figures: one theme, one deterministic export (PNG + SVG), one function per figure.

Every figure function takes tidy DataFrames plus caller-supplied text (title, caption naming source
and method) and returns a bare ``matplotlib.figure.Figure``, built inside a clean rc context: it starts
from matplotlib's defaults plus ``theme_rc()``, so neither importing nor calling this module changes
global matplotlib state, and a user's rcParams or matplotlibrc cannot change the output.
User-facing strings are normalised to NFC (matplotlib does no text shaping, so decomposed
diacritics would render as loose marks). Every word comes from the catalogue (``words``), every number
from ``antt.reporting.language``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import os
import re
import tempfile
import textwrap
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from cycler import cycler
from matplotlib.cm import ScalarMappable
from matplotlib.collections import Collection
from matplotlib.colors import Normalize, to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.textpath import TextPath
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import blended_transform_factory

from antt.reporting.language import format_decimal, format_percent, message

FIGSIZE = (8.0, 4.5)  # inches; fixed so that outputs are deterministic
MIN_DPI = 150
CAPTION_SIZE = 7.5
TITLE_SIZE = 13.0
PALETTE = sns.color_palette("colorblind")
EXPORT_RC = {
    "svg.hashsalt": "antt-figures",
    "svg.fonttype": "path",
    "svg.id": None,
    "savefig.bbox": "standard",
    "savefig.transparent": False,
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
}
METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}

# The generic axis and legend words of the figures: catalogue keys ``fig_<word>`` (data/codebook/labels.csv).
WORDS = (
    "year",
    "attainment",
    "estimate",
    "new_addicts",
    "approximate",
    "period_not_stated",
    "simulated",
    "simulated_counts",
    "observed",
    "fitted",
    "counterfactual",
    "power",
    "outlined",
    "baseline_rate",
    "relative_drop",
    "years_each_side",
    "undated",
)


# ---------------------------------------------------------------- theme and export
def theme_rc() -> dict:
    """The one theme as rcParams: seaborn white grid, colour-blind palette, DejaVu Sans."""
    rc = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook", font_scale=0.85)}
    rc.update(
        {
            "axes.prop_cycle": cycler(color=PALETTE),
            "font.family": ["DejaVu Sans"],
            "font.sans-serif": ["DejaVu Sans"],
            "figure.titlesize": TITLE_SIZE,
            "figure.titleweight": "bold",
            "legend.fontsize": 8,
        }
    )
    return rc


@contextlib.contextmanager
def _clean_rc(extra: Mapping) -> Iterator[None]:
    with mpl.rc_context():
        mpl.rcdefaults()  # start from matplotlib's defaults, not the caller's state
        mpl.rcParams.update(extra)
        yield


def _themed(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _clean_rc(theme_rc()):
            return func(*args, **kwargs)

    return wrapper


def _words(fig: Figure) -> dict[str, str]:
    """The title and caption drawn on ``fig`` (``_new_figure``), unwrapped."""
    title = fig.get_suptitle()
    caption = next((t.get_text() for t in fig.texts if t.get_gid() == "caption"), "")
    return {"title": " ".join(title.split()), "caption": " ".join(caption.split())}


def stem(prefix: str, name: str, lang: str) -> str:
    """File name (without extension) of figure ``name`` of the job ``prefix`` in ``lang``: one file per language."""
    return f"{prefix}_{name}.{lang}"


def render(fig: Figure, dpi: int = 200) -> dict[str, Any]:
    """``fig`` drawn as PNG and SVG bytes (the same bytes on every run and machine), then closed. Returns
    "png" and "svg" (bytes) and the figure's words as drawn, for the page's alt text and caption:
    "title" (its title) and "caption" (its source and method line), each on one line."""
    if dpi < MIN_DPI:
        raise ValueError(f"dpi={dpi} is below the minimum {MIN_DPI}")
    try:
        drawn: dict[str, Any] = {}
        with _clean_rc({**theme_rc(), **EXPORT_RC}):
            # Lay the figure out once for both formats (constrained layout is half the cost of a save).
            fig.draw_without_rendering()
            fig.set_layout_engine("none")
            for ext, meta in METADATA.items():
                buffer = io.BytesIO()
                with _snapped(fig, ext == "png"):
                    fig.savefig(buffer, format=ext, dpi=dpi, metadata=meta)
                drawn[ext] = stable_svg(buffer.getvalue()) if ext == "svg" else buffer.getvalue()
        return {**drawn, **_words(fig)}
    finally:
        plt.close(fig)


@contextlib.contextmanager
def _snapped(fig: Figure, snap: bool) -> Iterator[None]:
    """With ``snap``, every line, collection and patch of ``fig`` drawn with its vertices snapped to pixel centres.

    The same figure on another CPU computes its display coordinates with other last bits (matplotlib's transforms
    go through BLAS; tests/perturb), and the PNG's anti-aliasing would show a sub-pixel shift as different bytes.
    Snapped, a vertex moves only when it lies within that noise of a pixel's edge. The SVG is made stable by rounding
    its coordinates instead (``stable_svg``), so it is drawn unsnapped."""
    if not snap:
        yield
        return
    artists = fig.findobj(lambda a: isinstance(a, Line2D | Collection | Patch))
    before = [artist.get_snap() for artist in artists]
    for artist in artists:
        artist.set_snap(True)
    try:
        yield
    finally:
        for artist, previous in zip(artists, before):
            artist.set_snap(previous)


def write(rendered: Mapping[str, Any], name: str, out_dir: str | os.PathLike) -> dict[str, Any]:
    """Write a ``render`` result as ``name.png`` and ``name.svg`` in ``out_dir`` (both staged, then both
    replaced). Returns the two paths ("png", "svg") and the figure's words ("title", "caption")."""
    if not name or name.startswith(".") or Path(name).name != name:
        raise ValueError(f"figure name {name!r} must be a plain file stem (no folders, no leading dot)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staged: dict[str, Path] = {}
    try:
        for ext in METADATA:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=f".{ext}.tmp", dir=out)
            staged[ext] = Path(tmp)
            with os.fdopen(fd, "wb") as fh:
                fh.write(rendered[ext])
            os.chmod(tmp, 0o644)
        paths: dict[str, Any] = {}
        for ext, tmp in staged.items():
            paths[ext] = out / f"{name}.{ext}"
            os.replace(tmp, paths[ext])
        return {**paths, "title": rendered["title"], "caption": rendered["caption"]}
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)


def export(fig: Figure, name: str, out_dir: str | os.PathLike, dpi: int = 200) -> dict[str, Any]:
    """Write ``name.png`` and ``name.svg`` (byte-identical on rerun, atomically) and close ``fig``. Returns
    the two paths ("png", "svg") and the figure's words as drawn ("title", "caption"; see ``render``)."""
    if not name or name.startswith(".") or Path(name).name != name:
        plt.close(fig)
        raise ValueError(f"figure name {name!r} must be a plain file stem (no folders, no leading dot)")
    return write(render(fig, dpi), name, out_dir)


# Ids matplotlib derives from a hash of full-precision coordinates (clip paths, glyphs), and any
# number written with more than SVG_DECIMALS decimals.
_SVG_ID = re.compile(rb'(?<=id=")[^"]+|(?<=url\(#)[^)]+|(?<=xlink:href="#)[^"]+')
_SVG_NUMBER = re.compile(rb"-?\d+\.\d{%d,}" % 4)
_SVG_MINUS_ZERO = re.compile(rb"(?<![\w.])-0(?:\.0*)?(?![\w.])")
SVG_DECIMALS = 3


def stable_svg(data: bytes) -> bytes:
    """The same SVG on every machine: coordinates to 3 decimals (1/72000 inch; the fits' last digits,
    which differ between CPUs, could flip a 6th decimal), no negative zero (a value of -1e-15 is
    written "-0"), and ids numbered in order of appearance (matplotlib hashes full-precision
    coordinates into them)."""

    def rounded(match: re.Match) -> bytes:
        text = b"%.*f" % (SVG_DECIMALS, float(match.group()))
        text = text.rstrip(b"0").rstrip(b".")
        return b"0" if text in (b"-0", b"") else text

    data = _SVG_MINUS_ZERO.sub(b"0", _SVG_NUMBER.sub(rounded, data))
    ids: dict[bytes, bytes] = {}
    for found in _SVG_ID.finditer(data):
        ids.setdefault(found.group(), b"i%d" % len(ids))
    return _SVG_ID.sub(lambda m: ids[m.group()], data)


# ---------------------------------------------------------------- helpers
def _nfc(text) -> str:
    return unicodedata.normalize("NFC", str(text)).strip()


def _wrap(text, width: int) -> str:
    return textwrap.fill(_nfc(text), width, break_long_words=False, break_on_hyphens=False)


def words(lang: str) -> dict[str, str]:
    """The generic figure words (``WORDS``) in ``lang``, from the catalogue; ValueError for an unknown language."""
    return {word: message(f"fig_{word}", lang) for word in WORDS}


def _require(df: pd.DataFrame, columns: list[str], what: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}; expected {columns}")
    return df.reset_index(drop=True)


def _new_figure(
    title: str, caption: str, nrows: int = 1, ncols: int = 1, height: float | None = None, **gridspec
) -> tuple[Figure, np.ndarray]:
    """Fixed-size figure (``FIGSIZE``, or a given height in inches for long lists) with the title on
    top and the wrapped caption in a reserved bottom strip."""
    if not _nfc(caption):
        raise ValueError("every figure needs a caption naming its source and method")
    size = (FIGSIZE[0], height or FIGSIZE[1])
    caption = _wrap(caption, int(size[0] * 72 / (CAPTION_SIZE * 0.55)))
    bottom = ((caption.count("\n") + 1) * CAPTION_SIZE * 1.3 + 8) / 72 / size[1]
    fig = Figure(figsize=size, layout=ConstrainedLayoutEngine(rect=(0, bottom, 1, 1 - bottom)))
    fig.suptitle(_wrap(title, int(FIGSIZE[0] * 72 / (TITLE_SIZE * 0.62))), parse_math=False)
    fig.text(
        0.012,
        0.012,
        caption,
        ha="left",
        va="bottom",
        fontsize=CAPTION_SIZE,
        color="0.3",
        parse_math=False,
        gid="caption",
    )
    return fig, fig.subplots(nrows, ncols, squeeze=False, gridspec_kw=gridspec or None)


def _rows(ax, labels, width: int = 26) -> np.ndarray:
    """One horizontal row per label, first label on top."""
    y = np.arange(len(labels))
    ax.set_yticks(y, [_wrap(label, width) for label in labels])
    ax.set_ylim(max(len(labels), 1) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    return y


def _legend_above(ax, handles=None, labels=None, ncols: int = 3) -> None:
    args = (handles, labels) if handles is not None else ()
    ax.legend(*args, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=ncols, frameon=False)


# ---------------------------------------------------------------- figures
@_themed
def timeline_figure(
    events: pd.DataFrame, indicators: pd.DataFrame, title: str, caption: str, lang: str = "vi"
) -> Figure:
    """Events (vertical lines) on a year axis against indicators (annotated points); undated
    indicators (year missing) go into a note box in a strip below the axis, never onto it, wrapped to the
    figure's width so that it stays inside the exported image."""
    w = words(lang)
    ev = _require(events, ["label", "year"], "events")
    ind = _require(indicators, ["label", "year", "value_text"], "indicators")
    dated, notes = ind[ind["year"].notna()], ind[ind["year"].isna()]
    years = [float(y) for y in [*ev["year"], *dated["year"]]]
    if not years:
        raise ValueError("timeline: no dated event or indicator to place on the year axis")
    note = _undated_text(notes, w["undated"])
    lines = note.count("\n") + 1 if note else 0
    # The note's strip in inches: its lines (1.3 × a DejaVu line of 1.17 em) plus the box's padding, against
    # the axis' 2.6 in.
    ratios = {"height_ratios": [2.6, lines * NOTE_SIZE * 1.3 * 1.17 / 72 + 0.2]} if note else {}
    fig, axes = _new_figure(title, caption, nrows=2 if note else 1, **ratios)
    ax = axes[0, 0]
    lo, hi = min(years) - 1, max(years) + 1
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for i, (label, year) in enumerate(zip(ev["label"], ev["year"])):
        color = PALETTE[(i + 1) % len(PALETTE)]
        ax.axvline(float(year), color=color, ls="--", lw=1.6)
        ax.text(
            float(year),
            1.02,
            _wrap(label, 26),
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=8.5,
            fontweight="bold",
            color=color,
            parse_math=False,
        )
    y = _rows(ax, dated["label"], width=30)
    ax.scatter(dated["year"].astype(float), y, s=45, color=PALETTE[0], zorder=3)
    for yi, year, text in zip(y, dated["year"].astype(float), dated["value_text"]):
        right = year <= (lo + hi) / 2  # annotate towards the middle so text stays inside
        ax.annotate(
            _wrap(text, 30),
            (year, yi),
            xytext=(8 if right else -8, 0),
            textcoords="offset points",
            ha="left" if right else "right",
            va="center",
            fontsize=8,
            parse_math=False,
        )
    ax.set_xlabel(w["year"])
    if note:
        axes[1, 0].axis("off")
        axes[1, 0].text(
            0.012,
            0.5,
            note,
            transform=blended_transform_factory(fig.transFigure, axes[1, 0].transAxes),  # from the figure's left
            va="center",
            ha="left",
            fontsize=NOTE_SIZE,
            linespacing=1.3,
            parse_math=False,
            gid="undated-note",
            in_layout=False,  # its strip is sized from its lines (height_ratios), its width by _fill_points
            bbox={"boxstyle": "round,pad=0.5", "fc": "#f2f2f2", "ec": "0.6"},
        )
    return fig


NOTE_SIZE = 8.0  # points
NOTE_WIDTH = FIGSIZE[0] * 72 - 40  # points a line of the note box may take: the figure's width less margins and padding


def _undated_text(notes: pd.DataFrame, heading: str) -> str:
    """The undated indicators as a heading and one bullet per indicator (its value text, else its label),
    each wrapped so that no line is wider than ``NOTE_WIDTH`` points at ``NOTE_SIZE``; '' when there are none."""
    items = [t if isinstance(t, str) and t.strip() else lab for lab, t in zip(notes["label"], notes["value_text"])]
    return "\n".join([f"{_nfc(heading)}:", *(_fill_points(_nfc(i), "• ", "   ") for i in items)]) if items else ""


def _fill_points(text: str, first: str, indent: str) -> str:
    """``text`` wrapped greedily at word boundaries by its width in DejaVu Sans at ``NOTE_SIZE`` (measured from
    the glyphs' outlines, so the same on every machine): lines start with ``first``, then ``indent``."""
    font = FontProperties(family="DejaVu Sans", size=NOTE_SIZE)
    lines: list[str] = []
    for word in text.split():
        head = (lines[-1] + " ") if lines else first
        if lines and TextPath((0, 0), head + word, prop=font).get_extents().width <= NOTE_WIDTH:
            lines[-1] = head + word
        else:
            lines.append((indent if lines else first) + word)
    return "\n".join(lines)


@_themed
def attainment_figure(df: pd.DataFrame, title: str, caption: str, lang: str = "vi", method_label: str = "") -> Figure:
    """Attainment rates by kind of unit: point and interval, percent axis, 'successes/total' at right; rows
    sorted by the observed proportion, largest on top (ties keep the input order)."""
    w = words(lang)
    if not _nfc(method_label):
        raise ValueError("attainment_figure: method_label must name the interval method (e.g. 'Clopper–Pearson 95%')")
    d = _require(df, ["label", "proportion", "lower", "upper", "successes", "total"], "attainment")
    d = d.sort_values("proportion", ascending=False, kind="stable").reset_index(drop=True)
    p, lo, hi = (d[c].astype(float).to_numpy() for c in ("proportion", "lower", "upper"))
    if not np.all((lo >= 0) & (lo <= p) & (p <= hi) & (hi <= 1)) or (d["successes"] > d["total"]).any():
        raise ValueError("attainment: need 0 ≤ lower ≤ proportion ≤ upper ≤ 1 and successes ≤ total")
    fig, axes = _new_figure(title, caption)
    ax = axes[0, 0]
    y = _rows(ax, d["label"])
    ax.hlines(y, lo, hi, color=PALETTE[0], lw=3, label=_nfc(method_label))
    ax.plot(p, y, "o", ms=8, color=PALETTE[3], mec="white", label=w["estimate"], zorder=3)
    for yi, s, n in zip(y, d["successes"], d["total"]):
        ax.text(
            1.02,
            yi,
            f"{format_decimal(s, lang, 0)}/{format_decimal(n, lang, 0)}",
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize=8.5,
        )
    left = max(0.0, math.floor((lo.min() - 0.02) * 20) / 20)
    ax.set_xlim(left, 1 + 0.02 * (1 - left))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_percent(v, lang, trim=True)))
    ax.set_xlabel(w["attainment"])
    _legend_above(ax, ncols=2)
    return fig


@_themed
def its_figure(
    observed: pd.DataFrame,
    fitted: pd.DataFrame,
    counterfactual: pd.DataFrame,
    interventions: Mapping[str, float],
    title: str,
    caption: str,
    lang: str = "vi",
    *,
    xlabel: str | None = None,
    ylabel: str | None = None,
    simulated: bool = False,
) -> Figure:
    """Interrupted time series on a time axis (years; months as fractions of a year) against counts per
    period: observed points, the fitted line with its interval as a light filled band, and the dashed
    counterfactual with its interval as a hatched, unfilled band, drawn from the last time before the first
    intervention on (before it, it is the fitted line); labelled dotted vertical lines at the interventions.
    The two bands use the colour-blind palette's blue and orange and never mix into a third colour.
    Intervention names are words (a catalogue key such as 'simulated_intervention' is refused). With
    ``simulated`` the title always carries the word for simulated in ``lang`` and the points are called
    simulated counts."""
    w = words(lang)
    obs = _require(observed, ["time", "count"], "observed")
    fit = _require(fitted, ["time", "mean", "lower", "upper"], "fitted")
    cf = _require(counterfactual, ["time", "mean", "lower", "upper"], "counterfactual")
    keys = [name for name in interventions if _IDENTIFIER.fullmatch(_nfc(name))]
    if keys:
        raise ValueError(f"its_figure: intervention names must be words in {lang!r}, not keys: {keys}")
    if interventions:
        before = cf["time"][cf["time"] < min(interventions.values())]
        cf = cf[cf["time"] >= (before.max() if len(before) else -math.inf)]
    title = _nfc(title)
    if simulated and w["simulated"].casefold() not in title.casefold():
        title = f"{title} ({w['simulated']})"
    fig, axes = _new_figure(title, caption)
    ax = axes[0, 0]
    handles = [ax.scatter(obs["time"], obs["count"], s=22, color="0.15", zorder=4)]
    handles.append(_band(ax, fit, PALETTE[0], "-", hatch=None, gid="fitted"))
    handles.append(_band(ax, cf, PALETTE[1], "--", hatch="///", gid="counterfactual"))
    for name, t in interventions.items():
        ax.axvline(t, color="0.35", ls=":", lw=1.4)
        ax.annotate(
            _wrap(name, 30),
            (t, 1),
            xycoords=ax.get_xaxis_transform(),
            xytext=(-3, -4),
            textcoords="offset points",
            rotation=90,
            ha="right",
            va="top",
            fontsize=8,
            parse_math=False,
        )
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_nfc(xlabel) if xlabel else w["year"])
    ax.set_ylabel(_nfc(ylabel) if ylabel else w["new_addicts"])
    points = w["simulated_counts"] if simulated else w["observed"]
    _legend_above(ax, handles, [points, w["fitted"], w["counterfactual"]])
    return fig


# A snake_case catalogue key ("simulated_intervention") where words belong.
_IDENTIFIER = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)+")


def _band(ax, frame: pd.DataFrame, color, ls: str, hatch: str | None, gid: str) -> tuple:
    """A mean line (gid ``gid``) and its interval band (``gid``-band): filled (alpha 0.18) without ``hatch``,
    else unfilled and hatched; edged with thin lines of its colour. Returns the legend handle (band patch, line)."""
    t, lo, hi = frame["time"], frame["lower"], frame["upper"]
    face = "none" if hatch else to_rgba(color, 0.18)
    ax.fill_between(
        t, lo, hi, facecolor=face, hatch=hatch, hatchcolor=to_rgba(color, 0.6), lw=0, zorder=1, gid=f"{gid}-band"
    )
    for edge in (lo, hi):
        ax.plot(t, edge, color=color, ls=ls, lw=0.8, alpha=0.8, zorder=2)
    (line,) = ax.plot(t, frame["mean"], color=color, ls=ls, lw=2.2, zorder=3, gid=gid)
    return (Patch(facecolor=face, hatch=hatch, edgecolor=color, lw=0.8), line)


@_themed
def power_heatmap(
    df: pd.DataFrame,
    title: str,
    caption: str,
    lang: str = "vi",
    simulated: bool = True,
    *,
    threshold: float = 0.8,
    panel: str = "years_each_side",
) -> Figure:
    """Power (a share in [0, 1]) by baseline rate (simulated cases per year, rows) × relative drop (columns),
    one panel per value of ``panel`` ("years_each_side", a number, or "period", a label such as "2012–2025"):
    exactly as many panels as values (balanced rows of at most 3, no empty panel), each titled with what its
    value is and with both axes labelled; cells ≥ threshold outlined. With ``simulated`` the title always
    carries the word for simulated in ``lang``."""
    w = words(lang)
    d = _require(df, ["baseline_rate", "relative_drop", panel, "power"], "power")
    if not d["power"].between(0, 1).all():
        raise ValueError("power: every value must lie in [0, 1]")
    title = _nfc(title)
    if simulated and w["simulated"].casefold() not in title.casefold():
        title = f"{title} ({w['simulated']})"
    panels = list(dict.fromkeys(d[panel])) if panel == "period" else sorted(d[panel].unique())
    nrows = math.ceil(len(panels) / 3)
    ncols = math.ceil(len(panels) / nrows)
    fig, axes = _new_figure(title, caption, nrows=nrows, ncols=ncols)
    for ax in axes.flat[len(panels) :]:
        fig.delaxes(ax)  # a short last row: no empty panel
    for ax, value in zip(axes.flat, panels):
        grid = (
            d[d[panel] == value]
            .pivot(index="baseline_rate", columns="relative_drop", values="power")
            .sort_index(ascending=False)
        )
        _power_panel(ax, grid, threshold, lang, short=nrows > 1)
        if panel == "period":
            ax.set_title(message("fig_power_panel_period", lang, period=_nfc(value)), fontsize=9.5)
        else:
            ax.set_title(f"{w['years_each_side']}: {format_decimal(value, lang, 2, trim=True)}", fontsize=9.5)
    cbar = fig.colorbar(
        ScalarMappable(Normalize(0, 1), "viridis"),
        ax=list(axes.flat[: len(panels)]),
        shrink=0.9,
        label=f"{w['power']} ({w['outlined']}: ≥ {format_decimal(threshold, lang, 2, trim=True)})",
    )
    cbar.ax.axhline(threshold, color="black", lw=1.6)
    cbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_decimal(v, lang, 1)))
    return fig


def _power_panel(ax, grid: pd.DataFrame, threshold: float, lang: str, short: bool = False) -> None:
    """One heatmap of ``power_heatmap``: ``grid`` of powers (rows: baseline rates, largest on top; columns:
    relative drops), annotated to 2 decimals, cells ≥ threshold outlined, both axes labelled in ``lang``
    (the y label wrapped when the panel is ``short``, one of several rows)."""
    w = words(lang)
    labels = grid.map(lambda v: "" if pd.isna(v) else format_decimal(v, lang, 2)).to_numpy()
    sns.heatmap(
        grid,
        ax=ax,
        vmin=0,
        vmax=1,
        cmap="viridis",
        annot=labels,
        fmt="",
        cbar=False,
        linewidths=0.5,
        linecolor="white",
        annot_kws={"fontsize": 7.5},
        xticklabels=[format_percent(c, lang, trim=True) for c in grid.columns],
        yticklabels=[format_decimal(r, lang, 2, trim=True) for r in grid.index],
    )
    for i, j in zip(*np.nonzero(grid.to_numpy() >= threshold)):
        ax.add_patch(Rectangle((j, i), 1, 1, fill=False, ec="black", lw=1.6))
    ax.set_xlabel(w["relative_drop"], fontsize=9)
    ax.set_ylabel(_wrap(w["baseline_rate"], 14 if short else 40), fontsize=9)
    ax.tick_params(axis="both", labelrotation=0, labelsize=8)


@_themed
def activity_figure(df: pd.DataFrame, title: str, caption: str, lang: str = "vi", *, period: str = "") -> Figure:
    """Provincial counts as small multiples: one panel per kind of measure, each a horizontal bar chart on its
    own LINEAR axis starting at zero, its rows sorted largest on top, every bar labelled with its value as
    written ('gần 20.000') and the panel's axis naming its unit ('Số tổ' / 'Number of teams').

    Columns of ``df``: label, value, lower, upper (the bounds of a qualified figure, in the row's unit; NaN:
    the value itself), qualifier (its words in ``lang``, '' when exact), unit (the codebook's unit in
    ``lang``), optional group (a language-independent key, e.g. the English unit, so that both languages draw
    the same panels; default: unit) and optional period (the row's years as text, '' when not stated).
    Panels come in the order of their first row. Qualified figures are hatched, with whiskers at their bounds.
    ``period`` ('2020–2022', from the data) is added to the title when the title lacks it; a row of another
    period says its own after its label."""
    w = words(lang)
    d = _activity_rows(df, period, lang)
    title = _nfc(title)
    if period and _nfc(period) not in title:
        title = f"{title} ({_nfc(period)})"
    groups = list(dict.fromkeys(d["group"]))
    sizes = [int((d["group"] == g).sum()) for g in groups]
    height = max(FIGSIZE[1], 0.3 * len(d) + 0.62 * len(groups) + 1.6)
    fig, axes = _new_figure(title, caption, nrows=len(groups), height=height, height_ratios=sizes)
    for ax, group in zip(axes[:, 0], groups):
        _activity_panel(ax, d[d["group"] == group].sort_values("value", ascending=False, kind="stable"), lang)
    if d["approx"].any():
        key = Patch(facecolor=PALETTE[0], hatch="///", edgecolor="white")
        _legend_above(axes[0, 0], [key], [w["approximate"]])
    return fig


def _activity_rows(df: pd.DataFrame, period: str, lang: str) -> pd.DataFrame:
    """Validated rows of ``activity_figure``: numeric value/lower/upper, the value's text, the label with the
    row's own period when it differs from ``period``, the panel key ``group`` and ``approx`` (qualified)."""
    d = _require(df, ["label", "value", "lower", "upper", "qualifier", "unit"], "activity").copy()
    d["value"] = d["value"].astype(float)
    for c in ("lower", "upper"):
        d[c] = d[c].astype(float).fillna(d["value"])
    if d["value"].isna().any() or not ((d["lower"] <= d["value"]) & (d["value"] <= d["upper"])).all():
        raise ValueError("activity: need a value and lower ≤ value ≤ upper in every row")
    if (d["lower"] < 0).any() or d["unit"].isna().any():
        raise ValueError("activity: counts must be ≥ 0 and every row needs its unit")
    qualifiers = ["" if pd.isna(q) else _nfc(q) for q in d["qualifier"]]
    d["approx"] = (d["lower"] != d["value"]) | (d["upper"] != d["value"]) | np.array([bool(q) for q in qualifiers])
    d["text"] = [f"{q} {format_decimal(v, lang, 0)}".strip() for q, v in zip(qualifiers, d["value"])]
    d["group"] = d["group"] if "group" in d else d["unit"]
    if "period" in d and period:
        own = ["" if pd.isna(p) else _nfc(p) for p in d["period"]]
        d["label"] = [
            lab if p == _nfc(period) else f"{_nfc(lab)} ({p or words(lang)['period_not_stated']})"
            for lab, p in zip(d["label"], own)
        ]
    return d


def _activity_panel(ax, rows: pd.DataFrame, lang: str) -> None:
    """One panel of ``activity_figure``: bars from zero, whiskers at differing bounds, value labels, unit axis."""
    v, lo, hi = (rows[c].to_numpy() for c in ("value", "lower", "upper"))
    y = _rows(ax, rows["label"], width=38)
    for bar, approx in zip(ax.barh(y, v, height=0.62, color=PALETTE[0]), rows["approx"]):
        bar.set(hatch="///" if approx else None, edgecolor="white")
    spread = (lo != v) | (hi != v)
    if spread.any():
        ax.errorbar(
            v[spread],
            y[spread],
            xerr=[(v - lo)[spread], (hi - v)[spread]],
            fmt="none",
            ecolor="black",
            elinewidth=1.1,
            capsize=3,
            zorder=5,
        )
    for yi, top, text in zip(y, hi, rows["text"]):
        ax.annotate(
            text, (top, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8, parse_math=False
        )
    ax.set_xlim(0, max(hi.max(), 1) * 1.3)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: format_decimal(x, lang, 0)))
    ax.tick_params(axis="x", labelsize=7.5)
    units = ", ".join(dict.fromkeys(_nfc(u) for u in rows["unit"]))
    ax.set_xlabel(message("fig_unit_axis", lang, unit=units), fontsize=8.5)
