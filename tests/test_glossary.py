"""The glossary: its entries exist in both languages, its worked numbers are the models', and it links each term
once per page, never inside headings or links."""

from antt.models.counts import zero_count_upper_bound
from antt.reporting import glossary
from antt.reporting.language import format_decimal


def test_the_worked_example_of_the_zero_bound_is_the_models():
    for lang in ("vi", "en"):
        text = next(e.text for e in glossary.entries(lang) if e.anchor == "zero_bound")
        for years in (1, 5):
            rate = zero_count_upper_bound(years, 0.05)
            assert format_decimal(rate, lang, 1 if rate < 1 else 0) in text, (lang, years, rate)


def test_each_term_is_linked_once_per_page_and_not_in_headings():
    linked: set[str] = set()
    first = glossary.link_terms("<h2>Wilson</h2><p>Wilson and Wilson</p>", "en", "g.html", linked)
    second = glossary.link_terms("<p>Wilson again</p>", "en", "g.html", linked)
    assert first.count('href="g.html#wilson"') == 1 and "<h2>Wilson</h2>" in first
    assert "href" not in second and linked == {"wilson"}
