"""Where clean_html's and clean_text's time goes, stage by stage, against plain trafilatura.

Each stage function the two entry points call (parsing, every detector, the extraction cascade,
the blocks, the rendering) is wrapped in a timer for the length of the run; the pages are then
cleaned one by one, each followed by `trafilatura.extract` on the same page, so that machine
noise hits both alike, after a warm-up pass over them all (which compiles each language's rules
once, as a long run does). Every figure is in milliseconds per page and as a share of
trafilatura's time on the same pages. Stages nest (the extraction holds trafilatura's own calls, the article's
judgement holds the article detectors), so the shares do not add up; "outside the stages" is the
rest of the entry point. The wrappers cost a little each (about 1 microsecond a call), so totals
here run slightly above bench/perf.py's. CPU time of this process (time.process_time), so a
neighbour's load moves the figures less than wall time would.

Usage: python bench/stages.py [PATHS...] [--limit N] [--every N] [--text]
  --every N  every Nth page of the sets (quick runs)
  --text     clean_text on trafilatura's favor_recall text of each page instead (3-8 KB texts)
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_inbox import DEFAULT_PATHS, extract_text, load_pages  # noqa: E402

from cleaners import api, detect  # noqa: E402
from cleaners.html import extract, page  # noqa: E402

TEXT_BYTES = (3 * 1024, 8 * 1024)  # the text sizes bench/perf.py times clean_text on

# (module, attribute, label): the stage functions, as the entry points look them up. A label that
# starts with spaces is a stage inside the one above it (its time is in that one's too).
PAGE_STAGES = [
    (api.guards, "check_html", "size and tag checks before parsing"),
    (page, "_prepared", "parse and repair the page"),
    (page, "paragraph_sample", "language sample"),
    (page, "PageVerdicts", "page measures (prune.PageVerdicts)"),
    (page, "page_metadata", "page metadata"),
    (page, "survey", "repeated paragraphs survey"),
    (page, "extract_article", "extraction cascade (trafilatura inside)"),
    (extract.trafilatura, "bare_extraction", "  of which trafilatura.bare_extraction"),
    (page, "blocks_from_body", "extracted tree to blocks"),
    (api, "_clean_blocks", "judging the article's blocks"),
]
TEXT_STAGES = [
    (api.guards, "check_text", "size checks"),
    (api, "normalize_text", "normalise"),
    (api, "split_blocks", "split into blocks"),
    (api, "choose_language", "language"),
    (api, "load_rules", "rule set look-up"),
    (api, "_clean_blocks", "judging the article's blocks"),
    (api, "metadata_from_removals", "  of which metadata from removals"),
    (api, "render", "  of which rendering the text"),
]


@contextmanager
def timed(stages, spent: Counter, calls: Counter):
    """Every stage function wrapped in a CPU timer while inside; the originals put back after."""
    originals = []

    def wrapper(function, label):
        def timed_call(*args, **kwargs):
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - start
                calls[label] += 1
        return timed_call

    for owner, name, label in stages:
        originals.append((owner, name, getattr(owner, name)))
        setattr(owner, name, wrapper(getattr(owner, name), label))
    for detector in detect.REGISTRY:
        originals.append((detector, "detect", detector.detect))
        inside = "  of which " if detector.stage == "article" else ""  # run by _clean_blocks
        detector.detect = wrapper(detector.detect, f"{inside}detector {type(detector).__name__} ({detector.stage})")
    try:
        yield
    finally:
        for owner, name, original in reversed(originals):
            if owner in detect.REGISTRY:
                del owner.detect  # the instance attribute goes; the class's method shows again
            else:
                setattr(owner, name, original)


def run(pages: list[dict], text_mode: bool) -> tuple[float, float, Counter, Counter, int]:
    from cleaners import clean_html, clean_text

    if text_mode:
        items = [(text, p) for p in pages for text in [extract_text(p)]
                 if TEXT_BYTES[0] <= len(text.encode("utf-8")) <= TEXT_BYTES[1]]

        def call(item):
            clean_text(item[0], url=item[1]["url"], language=item[1]["lang"])
    else:
        items = [(None, p) for p in pages]

        def call(item):
            clean_html(item[1]["html"], url=item[1]["url"], language=item[1]["lang"])

    for item in items:  # a warm-up pass: each language's rules compiled once, as in a long run
        try:
            call(item)
        except Exception:
            pass
    spent, calls = Counter(), Counter()
    ours = theirs = 0.0
    with timed(TEXT_STAGES if text_mode else PAGE_STAGES, spent, calls):
        for _, p in items:
            start = time.process_time()
            try:
                call((_, p))
            except Exception:  # a refused page still cost its time
                pass
            middle = time.process_time()
            trafilatura.extract(p["html"], url=p["url"])
            ours, theirs = ours + middle - start, theirs + time.process_time() - middle
    return ours, theirs, spent, calls, len(items)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, default=DEFAULT_PATHS)
    parser.add_argument("--limit", type=int, default=None, help="pages per set")
    parser.add_argument("--every", type=int, default=1, help="every Nth page")
    parser.add_argument("--text", action="store_true", help="clean_text on extracted texts instead of clean_html")
    args = parser.parse_args()
    pages = load_pages(args.paths, args.limit)[::args.every]
    ours, theirs, spent, calls, count = run(pages, args.text)
    entry = "clean_text" if args.text else "clean_html"
    per = 1000 / count
    print(f"{count} {'texts' if args.text else 'pages'}; CPU ms per item, and as a share of trafilatura.extract's time")
    print(f"{'trafilatura.extract (the yardstick)':52s} {theirs * per:8.2f} ms  1.000x")
    print(f"{entry + ' in all':52s} {ours * per:8.2f} ms  {ours / theirs:.3f}x")
    for label, seconds in sorted(spent.items(), key=lambda item: (item[0].startswith(" "), -item[1])):
        print(f"{label:52s} {seconds * per:8.2f} ms  {seconds / theirs:.3f}x  ({calls[label]} calls)")
    rest = ours - sum(seconds for label, seconds in spent.items() if not label.startswith(" "))
    print(f"{'outside the stages above':52s} {rest * per:8.2f} ms  {rest / theirs:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
