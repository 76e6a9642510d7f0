"""SYNTHETIC raw data, for benchmarks and tests of cleaning at corpus scale: never real figures.

``write_raw(folder, rows)`` writes ``sources.csv``, ``figures.csv`` and ``exclusions.csv`` shaped like
``data/raw``: many sources (articles, titled «SYNTHETIC benchmark source n»), each with 10–30 figures of the
codebook's real indicators, at places of the indicator's geo level, with periods and raw texts written the
Vietnamese way (``1.630``, ``1,5%``, ``1.216/2.018``, ``gần 20 nghìn``, ``hàng trăm``, ``thứ hai``). Raw
texts and places repeat a lot, as in a real corpus (far fewer distinct strings than rows).

Every row is valid and no quality check fails (fractions have numerator ≤ denominator, a part is never
above its whole); quality flags (unstated periods, repeated values, a few ambiguous ``1,630``) do occur.
The output depends only on ``rows`` and ``seed`` (``random.Random``), so a benchmark is repeatable.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import random
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from antt.data import schemas
from antt.text import count_words

SOURCE_COLUMNS = list(schemas.SOURCES.columns)
FIGURE_COLUMNS = list(schemas.FIGURES.columns)
EXCLUSION_COLUMNS = list(schemas.EXCLUSIONS.columns)

# Province → district → communes. Names in both tone styles (Hoà/Hòa, Thuỷ/Thủy) on purpose: cleaning
# gives them one spelling. Plausible names, not a gazetteer.
PLACES: dict[str, dict[str, list[str]]] = {
    "Hà Nam": {
        "Bình Lục": ["Ngọc Lũ", "An Ninh", "Bồ Đề", "Tràng An", "Đồng Du", "Hưng Công"],
        "Lý Nhân": ["Công Lý", "Hoà Hậu", "Chân Lý", "Nhân Đạo", "Đạo Lý", "Bắc Lý"],
        "Kim Bảng": ["Thụy Lôi", "Tân Sơn", "Khả Phong", "Liên Sơn", "Thanh Sơn"],
        "Thanh Liêm": ["Thanh Thuỷ", "Thanh Phong", "Liêm Cần", "Thanh Hà", "Liêm Sơn"],
    },
    "Nam Định": {
        "Ý Yên": ["Yên Khánh", "Yên Phúc", "Yên Lợi", "Yên Trung"],
        "Hải Hậu": ["Hải Anh", "Hải Minh", "Hải Phong", "Hải Đông", "Hải Quang"],
        "Giao Thủy": ["Giao Hà", "Giao Thiện", "Giao An", "Giao Lạc"],
    },
    "Ninh Bình": {
        "Gia Viễn": ["Gia Hoà", "Gia Hưng", "Gia Lạc", "Gia Minh"],
        "Kim Sơn": ["Kim Chính", "Kim Định", "Kim Hải", "Kim Tân"],
        "Yên Mô": ["Yên Thái", "Yên Hòa", "Yên Đồng"],
    },
    "Thái Bình": {
        "Vũ Thư": ["Tam Quang", "Song An", "Vũ Hội", "Việt Hùng"],
        "Tiền Hải": ["Đông Minh", "Nam Thịnh", "Tây Giang"],
    },
}
# How articles name a commune, a district and the whole province ({name}, {district}, {province}).
COMMUNE_FORMS = ["xã {name} ({district})", "xã {name} ({district})", "Xã {name} ({district})", "thị trấn {name}"]
DISTRICT_FORMS = ["huyện {district}", "huyện {district}", "thị xã {district}", "thành phố {district}"]
PROVINCE_FORMS = ["toàn tỉnh", "trong tỉnh", "tỉnh {province}"]
# (period_text, start offset, end offset, basis): years relative to the source's year; None = not given.
PERIODS = [
    ("năm {end}", 0, 0, "stated"),
    ("Năm {end}", 0, 0, "stated"),
    ("từ năm {start} đến hết năm {end}", -2, 0, "stated"),
    ("đến hết năm {end}", 0, 0, "stated"),
    ("giai đoạn {start}–{end}", -4, 0, "stated"),
    ("từ năm {start} (cùng với các mô hình)", -4, 0, "implied"),
    ("thời gian qua (từ năm {start})", 0, None, "implied"),
    ("Đến nay", None, None, "not_stated"),
    ("không nêu", None, None, "not_stated"),
]
DATED_PERIODS = [p for p in PERIODS if p[1] is not None and p[2] is not None]
PARTS = {"complaints_forwarded"}
PART_WHOLE = PARTS | {"complaints_received"}  # raw texts drawn from their own ranges (PART_CEILING)
VERBS = ["có", "đã xây dựng được", "phối hợp thực hiện", "tiếp nhận", "ghi nhận", "thành lập", "bắt", "giúp đỡ"]
TAILS = [
    "",
    "trên địa bàn",
    "tham gia",
    "có giá trị",
    "theo báo cáo",
    "trong năm",
    "làm công tác mặt trận",
    "có hồ sơ quản lý",
    "liên quan đến tàng trữ",
    "đạt tiêu chuẩn an toàn",
    "được quản lý, giáo dục",
]
# Notes as a transcriber writes them (most rows have one), each saying it is synthetic.
NOTES = [
    "",
    "SYNTHETIC: figures of the commune police, as the article attributes them.",
    "SYNTHETIC: period implied by the paragraph, not stated with the figure.",
    "SYNTHETIC: jointly with provincial and district police units.",
    "SYNTHETIC: status at the end of the period.",
    "SYNTHETIC figure for the cleaning benchmark.",
]
ORDINALS = ["thứ nhất", "thứ hai", "thứ ba", "thứ tư", "thứ năm", "thứ 12", "thứ 21"]
# Parts are drawn below this, wholes from it up (codebook part_whole.csv): no part_within_whole failure.
PART_CEILING = 150
# Corpora repeat their numbers (27 people, 100 %, thứ nhất): this share of raw texts reuses one written
# before (for the same kind and level; among the first POOL written), the rest are drawn afresh.
REPEAT = 0.85
POOL = 4000


def vietnamese(number: int) -> str:
    """An integer the Vietnamese way: ``1630`` → ``1.630``."""
    return f"{number:,}".replace(",", ".")


def _count(rng: random.Random, large: bool) -> str:
    """A count as an article writes it; ``large`` for provincial totals (hundreds to tens of thousands)."""
    roll = rng.random()
    if not large:
        if roll < 0.85:
            return str(rng.choice([rng.randint(1, 30), rng.randint(1, 120)]))
        if roll < 0.92:
            return rng.choice(["không phát sinh", "không có", "không phát sinh người nghiện mới"])
        return rng.choice(["hàng chục", f"gần {rng.randint(2, 9)}0", f"hơn {rng.randint(1, 9)}0"])
    if roll < 0.70:
        return vietnamese(rng.choice([rng.randint(10, 999), rng.randint(100, 3000), rng.randint(1000, 25000)]))
    if roll < 0.80:
        return f"{rng.choice(['gần', 'trên', 'khoảng'])} {rng.randint(2, 30)} nghìn"
    if roll < 0.88:
        return f"{rng.choice(['trên', 'hơn', 'gần'])} {rng.randint(1, 9)}00"
    if roll < 0.93:
        return f"{rng.randint(1, 9)},{rng.randint(1, 9)} nghìn"
    if roll < 0.999:
        return rng.choice(["hàng trăm", "hàng nghìn", "hàng chục"])
    return f"{rng.randint(1, 9)},{rng.randint(100, 999)}"  # ambiguous (1,630): flagged needs_review


def _raw_text(rng: random.Random, indicator: str, kind: str, level: str) -> str:
    if indicator == "complaints_forwarded":  # a part: exact and below PART_CEILING
        return str(rng.randint(5, PART_CEILING))
    if indicator == "complaints_received":  # its whole: exact or «trên N», from PART_CEILING up
        n = rng.randint(PART_CEILING + 50, 2500)
        return vietnamese(n) if rng.random() < 0.8 else f"trên {n // 100}00"
    if kind == "count":
        return _count(rng, level == "province")
    if kind == "fraction":
        whole = rng.choice([rng.randint(20, 120), rng.randint(100, 2500)])
        part = rng.randint(max(1, whole * 7 // 10), whole)
        return f"{vietnamese(part)}/{vietnamese(whole)}"
    if kind == "percent":
        roll = rng.random()
        if roll < 0.6:
            return f"{rng.randint(10, 100)}%"
        if roll < 0.8:
            return f"{rng.randint(10, 99)},{rng.randint(1, 9)}%"
        return f"{rng.choice(['gần', 'khoảng', 'trên'])} {rng.randint(5, 9)}0%"
    return rng.choice(ORDINALS)  # rank


def _place(rng: random.Random, level: str, province: str) -> str:
    districts = PLACES[province]
    district = rng.choice(sorted(districts))
    if level == "commune":
        return rng.choice(COMMUNE_FORMS).format(name=rng.choice(districts[district]), district=district)
    if level == "district":
        return rng.choice(DISTRICT_FORMS).format(district=district)
    return rng.choice(PROVINCE_FORMS).format(province=province)


@functools.cache
def _words(text: str) -> int:
    return count_words(text)


def _evidence(verb: str, raw_text: str, unit: str, tail: str) -> str:
    """«verb raw_text unit tail», without the tail, then the verb, while over the licence's 15 words
    (words never join across the spaces between the parts, so the parts' counts add up)."""
    parts = [verb, raw_text, unit, tail]
    while sum(_words(p) for p in parts) > schemas.MAX_EVIDENCE_WORDS and len(parts) > 2:
        if len(parts) == 4:
            parts.pop()  # the tail
        else:
            parts.pop(0)  # the verb
    return " ".join(p for p in parts if p)


def _year(value: int | None) -> str:
    return "" if value is None else str(value)


def source_rows(count: int) -> Iterator[list[str]]:
    """``count`` SYNTHETIC sources: ``synthetic-000001``... in the provinces of :data:`PLACES` (round robin)."""
    provinces = sorted(PLACES)
    for n in range(1, count + 1):
        source_id, province = f"synthetic-{n:06d}", provinces[n % len(provinces)]
        title = f"SYNTHETIC benchmark source {n}"
        row = {
            "source_id": source_id,
            "title": title,
            "publisher": "SYNTHETIC benchmark publisher",
            "author": "",
            "place": province,
            "province": province,
            "language": "vi",
            "publication_date": "unknown",
            "publication_date_note": "SYNTHETIC: generated for a benchmark; not an article.",
            "access_date": "2026-01-01",
            "url": "",
            "text_file": f"synthetic-{n:06d}.txt",
            "sha256": hashlib.sha256(source_id.encode()).hexdigest(),
            "licence": "SYNTHETIC benchmark data: no real figures, no rights.",
            "citation": f"{title}. Generated by antt.data.synthetic; not a real article.",
        }
        yield [row[c] for c in SOURCE_COLUMNS]


def figure_rows(rows: int, codebook: list[dict[str, str]], seed: int = 14) -> Iterator[tuple[int, list[str]]]:
    """``rows`` SYNTHETIC figures as (source number, row in ``FIGURE_COLUMNS`` order), source by source.

    ``codebook``: the codebook's rows (``indicator``, ``kind``, ``geo_level``, ``unit_vi``).
    """
    rng = random.Random(seed)
    provinces = sorted(PLACES)
    written, source = 0, 0
    pools: dict[tuple[str, str], list[str]] = {}
    while written < rows:
        source += 1
        source_id, province = f"synthetic-{source:06d}", provinces[source % len(provinces)]
        year = rng.randint(2016, 2024)
        for k in range(1, min(rng.randint(10, 30), rows - written) + 1):
            entry = rng.choice(codebook)
            indicator, kind, level = entry["indicator"], entry["kind"], entry["geo_level"]
            pool = pools.setdefault((indicator if indicator in PART_WHOLE else kind, level), [])
            if pool and rng.random() < REPEAT:
                raw_text = rng.choice(pool)
            else:
                raw_text = _raw_text(rng, indicator, kind, level)
                if len(pool) < POOL:
                    pool.append(raw_text)
            place = _place(rng, level, province)
            # A part (complaints forwarded) gets both years, as its whole's stated period: the row-by-row
            # cleaning of before stopped with a TypeError on a part without a year, and benchmarks compare with it.
            text, start, end, basis = rng.choice(DATED_PERIODS if indicator in PARTS else PERIODS)
            first = None if start is None else year + start
            last = None if end is None else year + end
            unit = entry["unit_vi"]
            evidence = _evidence(rng.choice(VERBS), raw_text, unit, rng.choice(TAILS))
            row = {
                "figure_id": f"syn-{source:06d}-{k:02d}-{indicator.replace('_', '-')}",
                "source_id": source_id,
                "paragraph": str(rng.randint(1, 25)),
                "raw_text": raw_text,
                "evidence": evidence,
                "indicator": indicator,
                "place": place,
                "period_text": text.format(start=first, end=last),
                "period_start": _year(first),
                "period_end": _year(last),
                "period_basis": basis,
                "unit": unit,
                "note": rng.choice(NOTES),
            }
            yield source, [row[c] for c in FIGURE_COLUMNS]
            written += 1


def _exclusion_rows(sources: int, seed: int) -> Iterator[list[str]]:
    rng = random.Random(seed + 1)
    for n in range(1, sources + 1):
        for _ in range(rng.randint(0, 2)):
            year = str(rng.randint(2016, 2024))
            yield [f"synthetic-{n:06d}", str(rng.randint(1, 25)), year, f"năm {year} trên địa bàn", "year", "SYNTHETIC"]
    yield ["synthetic-000001", "1", "06", "thực hiện Đề án 06", "document_number", "SYNTHETIC"]


def write_raw(
    raw_dir: str | Path,
    rows: int,
    codebook: list[dict[str, str]],
    seed: int = 14,
    edit: Callable[[int, dict[str, str]], Mapping[str, str]] | None = None,
) -> dict[str, int]:
    """Write the three SYNTHETIC raw tables into ``raw_dir`` (created); returns the row counts.

    ``edit(row, values)`` may replace cells of figure ``row`` (1-based data row, as DataError counts
    them): tests use it to plant a bad value deep in a large file. Streams: memory does not grow with ``rows``.
    """
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    sources = 0
    with open(raw_dir / "figures.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FIGURE_COLUMNS)
        for position, (source, row) in enumerate(figure_rows(rows, codebook, seed), start=1):
            if edit is not None and (changes := edit(position, dict(zip(FIGURE_COLUMNS, row)))):
                row = [changes.get(c, v) for c, v in zip(FIGURE_COLUMNS, row)]
            writer.writerow(row)
            sources = source
    exclusions = 0
    for name, columns, records in (
        ("sources.csv", SOURCE_COLUMNS, source_rows(sources)),
        ("exclusions.csv", EXCLUSION_COLUMNS, _exclusion_rows(sources, seed)),
    ):
        with open(raw_dir / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            count = 0
            for count, record in enumerate(records, start=1):  # noqa: B007 - the count is the result
                writer.writerow(record)
            exclusions = count if name == "exclusions.csv" else exclusions
    return {"figures": rows, "sources": sources, "exclusions": exclusions}
