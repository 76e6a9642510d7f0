"""Extractor benchmark (make bench-extract): ``antt.sources.extract`` on the first article, scored against
the hand-checked ``data/raw/figures.csv`` and ``exclusions.csv``.

A candidate matches a hand row when the paragraph and ``raw_text`` agree and the two evidence
spans overlap in the paragraph. Reported: recall and precision of statistics; on matched rows,
the share whose parsed value, denominator, bounds and qualifier equal the hand-checked
``data/processed/indicators.csv`` (and, for information, unit, place and period agreement);
recall of exclusions (and reason agreement); problems ``antt.sources.evidence`` finds in the drafts.
Every miss and false positive is listed. Targets: recall >= 0.95, precision >= 0.90,
value and qualifier correct >= 0.95. The article is not redistributed: it is read from
``../shared/seeds`` and the benchmark skips (exit 0, saying why) when it is absent.
Exits 1 if a target is missed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
SEED = SEEDS / "000_185f12b80bd82d9c.txt"
TARGETS = {"recall": 0.95, "precision": 0.90, "value_qualifier": 0.95}


def span(paragraph: str, evidence: str, raw_text: str) -> tuple[int, int] | None:
    """Where ``evidence`` sits in the paragraph (first occurrence), or None."""
    from antt.sources.evidence import occurrences

    found = occurrences(paragraph, evidence)
    return (found[0], found[0] + len(evidence)) if found else None


def match(found, hand, paras) -> dict[int, int]:
    """hand row position -> found row position (one-to-one, first fit)."""
    pairs, used = {}, set()
    for h, row in enumerate(hand.itertuples()):
        para = paras[int(row.paragraph) - 1]
        hs = span(para, row.evidence, row.raw_text)
        for f, cand in enumerate(found.itertuples()):
            if f in used or cand.paragraph != row.paragraph or cand.raw_text != row.raw_text:
                continue
            fs = span(para, cand.evidence, cand.raw_text)
            if hs and fs and fs[0] < hs[1] and hs[0] < fs[1]:
                pairs[h] = f
                used.add(f)
                break
    return pairs


def same(a, b) -> bool:
    import math

    if a is None or b is None or (isinstance(a, float) and math.isnan(a)) or (isinstance(b, float) and math.isnan(b)):
        return (a is None or a != a) and (b is None or b != b)
    return abs(float(a) - float(b)) < 1e-9


def main() -> int:
    if not SEED.exists():
        print(f"bench-extract skipped: the first article is not redistributed and {SEED} is absent")
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    import pandas as pd

    from antt.data import clean
    from antt.sources import evidence
    from antt.sources.extract import extract
    from antt.text import key, paragraphs, read_text

    raw = clean.load_raw(ROOT / "data" / "raw")
    source_id = raw.sources.loc[raw.sources["text_file"] == SEED.name, "source_id"].iloc[0]
    figures = raw.figures[raw.figures["source_id"] == source_id].reset_index(drop=True)
    exclusions = raw.exclusions[raw.exclusions["source_id"] == source_id].reset_index(drop=True)
    processed = pd.read_csv(
        ROOT / "data" / "processed" / "indicators.csv", dtype={"period_start": "Int64", "period_end": "Int64"}
    )
    processed = processed.set_index("figure_id")
    paras = paragraphs(read_text(SEED))

    start = time.perf_counter()
    candidates, excluded = extract(SEED, source_id)
    seconds = time.perf_counter() - start

    pairs = match(candidates, figures, paras)
    recall = len(pairs) / len(figures)
    precision = len(pairs) / len(candidates) if len(candidates) else 0.0
    right, units, places, periods = [], 0, 0, 0
    for h, f in pairs.items():
        hand, cand = figures.iloc[h], candidates.iloc[f]
        ref = processed.loc[hand["figure_id"]]
        ok = cand["qualifier"] == ref["qualifier"] and all(
            same(cand[c], ref[c]) for c in ("value", "denominator", "lower", "upper")
        )
        right.append(ok)
        units += cand["unit"] == hand["unit"]
        places += key(cand["place"]) == key(hand["place"])
        periods += (cand["period_start"], cand["period_end"]) == (hand["period_start"], hand["period_end"])
    value_qualifier = sum(right) / len(right) if right else 0.0
    excl_pairs = match(excluded, exclusions, paras)
    reasons = sum(excluded.iloc[f]["reason"] == exclusions.iloc[h]["reason"] for h, f in excl_pairs.items())
    rows = [
        evidence.Row("figure", r.figure_id, int(r.paragraph), r.raw_text, r.evidence) for r in candidates.itertuples()
    ]
    rows += [
        evidence.Row("exclusion", f"exclusion {i}", int(r.paragraph), r.raw_text, r.evidence)
        for i, r in enumerate(excluded.itertuples(), start=1)
    ]
    problems = evidence.check(paras, rows)

    n = len(pairs)
    print(
        f"extract on {SEED.name} ({len(paras)} paragraphs) in {seconds:.3f} s: "
        f"{len(candidates)} candidates "
        f"({', '.join(f'{v} {k}' for k, v in candidates['confidence'].value_counts().items())}), "
        f"{len(excluded)} exclusions"
    )
    print(f"  statistics recall     {recall:.3f}  ({n}/{len(figures)} hand rows found)   target >= {TARGETS['recall']}")
    print(
        f"  statistics precision  {precision:.3f}  ({n}/{len(candidates)} candidates are hand rows)   "
        f"target >= {TARGETS['precision']}"
    )
    print(
        f"  value+qualifier       {value_qualifier:.3f}  ({sum(right)}/{len(right)} matched rows)   "
        f"target >= {TARGETS['value_qualifier']}"
    )
    print(
        f"  unit agreement        {units / n if n else 0:.3f}  place {places / n if n else 0:.3f}  "
        f"period {periods / n if n else 0:.3f}  (information)"
    )
    print(
        f"  exclusions recall     {len(excl_pairs) / len(exclusions):.3f}  "
        f"({len(excl_pairs)}/{len(exclusions)}; same reason {reasons}/{len(excl_pairs)})"
    )
    print(f"  evidence check on the unedited drafts: {len(problems)} problem(s)")
    for h in sorted(set(range(len(figures))) - set(pairs)):
        r = figures.iloc[h]
        print(f"  MISS   paragraph {r['paragraph']}: {r['raw_text']!r} ({r['figure_id']})")
    for f in sorted(set(range(len(candidates))) - set(pairs.values())):
        r = candidates.iloc[f]
        print(
            f"  FALSE+ paragraph {r['paragraph']}: {r['raw_text']!r} «{r['evidence']}» "
            f"[{r['confidence']}: {r['confidence_reason']}]"
        )
    for h in sorted(set(range(len(exclusions))) - set(excl_pairs)):
        r = exclusions.iloc[h]
        print(f"  MISSED EXCLUSION paragraph {r['paragraph']}: {r['raw_text']!r} ({r['reason']})")
    for h, f in sorted(excl_pairs.items()):
        if excluded.iloc[f]["reason"] != exclusions.iloc[h]["reason"]:
            print(
                f"  OTHER REASON paragraph {exclusions.iloc[h]['paragraph']}: {exclusions.iloc[h]['raw_text']!r} "
                f"hand {exclusions.iloc[h]['reason']}, extract {excluded.iloc[f]['reason']}"
            )
    for p in problems:
        print(f"  CHECK  {p.message}")
    missed = [
        k
        for k, v in (("recall", recall), ("precision", precision), ("value_qualifier", value_qualifier))
        if v < TARGETS[k]
    ]
    if missed:
        print(f"targets missed: {', '.join(missed)}")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
