"""Reading Vietnamese text safely, and the normal forms used to compare names.

Conventions:

* Files are UTF-8 only (a UTF-8 BOM is tolerated and dropped). Legacy Vietnamese encodings
  (Windows-1258, TCVN3, VNI), UTF-16, binary files and text damaged by a wrong conversion are
  refused with a :class:`TextEncodingError` that names the file; nothing is guessed silently.
* Every string leaves this module in Unicode NFC with ``\\n`` line ends.
* Tone placement: the "old" style (tone on the first vowel of a syllable-final oa, oe, uy:
  ``hòa``, ``khỏe``, ``thủy``) is the canonical one, see :func:`canonical_tone`.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import unicodedata
from pathlib import Path

from antt.errors import quote

__all__ = [
    "WORD_PATTERN",
    "TextEncodingError",
    "canonical_tone",
    "check_regular_file",
    "count_words",
    "format_characters",
    "key",
    "nfc",
    "paragraphs",
    "read_text",
    "read_utf8",
]


class TextEncodingError(ValueError):
    """A file that cannot be read as UTF-8 Vietnamese text (not a regular file, binary, another
    encoding, damaged); the message names the file."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        super().__init__(f"{path}: {problem}")


_RESAVE = "re-save it as UTF-8"
# Control bytes that never occur in text (tab, LF, VT, FF, CR are allowed).
_CONTROL = frozenset(range(32)) - {9, 10, 11, 12, 13} | {127}
_MAX_CONTROL_SHARE = 0.10  # more than 10 % control bytes: binary

# Mojibake: UTF-8 bytes of Vietnamese letters decoded as Windows-1252/1258 or Latin-1. A lead
# character (Ã Ä Å Æ from 2-byte letters, Ì from NFD combining marks, áº/á» from the U+1EA0-1EF9
# block) followed by what a continuation byte 0x80-0xBF decodes to. Punctuation that may follow
# a genuine capital Ã or Ì (quotes, dashes, guillemets, NBSP...) does not count, so genuine
# Vietnamese text can never match.
_WORD_END_PUNCT = "\u00a0«»‹›‘’‚“”„…–—•·´"

#: The languages of every report and message, Vietnamese first.
LANGUAGES = ("vi", "en")
#: What a page's file name carries for its language: the first language keeps the plain name (index.html),
#: the others add their code (index.en.html).
FILE_SUFFIX = {"vi": "", "en": ".en"}


def other_languages(lang: str) -> tuple[str, ...]:
    """The languages of ``LANGUAGES`` other than ``lang``, in order (a page's twins)."""
    return tuple(other for other in LANGUAGES if other not in (lang,))


def _continuations() -> str:
    chars = {"\ufffd"}
    for byte in range(0x80, 0xC0):
        chars.add(chr(byte))
        for codec in ("cp1252", "cp1258"):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([byte]).decode(codec))
    return "".join(sorted(chars - set(_WORD_END_PUNCT)))


_MOJIBAKE_RE = re.compile(f"(?:[ÃÄÅÆÌ]|á[º»])[{re.escape(_continuations())}]")
_MOJIBAKE_MIN = 2
# VNI shown as Latin-1: a vowel followed by a VNI tone/diacritic byte that is not a Vietnamese
# letter there (Ngoïc, Vieät, nhaø, khaùc), or ñ for đ. Refused only when such words are at least
# three AND outnumber the words with letters only Vietnamese has (ă đ ĩ ũ ơ ư, U+1EA0-1EF9).
_VNI_RE = re.compile(r"[aeiouyâêôö][äåëïøûüù]|^ñ", re.IGNORECASE)
_VIET_RE = re.compile("[ăâđĩũơưĂĐĨŨƠƯ\u1ea0-\u1ef9]")
_VNI_MIN = 3
_WORD_RE = re.compile(r"[^\W\d_]+")


# What a path is when it is not a regular file (checked in this order).
_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_regular_file(path: str | Path) -> None:
    """Refuse anything but a regular file (symlinks followed) *before* it is opened: opening a
    named pipe blocks until something writes to it, and a device may never end.

    Raises FileNotFoundError for a missing path, :class:`TextEncodingError` otherwise.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
        raise TextEncodingError(path, f"is {kind}, not a regular file; give the path of a file")


def nfc(s: str) -> str:
    """Return ``s`` in Unicode NFC."""
    return unicodedata.normalize("NFC", s)


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file: NFC, ``\\r\\n`` and ``\\r`` turned into ``\\n``, BOM dropped.

    Raises :class:`TextEncodingError` (naming the file) for a path that is not a regular file
    (a named pipe, a device, a folder), an empty or whitespace-only file,
    a binary file, UTF-16, bytes that are not UTF-8 (legacy encodings), UTF-8 mojibake of
    Vietnamese, or VNI-encoded text shown as Latin-1.
    """
    return read_utf8(path).decode("utf-8")


# Files are checked and normalised this many bytes at a time (cut after a line end), so a large file
# needs its bytes plus one piece of text in memory, not the whole text (two to four bytes a character).
CHUNK_BYTES = 1 << 24


def read_utf8(path: str | Path, chunk_bytes: int = CHUNK_BYTES) -> bytes:
    """The text of :func:`read_text` encoded as UTF-8 (same checks, same errors, same normal form).

    For large files (a CSV parser reads bytes): the text is checked and normalised piece by piece,
    pieces cut after a ``\\n``, where neither a character, a line end, NFC nor a word can be split;
    a file already in normal form is returned as read (no copy).
    """
    check_regular_file(path)
    data = Path(path).read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TextEncodingError(path, f"is UTF-16, not UTF-8; {_RESAVE}")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data or data.isspace():  # bytes.isspace: the ASCII whitespace bytes.strip() removes
        raise TextEncodingError(path, "file is empty")
    if b"\x00" in data or _control_bytes(data, chunk_bytes) > _MAX_CONTROL_SHARE * len(data):
        raise TextEncodingError(path, "looks like a binary file, not text")
    scan, pieces, changed, content = _DamageScan(), [], False, False
    for start, end in _line_pieces(data, chunk_bytes):
        text = _decoded(path, data, start, end)
        normal = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
        if not unicodedata.is_normalized("NFC", normal):
            normal = nfc(normal)
        content = content or not (normal == "" or normal.isspace())  # str.isspace: what str.strip() removes
        scan.feed(normal)
        # Unchanged pieces are sliced from ``data`` at the end, and only if another piece changed.
        pieces.append((start, end) if normal is text else normal.encode("utf-8"))
        changed = changed or normal is not text
    if not content:
        raise TextEncodingError(path, "file is empty")
    scan.refuse(path, data, chunk_bytes)
    if not changed:
        return data
    return b"".join(data[p[0] : p[1]] if isinstance(p, tuple) else p for p in pieces)


def _line_pieces(data: bytes, size: int) -> list[tuple[int, int]]:
    """(start, end) of pieces of ``data`` of at least ``size`` bytes, each ending after a ``\\n`` (but the last).

    A ``\\n`` byte is never part of a multi-byte UTF-8 character, never composes in NFC, never sits
    inside a word nor a mojibake sequence, and ends any ``\\r\\n``: pieces can be checked one by one.
    """
    pieces, start = [], 0
    while start < len(data):
        cut = data.find(b"\n", start + max(size, 1) - 1)
        end = len(data) if cut < 0 else cut + 1
        pieces.append((start, end))
        start = end
    return pieces


def _control_bytes(data: bytes, size: int) -> int:
    """How many bytes of ``data`` are control bytes (``_CONTROL``), counted in C a piece at a time."""
    control = bytes(sorted(_CONTROL))
    return sum(
        len(piece) - len(piece.translate(None, control))
        for piece in (data[i : i + size] for i in range(0, len(data), max(size, 1)))
    )


def _decoded(path: str | Path, data: bytes, start: int, end: int) -> str:
    try:
        return data[start:end].decode("utf-8")
    except UnicodeDecodeError as err:
        offset = start + err.start  # pieces start after a complete character: the first bad byte of the file
        raise TextEncodingError(
            path,
            f"is not UTF-8 (byte 0x{data[offset]:02x} at offset {offset}); it may be in a "
            f"legacy Vietnamese encoding (Windows-1258, TCVN3, VNI): convert it and {_RESAVE}",
        ) from None


# A VNI word is a word (``_WORD_RE``) in which ``_VNI_RE`` finds something: a vowel followed by a VNI
# tone byte, or ``ñ`` at its start. Both need a character of ``_RARE_RE`` (with every character that
# ``re.IGNORECASE`` equates to one, U+212B Å included: a test checks the list); so do mojibake sequences
# (a lead ``_MOJIBAKE_LEADS``, or ``á[º»]``). Genuine Vietnamese text has few of them, so the text is
# scanned once for them, in C, and only their surroundings are looked at in Python.
_MOJIBAKE_LEADS = "ÃÄÅÆÌ"
_VNI_SECONDS = "äåëïøûüùÄÅËÏØÛÜÙ\u212b"
_RARE_RE = re.compile(f"[{_MOJIBAKE_LEADS}{_VNI_SECONDS}ñÑ]")
_MOJIBAKE_HINT_RE = re.compile("á[º»]")
_VNI_VOWEL_RE = re.compile("[aeiouyâêôö]", re.IGNORECASE)
_ENYE_RE = re.compile("ñ", re.IGNORECASE)
_LETTER_RE = re.compile(r"[^\W\d_]")


def _word_start(text: str, position: int) -> int:
    while position > 0 and _LETTER_RE.match(text, position - 1):
        position -= 1
    return position


class _DamageScan:
    """Mojibake and VNI evidence over a text read piece by piece; ``refuse`` decides as for the whole text.

    Refused: at least ``_MOJIBAKE_MIN`` mojibake sequences; or at least ``_VNI_MIN`` VNI words that
    outnumber the words with a letter only Vietnamese has (``_VIET_RE``). Words are never listed whole
    (a large file has tens of millions): VNI words are rare, and Vietnamese words are counted only
    when there are enough VNI words, and only until they are as many.
    """

    def __init__(self) -> None:
        self.mojibake: list[str] = []
        self.mojibake_count = 0
        self.vni: list[str] = []
        self.vni_count = 0

    def feed(self, text: str) -> None:
        mojibake = _MOJIBAKE_HINT_RE.search(text) is not None
        word_end = -1
        for match in _RARE_RE.finditer(text):
            char, position = match.group(), match.start()
            if char in _MOJIBAKE_LEADS:
                mojibake = True
                if char not in _VNI_SECONDS:
                    continue
            if position < word_end:
                continue  # a second candidate in the same word
            word = _word_start(text, position)
            if _ENYE_RE.match(char):
                if word != position:
                    continue  # ñ inside a word
            elif not (word < position and _VNI_VOWEL_RE.match(text, position - 1)):
                continue
            word_end = _WORD_RE.match(text, position).end()
            self.vni_count += 1
            if len(self.vni) < 3:
                self.vni.append(text[word:word_end])
        if mojibake:
            found = _MOJIBAKE_RE.findall(text)
            self.mojibake_count += len(found)
            self.mojibake += found[: 3 - len(self.mojibake)]

    def refuse(self, path: str | Path, data: bytes, size: int) -> None:
        if self.mojibake_count >= _MOJIBAKE_MIN:
            raise TextEncodingError(
                path,
                f"looks like mojibake: UTF-8 Vietnamese read as Windows-1252/1258 "
                f"(e.g. {', '.join(map(quote, self.mojibake))}); "
                f"undo the wrong conversion (open the original as UTF-8) and {_RESAVE}",
            )
        if self.vni_count >= _VNI_MIN and self.vni_count > _vietnamese_words(data, size, self.vni_count):
            raise TextEncodingError(
                path,
                f"looks like VNI-encoded Vietnamese shown as Latin-1 (e.g. {', '.join(map(quote, self.vni))}); "
                f"convert it from VNI to Unicode (e.g. with Unikey's converter) and {_RESAVE}",
            )


def _vietnamese_words(data: bytes, size: int, enough: int) -> int:
    """Words of the (valid UTF-8) ``data`` with a letter only Vietnamese has, counted up to ``enough``."""
    count = 0
    for start, end in _line_pieces(data, size):
        text = nfc(data[start:end].decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"))
        word_end = -1
        for match in _VIET_RE.finditer(text):
            if match.start() < word_end:
                continue
            word_end = _WORD_RE.match(text, match.start()).end()
            count += 1
            if count >= enough:
                return count
    return count


# A word: a run of letters and digits (with combining marks, should the text be NFD), possibly joined
# inside by one of . , / ' ’ - (so «1.216/2.018», «1,5» and «Covid-19» are one word each, as a reader
# counts them). Spaces, other punctuation and invisible characters separate words, so words glued by
# U+200B still count one by one.
_WORD_PART = r"(?:[^\W_][\u0300-\u036f]*)+"
WORD_PATTERN = rf"{_WORD_PART}(?:[.,/'’-]{_WORD_PART})*"
_WORD_TOKEN_RE = re.compile(WORD_PATTERN)


def count_words(s: str) -> int:
    """The number of words of ``s`` (see ``WORD_PATTERN``): ``count_words("hòa giải thành 1.216/2.018 vụ")`` is 5."""
    return len(_WORD_TOKEN_RE.findall(s))


def format_characters(s: str) -> set[str]:
    """The invisible format characters (Unicode category Cf: zero-width space U+200B, joiners, BOM,
    soft hyphen, bidirectional marks...) that occur in ``s``."""
    return {ch for ch in set(s) if unicodedata.category(ch) == "Cf"}


def paragraphs(text: str) -> list[str]:
    """Split ``text`` into paragraphs separated by one or more blank (empty or whitespace) lines.

    Each paragraph is stripped, its lines kept joined with ``\\n``; no paragraph is empty.
    Paragraph numbers elsewhere in the project are 1-based positions in this list.
    """
    blocks: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [p for p in ("\n".join(b).strip() for b in blocks) if p]


_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng
_OLD_STYLE_PAIRS = frozenset({"oa", "oe", "uy"})
_SYLLABLE_RE = re.compile(r"(?:[^\W\d_][\u0300-\u036f]*)+")
_LETTER_RE = re.compile(r"[^\W\d_][\u0300-\u036f]*")


def _old_style(match: re.Match[str]) -> str:
    letters = _LETTER_RE.findall(match.group())
    if len(letters) < 2:
        return match.group()
    first, last = letters[-2], letters[-1]
    before = letters[-3][0].lower() if len(letters) > 2 else ""
    if (
        (first[0] + last[0]).lower() in _OLD_STYLE_PAIRS
        and len(first) == 1
        and len(last) == 2
        and last[1] in _TONES
        and before != "q"
    ):
        letters[-2:] = [first + last[1], last[0]]
    return "".join(letters)


def canonical_tone(s: str) -> str:
    """NFC, with the tone of a syllable-final oa, oe, uy on the first vowel (old style).

    ``hoà`` -> ``hòa``, ``khoẻ`` -> ``khỏe``, ``Thuỷ`` -> ``Thủy``, ``uỷ`` -> ``ủy``. Unchanged:
    after ``q`` (``quý``: the u belongs to the consonant) and before a final consonant
    (``hoàng``, ``toán``, ``khuyến``). Case is preserved; NFC or NFD input gives the same result.
    """
    return nfc(_SYLLABLE_RE.sub(_old_style, unicodedata.normalize("NFD", s)))


def key(s: str) -> str:
    """The form used to compare place and indicator names.

    :func:`canonical_tone`, casefolded, internal whitespace collapsed to one space, stripped:
    ``key("Ngọc Lũ")`` (NFD) == ``key("ngọc  lũ")``, ``key("Hòa")`` == ``key("hoà")``.
    """
    return nfc(" ".join(canonical_tone(s).casefold().split()))
