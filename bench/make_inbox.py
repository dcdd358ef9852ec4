"""Build a large JSONL inbox for the flow out of the bench pages (../shared/bench/*.jsonl.gz).

Article i comes from page (i // 2) % pages, as HTML when i is even and as text when i is odd, so
every page appears in both forms. The text form is trafilatura's own extraction of the page
(`favor_recall=True`); a page with no extracted text stays HTML. Every copy gets a new id and a
"(copy N)" mark in its first paragraph, so input hashes differ and nothing is skipped as unchanged.

Usage: python bench/make_inbox.py OUT.jsonl [PATHS...] [--articles N] [--limit N]
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = [ROOT.parent / "shared" / "bench" / f"{name}.jsonl.gz"
                 for name in ("scrapinghub", "fundus", "wcxb-dev-articles")]
FETCHED_AT = "2025-06-01T08:00:00+00:00"
_FIRST_P_END = re.compile(r"</p\s*>", re.I)


def load_pages(paths: list[Path], limit: int | None = None) -> list[dict]:
    """The pages of each set (the first `limit` of each when given), keeping only what we use."""
    pages = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if limit is not None and n >= limit:
                    break
                page = json.loads(line)
                pages.append({"set": path.name.split(".")[0], "id": str(page.get("id", n)), "html": page["html"],
                              "url": page.get("url"), "lang": page.get("lang")})
    return pages


def extract_text(page: dict) -> str:
    return trafilatura.extract(page["html"], favor_recall=True) or ""


def vary(body: str, copy: int, is_html: bool) -> str:
    """A small content change (a number in the first paragraph) so each copy hashes differently."""
    mark = f" (copy {copy})"
    if is_html:
        body, found = _FIRST_P_END.subn(mark + "</p>", body, count=1)
        return body if found else body + f"<p>{mark.strip()}</p>"
    head, sep, tail = body.partition("\n")
    return head + mark + sep + tail


def write_inbox(out: Path, pages: list[dict], texts: list[str], articles: int) -> dict:
    """Stream `articles` records to `out`; return how many of each kind were written."""
    kinds = {"html": 0, "text": 0}
    with open(out, "w", encoding="utf-8") as fh:
        for i in range(articles):
            slot = i // 2
            index = slot % len(pages)
            page, copy = pages[index], slot // len(pages)
            kind = "text" if i % 2 and texts[index] else "html"
            record = {"id": f"perf-{i:07d}", "url": page["url"], "source": None, "language": page["lang"],
                      "fetched_at": FETCHED_AT,
                      kind: vary(texts[index] if kind == "text" else page["html"], copy, kind == "html")}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            kinds[kind] += 1
    return kinds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("paths", nargs="*", type=Path, default=DEFAULT_PATHS, help="gzipped JSONL bench sets")
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--limit", type=int, help="pages per set")
    args = ap.parse_args()
    pages = load_pages(args.paths, args.limit)
    kinds = write_inbox(args.out, pages, [extract_text(p) for p in pages], args.articles)
    print(f"{args.out}: {kinds['html']} html + {kinds['text']} text articles from {len(pages)} pages")


if __name__ == "__main__":
    main()
