"""Performance benchmark: cleaners and the clean-articles flow against plain trafilatura.

Parts (all on the bench pages of ../shared/bench, or PATHS):
  pages  median ms per page of clean_html and of trafilatura.extract(html, url=url), one process,
         calls interleaved page by page so machine noise hits both alike; target ratio <= 1.15; and
         the ratio of their total times over all the pages, target <= 1.10.
  text   clean_text throughput on one core (the process is pinned to one CPU while measuring) over
         trafilatura's favor_recall extraction of the pages, keeping texts of 3-8 KB (UTF-8 bytes);
         target >= 2,000 articles/s (issue 20), with the built-in rules and with --extra-rules generated rules
         more (default 500, shaped like site packs: "whatever the number of rules loaded"). Timed
         after one warm-up pass over the texts, which compiles the rules of each language once (as a
         long run does; that first pass's rate is printed too), as the best of three rounds in which
         each rule set and trafilatura take turns, so that a neighbour's load on a shared machine
         slows a round rather than one of them. trafilatura.extract on the same pages' HTML is timed on the
         same core too, and how many texts clean_text cleans in the time trafilatura extracts one
         page is printed: articles/s depends on the machine, that ratio much less.
  flow   an inbox of --articles (default 10,000) half HTML, half text (bench/make_inbox.py), run
         through `python -m flows run` once per task runner (--runners, default `processes`, the
         flow's default: a worker process per core) and server mode, each in a fresh subprocess
         publishing to a fresh SQLite file. Server modes (--servers): `temporary`, no Prefect server
         configured, so the run starts a temporary one and its start-up is in the wall time (an
         ad-hoc run on a laptop); `running`, a `prefect server start` launched before the timing
         starts, as in production, where the server is always up. Wall time is the subprocess's,
         start-up included (a 20-article run shows that fixed cost). Peak memory is the peak of the
         summed RSS of the flow process and all its children (the temporary server, worker and
         cleaning processes), plus the running server in that mode, sampled every 0.2 s (PSS every
         2 s: reading it costs the kernel a walk over every mapping, and sampling it every 0.2 s took
         a tenth of the machine away from the run it measured); summing RSS counts shared pages
         twice, so it errs high. Summed PSS (psutil memory_full_info().pss: a shared page counts
         once, split among its processes) is reported next to it, and a per-process breakdown at
         the peaks; target for the default runner: <= 1,200 MB.
         The baseline is a plain single-process loop reading the same inbox and calling
         trafilatura.extract on its HTML inputs, in a fresh process pinned to one core; text inputs
         count as free there (there is no trafilatura call for them), which makes the baseline the
         harder one to beat. It runs again just before each flow run (load from other work on a
         shared machine changes over minutes), and the flow's wall time is given against that
         one: target <= 0.7x for the default runner. The same plain loop is also run split over two
         forked processes that start together (no Prefect, no Dask, no store): how much a second
         core gives plain trafilatura on this machine, the bound any two-worker flow is held to.
         The pipeline without Prefect (list, clean in the cleaning worker, validate, publish to
         SQLite) runs in a fresh process pinned to the plain loop's core: target <= 1.3x the plain
         loop, in wall seconds; CPU seconds (both processes') are given too, since a neighbour's
         load moves them least. Listing the inbox (the flow's first task) is timed in a fresh
         process, with that process's peak memory.
  --huge the listing and the flow on 100,000 articles for peak memory (--huge-runners, default
         `processes`); target for the flow's summed RSS < 1,000 MB. With --articles 0 only these
         are made. With --keep, inboxes are kept and used again by later runs of the same size.
Prefect runs with PREFECT_HOME in the work dir, so runs neither share nor lock ~/.prefect.

Usage: python bench/perf.py [PATHS...] [--limit N] [--articles N] [--huge] [--parts pages,text,flow]
                            [--runners processes,threads,dask] [--servers temporary,running] [--batch-size N]
                            [--workdir DIR] [--keep] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_inbox import DEFAULT_PATHS, ROOT, extract_text, load_pages, write_inbox  # noqa: E402

try:
    import psutil
except ImportError:  # fall back to getrusage: largest single process, not the sum
    psutil = None

PYTHON = sys.executable
HUGE_ARTICLES = 100_000
TEXT_BYTES = (3 * 1024, 8 * 1024)
TEXT_TARGET, TEXT_TARGET_LABEL = 2000, ">= 2000"  # clean_text articles/s on one core (issue 20)
MIN_SECONDS = 1.5  # each timed call loops over its texts until at least this long, for a stable rate
ROUNDS = 3  # rounds of all timed calls, in turn; the best round counts
RSS_EVERY, PSS_EVERY = 0.2, 2.0  # seconds between memory samples of the flow's processes
FLOW_WORKERS = 2  # the flow's local Dask cluster (flows/task_runners.py), and the parallel plain loop
DEFAULT_RUNNER = "processes"  # the flow's default task runner: a worker process per core


def row(figure: str, value: float | None, unit: str, target: str = "", ok: bool | None = None) -> dict:
    return {"figure": figure, "value": value, "unit": unit, "target": target,
            "result": "" if ok is None else ("PASS" if ok else "FAIL")}


# --- part 1: clean_html against trafilatura, per page

def bench_pages(pages: list[dict]) -> list[dict]:
    from cleaners import clean_html

    clean_html(pages[0]["html"], url=pages[0]["url"], language=pages[0]["lang"])  # warm-up: rule loading
    calls = {"trafilatura": lambda p: trafilatura.extract(p["html"], url=p["url"]),
             "clean_html": lambda p: clean_html(p["html"], url=p["url"], language=p["lang"])}
    times, errors = {name: [] for name in calls}, {name: 0 for name in calls}
    for i, page in enumerate(pages):
        order = list(calls) if i % 2 else list(calls)[::-1]  # alternate who goes first (cache effects)
        for name in order:
            start = time.perf_counter()
            try:
                calls[name](page)
            except Exception:  # a page the cleaner rejects still costs time; count it
                errors[name] += 1
            times[name].append((time.perf_counter() - start) * 1000)
    med = {name: statistics.median(t) for name, t in times.items()}
    ratio = med["clean_html"] / med["trafilatura"]
    # The total counts the pages that take the extraction's fallbacks, which the median hides.
    total = sum(times["clean_html"]) / sum(times["trafilatura"])
    return [row(f"trafilatura.extract median ({len(pages)} pages)", med["trafilatura"], "ms/page"),
            row(f"clean_html median ({errors['clean_html']} raised)", med["clean_html"], "ms/page"),
            row("clean_html / trafilatura, medians", ratio, "x", "<= 1.15", ratio <= 1.15),
            row("clean_html / trafilatura, total time over the pages", total, "x", "<= 1.10", total <= 1.10)]


# --- part 2: clean_text throughput on one core

def bench_text(pages: list[dict], texts: list[str], extra_rules: int, workdir: Path) -> list[dict]:
    from cleaners import clean_text
    from cleaners.rules import load_rules

    sample = [(t, p) for t, p in zip(texts, pages) if TEXT_BYTES[0] <= len(t.encode("utf-8")) <= TEXT_BYTES[1]]
    if not sample:
        return [row("clean_text: no 3-8 KB texts in these pages", None, "")]
    more = write_extra_rules(workdir / "extra-rules", [t for t, _ in sample], extra_rules) if extra_rules else None
    rule_sets = {"built-in": None, **({f"{extra_rules} more": more} if more else {})}
    # Warm-up: one pass per rule set, so that the rules of each of the sample's languages are
    # compiled before the timing starts, as they are once per process in a long run.
    passes = []
    for rules in rule_sets.values():
        started = time.perf_counter()
        for text, page in sample:
            clean_text(text, url=page["url"], language=page["lang"], rules=rules)
        passes.append(len(sample) / (time.perf_counter() - started))
    first_pass = passes[0]  # the built-in rules'
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})  # one core, whatever the libraries underneath would do
    try:
        calls = {name: lambda text, page, rules=rules: clean_text(text, url=page["url"], language=page["lang"], rules=rules)
                 for name, rules in rule_sets.items()}
        # The same pages' HTML through plain trafilatura on the same core: a yardstick for the
        # machine's speed, since articles/s moves with the machine and the ratio does not.
        calls["trafilatura"] = lambda text, page: trafilatura.extract(page["html"], url=page["url"])
        rates = _best_rates(calls, sample)
    finally:
        os.sched_setaffinity(0, cpus)
    extract_rate = rates["trafilatura"]
    rate = rates["built-in"]
    rows = [row(f"clean_text throughput ({len(sample)} texts of 3-8 KB, {len(load_rules().rules)} built-in rules)",
                rate, "articles/s", TEXT_TARGET_LABEL, rate >= TEXT_TARGET)]
    if more:
        total = len(load_rules(more).rules)
        extra = rates[f"{extra_rules} more"]
        rows.append(row(f"clean_text throughput with {extra_rules} generated rules more ({total} in all)", extra,
                        "articles/s", TEXT_TARGET_LABEL, extra >= TEXT_TARGET))
    return rows + [
        row("trafilatura.extract on those pages' HTML, same core", extract_rate, "pages/s"),
        row("clean_text texts per trafilatura.extract page", rate / extract_rate, "x"),
        row("clean_text first pass (compiling each language's rules)", first_pass, "articles/s")]


def write_extra_rules(directory: Path, texts: list[str], count: int) -> Path:
    """A user rule pack of `count` generic rules, for every language, shaped like real site packs:
    phrases of three words (the words are the sample's own frequent words, so the gate lets many
    of them through to their patterns), labels at the start of a block, sentence rules and a few
    patterns without any word the gate could use."""
    words = Counter(w for text in texts for w in re.findall(r"[a-zäöüß]{4,}", text.lower()))
    vocabulary = [w for w, _ in words.most_common(400)]
    pick = random.Random(0).choice
    categories = ("promo", "related", "widget", "newsletter", "ad", "metadata")
    rules = []
    for n in range(count):
        a, b, c = pick(vocabulary), pick(vocabulary), pick(vocabulary)
        shape = n % 20
        if shape < 14:
            kind, pattern, limit = "block", rf"\b{a}\s+(?:{b}|{c})\s+\w+\s+{c}\b", 40
        elif shape < 17:
            kind, pattern, limit = "block", rf"^(?:{a}|{b})\s*[:|]\s*\S", 12
        elif shape < 19:
            kind, pattern, limit = "sentence", rf"\b{a}\s+{b}\s+(?:the|die|der)?\s*{c}\b", None
        else:
            kind, pattern, limit = "block", rf"^[#*•]{{{1 + n % 3}}}\s*\d{{1,3}}\s*[/|]\s*\d{{{1 + n % 4}}}$", 6
        category = categories[n % len(categories)]
        rules.append(f'[[rules]]\nid = "{category}.bench-extra-{n}"\ncategory = "{category}"\nkind = "{kind}"\n'
                     f"pattern = '{pattern}'\nlanguages = [\"*\"]\nwhy = \"Generated for the benchmark.\"\n"
                     + (f"max_words = {limit}\n" if limit else ""))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "bench-extra.toml").write_text("\n".join(rules), encoding="utf-8")
    return directory


def _best_rates(calls: dict, sample: list, rounds: int = ROUNDS) -> dict[str, float]:
    """Calls per second over the sample for each call, the best of `rounds` rounds that take turns
    (a neighbour's load on a shared machine then slows one round, not one of the calls)."""
    best = dict.fromkeys(calls, 0.0)
    for _ in range(rounds):
        for name, call in calls.items():
            done, start = 0, time.perf_counter()
            while done == 0 or time.perf_counter() - start < MIN_SECONDS:
                for text, page in sample:
                    try:
                        call(text, page)
                    except Exception:
                        pass  # a rejected input still costs time
                done += len(sample)
            best[name] = max(best[name], done / (time.perf_counter() - start))
    return best


# --- part 3: the flow in a subprocess, against a plain loop

def plain_loop(inbox: Path) -> float:
    """Seconds for one process to read the inbox and run trafilatura on every HTML input."""
    start = time.perf_counter()
    with open(inbox, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if record.get("html"):
                trafilatura.extract(record["html"], url=record["url"])
    return time.perf_counter() - start


def _plain_share(inbox: Path, offsets: list[int], start, seconds) -> None:
    """One process of the parallel plain loop: read, decode and extract the HTML inputs at `offsets`."""
    start.wait()  # all processes begin together, so that they really share the machine
    began = time.perf_counter()
    with open(inbox, "rb") as fh:
        for offset in offsets:
            fh.seek(offset)
            record = json.loads(fh.readline())
            trafilatura.extract(record["html"], url=record["url"])
    seconds.put(time.perf_counter() - began)


def plain_loop_parallel(inbox: Path, processes: int = 2) -> float:
    """Seconds for `processes` forked processes to share the plain loop's HTML inputs, dealt out in
    turn (the slowest process's time): what the machine's cores give plain trafilatura with no
    orchestration at all, the bound for any flow on that many workers."""
    import multiprocessing

    offsets, offset = [], 0
    with open(inbox, "rb") as fh:  # where the HTML inputs are: found before the timing starts
        for line in fh:
            if json.loads(line).get("html"):
                offsets.append(offset)
            offset += len(line)
    context = multiprocessing.get_context("fork")
    start, seconds = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=_plain_share, args=(inbox, offsets[i::processes], start, seconds))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    times = [seconds.get() for _ in workers]
    for worker in workers:
        worker.join()
    return max(times)


def pipeline_loop(inbox: Path, workdir: Path, batch_size: int) -> tuple[float, float, float]:
    """(seconds, CPU seconds, of which the cleaning worker's) for the flow's own work without Prefect
    or Dask: list the inbox, clean and validate each batch, publish it to a fresh SQLite store. The
    records are cleaned in the pipeline's cleaning worker process (flows/watchdog.py) while this one
    waits for them, so the work runs on one core at a time; the CPU seconds are both processes'."""
    sys.path.insert(0, str(ROOT))
    from flows import inbox as inbox_module
    from flows import watchdog
    from flows.pipeline import RunOptions, process_batch
    from flows.store import Store

    store = workdir / "store-pipeline-loop.db"
    store.unlink(missing_ok=True)
    url = f"sqlite:///{store}"
    start, cpu = time.perf_counter(), time.process_time()
    locators = inbox_module.scan(str(inbox), url)
    for first in range(0, len(locators), batch_size):
        Store(url).publish("pipeline-loop", process_batch(locators[first:first + batch_size], RunOptions(store_url=url)))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    cleaning = 0.0
    if psutil:
        for worker in watchdog._WORKER:  # started by the first batch: all its CPU is the loop's
            times = psutil.Process(worker.process.pid).cpu_times()
            cleaning += times.user + times.system
    for leftover in workdir.glob(f"{store.name}*"):
        leftover.unlink()
    return seconds, cpu + cleaning, cleaning


def listing(inbox: Path) -> dict:
    """Listing the inbox as the flow's first task does: seconds, and this process's peak memory."""
    sys.path.insert(0, str(ROOT))
    from flows import inbox as inbox_module

    start, cpu = time.perf_counter(), time.process_time()
    locators = inbox_module.scan(str(inbox))
    return {"seconds": time.perf_counter() - start, "cpu_s": time.process_time() - cpu, "locators": len(locators),
            "peak_rss_mb": _peak_rss() / 1e6}


def _peak_rss() -> int:
    """This process's peak RSS in bytes. Not getrusage's ru_maxrss: a child started by this script
    inherits the script's own peak (its pages, hundreds of MB) through fork and keeps it past exec."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))


def child(what: str, inbox: Path, workdir: Path | None = None, batch_size: int = 200) -> dict:
    """The plain loop, the pipeline loop or the listing, in this (child) process: its figures."""
    if what == "plain":
        start, cpu = time.perf_counter(), time.process_time()
        seconds = plain_loop(inbox)
        return {"seconds": seconds, "cpu_s": time.process_time() - cpu, "wall_with_start_s": time.perf_counter() - start}
    if what == "pipeline":
        seconds, cpu, cleaning = pipeline_loop(inbox, workdir, batch_size)
        return {"seconds": seconds, "cpu_s": cpu, "cleaning_cpu_s": cleaning}
    return listing(inbox)


def in_child(what: str, inbox: Path, workdir: Path, batch_size: int = 200, core: int | None = None) -> dict:
    """`child` in a fresh process (pinned to one core when given, its cleaning worker with it), so
    that each measurement starts from the same state and the pipeline runs on one core, as the plain
    loop does. CPU seconds, next to wall seconds, are what other work on a shared machine moves least."""
    pin = (lambda: os.sched_setaffinity(0, {core})) if core is not None else None
    done = subprocess.run([PYTHON, __file__, "--child", what, str(inbox), "--workdir", str(workdir),
                           "--batch-size", str(batch_size)], cwd=ROOT, capture_output=True, text=True, preexec_fn=pin)
    if done.returncode:
        raise RuntimeError(f"perf.py --child {what} failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def process_label(p) -> str:
    """What a process of the flow's tree is, from its command line (for the per-process breakdown)."""
    try:
        cmd = " ".join(p.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    if "flows run" in cmd:
        return "flow"
    if "uvicorn" in cmd and "prefect" in cmd:
        return "prefect server (temporary)"
    if "prefect server start" in cmd or "prefect.server" in cmd:
        return "prefect server"
    if "resource_tracker" in cmd:
        return "multiprocessing resource tracker"
    if "forkserver" in cmd:
        return "multiprocessing forkserver"
    if "multiprocessing" in cmd:
        return "worker process (task runner)"
    if "flows.watchdog" in cmd:
        return "cleaning worker"
    return cmd[:60]


def tree_memory(procs, labels: dict, with_pss: bool) -> dict[int, tuple[str, int, int]]:
    """pid -> (label, RSS, PSS or 0) for every process of the trees rooted at `procs`. PSS
    (proportional set size) counts a page shared by n processes as 1/n in each, so the sum of PSS is
    what the tree really holds; the sum of RSS counts shared pages (the interpreter, libraries, pages
    a forked child still shares with its parent) once per process and errs high. Reading PSS costs
    about 13 ms of CPU per 600 MB process (the kernel walks every mapping), RSS almost nothing: the
    caller asks for PSS only now and then, so that measuring does not slow the run it measures."""
    out = {}
    for root in procs:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for p in tree:
            try:
                info = p.memory_full_info() if with_pss else p.memory_info()
                if p.pid not in labels:
                    labels[p.pid] = process_label(p)
                out[p.pid] = (labels[p.pid], info.rss, getattr(info, "pss", info.rss) if with_pss else 0)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                pass  # a child that just ended
    return out


@contextmanager
def running_server(workdir: Path, env: dict):
    """A Prefect server started as a team runs it (`prefect server start`); yields (process, env
    for flows that use it). Stopped with SIGINT, as Prefect expects."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = f"http://127.0.0.1:{port}/api"
    log = open(workdir / "prefect-server.log", "w")
    # SIGINT must reach the server even when this script runs as a background job (which ignores it)
    proc = subprocess.Popen([PYTHON, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=log, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"the Prefect server did not start; see {log.name}")
            time.sleep(0.5)
        yield proc, {**env, "PREFECT_API_URL": api}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def run_flow(inbox: Path, runner: str, workdir: Path, batch_size: int, env: dict, server=None) -> dict:
    """One flow run in a fresh subprocess: wall seconds, peak memory, its summary (or its error).
    `server`: the running Prefect server the flow uses, if any (its memory counts too)."""
    mode = "running" if server else "temporary"
    tag = f"{inbox.stem}-{runner.replace(':', '').replace('/', '')}-{mode}"
    store = workdir / f"store-{tag}.db"
    store.unlink(missing_ok=True)
    cmd = [PYTHON, "-m", "flows", "run", "--inbox", str(inbox), "--store", f"sqlite:///{store}",
           "--task-runner", runner, "--batch-size", str(batch_size), "--json"]
    out, err = workdir / f"{tag}.out", workdir / f"{tag}.err"
    peak = peak_pss = 0
    at_peak: dict = {}  # the per-process breakdown at the sample where the summed RSS peaked
    at_peak_pss: dict = {}  # ... and where the summed PSS peaked
    own_peaks: dict = {}  # pid -> (label, its own peak RSS, its own peak PSS)
    timeline: list = []  # (seconds, summed RSS MB, summed PSS MB)
    start = time.perf_counter()
    # CPU of the flow's process tree: every process it started is reaped before it ends (task-runner
    # workers at shutdown, their cleaning workers at their exit), so it is all in RUSAGE_CHILDREN.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = _cpu(server)
    with open(out, "w") as o, open(err, "w") as e:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=o, stderr=e)
        watched = [psutil.Process(p.pid) for p in (proc, server) if p] if psutil else []
        labels: dict = {}
        next_pss = pss = 0
        while proc.poll() is None:
            if watched:
                with_pss = time.perf_counter() >= next_pss
                if with_pss:
                    next_pss = time.perf_counter() + PSS_EVERY
                sample = tree_memory(watched, labels, with_pss)
                rss = sum(v[1] for v in sample.values())
                if rss > peak:
                    peak, at_peak = rss, sample
                if with_pss:
                    pss = sum(v[2] for v in sample.values())
                    if pss > peak_pss:
                        peak_pss, at_peak_pss = pss, sample
                for pid, (label, r, q) in sample.items():
                    first, r0, q0 = own_peaks.get(pid, (label, 0, 0))
                    own_peaks[pid] = (first if first != "gone" else label, max(r, r0), max(q, q0))
                if time.perf_counter() - start >= 5 * len(timeline):  # every 5 s: is memory flat or growing?
                    timeline.append((round(time.perf_counter() - start), round(rss / 1e6), round(pss / 1e6)))
            time.sleep(RSS_EVERY)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - children.ru_utime + after.ru_stime - children.ru_stime
    if not psutil:
        peak = after.ru_maxrss * 1024
    result = {"runner": runner, "server": mode, "command": " ".join(cmd), "wall_s": wall, "cpu_s": cpu,
              "server_cpu_s": _cpu(server) - server_cpu if server else None, "peak_mb": peak / 1e6,
              "peak_pss_mb": peak_pss / 1e6 if psutil else None, "returncode": proc.returncode, "log": str(err),
              "processes": [{"pid": pid, "process": label, "rss_mb_at_peak": at_peak.get(pid, (0, 0, 0))[1] / 1e6,
                             "pss_mb_at_peak": at_peak_pss.get(pid, (0, 0, 0))[2] / 1e6,
                             "own_peak_rss_mb": r / 1e6, "own_peak_pss_mb": q / 1e6}
                            for pid, (label, r, q) in sorted(own_peaks.items(), key=lambda kv: -kv[1][1])],
              "timeline": timeline}
    stdout = out.read_text()
    try:  # the summary is the last JSON object printed; Prefect may print before it
        result["summary"] = summary = json.loads(stdout[stdout.rfind("\n{") + 1:] if "\n{" in stdout else stdout)
        from schemas.reasons import reason_code

        reasons = Counter(reason_code(reason) or reason.split(":")[0] for _, reason in summary.pop("quarantine"))  # can be huge
        summary["quarantine_reasons"] = dict(reasons.most_common())
    except json.JSONDecodeError:
        result["error"] = (stdout + err.read_text())[-3000:]
    for leftover in workdir.glob(f"{store.name}*"):  # the database and its -wal/-shm files
        leftover.unlink()
    return result


def _cpu(process) -> float:
    """CPU seconds a running process (the Prefect server) has used so far; 0 without psutil."""
    if process is None or not psutil:
        return 0.0
    times = psutil.Process(process.pid).cpu_times()
    return times.user + times.system


def flow_rows(run: dict, articles: int, label: str) -> list[dict]:
    name = f"flow {run['runner']}, {run['server']} server{label}"
    if "summary" not in run:
        return [row(f"{name}: FAILED (exit {run['returncode']}, see report)", None, "", "", False)]
    s = run["summary"]
    counts = f"{s['published']} published, {s['quarantined']} quarantined, {s['unchanged']} unchanged"
    return [row(f"{name} wall ({counts})", run["wall_s"], "s"),
            row(f"{name} throughput", articles / run["wall_s"], "articles/s"),
            row(f"{name} peak memory (process tree RSS)", run["peak_mb"], "MB"),
            *([row(f"{name} peak memory (process tree PSS: shared pages once)", run["peak_pss_mb"], "MB")]
              if run.get("peak_pss_mb") is not None else [])]


def bench_flow(pages, texts, args, workdir: Path, env: dict) -> tuple[list[dict], list[dict]]:
    rows, runs = [], []
    warm = workdir / "inbox-warmup.jsonl"
    write_inbox(warm, pages, texts, 20)
    run = run_flow(warm, DEFAULT_RUNNER, workdir, args.batch_size, env)  # also creates PREFECT_HOME's database
    runs.append(run)
    warm.unlink()
    rows.append(row(f"flow {DEFAULT_RUNNER}, 20 articles: fixed cost (start-up)" + ("" if "summary" in run else " FAILED"),
                    run["wall_s"], "s"))

    if args.articles:
        inbox = workdir / f"inbox-{args.articles}.jsonl"
        kinds = _inbox(inbox, pages, texts, args.articles, args.keep)
        core = min(os.sched_getaffinity(0))  # the plain loop and the pipeline each on this one core
        plain = in_child("plain", inbox, workdir, core=core)
        parallel = plain_loop_parallel(inbox, FLOW_WORKERS)
        rows += [row(f"plain trafilatura loop, one core ({kinds['html']} html; text free)", plain["seconds"], "s"),
                 row("plain loop CPU", plain["cpu_s"], "s"),
                 row("plain loop throughput", args.articles / plain["seconds"], "articles/s"),
                 row(f"plain loop on {FLOW_WORKERS} processes, no orchestration", parallel, "s"),
                 row(f"plain loop on {FLOW_WORKERS} processes / plain loop (this machine's bound)",
                     parallel / plain["seconds"], "x")]
        print("pipeline without Prefect, one core ...", file=sys.stderr)
        alone = in_child("pipeline", inbox, workdir, args.batch_size, core=core)
        ratio, cpu_ratio = alone["seconds"] / plain["seconds"], alone["cpu_s"] / plain["cpu_s"]
        rows += [row("pipeline without Prefect or Dask, one core (list, clean, validate, publish)", alone["seconds"], "s"),
                 row("pipeline without Prefect or Dask, one core / plain loop", ratio, "x", "<= 1.3", ratio <= 1.3),
                 row("the same in CPU seconds (what a shared machine moves least)", cpu_ratio, "x"),
                 row("of which the cleaning worker (clean_html, clean_text) / plain loop CPU",
                     alone["cleaning_cpu_s"] / plain["cpu_s"], "x")]
        listed = in_child("list", inbox, workdir)
        rows += [row(f"listing the inbox ({listed['locators']:,} inputs): seconds before the first batch can start",
                     listed["seconds"], "s"),
                 row("listing the inbox: peak memory of its process", listed["peak_rss_mb"], "MB")]
        for mode in args.servers:
            with running_server(workdir, env) if mode == "running" else _no_server(env) as (server, flow_env):
                for runner in args.runners:
                    # The plain loop again, just before: other work on the machine changes over minutes.
                    print(f"plain loop, then flow: {runner}, {mode} server, on {args.articles} articles ...", file=sys.stderr)
                    before = in_child("plain", inbox, workdir)
                    run = run_flow(inbox, runner, workdir, args.batch_size, flow_env, server)
                    runs.append(run)
                    rows += flow_rows(run, args.articles, "")
                    if "summary" in run:
                        ratio = run["wall_s"] / before["seconds"]
                        default = runner in (DEFAULT_RUNNER, "dask")
                        cpu = run["cpu_s"] + (run["server_cpu_s"] or 0)
                        rows += [row(f"plain loop just before the flow {runner} run", before["seconds"], "s"),
                                 row(f"flow {runner}, {mode} server: CPU of all its processes and the server / plain "
                                     "loop CPU (the wall time on k free cores is at least this / k)",
                                     cpu / before["cpu_s"], "x"),
                                 row(f"flow {runner}, {mode} server / plain loop just before it", ratio, "x",
                                     "<= 0.7" if default else "", ratio <= 0.7 if default else None),
                                 row(f"flow {runner}, {mode} server / first plain loop", run["wall_s"] / plain["seconds"], "x"),
                                 row(f"flow {runner}, {mode} server / plain loop on {FLOW_WORKERS} processes",
                                     run["wall_s"] / parallel, "x")]
                        if runner == DEFAULT_RUNNER and run.get("peak_pss_mb") is not None:
                            rows.append(row(f"flow {runner}, {mode} server, summed PSS peak", run["peak_pss_mb"], "MB",
                                            "<= 1200", run["peak_pss_mb"] <= 1200))
        if not args.keep:
            inbox.unlink()

    if args.huge:
        huge = workdir / f"inbox-{HUGE_ARTICLES}.jsonl"
        _inbox(huge, pages, texts, HUGE_ARTICLES, args.keep)
        listed = in_child("list", huge, workdir)
        rows += [row(f"listing the {HUGE_ARTICLES:,}-article inbox: seconds", listed["seconds"], "s"),
                 row(f"listing the {HUGE_ARTICLES:,}-article inbox: peak memory of its process", listed["peak_rss_mb"],
                     "MB")]
        for runner in args.huge_runners:
            print(f"flow: {runner} on {HUGE_ARTICLES} articles ...", file=sys.stderr)
            run = run_flow(huge, runner, workdir, args.batch_size, env)
            runs.append(run)
            rows += flow_rows(run, HUGE_ARTICLES, f" {runner}, {HUGE_ARTICLES:,} articles")
            if "summary" in run:
                rows.append(row(f"flow {runner} peak memory, {HUGE_ARTICLES:,} articles", run["peak_mb"], "MB",
                                "< 1000", run["peak_mb"] < 1000))
                if run.get("peak_pss_mb") is not None:
                    rows.append(row(f"flow {runner} peak memory (PSS), {HUGE_ARTICLES:,} articles", run["peak_pss_mb"], "MB"))
        if not args.keep:
            huge.unlink()
    return rows, runs


def _inbox(path: Path, pages, texts, articles: int, keep: bool) -> dict:
    """Write the inbox; with --keep, one kept by an earlier run of the same size is used again."""
    counts = path.with_suffix(".kinds.json")
    if keep and path.exists() and counts.exists():
        kinds = json.loads(counts.read_text())
        if sum(kinds.values()) == articles:
            print(f"inbox: {path} kept from an earlier run", file=sys.stderr)
            return kinds
    kinds = write_inbox(path, pages, texts, articles)
    counts.write_text(json.dumps(kinds))
    mb = path.stat().st_size / 1e6
    print(f"inbox: {kinds['html']} html + {kinds['text']} text from {len(pages)} pages, {mb:.0f} MB", file=sys.stderr)
    return kinds


@contextmanager
def _no_server(env: dict):
    yield None, env


# --- report

def print_table(rows: list[dict]) -> None:
    width = max(len(r["figure"]) for r in rows)
    for r in rows:
        value = "-" if r["value"] is None else f"{r['value']:,.2f}"
        print(f"{r['figure']:<{width}}  {value:>10} {r['unit']:<11} {r['target']:<8} {r['result']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path, default=DEFAULT_PATHS, help="gzipped JSONL bench sets")
    ap.add_argument("--limit", type=int, help="pages per set (quick runs; also the pages inboxes are built from)")
    ap.add_argument("--articles", type=int, default=10_000, help="articles in the flow inbox (0: skip those runs)")
    ap.add_argument("--huge", action="store_true", help=f"also a {HUGE_ARTICLES:,}-article run for peak memory (long)")
    ap.add_argument("--huge-runners", default=DEFAULT_RUNNER,
                    help=f"task runners for the --huge run ({DEFAULT_RUNNER}, the default runner; threads; dask)")
    ap.add_argument("--parts", default="pages,text,flow", help="which parts to run")
    ap.add_argument("--runners", default=DEFAULT_RUNNER,
                    help=f"task runners for the flow ({DEFAULT_RUNNER}, the default; processes:N, threads, dask, tcp://...)")
    ap.add_argument("--servers", default="temporary,running",
                    help="Prefect server modes: temporary (started by the run) and/or running (started first)")
    ap.add_argument("--extra-rules", type=int, default=500,
                    help="text part: also time clean_text with this many generated rules more (0: skip)")
    ap.add_argument("--batch-size", type=int, default=200)
    ap.add_argument("--workdir", type=Path, help="where inboxes, stores and logs go (default: a new dir in /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the generated inboxes")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--child", nargs=2, metavar=("WHAT", "INBOX"), help=argparse.SUPPRESS)  # see in_child
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), args.workdir, args.batch_size)))
        return 0
    args.runners = [r for r in args.runners.split(",") if r]
    args.servers = [m for m in args.servers.split(",") if m]
    args.huge_runners = [r for r in args.huge_runners.split(",") if r]
    if set(args.servers) - {"temporary", "running"}:
        ap.error("--servers takes temporary and/or running")
    parts = set(args.parts.split(","))

    began = time.perf_counter()
    pages = load_pages(args.paths, args.limit)
    print(f"{len(pages)} pages; extracting their text ...", file=sys.stderr)
    texts = [extract_text(p) for p in pages] if parts & {"text", "flow"} else []
    rows, runs = [], []
    if "pages" in parts:
        print("pages: clean_html vs trafilatura ...", file=sys.stderr)
        rows += bench_pages(pages)
    if "text" in parts:
        print("text: clean_text throughput ...", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="cleaners-perf-text-") as scratch:  # the generated rules
            rows += bench_text(pages, texts, args.extra_rules, args.workdir or Path(scratch))
    workdir = None
    if "flow" in parts:
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cleaners-perf-"))
        workdir = workdir.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
               "PREFECT_HOME": str(workdir / "prefect-home")}
        flow_part, runs = bench_flow(pages, texts, args, workdir, env)
        rows += flow_part

    print_table(rows)
    for run in runs:
        print(f"\n$ {run['command']}" + (f"\n  error (exit {run['returncode']}):\n{run['error']}" if "error" in run else ""))
        for p in run.get("processes", []):  # who held the memory when the sums peaked
            if p["own_peak_rss_mb"] >= 5:
                print(f"  {p['process']:<34} RSS at peak {p['rss_mb_at_peak']:7,.0f} MB   PSS at peak {p['pss_mb_at_peak']:7,.0f} MB"
                      f"   (own peaks: RSS {p['own_peak_rss_mb']:,.0f}, PSS {p['own_peak_pss_mb']:,.0f})")
    if workdir:
        print(f"\nwork dir (logs): {workdir}")
    print(f"total {time.perf_counter() - began:.0f} s")
    if args.json:
        report = {"rows": rows, "runs": runs, "pages": len(pages), "limit": args.limit, "articles": args.articles,
                  "batch_size": args.batch_size, "trafilatura": trafilatura.__version__, "cpus": os.cpu_count(),
                  "total_s": time.perf_counter() - began}
        args.json.write_text(json.dumps(report, indent=2, default=str))
    failed = any(r["result"] == "FAIL" for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
