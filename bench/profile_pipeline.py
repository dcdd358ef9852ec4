"""Where the pipeline's own time goes, per article: `process_batch` and `Store.publish` over an inbox,
batch by batch as the flow runs them, in this process, without Prefect. The cleaning itself runs in
the cleaning worker process (flows/watchdog.py), so this process's CPU is everything else: reading
the inbox, triage, the frames and their validation, sending records to the worker and taking its
results back, the checks, template memory and publishing.

Each stage is timed in CPU seconds of this process (time.process_time, so waiting for the worker
counts nothing), by wrapping the pipeline's functions; --cprofile also writes a cProfile of the
whole loop (CPU time) for a closer look.

Usage: python bench/profile_pipeline.py INBOX.jsonl [--batch-size 200] [--limit N] [--cprofile OUT.prof]
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows import inbox, pipeline, watchdog  # noqa: E402
from flows.options import RunOptions  # noqa: E402
from flows.store import Store  # noqa: E402
from flows.store.publishing import Publishing  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)
_DEPTH: list[str] = []


def timed(stage: str, fn):
    """fn, its CPU time added to `stage` (minus what stages it calls add to theirs)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.process_time()
        _DEPTH.append(stage)
        try:
            return fn(*args, **kwargs)
        finally:
            _DEPTH.pop()
            spent = time.process_time() - start
            SPENT[stage] += spent
            if _DEPTH:
                SPENT[_DEPTH[-1]] -= spent
    return wrapper


def patch(owner, name: str, stage: str) -> None:
    if hasattr(owner, name):  # (an older pipeline may not have it)
        setattr(owner, name, timed(stage, getattr(owner, name)))


def instrument() -> None:
    patch(pipeline, "process_batch", "process_batch: the rest")
    patch(pipeline.inbox, "read_pairs", "read and decode the inbox records")
    patch(pipeline, "_triage", "triage (types, ids, filters, input hash)")
    patch(pipeline, "_raw_failures", "raw frame + RawArticle validation")
    if hasattr(pipeline, "failures_by_id"):  # an older pipeline: validation by pandera, called inline
        validate = pipeline.failures_by_id
        raw, clean = timed("raw frame + RawArticle validation", validate), timed("clean article + removal validation", validate)
        pipeline.failures_by_id = lambda schema, *a, **k: (raw if schema.name == "RawArticle" else clean)(schema, *a, **k)
    patch(pipeline, "clean_records", "send records / receive results (cleaning worker)")
    patch(pipeline, "_checked", "_checked")
    patch(pipeline, "_quarantine_invalid", "clean article + removal validation")
    patch(pipeline, "apply_template_memory", "template memory")
    patch(pipeline, "_validate_and_publish", "published rows, removal rows")
    patch(Store, "seen", "store: seen (unchanged inputs)")
    patch(Publishing, "publish", "store: publish")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inbox", type=Path)
    ap.add_argument("--batch-size", type=int, default=200)
    ap.add_argument("--limit", type=int, help="only the first N inputs")
    ap.add_argument("--cprofile", type=Path, help="also write a cProfile (CPU time) of the loop here")
    ap.add_argument("--top", type=int, default=40, help="lines of the cProfile printed")
    args = ap.parse_args()
    instrument()
    with tempfile.TemporaryDirectory(prefix="profile-pipeline-") as scratch:
        url = f"sqlite:///{scratch}/store.db"
        locators = inbox.scan(str(args.inbox), url)[:args.limit]
        options = RunOptions(store_url=url)
        Store(url)  # the tables, before the clock starts
        profiler = cProfile.Profile(time.process_time) if args.cprofile else None
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        for first in range(0, len(locators), args.batch_size):
            batch = pipeline.process_batch(locators[first:first + args.batch_size], options)
            Store(url).publish("profile", batch)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        cleaning = 0.0
        try:
            import psutil

            for worker in watchdog._WORKER:
                times = psutil.Process(worker.process.pid).cpu_times()
                cleaning = times.user + times.system
        except ImportError:
            pass
    n = len(locators)
    print(f"{n} inputs in batches of {args.batch_size}: wall {wall:.1f} s; this process's CPU {cpu:.2f} s "
          f"({1000 * cpu / n:.2f} ms/article); the cleaning worker's CPU {cleaning:.1f} s ({1000 * cleaning / n:.2f} ms/article)")
    for stage, spent in sorted(SPENT.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<52} {1000 * spent / n:8.3f} ms/article  {spent:7.2f} s")
    print(f"  {'(not in a stage: the loop, the store per batch)':<52} {1000 * (cpu - sum(SPENT.values())) / n:8.3f} ms/article")
    if profiler:
        profiler.dump_stats(args.cprofile)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
