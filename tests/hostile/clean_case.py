"""Clean one generated hostile input in a fresh process and report what happened, how long it took
and how much memory it took beyond the input itself (used by test_library.py; a case that runs
away is killed by the test's timeout instead of hanging the suite).

    clean_case.py CASE   ->   {"outcome": "ok" | "CleaningError" | "TypeError" | other, "code": ...,
                               "seconds": ..., "extra_mb": ...}
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures" / "hostile"))
import hostile_corpus as corpus  # noqa: E402

MB = 1_000_000
PAGE = corpus.page(corpus.ARTICLE_HTML_BODY)
CASES = {
    # name: (function, input factory)
    "page-50mb": ("html", lambda: corpus.huge_page(50 * MB)),
    "page-50mb-bytes": ("html", lambda: corpus.huge_page(50 * MB).encode("utf-8")),
    "text-50mb": ("text", lambda: corpus.huge_text(50 * MB)),
    "nested-100k": ("html", lambda: corpus.nested(100_000)),
    "nested-1k": ("html", lambda: corpus.nested(1_000)),
    "paragraphs-1m-page": ("html", lambda: corpus.tiny_paragraphs_page(1_000_000)),
    "paragraphs-1m-text": ("text", lambda: corpus.tiny_paragraphs_text(1_000_000)),
    "blocks-20k-text": ("text", lambda: "".join(f"Satz Nummer {i} steht hier.\n" for i in range(20_000))),
    "blocks-20k-page": ("html", lambda: corpus.page("".join(f"<p>Satz Nummer {i} steht hier.</p>" for i in range(20_000)))),
    "time-budget": ("html", lambda: corpus.page(corpus.ARTICLE_HTML_BODY + "".join(
        f"<p>Absatz {i}: {corpus.PARAGRAPH}</p>" for i in range(3_000)))),  # with a budget of 0.05 s
    "png-as-text": ("text", lambda: corpus.png_bytes().decode("latin-1")),
    "utf16-as-text": ("text", lambda: ("Die Bürger der Stadt fordern eine neue Straße. " * 20).encode("utf-16-le").decode("latin-1")),
    "billion-laughs": ("html", corpus.billion_laughs),
    "control": ("html", lambda: PAGE),
}


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1000
    return 0.0


def reset_peak() -> None:
    """Reset the peak resident size (VmHWM), so it measures the cleaning only, not building the input."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def main(name: str) -> None:
    from cleaners import CleaningError, clean_html, clean_text

    kind, factory = CASES[name]
    clean_html(PAGE)  # warm up: imports, rule packs, caches are not the input's cost
    if name == "time-budget":  # a budget no page can meet: the deadline must stop the cleaning
        os.environ["CLEANERS_TIME_BUDGET_SECONDS"] = "0.05"
    data = factory()
    reset_peak()
    before = status_mb("VmRSS")
    start = time.monotonic()
    try:
        result = (clean_html if kind == "html" else clean_text)(data)
        report = {"outcome": "ok", "code": None, "words": len(result.text.split()), "text": result.text[:2000]}
    except CleaningError as exc:
        report = {"outcome": "CleaningError", "code": exc.code, "message": str(exc)}
    except Exception as exc:  # reported, so the test can say what it was
        report = {"outcome": type(exc).__name__, "code": None, "message": str(exc)[:500]}
    report["seconds"] = round(time.monotonic() - start, 3)
    peak = status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000
    report["extra_mb"] = round(max(0.0, peak - before), 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
