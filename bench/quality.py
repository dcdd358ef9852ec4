"""Quality benchmark: our cleaners against trafilatura on public article datasets.

Scoring follows ../shared/bench/README.md exactly, so figures compare with its table:
  * both sides whitespace-normalised (runs collapsed to one space, stripped);
  * pages with `expected`: bag of lower-cased `\\w+` tokens, per-page precision/recall/F1
    (common tokens counted with multiplicity), each averaged over pages;
  * pages with `with`/`without` snippets: pooled over the set, TP = `with` found,
    FN = `with` missing, FP = `without` found (= leaked);
  * time: ms per page of the cleaning call alone, with plain trafilatura in the same run as ratio.

Edge cases (our choice, the README does not say):
  * no output (None, empty, or the call raised) -> P = R = F1 = 0 for that page;
  * `expected` with no tokens -> page left out of the bag-of-words averages;
  * empty snippets are ignored (an empty string is "found" everywhere);
  * snippet matching is case-sensitive substring search after whitespace normalisation.
A page with both `expected` and snippets (wcxb) counts in both figures; the README's table is the
bag-of-words one.

Usage: python bench/quality.py [PATHS...] [--limit N] [--systems a,b] [--lang de,en]
                               [--json OUT] [--worst N]
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETS = ["scrapinghub", "fundus", "wcxb-dev-articles"]
DEFAULT_PATHS = [ROOT.parent / "shared" / "bench" / f"{name}.jsonl.gz" for name in DEFAULT_SETS]
REFERENCE = "trafilatura"  # every ratio is against this, so it is always run
SPLIT_LANGS = ("de", "en")  # multilingual sets are reported as de / en / other, like the README

_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def normalise(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def tokens(text: str) -> Counter:
    return Counter(_WORD.findall(text.lower()))


def bag_of_words(output: Counter, expected: Counter) -> tuple[float, float, float]:
    """Per-page precision, recall, F1; the caller skips pages whose `expected` has no tokens."""
    common = sum((output & expected).values())
    if not common:  # also covers empty output
        return 0.0, 0.0, 0.0
    p, r = common / sum(output.values()), common / sum(expected.values())
    return p, r, 2 * p * r / (p + r)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# --- systems: name -> (prepare, call). prepare runs outside the timer (text mode needs text first).

def _text_of(result) -> str:
    return getattr(result, "text", None) or ""


def build_systems() -> tuple[dict, str | None]:
    systems = {
        "trafilatura": (None, lambda html, page: trafilatura.extract(html, url=page.get("url"))),
        "trafilatura-precision": (None, lambda html, page: trafilatura.extract(
            html, url=page.get("url"), favor_precision=True)),
    }
    # The cleaners package is under construction: a broken import must not stop the baseline.
    sys.path.insert(0, str(ROOT))
    try:
        import cleaners
    except Exception as exc:  # noqa: BLE001 - any failure means "not available yet"
        return systems, f"{type(exc).__name__}: {exc}"
    notes = []
    if hasattr(cleaners, "clean_html"):
        systems["clean_html"] = (None, lambda html, page: _text_of(cleaners.clean_html(
            html, url=page.get("url"), language=page.get("lang"))))
    else:
        notes.append("cleaners.clean_html missing")
    if hasattr(cleaners, "clean_text"):
        # What a user who already has extracted text gets: recall-oriented trafilatura text in.
        systems["clean_text"] = (
            lambda page: trafilatura.extract(page["html"], url=page.get("url"), favor_recall=True) or "",
            lambda text, page: _text_of(cleaners.clean_text(
                text, url=page.get("url"), language=page.get("lang"))))
    else:
        notes.append("cleaners.clean_text missing")
    return systems, "; ".join(notes) or None


# --- data

def load(path: Path, limit: int | None, langs: set[str] | None):
    n = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if limit is not None and n >= limit:
                return
            page = json.loads(line)
            if langs is not None and (page.get("lang") or "none") not in langs:
                continue
            n += 1
            yield page


class Stats:
    """Running figures for one system on one group of pages."""

    def __init__(self):
        self.pages = self.bow_pages = self.errors = 0
        self.p = self.r = self.f = self.ms = 0.0
        self.tp = self.fn = self.fp = self.without = 0
        self.has_snippets = False

    def add(self, ms, output, failed, page, exp_tokens):
        self.pages += 1
        self.ms += ms
        self.errors += failed
        f1 = None
        if exp_tokens:
            p, r, f1 = bag_of_words(tokens(output), exp_tokens)
            self.bow_pages += 1
            self.p, self.r, self.f = self.p + p, self.r + r, self.f + f1
        withs = [s for s in map(normalise, page.get("with") or []) if s]
        withouts = [s for s in map(normalise, page.get("without") or []) if s]
        if withs or withouts:
            self.has_snippets = True
            found = sum(s in output for s in withs)
            self.tp += found
            self.fn += len(withs) - found
            self.fp += sum(s in output for s in withouts)
            self.without += len(withouts)
        return f1

    def figures(self, ref_ms: float | None) -> dict:
        n, b = self.pages or 1, self.bow_pages or 1
        out = {"pages": self.pages, "bow_pages": self.bow_pages, "errors": self.errors,
               "precision": self.p / b, "recall": self.r / b, "f1": self.f / b,
               "ms_per_page": self.ms / n,
               "ms_ratio": (self.ms / n) / ref_ms if ref_ms else None}
        if self.has_snippets:
            p, r, f = prf(self.tp, self.fp, self.fn)
            out["snippets"] = {"tp": self.tp, "fn": self.fn, "fp": self.fp,
                               "leaked": f"{self.fp}/{self.without}", "precision": p,
                               "recall": r, "f1": f}
        return out


# A page where clean_html's F1 is this far below plain trafilatura's: cleaning made it worse.
WORSE_BY = 0.2


def run_set(path: Path, systems: dict, args, errors: dict, worst: list, worse: dict) -> dict:
    set_name = path.name.removesuffix(".gz").removesuffix(".jsonl")
    stats = defaultdict(lambda: defaultdict(Stats))  # group -> system -> Stats
    # Pages are streamed (wcxb is large); every page also goes to a language group, and those
    # groups are reported only if the set turns out to be multilingual.
    for i, page in enumerate(load(path, args.limit, args.langs), 1):
        html = page["html"]
        expected = normalise(page.get("expected"))
        exp_tokens = tokens(expected) if expected else None
        lang = page.get("lang")
        groups = [set_name, f"{set_name} [{lang if lang in SPLIT_LANGS else 'other'}]"]
        f1s, outputs = {}, {}
        for name, (prepare, call) in systems.items():
            arg = prepare(page) if prepare else html
            start, failed = time.perf_counter(), False
            try:
                output = call(arg, page)
            except Exception as exc:  # noqa: BLE001 - a crash on one page scores as empty output
                output, failed = None, True
                errors[name][0] += 1
                errors[name][1] = errors[name][1] or f"{set_name}/{page.get('id')}: {type(exc).__name__}: {exc}"
            ms = (time.perf_counter() - start) * 1000
            outputs[name] = output = normalise(output)
            for g in groups:
                f1s[name] = stats[g][name].add(ms, output, failed, page, exp_tokens)
        if exp_tokens and f1s.get("clean_html") is not None and f1s["clean_html"] < f1s[REFERENCE] - WORSE_BY:
            worse[set_name].append(page.get("id"))
        if args.worst and exp_tokens and f1s.get("clean_html") is not None:
            ident = {"id": page.get("id"), "url": page.get("url")}  # not the html: keep memory low
            worst.append((f1s["clean_html"] - f1s[REFERENCE], set_name, ident, f1s,
                          tokens(outputs["clean_html"]), exp_tokens))
            worst.sort(key=lambda w: w[0])
            del worst[args.worst:]  # keep only the N worst, so outputs are not all held in memory
        if i % 50 == 0:
            print(f"  {set_name}: {i} pages", file=sys.stderr, flush=True)
    if len(stats) == 2:  # one language group only: it just repeats the set
        stats.popitem()
    result = {}
    for g, by_sys in sorted(stats.items(), key=lambda kv: kv[0] != set_name):  # set first
        ref = by_sys[REFERENCE].ms / (by_sys[REFERENCE].pages or 1)
        result[g] = {name: s.figures(ref) for name, s in by_sys.items()}
    return result


def print_table(group: str, figs: dict) -> None:
    n = next(iter(figs.values()))["pages"]
    print(f"\n== {group} ({n} pages) ==")
    print(f"{'system':<24}{'pages':>6}{'prec':>8}{'recall':>8}{'F1':>8}{'ms/page':>9}{'x trafi':>9}{'errors':>8}")
    for name, f in figs.items():
        ratio = f"{f['ms_ratio']:.2f}" if f["ms_ratio"] else "-"
        print(f"{name:<24}{f['bow_pages']:>6}{f['precision']:>8.3f}{f['recall']:>8.3f}{f['f1']:>8.3f}"
              f"{f['ms_per_page']:>9.1f}{ratio:>9}{f['errors']:>8}")
    if any("snippets" in f for f in figs.values()):
        print(f"{'snippets':<24}{'TP':>6}{'FN':>6}{'FP':>6}{'leaked':>10}{'prec':>8}{'recall':>8}{'F1':>8}")
        for name, f in figs.items():
            s = f["snippets"]
            print(f"{name:<24}{s['tp']:>6}{s['fn']:>6}{s['fp']:>6}{s['leaked']:>10}"
                  f"{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}")


def print_worst(worst: list) -> list:
    print(f"\n== {len(worst)} pages where clean_html loses most F1 against {REFERENCE} ==")
    report = []
    for delta, set_name, page, f1s, out, exp in worst:
        lost = (exp - out).most_common(15)  # in expected, missing from output
        extra = (out - exp).most_common(15)  # in output, not in expected
        print(f"\n{set_name}/{page.get('id')} {page.get('url') or ''}")
        print(f"  F1 clean_html {f1s['clean_html']:.3f} vs {REFERENCE} {f1s[REFERENCE]:.3f} ({delta:+.3f})")
        print("  lost: " + ", ".join(f"{t}:{c}" for t, c in lost))
        print("  extra: " + ", ".join(f"{t}:{c}" for t, c in extra))
        report.append({"set": set_name, "id": page.get("id"), "url": page.get("url"), "delta_f1": delta,
                       "f1": f1s, "lost": lost, "extra": extra})
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*", type=Path, default=DEFAULT_PATHS, help="gzipped JSONL sets")
    ap.add_argument("--limit", type=int, help="pages per set (quick runs)")
    ap.add_argument("--systems", help="comma-separated; trafilatura is always added as the reference")
    ap.add_argument("--lang", help="comma-separated language codes to keep; 'none' = pages without lang")
    ap.add_argument("--json", type=Path, help="write all figures here")
    ap.add_argument("--worst", type=int, default=0, help="show N pages where clean_html trails trafilatura")
    args = ap.parse_args(argv)
    args.langs = set(args.lang.split(",")) if args.lang else None

    systems, note = build_systems()
    if note:
        print(f"note: cleaners not (fully) available, scoring without it: {note}", flush=True)
    if args.systems:
        wanted = [REFERENCE] + [s for s in args.systems.split(",") if s and s != REFERENCE]
        unknown = [s for s in wanted if s not in systems]
        if unknown:
            print(f"note: skipping unavailable systems: {', '.join(unknown)}", flush=True)
        systems = {s: systems[s] for s in wanted if s in systems}
    if args.worst and "clean_html" not in systems:
        print("note: --worst needs clean_html; ignored", flush=True)
        args.worst = 0

    # One untimed call per system so one-off set-up (imports, rule loading) is not charged to page 1.
    warm = {"html": "<html><body><article><p>" + "Warm up. " * 20 + "</p></article></body></html>"}
    for prepare, call in systems.values():
        try:
            call(prepare(warm) if prepare else warm["html"], warm)
        except Exception:  # noqa: BLE001 - real errors are counted on real pages
            pass

    errors = defaultdict(lambda: [0, None])  # system -> [count, first message]
    worst, results, started = [], {}, time.perf_counter()
    worse = defaultdict(list)  # set -> pages where clean_html is WORSE_BY below trafilatura
    for path in args.paths:
        groups = run_set(path, systems, args, errors, worst, worse)
        if not groups:
            print(f"\nnote: no pages selected from {path}", flush=True)
        for group, figs in groups.items():
            results[group] = figs
            print_table(group, figs)
    elapsed = time.perf_counter() - started

    for name, (count, first) in errors.items():
        print(f"\nerrors in {name}: {count} pages; first: {first}")
    if "clean_html" in systems:
        total = sum(len(pages) for pages in worse.values())
        print(f"\npages where clean_html's F1 is more than {WORSE_BY} below {REFERENCE}'s: {total}"
              + "".join(f"\n  {name}: {', '.join(map(str, pages))}" for name, pages in worse.items()))
    worst_report = print_worst(worst) if args.worst else []
    print(f"\ntrafilatura {trafilatura.__version__}; systems: {', '.join(systems)}; "
          f"total {elapsed:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({
            "trafilatura": trafilatura.__version__, "systems": list(systems), "limit": args.limit,
            "lang": args.lang, "seconds": elapsed, "sets": results,
            "errors": {k: {"count": c, "first": m} for k, (c, m) in errors.items()},
            "worst": worst_report, "worse_than_reference": dict(worse)}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
