"""Tests for antt.reporting.figures: determinism, metadata, Vietnamese text, atomic export.

Every DataFrame below is a MADE-UP TEST INPUT shaped like the project's tables; none of it is data.
"""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl
import pandas as pd
import pytest

from antt.reporting import figures as F

TITLE_VI = "Tỷ lệ đạt tiêu chuẩn “An toàn về ANTT”"
CAPTION = (
    "TEST INPUT — nguồn: số liệu bịa cho kiểm thử; phương pháp: không có. "
    "Chữ tiếng Việt: ắ ằ ẳ ẵ ặ ế ề ể ễ ệ ố ồ ổ ỗ ộ ứ ừ ử ữ ự."
)


# ---------------------------------------------------------------- made-up test inputs
def events_input() -> pd.DataFrame:
    return pd.DataFrame({"label": ["Mô hình thử A (test input)", "Mô hình thử B (test input)"], "year": [2018, 2022]})


def timeline_inputs():
    indicators = pd.DataFrame(
        {
            "label": ["Chỉ số thử 1 (test input)", "Chỉ số thử 2 (test input)", "Chỉ số không rõ năm (test input)"],
            "year": [2022, 2016, None],
            "value_text": [
                "27 người nghiện có hồ sơ (2022)",
                "5 vụ thử (2016)",
                "0 người nghiện mới (không rõ giai đoạn)",
            ],
        }
    )
    return events_input(), indicators


def attainment_input(big: bool = False) -> pd.DataFrame:
    rows = [("Khu dân cư (test input)", 673, 686), ("Cơ sở giáo dục (test input)", 63, 65)]
    if big:
        rows.append(("Vụ hòa giải (test input)", 1216, 2018))
    return pd.DataFrame(
        [
            {
                "label": lab,
                "proportion": s / n,
                "lower": s / n - 0.03,
                "upper": min(1.0, s / n + 0.02),
                "successes": s,
                "total": n,
            }
            for lab, s, n in rows
        ]
    )


def its_inputs():
    t = list(range(2014, 2025))
    observed = pd.DataFrame({"time": t, "count": [6, 5, 6, 5, 4, 3, 3, 2, 1, 1, 0]})
    mean = [6 - 0.5 * i for i in range(len(t))]
    fitted = pd.DataFrame({"time": t, "mean": mean, "lower": [m - 1 for m in mean], "upper": [m + 1 for m in mean]})
    cf = fitted[fitted["time"] >= 2018].assign(
        mean=lambda d: d["mean"] + 2, lower=lambda d: d["lower"] + 2, upper=lambda d: d["upper"] + 2
    )
    return observed, fitted, cf, {"Can thiệp thử A (test input)": 2018, "Can thiệp thử B (test input)": 2022}


def power_input() -> pd.DataFrame:
    rows = [(b, r, n, round(min(1.0, b * r * n / 40), 3)) for n in (3, 5) for b in (2, 10) for r in (0.25, 0.5)]
    return pd.DataFrame(rows, columns=["baseline_rate", "relative_drop", "years_each_side", "power"])


def activity_input() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": ["Tổ an ninh tự quản (test input)", "Thành viên (test input)", "Đối tượng (test input)"],
            "value": [518, 20000, 86],
            "lower": [518, 18000, 86],
            "upper": [518, 20000, 86],
            "qualifier": ["", "gần", None],
            "unit": ["tổ", "thành viên", "đối tượng"],
        }
    )


BUILDERS = {
    "timeline": lambda: F.timeline_figure(*timeline_inputs(), TITLE_VI, CAPTION),
    "attainment": lambda: F.attainment_figure(
        attainment_input(), TITLE_VI, CAPTION, "vi", "Khoảng tin cậy 95% (test input)"
    ),
    "its": lambda: F.its_figure(*its_inputs(), TITLE_VI, CAPTION),
    "power": lambda: F.power_heatmap(power_input(), TITLE_VI, CAPTION, simulated=False),
    "activity": lambda: F.activity_figure(activity_input(), TITLE_VI, CAPTION),
    "activity_one_unit": lambda: F.activity_figure(activity_input().assign(unit="tổ"), TITLE_VI, CAPTION),
}
each_figure = pytest.mark.parametrize("kind", sorted(BUILDERS))


# ---------------------------------------------------------------- helpers
def png_chunks(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos = 8
    while pos < len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        yield data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        pos += 12 + size


def glyph_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "missing from font" in str(w.message)]


# ---------------------------------------------------------------- every figure
@each_figure
def test_export_is_byte_identical(kind, tmp_path):
    first = F.export(BUILDERS[kind](), kind, tmp_path / "a")
    second = F.export(BUILDERS[kind](), kind, tmp_path / "b")
    again = F.export(BUILDERS[kind](), kind, tmp_path / "a")  # overwrite in place
    assert set(first) == {"png", "svg", "title", "caption"}
    assert first["title"] and first["caption"] and "\n" not in first["title"] + first["caption"]  # the page's words
    for ext in ("png", "svg"):
        assert first[ext].name == f"{kind}.{ext}"
        assert first[ext].read_bytes() == second[ext].read_bytes() == again[ext].read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [f"{kind}.png", f"{kind}.svg"]


@each_figure
def test_png_metadata_and_resolution(kind, tmp_path):
    data = F.export(BUILDERS[kind](), kind, tmp_path)["png"].read_bytes()
    chunks = list(png_chunks(data))
    keys = [body.split(b"\0")[0] for typ, body in chunks if typ in (b"tEXt", b"iTXt", b"zTXt")]
    assert b"Software" not in keys
    assert b"tIME" not in [typ for typ, _ in chunks]
    (phys,) = [body for typ, body in chunks if typ == b"pHYs"]
    assert phys[8] == 1  # unit: metre
    assert round(int.from_bytes(phys[:4], "big") * 0.0254) == 200 >= F.MIN_DPI
    (ihdr,) = [body for typ, body in chunks if typ == b"IHDR"]
    assert (int.from_bytes(ihdr[:4], "big"), int.from_bytes(ihdr[4:8], "big")) == (1600, 900)  # fixed size


@each_figure
def test_svg_has_no_date_or_creator(kind, tmp_path):
    svg = F.export(BUILDERS[kind](), kind, tmp_path)["svg"].read_text(encoding="utf-8")
    assert "<svg" in svg
    assert "dc:date" not in svg and "Matplotlib v" not in svg
    assert not re.search(r"\d{4}-\d{2}-\d{2}T?\d{0,2}", svg)


@each_figure
def test_vietnamese_title_caption_and_no_missing_glyph(kind, tmp_path):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fig = BUILDERS[kind]()
        assert fig.get_suptitle() == TITLE_VI
        (caption,) = [t for t in fig.texts if t.get_gid() == "caption"]
        assert " ".join(caption.get_text().split()) == CAPTION
        F.export(fig, kind, tmp_path)  # renders PNG and SVG
    assert glyph_warnings(record) == []


@each_figure
def test_no_global_side_effects_and_immune_to_caller_rc(kind, tmp_path):
    baseline = F.export(BUILDERS[kind](), kind, tmp_path / "base")
    odd = {
        "font.size": 30,
        "savefig.bbox": "tight",
        "svg.hashsalt": "x",
        "axes.xmargin": 0.3,
        "figure.constrained_layout.h_pad": 0.4,
        "hatch.linewidth": 5,
    }  # partly outside the theme's keys
    with mpl.rc_context(odd):
        before = dict(mpl.rcParams)
        out = F.export(BUILDERS[kind](), kind, tmp_path / "odd")
        assert dict(mpl.rcParams) == before
    for ext in ("png", "svg"):
        assert out[ext].read_bytes() == baseline[ext].read_bytes()


# ---------------------------------------------------------------- text and theme
def test_missing_glyph_detector_works(tmp_path):
    """Positive control: DejaVu Sans has no CJK, so this must warn — proving the check above can fail."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        F.export(F.activity_figure(activity_input(), "漢字 (test input)", CAPTION), "cjk", tmp_path)
    assert glyph_warnings(record)


def test_decomposed_text_is_normalised_to_nfc():
    fig = F.activity_figure(activity_input(), unicodedata.normalize("NFD", TITLE_VI), CAPTION)
    assert fig.get_suptitle() == unicodedata.normalize("NFC", TITLE_VI)


def test_importing_the_module_changes_no_rcparams():
    code = (
        "import matplotlib as mpl; before = dict(mpl.rcParams); import antt.reporting.figures as F; "
        "assert dict(mpl.rcParams) == before; print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize(("lang", "word"), [("vi", "mô phỏng"), ("en", "simulated")])
def test_power_title_says_simulated(lang, word):
    fig = F.power_heatmap(power_input(), "Lực kiểm định (test input)", CAPTION, lang=lang)
    assert word in fig.get_suptitle()
    already = F.power_heatmap(power_input(), f"Power, {word.capitalize()} (test input)", CAPTION, lang=lang)
    assert already.get_suptitle() == f"Power, {word.capitalize()} (test input)"  # not added twice
    plain = F.power_heatmap(power_input(), "Lực kiểm định (test input)", CAPTION, lang=lang, simulated=False)
    assert plain.get_suptitle() == "Lực kiểm định (test input)"


def test_generic_words_are_bilingual():
    vi, en = F.words("vi"), F.words("en")
    assert set(vi) == set(en) == set(F.WORDS) and all(vi.values()) and all(en.values())
    assert F.its_figure(*its_inputs(), "t", CAPTION, lang="en").axes[0].get_xlabel() == "Year"
    assert F.its_figure(*its_inputs(), "t", CAPTION).axes[0].get_xlabel() == "Năm"
    with pytest.raises(ValueError, match="lang"):
        F.its_figure(*its_inputs(), "t", CAPTION, lang="fr")


# ---------------------------------------------------------------- figure content
def test_timeline_undated_indicator_is_a_note_not_a_point():
    fig = F.timeline_figure(*timeline_inputs(), TITLE_VI, CAPTION)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 2  # only the dated indicators
    (note,) = [t for t in fig.axes[1].texts if t.get_gid() == "undated-note"]
    assert note.get_bbox_patch() is not None and "0 người nghiện mới" in note.get_text().replace("\n", " ")
    annotations = [t.get_text().replace("\n", " ") for t in ax.texts]
    assert "27 người nghiện có hồ sơ (2022)" in annotations
    assert any("Mô hình thử A" in a for a in annotations)


def test_attainment_annotations_and_number_format():
    ax = F.attainment_figure(attainment_input(big=True), "t", CAPTION, "vi", "CI (test input)").axes[0]
    assert {"673/686", "63/65", "1.216/2.018"} <= {t.get_text() for t in ax.texts}
    ax_en = F.attainment_figure(attainment_input(big=True), "t", CAPTION, "en", "CI (test input)").axes[0]
    assert "1,216/2,018" in {t.get_text() for t in ax_en.texts}
    assert ax.xaxis.get_major_formatter()(0.975, 0) == "97,5%"
    with pytest.raises(ValueError, match="method"):
        F.attainment_figure(attainment_input(), "t", CAPTION)


def test_its_draws_interventions_and_bands():
    ax = F.its_figure(*its_inputs(), "t", CAPTION).axes[0]
    labels = [t.get_text().replace("\n", " ") for t in ax.texts]
    assert "Can thiệp thử A (test input)" in labels and "Can thiệp thử B (test input)" in labels
    assert [line.get_linestyle() for line in ax.lines if line.get_gid() in ("fitted", "counterfactual")] == ["-", "--"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        F.words("vi")["observed"],
        F.words("vi")["fitted"],
        F.words("vi")["counterfactual"],
    ]


def test_activity_whiskers_only_where_bounds_differ_on_linear_axes():
    fig = F.activity_figure(activity_input().assign(unit="tổ"), "t", CAPTION)  # one panel
    (ax,) = fig.axes
    (errorbar,) = ax.containers[1:]  # containers[0] are the bars
    assert len(errorbar.lines[2][0].get_segments()) == 1
    assert {"518", "gần 20.000", "86"} <= {t.get_text() for t in ax.texts}
    assert ax.get_xscale() == "linear" and ax.get_xlim()[0] == 0


def test_long_labels_wrap():
    df = activity_input().assign(label=["Tổ tự quản về trật tự an toàn giao thông ở khu dân cư (test input)", "b", "c"])
    ax = F.activity_figure(df, "t", CAPTION).axes[0]
    assert "\n" in ax.get_yticklabels()[0].get_text()


# ---------------------------------------------------------------- validation and export safety
def test_inputs_are_validated():
    with pytest.raises(ValueError, match="value_text"):
        F.timeline_figure(events_input(), pd.DataFrame({"label": [], "year": []}), "t", CAPTION)
    with pytest.raises(ValueError, match="caption"):
        F.activity_figure(activity_input(), "t", "  ")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        F.power_heatmap(power_input().assign(power=1.5), "t", CAPTION)


def test_export_rejects_low_dpi_and_bad_names(tmp_path):
    with pytest.raises(ValueError, match="dpi"):
        F.export(BUILDERS["activity"](), "x", tmp_path, dpi=100)
    for bad in ("", "../x", "sub/x", ".hidden"):
        with pytest.raises(ValueError, match="name"):
            F.export(BUILDERS["activity"](), bad, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failing", ["png", "svg"])
def test_export_is_atomic_when_savefig_fails(failing, tmp_path, monkeypatch):
    (tmp_path / "fig.png").write_bytes(b"old png")
    fig = BUILDERS["activity"]()
    real = fig.savefig

    def flaky_savefig(fh, *, format, **kwargs):
        if format == failing:
            fh.write(b"partial")
            raise RuntimeError("disk full (simulated)")
        return real(fh, format=format, **kwargs)

    monkeypatch.setattr(fig, "savefig", flaky_savefig)
    with pytest.raises(RuntimeError, match="disk full"):
        F.export(fig, "fig", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]  # no temp file, no new target
    assert (tmp_path / "fig.png").read_bytes() == b"old png"  # old target untouched
