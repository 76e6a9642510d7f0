"""What an analyst reads at a glance in each figure (issue 12, "Figures"): linear small multiples by kind of
measure with the period in the title, notes inside the image, no empty panel and every axis labelled,
distinguishable interval bands with words (not keys) for labels, and sorted rows — in both languages.

Every DataFrame below is a MADE-UP TEST INPUT shaped like the project's tables; none of it is data.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from antt.analyses import province
from antt.data import clean, codebook
from antt.reporting import figures as F
from antt.reporting.language import message
from antt.reporting.provenance import year_span

CAPTION = "TEST INPUT — nguồn: số liệu bịa cho kiểm thử."
LANGS = ("vi", "en")
each_lang = pytest.mark.parametrize("lang", LANGS)


# ---------------------------------------------------------------- made-up test inputs
UNITS = {  # group (English unit) -> unit in each language, as the codebook gives them
    "teams": {"vi": ["tổ", "tổ"], "en": ["teams", "teams"]},
    "members": {"vi": ["thành viên"], "en": ["members"]},
    "people": {"vi": ["đối tượng", "đối tượng"], "en": ["people", "people"]},
    "cases": {"vi": ["vụ", "vụ việc"], "en": ["cases", "cases"]},  # one kind, two Vietnamese words
}


def activity_input(lang: str) -> pd.DataFrame:
    near = {"vi": "gần", "en": "nearly"}[lang]
    more = {"vi": "trên", "en": "more than"}[lang]
    rows = [  # label, value, lower, upper, qualifier, group, period
        ("Tổ A (test input)", 518, 518, 518, "", "teams", "2020–2022"),
        ("Thành viên (test input)", 20000, 15000, 20000, near, "members", "2020–2022"),
        ("Đối tượng A (test input)", 86, 86, 86, "", "people", "2020–2022"),
        ("Vụ A (test input)", 217, 217, 217, "", "cases", "2020–2022"),
        ("Tổ B (test input)", 687, 687, 687, "", "teams", "2022"),
        ("Đối tượng B (test input)", 187, 187, 187, "", "people", ""),
        ("Vụ B (test input)", 100, 100, 200, more, "cases", "2020–2022"),
    ]
    d = pd.DataFrame(rows, columns=["label", "value", "lower", "upper", "qualifier", "group", "period"])
    seen: dict[str, int] = {}
    units = []
    for g in d["group"]:
        units.append(UNITS[g][lang][seen.get(g, 0)])
        seen[g] = seen.get(g, 0) + 1
    return d.assign(unit=units)


def its_inputs(counterfactual_everywhere: bool = True):
    t = list(range(2010, 2025))
    observed = pd.DataFrame({"time": t, "count": [9, 8, 9, 8, 7, 8, 7, 6, 4, 4, 3, 3, 2, 2, 1]})
    mean = [9 - 0.3 * i - (2 if y >= 2018 else 0) for i, y in enumerate(t)]
    fitted = pd.DataFrame({"time": t, "mean": mean, "lower": [m - 1 for m in mean], "upper": [m + 1 for m in mean]})
    cf = fitted.assign(
        mean=[9 - 0.3 * i for i in range(len(t))],
        lower=[8 - 0.3 * i for i in range(len(t))],
        upper=[10 - 0.3 * i for i in range(len(t))],
    )
    if not counterfactual_everywhere:
        cf = cf[cf["time"] >= 2017]
    return observed, fitted, cf, {"Can thiệp thử (test input)": 2018}


def power_input(periods: list[str]) -> pd.DataFrame:
    rows = [
        (b, r, p, round(min(1.0, b * r * (k + 2) / 30), 3))
        for k, p in enumerate(periods)
        for b in (2, 10)
        for r in (0.5, 1.0)
    ]
    return pd.DataFrame(rows, columns=["baseline_rate", "relative_drop", "period", "power"])


def timeline_inputs(long: bool):
    events = pd.DataFrame({"label": ["Mô hình thử A (test input)", "Mô hình thử B (test input)"], "year": [2018, 2022]})
    text = "Tỷ lệ hộ dân ký cam kết không để người thân vi phạm pháp luật và tệ nạn xã hội (test input): 100%"
    notes = [text * (3 if long else 1), "Dòng họ ký cam kết: 68 dòng họ (test input)", "WWWWWWWWWW " * 14]
    indicators = pd.DataFrame(
        {
            "label": ["Chỉ số thử 1 (test input)", "A", "B", "C"],
            "year": [2022, None, None, None],
            "value_text": ["27 người (test input)", *notes],
        }
    )
    return events, indicators


# ---------------------------------------------------------------- helpers
def drawn(fig):
    """``fig`` laid out and drawn as exported (theme rc), with its renderer."""
    canvas = FigureCanvasAgg(fig)
    with mpl.rc_context(F.theme_rc()):
        canvas.draw()
    return canvas.get_renderer()


def panels(fig) -> list:
    """The figure's data panels: every axes but a colour bar's."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def every_label(fig) -> list[str]:
    """Every word a reader sees on ``fig``: title, axis labels, panel titles, legend entries, texts."""
    found = [fig.get_suptitle()]
    for ax in fig.axes:
        found += [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()]
        found += [t.get_text() for t in ax.texts]
        if ax.get_legend():
            found += [t.get_text() for t in ax.get_legend().get_texts()]
    return [f for f in found if f]


# ---------------------------------------------------------------- 1. provincial results: small multiples
@each_lang
def test_activity_one_linear_panel_per_kind_of_measure(lang):
    fig = F.activity_figure(activity_input(lang), "Kết quả (test input)", CAPTION, lang, period="2020–2022")
    axes = panels(fig)
    assert len(axes) == len(UNITS)  # the same four panels in both languages, whatever the words
    for ax in axes:
        assert ax.get_xscale() == "linear" and ax.get_xlim()[0] == 0
    expected = [message("fig_unit_axis", lang, unit=", ".join(dict.fromkeys(UNITS[g][lang]))) for g in UNITS]
    assert [ax.get_xlabel() for ax in axes] == expected
    if lang == "vi":
        assert expected[-1] == "Số vụ, vụ việc" and expected[0] == "Số tổ"
    else:
        assert expected[-1] == "Number of cases"


@each_lang
def test_activity_title_says_the_period_once(lang):
    plain = F.activity_figure(activity_input(lang), "Kết quả (test input)", CAPTION, lang, period="2020–2022")
    assert plain.get_suptitle() == "Kết quả (test input) (2020–2022)"
    title = message("fig_activity_period_title", lang, period="2020–2022")
    fig = F.activity_figure(activity_input(lang), title, CAPTION, lang, period="2020–2022")
    assert " ".join(fig.get_suptitle().split()) == title and title.count("2020–2022") == 1


@each_lang
def test_activity_rows_sorted_and_values_labelled_in_the_language(lang):
    fig = F.activity_figure(activity_input(lang), "t", CAPTION, lang, period="2020–2022")
    teams, members, _, cases = panels(fig)
    labels = [t.get_text().replace("\n", " ") for t in teams.get_yticklabels()]
    assert labels[0].startswith("Tổ B") and labels[1].startswith("Tổ A")  # 687 above 518
    assert {"687", "518"} <= {t.get_text() for t in teams.texts}
    near, more = {"vi": ("gần 20.000", "trên 100"), "en": ("nearly 20,000", "more than 100")}[lang]
    assert near in {t.get_text() for t in members.texts} and more in {t.get_text() for t in cases.texts}


@each_lang
def test_activity_row_of_another_period_says_its_own(lang):
    fig = F.activity_figure(activity_input(lang), "t", CAPTION, lang, period="2020–2022")
    labels = [t.get_text().replace("\n", " ") for ax in panels(fig) for t in ax.get_yticklabels()]
    assert "Tổ B (test input) (2022)" in labels
    assert f"Đối tượng B (test input) ({F.words(lang)['period_not_stated']})" in labels
    assert "Tổ A (test input)" in labels  # the title's period: nothing added


def test_activity_refuses_rows_without_unit_or_value():
    with pytest.raises(ValueError, match="unit"):
        F.activity_figure(activity_input("en").drop(columns="unit"), "t", CAPTION, "en")
    with pytest.raises(ValueError, match="value"):
        F.activity_figure(activity_input("en").assign(value=None), "t", CAPTION, "en")


def test_activity_with_many_panels_is_byte_identical_on_rerun(tmp_path):
    def build():
        return F.activity_figure(activity_input("vi"), "t", CAPTION, "vi", period="2020–2022")

    a, b = F.export(build(), "a", tmp_path), F.export(build(), "b", tmp_path)
    for ext in ("png", "svg"):
        assert a[ext].read_bytes() == b[ext].read_bytes()


@each_lang
def test_province_activity_figure_from_the_data(lang, tmp_path):
    """The real provincial counts: the title carries the data's period, one panel per codebook unit."""
    indicators, code_book = clean.load_indicators(), codebook.load_indicators()
    props = province.proportions(indicators, code_book, codebook.load_part_whole())
    counts = province.activity_counts(indicators, code_book, lang)
    out = province.make_figures(props, counts, clean.load_sources(), code_book, lang, tmp_path, "p")
    shown = counts[counts["value"].notna()]
    assert year_span(shown) == "2020–2022" and "2020–2022" in out["activity"]["title"]
    assert out["activity"]["png"].exists()


# ---------------------------------------------------------------- 2. timeline: the note inside the image
@each_lang
@pytest.mark.parametrize("long", [False, True])
def test_timeline_note_fits_inside_the_figure(lang, long):
    fig = F.timeline_figure(*timeline_inputs(long), "Dòng thời gian (test input)", CAPTION, lang)
    renderer = drawn(fig)
    (note,) = [t for ax in fig.axes for t in ax.texts if t.get_gid() == "undated-note"]
    box = note.get_bbox_patch().get_window_extent(renderer)
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width and box.y0 >= 0 and box.y1 <= fig.bbox.height
    (caption,) = [t for t in fig.texts if t.get_gid() == "caption"]
    assert caption.get_window_extent(renderer).y1 <= box.y0  # above the caption
    assert box.y1 <= fig.axes[0].xaxis.label.get_window_extent(renderer).y0  # below the year axis
    assert note.get_text().startswith(F.words(lang)["undated"])


# ---------------------------------------------------------------- 3. power: no empty panel, axes labelled
PERIODS = ["2012–2025", "2008–2025", "2012–2030", "2010–2026", "2014–2024"]


@each_lang
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_power_has_one_panel_per_period_and_every_axis_labelled(lang, n):
    fig = F.power_heatmap(power_input(PERIODS[:n]), "Lực (test input)", CAPTION, lang, panel="period")
    w = F.words(lang)
    axes = panels(fig)
    assert len(axes) == n and all(ax.axison for ax in axes)  # no empty (hidden) panel
    for ax, period in zip(axes, PERIODS):
        assert ax.get_title() == message("fig_power_panel_period", lang, period=period)
        assert ax.get_xlabel() == w["relative_drop"]
        assert " ".join(ax.get_ylabel().split()) == w["baseline_rate"]
        assert all(t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels())
    (cbar,) = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert cbar.get_ylabel().startswith(w["power"])


@each_lang
def test_power_panels_by_years_each_side_are_titled(lang):
    df = power_input(["a", "b"]).assign(years_each_side=lambda d: d["period"].map({"a": 3, "b": 5}))
    fig = F.power_heatmap(df.drop(columns="period"), "t", CAPTION, lang)
    assert [ax.get_title() for ax in panels(fig)] == [f"{F.words(lang)['years_each_side']}: {n}" for n in (3, 5)]


# ---------------------------------------------------------------- 4. simulated series: bands and words
def _band(ax, gid: str):
    (band,) = [c for c in ax.collections if c.get_gid() == f"{gid}-band"]
    return band


def test_its_bands_are_distinguishable():
    ax = F.its_figure(*its_inputs(), "t", CAPTION, "en").axes[0]
    fitted, cf = _band(ax, "fitted"), _band(ax, "counterfactual")
    face = fitted.get_facecolor()[0]
    assert 0 < face[3] <= 0.25 and not fitted.get_hatch()  # light fill
    unfilled = all(c[3] == 0 for c in cf.get_facecolor())  # "none": no colour at all
    assert unfilled and cf.get_hatch()  # hatched, unfilled: nothing mixes into a third colour
    assert tuple(face[:3]) != tuple(cf.get_hatchcolor()[0][:3])
    assert set(map(tuple, [face[:3], cf.get_hatchcolor()[0][:3]])) <= {tuple(c) for c in F.PALETTE}


def test_its_counterfactual_starts_at_the_last_time_before_the_intervention():
    ax = F.its_figure(*its_inputs(), "t", CAPTION, "en").axes[0]
    (line,) = [line for line in ax.lines if line.get_gid() == "counterfactual"]
    assert min(line.get_xdata()) == 2017


@each_lang
def test_its_simulated_says_so_with_catalogue_words(lang):
    w = F.words(lang)
    fig = F.its_figure(*its_inputs(), "Chuỗi (test input)", CAPTION, lang, simulated=True)
    assert fig.get_suptitle() == f"Chuỗi (test input) ({w['simulated']})"
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [w["simulated_counts"], w["fitted"], w["counterfactual"]]
    assert not [label for label in every_label(fig) if "_" in label]
    titled = F.its_figure(*its_inputs(), f"Ví dụ {w['simulated']} (test input)", CAPTION, lang, simulated=True)
    assert titled.get_suptitle().count(w["simulated"]) == 1


def test_its_refuses_a_key_for_an_intervention_name():
    observed, fitted, cf, _ = its_inputs()
    with pytest.raises(ValueError, match="simulated_intervention"):
        F.its_figure(observed, fitted, cf, {"simulated_intervention": 2018}, "t", CAPTION, "en")


@each_lang
def test_validation_example_figure_is_simulated_in_words(lang, tmp_path):
    from antt.analyses import validation
    from antt.models import validation as simulation

    simulated = simulation.simulate_series(years_before=6, years_after=6, baseline_rate=20.0, level_rr=0.7, seed=1)
    out = validation.example_figure(validation.example_fit(simulated, 0.05), lang, tmp_path, "v")["example"]
    assert out["title"].count(F.words(lang)["simulated"]) == 1
    assert "_" not in out["title"] + out["caption"]


# ---------------------------------------------------------------- 5. attainment: sorted rows
def test_attainment_rows_sorted_largest_on_top():
    rows = [("thấp", 90, 100), ("cao", 99, 100), ("giữa", 95, 100)]
    df = pd.DataFrame(
        [
            {
                "label": lab,
                "proportion": s / n,
                "lower": s / n - 0.05,
                "upper": s / n + 0.005,
                "successes": s,
                "total": n,
            }
            for lab, s, n in rows
        ]
    )
    ax = F.attainment_figure(df, "t", CAPTION, "vi", "Wilson 95% (test input)").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cao", "giữa", "thấp"]
    ratios = [t.get_text() for t in ax.texts]
    assert ratios == ["99/100", "95/100", "90/100"]
