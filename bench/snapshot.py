"""Save, or compare against, the library's output on every bench page and seed.

A refactor or a safety change must keep behaviour: run `save` before, `compare` after. Each page
is cleaned with clean_html, and its trafilatura text again with clean_text (the text mode); the
seeds with clean_text. The snapshot holds the text, title, language, metadata, warnings and every
removal (category, rule id, scope, position, text), or the error code.

Usage: python bench/snapshot.py save OUT.jsonl.gz [--limit N]
       python bench/snapshot.py compare OUT.jsonl.gz [--limit N] [--show N]
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import trafilatura

from cleaners import CleaningError, clean_html, clean_text

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SETS = ["scrapinghub", "fundus", "wcxb-dev-articles"]


def _outcome(call) -> dict:
    try:
        result = call()
    except CleaningError as exc:
        return {"error": exc.code}
    data = result.to_dict()
    data.pop("kept_positions", None)
    for later in ("timed_out", "held_back"):  # fields added later: only a value is a difference
        if not data.get(later):
            data.pop(later, None)
    return data


def cases(limit: int | None):
    """(key, call) for every page in both modes, then every seed."""
    for name in SETS:
        path = SHARED / "bench" / f"{name}.jsonl.gz"
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for n, line in enumerate(handle):
                if limit is not None and n >= limit:
                    break
                page = json.loads(line)
                html, url = page["html"], page.get("url")
                yield f"{name}/{page['id']}/html", lambda html=html, url=url: clean_html(html, url=url)
                extracted = trafilatura.extract(html, url=url) or ""
                if extracted.strip():
                    yield f"{name}/{page['id']}/text", lambda text=extracted, url=url: clean_text(text, url=url)
    for seed in sorted((SHARED / "seeds").glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        yield f"seeds/{seed.name}", lambda text=text: clean_text(text)


def save(out: Path, limit: int | None) -> int:
    count = 0
    with gzip.open(out, "wt", encoding="utf-8") as handle:
        for key, call in cases(limit):
            handle.write(json.dumps({"key": key, "out": _outcome(call)}, ensure_ascii=False) + "\n")
            count += 1
    print(f"saved {count} outputs to {out}")
    return 0


def compare(path: Path, limit: int | None, show: int) -> int:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        before = {row["key"]: row["out"] for row in map(json.loads, handle)}
    changed, seen = [], 0
    for key, call in cases(limit):
        seen += 1
        now = _outcome(call)
        if before.get(key) != now:
            changed.append((key, before.get(key), now))
    print(f"{seen} outputs compared, {len(changed)} differ")
    for key, old, new in changed[:show]:
        print(f"--- {key}")
        for field in sorted(set(old or {}) | set(new)):
            if (old or {}).get(field) != new.get(field):
                print(f"  {field}: {json.dumps((old or {}).get(field), ensure_ascii=False)[:300]}")
                print(f"  {' ' * len(field)}  -> {json.dumps(new.get(field), ensure_ascii=False)[:300]}")
    return 1 if changed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("save", "compare"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="pages per set")
    parser.add_argument("--show", type=int, default=20, help="differences to print")
    args = parser.parse_args(argv)
    if args.action == "save":
        return save(args.path, args.limit)
    return compare(args.path, args.limit, args.show)


if __name__ == "__main__":
    sys.exit(main())
