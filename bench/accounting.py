"""Where every word went: the share of a page's visible words that clean_html published (title and
text) or recorded in a removal, per dev set of ../shared/bench.

A page's visible words are the words of its body's text, script, style, noscript, template and
comments aside (what a reader could see, hidden elements included). Words are counted as a
multiset: a visible word is accounted for when the result holds it as often. Pages the cleaner
refuses (CleaningError) are counted apart.

Usage: python bench/accounting.py [--limit N] [--worst N]
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

import lxml.html
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaners import CleaningError, clean_html  # noqa: E402

SETS = ["scrapinghub", "fundus", "wcxb-dev-articles"]
_WORD = re.compile(r"\w+")
_HIDDEN = ("script", "style", "noscript", "template")
_PARSER = lxml.html.HTMLParser(encoding="utf-8")  # the page is a str: read its bytes as UTF-8, whatever it declares


def visible_words(html: str) -> Counter:
    try:
        tree = lxml.html.fromstring(html.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (etree.LxmlError, ValueError):
        return Counter()
    etree.strip_elements(tree, *_HIDDEN, etree.Comment, with_tail=False)
    body = tree.find("body")
    text = " ".join((body if body is not None else tree).itertext())
    return Counter(_WORD.findall(text.casefold()))


def accounted_words(result) -> Counter:
    parts = [result.title or "", result.text] + [removal.text for removal in result.removals]
    return Counter(_WORD.findall(" ".join(parts).casefold()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="pages per set")
    parser.add_argument("--worst", type=int, default=5, help="show the pages with the lowest share")
    args = parser.parse_args()
    for name in SETS:
        seen = accounted = refused = 0
        per_page = []
        with gzip.open(ROOT.parent / "shared" / "bench" / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
            for n, line in enumerate(handle):
                if args.limit is not None and n >= args.limit:
                    break
                page = json.loads(line)
                try:
                    result = clean_html(page["html"], url=page.get("url"))
                except CleaningError:
                    refused += 1
                    continue
                visible = visible_words(page["html"])
                total = sum(visible.values())
                if not total:
                    continue
                covered = sum((visible & accounted_words(result)).values())
                seen += total
                accounted += covered
                per_page.append((covered / total, page["id"], total - covered))
        below = sum(1 for share, _, _ in per_page if share < 0.99)
        print(f"{name}: {accounted / (seen or 1):.2%} of {seen:,} visible words published or recorded; "
              f"{below} of {len(per_page)} pages under 99 %; {refused} refused")
        for share, page_id, missing in sorted(per_page)[:args.worst]:
            print(f"    {share:.1%}  {page_id}  ({missing:,} words unaccounted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
