"""The glossary: each statistical term of the reports in plain words, and links to it from the pages.

Every entry lives in the catalogue (``data/codebook/labels.csv``) under three keys: ``glossary_<id>`` (the
term), ``glossary_<id>_text`` (what it means, in a sentence or two) and ``glossary_<id>_forms`` (how the
pages write it, ``|``-separated, matched as whole words, ignoring case). ``link_terms`` links the first
occurrence of each term in a page's text to its entry; headings, links, code and the page's head are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from antt.reporting.html import esc, page, twin_links
from antt.reporting.language import message

TERMS = (
    "ci",
    "wilson",
    "exact_test",
    "p_value",
    "holm",
    "its",
    "quasi_poisson",
    "nb_hac",
    "power",
    "mc_error",
    "zero_bound",
    "simulated",
)
_SKIP = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "title", "style", "summary", "figcaption", "th"}
_TAG = re.compile(r"(<[^>]*>)")


@dataclass(frozen=True)
class Entry:
    anchor: str  # the id in the glossary page
    term: str
    text: str
    forms: tuple[str, ...]


def entries(lang: str) -> list[Entry]:
    return [
        Entry(
            anchor=term,
            term=message(f"glossary_{term}", lang),
            text=message(f"glossary_{term}_text", lang),
            forms=tuple(f for f in message(f"glossary_{term}_forms", lang).split("|") if f),
        )
        for term in TERMS
    ]


def _pattern(form: str) -> str:
    """``form`` as a regular expression, bounded as a whole word where it starts or ends with a letter."""
    escaped = re.escape(esc(form))
    return (r"(?<!\w)" if form[:1].isalnum() else "") + escaped + (r"(?!\w)" if form[-1:].isalnum() else "")


def link_terms(body: str, lang: str, href: str, linked: set[str] | None = None) -> str:
    """``body`` (HTML) with the first occurrence of each glossary term in its text linked to ``href#<term>``;
    ``linked``: the terms already linked on the page (updated), for a page made of several parts."""
    forms = sorted(((form, e.anchor) for e in entries(lang) for form in e.forms), key=lambda x: -len(x[0]))
    anchor_of = {esc(form).lower(): anchor for form, anchor in forms}
    pattern = re.compile("|".join(_pattern(form) for form, _ in forms), re.IGNORECASE)
    linked = set() if linked is None else linked
    skipping: list[str] = []

    def link(match: re.Match) -> str:
        anchor = anchor_of[match.group(0).lower()]
        if anchor in linked:
            return match.group(0)
        linked.add(anchor)
        return f'<a class="term" href="{esc(href)}#{anchor}">{match.group(0)}</a>'

    parts = _TAG.split(body)
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            if name and name.group(1).lower() in _SKIP and not part.endswith("/>"):
                if part.startswith("</"):
                    if skipping and skipping[-1] == name.group(1).lower():
                        skipping.pop()
                else:
                    skipping.append(name.group(1).lower())
        elif part and not skipping:
            parts[i] = pattern.sub(link, part)
    return "".join(parts)


def glossary_html(lang: str, index_href: str, twins: dict[str, str]) -> str:
    """The glossary page in ``lang``."""
    title = message("html_glossary", lang)
    items = "".join(f'<dt id="{e.anchor}">{esc(e.term)}</dt><dd>{esc(e.text)}</dd>' for e in entries(lang))
    index = f'<a href="{esc(index_href)}">{esc(message("html_all_reports", lang))}</a>'
    body = (
        f'<nav class="site">{index} · {twin_links(twins)}</nav>'
        f'<header class="report"><h1>{esc(title)}</h1>'
        f'<p class="question">{esc(message("html_glossary_intro", lang))}</p></header>'
        f'<main><dl class="glossary">{items}</dl></main>'
    )
    return page(title, lang, body)
