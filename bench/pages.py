"""Page by page: the F1 of clean_html and of plain trafilatura on every bench page with `expected`
text, for one checkout of the project; and the comparison of two such runs (before / after a change).

Usage: python bench/pages.py save OUT.json [--tree DIR]     (DIR: another checkout, e.g. a git worktree)
       python bench/pages.py compare BEFORE.json AFTER.json [--show N]
Scoring as in bench/quality.py (bag of words, per page).
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ["scrapinghub", "fundus", "wcxb-dev-articles"]
WORSE_BY = 0.2  # a page this far below trafilatura came out much worse than the extractor alone


def save(out: Path, tree: Path) -> None:
    sys.path.insert(0, str(tree))  # that checkout's cleaners; the scoring is this one's
    sys.path.insert(0, str(ROOT / "bench"))
    import trafilatura
    from quality import bag_of_words, normalise, tokens

    from cleaners import CleaningError, clean_html
    scores = {}
    for name in SETS:
        with gzip.open(ROOT.parent / "shared" / "bench" / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
            for page in map(json.loads, handle):
                expected = tokens(normalise(page.get("expected")))
                if not expected:
                    continue
                try:
                    ours = clean_html(page["html"], url=page.get("url")).text
                except CleaningError:
                    ours = ""
                theirs = trafilatura.extract(page["html"], url=page.get("url")) or ""
                scores[f"{name}/{page['id']}"] = [bag_of_words(tokens(normalise(text)), expected)[2] for text in (ours, theirs)]
    out.write_text(json.dumps(scores))
    print(f"saved {len(scores)} pages to {out}")


def compare(before_path: Path, after_path: Path, show: int) -> None:
    before, after = json.loads(before_path.read_text()), json.loads(after_path.read_text())
    for name in SETS:
        keys = [key for key in after if key.startswith(name + "/") and key in before]
        if not keys:
            continue
        changed = sorted((after[key][0] - before[key][0], key) for key in keys if after[key][0] != before[key][0])
        worse = [key for key in keys if after[key][0] < after[key][1] - WORSE_BY]
        print(f"{name}: {len(keys)} pages; clean_html F1 {_mean(before, keys, 0):.4f} -> {_mean(after, keys, 0):.4f} "
              f"(trafilatura {_mean(after, keys, 1):.4f}); {len(changed)} pages changed; "
              f"{len(worse)} pages more than {WORSE_BY} below trafilatura")
        for delta, key in changed[:show]:
            print(f"    {delta:+.3f}  {key}  (now {after[key][0]:.3f}, trafilatura {after[key][1]:.3f})")


def _mean(scores: dict, keys: list[str], system: int) -> float:
    return sum(scores[key][system] for key in keys) / len(keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    saving = commands.add_parser("save")
    saving.add_argument("out", type=Path)
    saving.add_argument("--tree", type=Path, default=ROOT)
    comparing = commands.add_parser("compare")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    comparing.add_argument("--show", type=int, default=5, help="the pages that lost most")
    args = parser.parse_args()
    if args.command == "save":
        save(args.out, args.tree.resolve())
    else:
        compare(args.before, args.after, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
