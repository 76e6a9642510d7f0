"""Draft rows of ``data/raw/figures.csv`` from the plain text of a Vietnamese article.

``extract(text_or_path, source_id)`` -> (candidates: the ``figures.csv`` columns plus the review
columns ``REVIEW_COLUMNS``; excluded: the ``exclusions.csv`` columns). ``check_source`` compares a
registered source's text with its raw rows. No knowledge of particular articles; general rules:

* Input: UTF-8 only (``antt.text.read_text`` refuses the rest), NFC; paragraphs numbered (1-based)
  exactly as the raw data number them. Every ``antt.sources.evidence`` number token lands in exactly one
  table, so nothing is dropped silently and an unedited draft passes ``antt check-source``.
* Statistics (parsed by ``antt.numerals.parse_figure``): counts ``1.630``, qualified counts
  ``gần 20 nghìn``/``trên 100``, fractions ``1.216/2.018`` (not date-like), ``100%``, ``hàng trăm``,
  ranks ``thứ nhất``, stated zeros «không phát sinh … mới».
* Not statistics (``schemas.EXCLUSION_REASONS``): years (four digits 1900-2100 without a thousands
  dot), year ranges ``2022-2025``, dates (``16/2/2017``, a date-like ``a/b``, after «ngày»/«tháng»,
  «6 tháng đầu năm», a weekday «thứ Hai, 5/6»), times (``14h30``, ``8 giờ``), programme, document and
  licence numbers (after «chương trình … số», «Đề án», «Quyết định số», «Giấy phép», or shaped like
  ``68/GP-BTTTT``), phone and fax numbers (leading 0 and 9+ digits, ``(0226)``, ``1900 …``, after
  «Điện thoại»/«Fax»), names with a number (in a short quoted name — number words like «Ba» in
  «“Ba không …”» too —, right after «mô hình», glued to letters as in ``COVID-19``, after
  «thôn»/«đường»…), page furniture (the rest of a licence/contact/copyright paragraph; list numbers).
* ``unit``: the longest known counting noun after the figure (``UNITS``), else the noun phrase of at
  most two words before a function word (confidence medium).
* ``place``: the nearest «xã/phường/thị trấn/huyện/thị xã/thành phố/tỉnh Name (District)» or
  «toàn/trong tỉnh» in the sentence, else the paragraph; a commune gets the district the article gives
  it anywhere. ``period``: the nearest «từ năm A đến (hết) năm B», «giai đoạn A-B», «đến (hết) năm B»,
  «từ năm A», «năm Y» in the sentence (``stated``), else in an earlier sentence (``implied``, noted),
  else «không nêu» (``not_stated``); «tầm nhìn đến năm …» and «so với năm …» are no periods.
* ``evidence``: the most readable window of at most 15 words (about two words before, the unit and
  three after, clause boundaries avoided) that occurs once in its paragraph and contains ``raw_text``
  once: the ``antt.sources.evidence`` rule.
* ``confidence``: high; medium when the unit is guessed or no place is named; low, with the reason,
  for an ambiguous (``1,630``) or unparsed figure, a possible year, a range, an enumeration
  («Thứ nhất,»), a length of time, or a non-unique evidence. ``indicator`` is the researcher's.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from pathlib import Path

from antt.numerals import FigureParseError, parse_figure
from antt.sources import evidence
from antt.text import nfc, paragraphs, read_text

REVIEW_COLUMNS = ["kind", "value", "denominator", "lower", "upper", "qualifier", "confidence", "confidence_reason"]
_NUM = r"\d+(?:[.,]\d+)*"
_LOCAL = r"\d{2,4}(?:[. ]?\d{2,4}){1,2}"
_CARDINAL = "một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười"
TOKEN = re.compile(
    rf"(?P<phone>(?:\+84|\(0\d{{1,4}}\))\s?{_LOCAL}(?:\s?[-–]\s?{_LOCAL})*"
    r"|(?<![\w.,/])(?:0\d{2,3}[. ]?\d{3}[. ]?\d{3,4}|1[89]00[. ]?\d{4}(?:\d{2})?)(?!\d))"
    r"|(?P<docno>(?<![\w/])\d+(?:/\d+)*/[A-ZĐ][\w]*(?:[-–][A-ZĐ]\w*)*)"
    r"|(?P<date>(?<![\w/.])\d{1,2}(?P<sep>[/.-])\d{1,2}(?P=sep)(?:19|20)\d{2}(?!\d))"
    r"|(?P<time>(?<!\w)\d{1,2}(?:h\d{0,2}|:\d{2}|g\d{2}| giờ(?: \d{1,2}(?: phút)?)?)(?!\w))"
    r"|(?P<years>(?<![\w.])(?:19|20)\d{2}\s?[-–—]\s?(?:19|20)\d{2}(?!\d|\.\d))"
    r"|(?P<glued>(?<!\w)[^\W\d_]+-?\d+\w*|(?<![\w.,])\d+[^\W\d_]\w*)"
    r"|(?P<magnitude>(?<!\w)(?i:hàng (?:(?:chục|trăm) )?(?:nghìn|ngàn|triệu|tỷ|tỉ)|hàng (?:chục|trăm))(?!\w))"
    rf"|(?P<rank>(?<!\w)(?i:thứ (?:nhất|nhì|{_CARDINAL}|tư|bẩy|\d+))(?!\w))"
    r"|(?P<zero>(?<!\w)(?i:không phát sinh)(?!\w))"
    rf"|(?P<figure>(?<![\w.,/])(?:(?i:gần|trên|hơn|khoảng|chừng)\s)?{_NUM}"
    rf"(?:\s?/\s?{_NUM}|(?:\s(?i:nghìn|ngàn|triệu|tỷ|tỉ)(?!\s*lệ)(?!\w))*)(?:\s?%)?)"
)
QUOTE = re.compile(r"“[^”\n]*”|\"[^\"\n]*\"|«[^»\n]*»")
NUMBER_WORD = re.compile(rf"(?<!\w)(?i:{_CARDINAL})(?=\s+[^\W\d_])")
AFTER_NAME = re.compile(rf"(?i:mô hình|phong trào|cuộc vận động)\s+[“\"«]?((?i:{_CARDINAL}))(?=\s+[^\W\d_])")
FURNITURE = re.compile(
    r"(?i)^(?:giấy phép|điện thoại|đt\b|fax|e-?mail|địa chỉ|(?:phó )?tổng biên tập|bản quyền|©|"
    r"copyright|hotline|website|liên hệ|cơ quan chủ quản)|cấm sao chép|ghi rõ nguồn"
)
_BEFORE = [  # (reason, nouns a number follows directly, nouns it follows only through «số» after <= 3 words)
    ("programme_number", "chương trình", "chương trình|kế hoạch|dự án"),
    (
        "document_number",
        "đề án|quyết định|nghị định|nghị quyết|chỉ thị|thông tư|công văn|luật|điều|khoản",
        "đề án|quyết định|nghị định|nghị quyết|chỉ thị|thông tư|công văn|kết luận|văn bản|thông báo|hướng dẫn"
        "|tờ trình|báo cáo",
    ),
    ("licence_number", "giấy phép", "giấy phép|giấy chứng nhận"),
    ("phone_number", "điện thoại|đt|sđt|fax|hotline|đường dây nóng", "điện thoại"),
    (
        "name_with_number",
        "mô hình|phong trào|cuộc vận động|thôn|xóm|ấp|khu|tổ dân phố|đội|quận|phường|đường|phố|"
        "quốc lộ|tỉnh lộ|ql|km|lô|phòng|tầng|số nhà",
        "thôn|xóm|tổ dân phố|đội|đường|phố|nhà",
    ),
]
_BEFORE_RE = [
    (reason, re.compile(rf"(?i)(?<!\w)(?:(?:{direct})|(?:{via})(?:\s+[^\s\d,;.]+){{0,3}}\s+số)\s*[:“\"«]?\s*$"))
    for reason, direct, via in _BEFORE
]
UNITS = sorted(
    """xã, phường, thị trấn|khu dân cư|cơ sở giáo dục|cơ sở kinh doanh|cơ sở|lượt người|lượt|dòng họ|hộ dân|
hộ gia đình|hộ|cán bộ|nguồn tin|tin báo|vụ việc|vụ án|vụ|cơ quan|doanh nghiệp|đối tượng|thành viên|hội viên|đoàn viên|
đảng viên|diễn đàn|người|tổ dân phố|tổ|đơn|cuộc|buổi|lớp|trường hợp|học sinh|sinh viên|giáo viên|xã|phường|thôn|xóm|
làng|câu lạc bộ|mô hình|trường học|camera|phương tiện|xe|chiếc|tài khoản|thẻ|hồ sơ|gia đình|tụ điểm|điểm|đơn vị|trường|
bài|tin|kg|tấn|ha|km|đồng|lần|đợt|phiên|nhóm|đội|văn bản|tài liệu|tờ rơi|ý kiến|kiến nghị|căn|nhà|con|cây|ngày|
tháng|năm|tuần|giờ
""".replace("\n", "").split("|"),
    key=len,
    reverse=True,
)
DURATION = {"ngày", "tháng", "năm", "tuần", "giờ"}
STOP = set(
    [
        "và",
        "với",
        "của",
        "có",
        "được",
        "đã",
        "đang",
        "sẽ",
        "trên",
        "tại",
        "ở",
        "trong",
        "cho",
        "về",
        "để",
        "là",
        "thì",
        "mà",
        "này",
        "đó",
        "theo",
        "từ",
        "đến",
        "nhưng",
        "hoặc",
        "các",
        "những",
        "tham",
        "góp",
        "nhằm",
        "do",
        "bị",
        "gồm",
    ]
)
_LEVEL = re.compile(r"(?i)(?<!\w)(thị xã|thị trấn|thành phố|xã|phường|huyện|tỉnh)\s+")
_WHOLE = re.compile(r"(?i)(?<!\w)(?:toàn|trong) tỉnh(?!\w)")
_Y = r"(?:19|20)\d{2}"
PERIOD = re.compile(
    rf"(?i)(?<!\w)(?:từ năm (?P<a>{_Y}) đến (?:hết |cuối )?(?:năm )?(?P<b>{_Y})"
    rf"|giai đoạn (?P<c>{_Y})\s?[-–]\s?(?P<d>{_Y})|(?:tính )?đến (?:hết |cuối )?năm (?P<e>{_Y})"
    rf"|từ năm (?P<f>{_Y})|năm (?P<g>{_Y}))(?!\d)"
)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return re.sub(r"[^a-z0-9]+", "-", "".join(c for c in text if not unicodedata.combining(c)).lower()).strip("-")


def _sentences(para: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: ends after . ! ? … before a space, and at each line break."""
    cuts = [0] + [m.end() for m in re.finditer(r"[.!?…][”»\"')]*(?=\s)|\n", para)] + [len(para)]
    return [(a, b) for a, b in itertools.pairwise(cuts) if para[a:b].strip()]


def _hits(para: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every number-like span, non-overlapping, in text order."""
    hits = []
    for m in TOKEN.finditer(para):
        kind, end = m.lastgroup, m.end()
        if kind == "zero":  # extend to «mới»/«nào» within six words, else to a function word (<= 3 words)
            clause = re.match(r"[^,;:.!?\n“”«»()]*", para[end:]).group()
            words = list(re.finditer(r"\S+", clause))[:6]
            news = [w for w in words if w.group().casefold() in {"mới", "nào"}]
            plain = [w for w in words[1:3] if w.group().casefold() in STOP]
            end += (news[0] if news else words[: words.index(plain[0]) if plain else 3][-1]).end() if words else 0
        hits.append((m.start(), end, kind))
    named = [
        (m.start(), m.end())
        for q in QUOTE.finditer(para)
        if _short(q.group())
        for m in NUMBER_WORD.finditer(para, q.start(), q.end())
    ]
    named += [m.span(1) for m in AFTER_NAME.finditer(para)]
    hits += [(s, e, "number_word") for s, e in named if not any(s < b and a < e for a, b, _ in hits)]
    for s, e, _ in evidence.numbers(para):  # a safety net: every evidence-rule token is covered
        if not any(a <= s and e <= b for a, b, _ in hits):
            hits.append((s, e, "figure"))
    return sorted(set(hits))


def _short(quoted: str) -> bool:
    return len(quoted.split()) <= 8  # a name; a longer quotation is speech and may hold statistics


def _classify(para: str, s: int, e: int, kind: str, first_in_sentence: bool) -> tuple[str, str]:
    """("exclusion", reason) or ("figure", low-confidence reason or "")."""
    raw, before, after = para[s:e], para[max(0, s - 80) : s], para[e : e + 40].casefold()
    prev = _words(before)[-1:] or [""]
    if kind in {"phone", "date", "time"}:
        return "exclusion", {"phone": "phone_number"}.get(kind, kind)
    if kind == "docno":
        return "exclusion", "licence_number" if "giấy phép" in before.casefold()[-40:] else "document_number"
    if kind == "years":
        return "exclusion", "year_range"
    if kind == "number_word" or any(q.start() < s < q.end() and _short(q.group()) for q in QUOTE.finditer(para)):
        return "exclusion", "name_with_number"
    if kind == "glued":
        if re.fullmatch(r"[\d.,]+(?:km|m|m2|m²|kg|g|ha|cm|mm|tấn|ml|l)", raw):
            return "figure", "a number glued to its unit: add a space before the unit so it parses"
        return "exclusion", "name_with_number"
    for reason, pattern in _BEFORE_RE if kind == "figure" else []:
        if pattern.search(before) and (reason != "phone_number" or len(re.sub(r"\D", "", raw)) >= 6):
            return "exclusion", reason
    furniture = bool(FURNITURE.search(para))
    if kind == "rank":
        if prev[0] in {"sáng", "chiều", "tối", "trưa", "đêm", "hôm", "vào", "ngày"} or re.match(
            r",?\s*(?:ngày\s+)?\d{1,2}/\d{1,2}", after
        ):
            return "exclusion", "date"  # a weekday
        if furniture:
            return "exclusion", "page_furniture"
        if first_in_sentence and after.startswith(","):
            return "figure", "«Thứ …,» opening a sentence is usually an enumeration (firstly, …), not a rank"
        return "figure", "an ordinal (lần thứ …): the n-th occasion, not a rank" if prev[0] == "lần" else ""
    if kind in {"magnitude", "zero"}:
        return ("exclusion", "page_furniture") if furniture else ("figure", "")
    if not para[:s].strip() and re.match(r"[.)]", para[e : e + 1]):
        return "exclusion", "page_furniture"  # list numbering
    bare = re.fullmatch(r"\d+", raw)
    if (bare and prev[0] in {"ngày", "mùng", "tháng", "quý"} and int(raw) <= 31) or re.match(
        r"\s*tháng (?:đầu|cuối) năm", after
    ):
        return "exclusion", "date"
    if bare and re.match(r"\s*(?:giờ|h|phút)(?!\w)", after):
        return "exclusion", "time"
    if bare and len(raw) == 4 and 1900 <= int(raw) <= 2100:
        if prev[0] in {"năm", "từ", "đến", "đoạn", "hết", "cuối", "đầu", "trước", "sau"} or not _unit(para, e)[1]:
            return "exclusion", "year"
        return "figure", f"{raw} without a thousands dot: a year, or a count written {raw[0]}.{raw[1:]}?"
    try:
        parsed = parse_figure(raw)
    except FigureParseError as err:
        if "date" in str(err):
            return "exclusion", "year_range" if all(re.fullmatch(_Y, p.strip()) for p in raw.split("/")) else "date"
        return ("exclusion", "page_furniture") if furniture else ("figure", str(err))
    if furniture:
        return "exclusion", "page_furniture"
    if parsed.needs_review:
        return "figure", parsed.review_reason
    if re.match(r"\s?[-–]\s?\d", para[e : e + 3]) or re.search(r"\d\s?[-–]\s?$", before):
        return "figure", "part of a range a-b: one figure with bounds, or two?"
    return "figure", ""


def _unit(para: str, pos: int) -> tuple[str, str, int]:
    """(unit, how: "known" | "guessed" | "", end position) of the counted noun after ``pos``."""
    start = pos + len(para[pos:]) - len(para[pos:].lstrip(" \u00a0"))
    low = para[start : start + 40].casefold()
    for unit in UNITS:
        if low.startswith(unit) and not low[len(unit) : len(unit) + 1].isalnum():
            return para[start : start + len(unit)].casefold(), "known", start + len(unit)
    words = []
    for m in re.finditer(r"([^\W\d_]+)(\S*)", para[start : start + 40]):
        if m.group(1).casefold() in STOP or len(words) == 2 or m.start() > len(" ".join(words)) + 1:
            break
        words.append(m.group(1))
        if m.group(2):  # punctuation ends the phrase
            break
    return (" ".join(words).casefold(), "guessed", start + len(" ".join(words))) if words else ("", "", pos)


def _mentions(text: str) -> list[tuple[int, str, str, str]]:
    """(position, level, name, district) of every place named in ``text``."""
    out = [(m.start(), "", m.group().casefold(), "") for m in _WHOLE.finditer(text)]
    for m in _LEVEL.finditer(text):
        tail = text[m.end() :]
        name = []
        for word in (
            re.match(r"[^\W\d_]+(?: [^\W\d_]+)*", tail).group().split(" ") if re.match(r"[^\W\d_]", tail) else []
        ):
            if not word[0].isupper() or len(name) == 4:
                break
            name.append(word)
        if name:
            district = re.match(r"\s*\(([^()\d]{2,40})\)", tail[len(" ".join(name)) :])
            district = district.group(1).strip() if district and district.group(1)[0].isupper() else ""
            out.append((m.start(), m.group(1).casefold(), " ".join(name), district))
    return sorted(out)


def _nearest(items: list, pos: int, lo: int, hi: int):
    inside = [x for x in items if lo <= x[0] < hi]
    before = [x for x in inside if x[0] < pos]
    return (before[-1] if before else inside[0]) if inside else None


def _period(para: str, pos: int, sentence: tuple[int, int]) -> tuple[str, str, str, str, str]:
    found = [
        (m.start(), m)
        for m in PERIOD.finditer(para)
        if not re.search(r"(?i)(?:tầm nhìn|so với)\s*$", para[max(0, m.start() - 12) : m.start()])
    ]
    match, basis, note = _nearest(found, pos, *sentence), "stated", ""
    if match is None:
        match, basis, note = (
            _nearest(found, sentence[0], 0, sentence[0]),
            "implied",
            "period from another sentence of the paragraph: check",
        )
    if match is None:
        return "không nêu", "", "", "not_stated", ""
    g = match[1].groupdict()
    start = g["a"] or g["c"] or g["f"] or g["g"] or g["e"] or ""
    end = g["b"] or g["d"] or g["e"] or g["g"] or ""
    return match[1].group(), start, end, basis, note


def _evidence(para: str, s: int, e: int, unit_end: int) -> tuple[str, bool]:
    """The best valid window (see the module docstring); ``False`` when none is unique."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", para)]
    i0 = next(i for i, (a, b) in enumerate(words) if b > s)
    iu = max(i for i, (a, b) in enumerate(words) if a < max(e, unit_end))
    sentence_ends = {i for i, (a, b) in enumerate(words) if re.search(r"[.!?…][”»\"')]*$", para[a:b])}

    def gap(k: int) -> float:  # cost of a window spanning words k and k+1
        between, left, right = para[words[k][1] : words[k + 1][0]], para[slice(*words[k])], para[slice(*words[k + 1])]
        if "\n" in between:
            return 1000
        return 30 if k in sentence_ends else 10 if re.search(r"[,;:)”»]$", left) or re.match(r"[(“«]", right) else 0

    windows = []
    for a in range(i0, max(-1, i0 - 15), -1):
        for b in range(iu, min(len(words), a + 15)):
            windows.append(
                (
                    sum(map(gap, range(a, i0)))
                    + sum(map(gap, range(iu, b)))
                    + 0.7 * abs(i0 - a - 2)
                    + 0.4 * abs(b - iu - 3)
                    - 1.5 * (b + 1 == len(words) or gap(b) >= 10)
                    - 0.5 * (a == 0 or gap(a - 1) >= 10)
                    + 0.01 * (b - a),
                    a,
                    b,
                )
            )
    best = None  # the cheapest unique window, else the cheapest valid one
    for _cost, a, b in sorted(windows):
        text = _trim(para, words[a][0], words[b][1], s, e)
        if len(text.split()) <= 15 and len(evidence.occurrences(text, para[s:e])) == 1:
            if len(evidence.occurrences(para, text)) == 1:
                return text, True
            best = best or (text, False)
    return best or (para[s:e], False)


def _trim(para: str, a: int, b: int, s: int, e: int) -> str:
    """``para[a:b]`` without edge spaces, punctuation, or brackets and quotes left unmatched,
    never cutting into the figure ``para[s:e]``."""
    closer = {"(": ")", "“": "”", "«": "»", '"': '"'}
    opener = {v: k for k, v in closer.items()}
    while True:
        text, first, last = para[a:b], para[a], para[b - 1]
        if a < s and (
            first.isspace() or first in ",;:.!?…)”»" or (first in closer and text[1:].count(closer[first]) % 2 == 0)
        ):
            a += 1
        elif b > e and (
            last.isspace() or last in ",;:.!?…(“«" or (last in opener and text[:-1].count(opener[last]) % 2 == 0)
        ):
            b -= 1
        else:
            return text


def _load(text_or_path: str | Path) -> str:
    if isinstance(text_or_path, Path) or (
        "\n" not in text_or_path and len(text_or_path) < 4096 and Path(text_or_path).is_file()
    ):
        return read_text(text_or_path)
    text = nfc(text_or_path.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise ValueError("the text is empty: nothing to extract")
    return text


def _draft(
    para: str,
    s: int,
    e: int,
    kind: str,
    detail: str,
    sentence: tuple[int, int],
    places: list,
    districts: dict[str, str],
) -> dict:
    """The figures.csv and review columns of one candidate (without ids)."""
    raw = para[s:e]
    unit, how, unit_end = (
        ("%", "known", e)
        if raw.endswith("%")
        else ("hạng", "known", e)
        if kind == "rank"
        else _unit(para, s + len("không phát sinh") if kind == "zero" else e)
    )
    evidence_text, unique = _evidence(para, s, e, unit_end)
    low = [detail] if detail else []
    low += [] if unique else ["the evidence is not unique in its paragraph: lengthen it by hand"]
    low += [] if unit else ["no counted noun after the figure"]
    low += [f"«{unit}» after it: a length of time, a statistic or part of a period?"] if unit in DURATION else []
    place = _nearest(places, s, *sentence) or _nearest(places, s, 0, len(para))
    medium = [f"unit «{unit}» guessed from the words that follow"] if how == "guessed" else []
    medium += [] if place else ["no place named in the sentence or paragraph"]
    place_text = (
        ""
        if not place
        else place[2]
        if not place[1]
        else f"{place[1]} {place[2]}"
        + (f" ({districts[place[2]]})" if place[1] in {"xã", "phường", "thị trấn"} and place[2] in districts else "")
    )
    period_text, start, end, basis, note = _period(para, s, sentence)
    try:
        parsed = parse_figure(raw)
    except FigureParseError:
        parsed = None
    phrase = (raw + " " if kind == "rank" else "") + re.match(
        r"[^,;:.!?()“”«»\n]*", para[e if unit in {"%", "hạng"} else unit_end - len(unit) :]
    ).group()
    slug = "-".join(
        x for x in (_slug(place[2]) if place else "", end or start, _slug(" ".join(_words(phrase)[:4]) or raw)) if x
    )
    return {
        "figure_id": slug,
        "raw_text": raw,
        "evidence": evidence_text,
        "indicator": "",
        "place": place_text,
        "period_text": period_text,
        "period_start": start,
        "period_end": end,
        "period_basis": basis,
        "unit": unit,
        "note": note,
        "kind": parsed.kind if parsed else "",
        "value": parsed and parsed.value,
        "denominator": parsed and parsed.denominator,
        "lower": parsed and parsed.lower,
        "upper": parsed and parsed.upper,
        "qualifier": parsed.qualifier if parsed else "",
        "confidence": "low" if low else "medium" if medium else "high",
        "confidence_reason": "; ".join(low or medium),
    }


def extract(text_or_path: str | Path, source_id: str):
    """(candidates, excluded) DataFrames for one article; see the module docstring."""
    import pandas as pd

    from antt.data import schemas

    paras = paragraphs(_load(text_or_path))
    districts = {name: district for p in paras for _, _, name, district in _mentions(p) if district}
    figures, excluded, ids = [], [], set()
    for number, para in enumerate(paras, start=1):
        sentences, places = _sentences(para), _mentions(para)
        for s, e, kind in _hits(para):
            sentence = next((a, b) for a, b in sentences if a <= s < b)
            what, detail = _classify(
                para, s, e, kind, first_in_sentence=not re.sub(r"[\W_]", "", para[sentence[0] : s])
            )
            if what == "exclusion":
                excluded.append(
                    {
                        "source_id": source_id,
                        "paragraph": str(number),
                        "raw_text": para[s:e],
                        "evidence": _evidence(para, s, e, e)[0],
                        "reason": detail,
                        "note": "",
                    }
                )
                continue
            row = _draft(para, s, e, kind, detail, sentence, places, districts)
            base = figure_id = row["figure_id"] or f"p{number}-figure"
            while figure_id in ids:
                figure_id = f"{base}-{int(figure_id[len(base) + 1 :] or 1) + 1}"
            ids.add(figure_id)
            row["figure_id"] = figure_id
            figures.append({**row, "source_id": source_id, "paragraph": str(number)})
    candidates = pd.DataFrame(figures, columns=list(schemas.FIGURES.columns) + REVIEW_COLUMNS)
    candidates[["value", "denominator", "lower", "upper"]] = candidates[
        ["value", "denominator", "lower", "upper"]
    ].astype(float)
    return candidates, pd.DataFrame(excluded, columns=list(schemas.EXCLUSIONS.columns))


def check_source(source_id: str, text_path: str | Path | None = None, raw_dir: str | Path | None = None):
    """(problems, warnings, text_path): ``antt.sources.evidence.check`` of the text (default: the source's
    ``text_file`` in ``../shared/seeds``) against the raw rows of ``source_id``; warnings when the
    file's SHA-256 or name differs from ``sources.csv``. Raises DataError for an unknown source or
    a missing file, TextEncodingError for a file that is not UTF-8 text."""
    from antt import paths
    from antt.data import clean
    from antt.errors import DataError

    raw = clean.load_raw(raw_dir)
    sources = raw.sources.set_index("source_id")
    if source_id not in sources.index:
        raise DataError(
            Path(raw_dir or paths.RAW) / "sources.csv",
            f"unknown source_id {source_id!r}: add its row first (known: {', '.join(sources.index)})",
        )
    registered = sources.loc[source_id]
    text_path = Path(text_path or paths.SEEDS / registered["text_file"])
    if not text_path.is_file():
        raise DataError(text_path, "file not found")
    text = read_text(text_path)
    warnings = []
    digest = hashlib.sha256(text_path.read_bytes()).hexdigest()
    if digest != registered["sha256"]:
        warnings.append(
            f"{text_path}: SHA-256 {digest} differs from sources.csv ({registered['sha256']}): "
            f"not the registered text, or the text changed; paragraph numbers may not match"
        )
    if text_path.name != registered["text_file"]:
        warnings.append(f"{text_path.name} is not the text_file sources.csv names ({registered['text_file']})")
    rows = evidence.rows_from_tables(source_id, raw.figures, raw.exclusions)
    return evidence.check(paragraphs(text), rows), warnings, text_path
