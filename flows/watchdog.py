"""Cleaning that can be stopped: the records of a batch are cleaned in a worker process, which is
killed when it stops making progress.

The library's time budget is cooperative (cleaners/guards.py): it cannot interrupt a regex that
backtracks for hours or a long lxml call, and such a call holds the GIL, so nothing else in the
process runs, not even Prefect's answer to SIGTERM. So the batch's thread hands the cleaning calls
to a worker process and watches it:

- records are sent one at a time, so the record the worker is on when it stops is known and nothing
  finished is cleaned twice;
- when a record is not finished within the batch limit, or the worker died (a crash, the OOM
  killer), the worker is killed and reaped, and the record is retried alone in a new worker with
  the record limit (`worker_limits`). If that fails too, the record's outcome
  is CleaningError `time_limit` or `worker_died`: the pipeline quarantines it, so later runs meet it
  as unchanged. The rest of the batch goes on in a new worker.
- A worker costs about a second to start (lxml and trafilatura are imported) and holds the
  cleaner's caches and working memory (the process that starts it no longer does): each process has
  one, which its batches take turns on, replaced only when it is killed. While one batch is cleaned
  there, the process's other threads read and validate theirs.

Workers are started with subprocess, not multiprocessing: Dask's worker processes are daemonic, and
multiprocessing gives a daemonic process no children. On Linux the kernel kills a worker when the
process that started it dies (PR_SET_PDEATHSIG), so no worker stuck in a regex outlives a killed run.
"""
from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NamedTuple

from cleaners import CleaningError, CleanResult, clean_html, clean_text, load_rules
from cleaners import settings as library_settings

from .memory import give_back_free_memory

ROOT = str(Path(__file__).resolve().parent.parent)
# Seconds for a new worker to import lxml and trafilatura, or to load the rules: 1-3 s, far more on a
# machine under load. Not a record's time: going over it fails the batch (and the task retries it).
START_SECONDS = 120.0
_FIELDS = ("html", "text", "url", "source", "language")  # what cleaning reads of a record
# A record retried alone gets its time budget plus this much: the budget is only checked between
# stages, so a healthy record may overrun it by one uninterruptible call.
RECORD_MARGIN = 5.0


class WorkerLimits(NamedTuple):
    batch: float | None  # seconds for a record cleaned with its batch; None: no limit
    record: float | None  # seconds for a record retried alone (at most the batch limit)


def worker_limits(stall_seconds: float | None) -> WorkerLimits:
    """The limits of the cleaning worker: `stall_seconds` (CLEANERS_STALL_SECONDS) for a record in its
    batch, by default max(60 s, 3 x the library's time budget); 0 switches them off."""
    budget = library_settings.current().time_budget
    stall = max(60.0, 3 * budget) if stall_seconds is None else stall_seconds
    if stall <= 0:
        return WorkerLimits(None, None)
    return WorkerLimits(stall, min(stall, budget + RECORD_MARGIN) if budget > 0 else stall)


class Stopped(Exception):
    """The worker went over its limit (code `time_limit`) or died (`worker_died`)."""

    def __init__(self, code: str, what: str):
        super().__init__(what)
        self.code, self.what = code, what


def clean_records(records: list[dict], rules_dir: str | None, rules_version: str, bounds: WorkerLimits,
                  stopped: list[str]) -> list:
    """Each record's CleanResult, or the CleaningError it raised, in order. `stopped` gets a line for
    each record a worker was stopped on, and what became of it."""
    outcomes: list = []
    with _LOCK:  # one batch at a time on the process's worker (the limits count per record, from its sending)
        while len(outcomes) < len(records):
            finished, stop = _clean_in_worker(records[len(outcomes):], rules_dir, rules_version, bounds.batch)
            outcomes += finished
            if stop:
                outcomes.append(_alone(records[len(outcomes)], stop, rules_dir, rules_version, bounds.record, stopped))
    return outcomes


def _alone(record: dict, in_batch: Stopped, rules_dir, rules_version: str, limit, stopped: list[str]):
    finished, stop = _clean_in_worker([record], rules_dir, rules_version, limit)
    if finished:
        stopped.append(f"{record['id']}: in its batch, cleaning {in_batch.what}; retried alone in a new worker, it finished")
        return finished[0]
    reason = f"cleaning {stop.what} (alone, in a new worker; in its batch it {in_batch.what})"
    if stop.code == "time_limit":
        from .settings import env_name  # here: the worker process, which imports this module, needs no pydantic

        reason += f"; the worker process was killed ({env_name('stall_seconds')})"
    stopped.append(f"{record['id']}: quarantined: {reason}")
    return CleaningError(stop.code, reason)


def _clean_in_worker(records: list[dict], rules_dir, rules_version: str, limit) -> tuple[list, Stopped | None]:
    """The outcomes the worker gave before it finished or was stopped, and why it was stopped.
    Records go one at a time: the worker holds one, not the batch, and the limit is per record."""
    worker = _worker()
    finished: list = []
    try:
        worker.send(("rules", _settings(), rules_dir))
        _check_rules(worker, rules_version)
        for record in records:
            worker.send(("clean", {key: record[key] for key in _FIELDS}))
            finished.append(_outcome(worker.receive(limit)))
    except Stopped as stop:
        _discard(worker)
        return finished, stop
    except BaseException:
        _discard(worker)  # an answer may be half read: it cannot be trusted with another record
        raise
    return finished, None


def _check_rules(worker: "Worker", rules_version: str) -> None:
    try:
        kind, value = worker.receive(START_SECONDS)
    except Stopped as stop:
        raise RuntimeError(f"loading the rules in the cleaning worker {stop.what}") from None
    if kind == "failed":
        raise RuntimeError(f"the cleaning worker could not load the rules: {value}")
    if value != rules_version:  # a rule file was edited since the batch loaded them: run it again
        raise RuntimeError(f"the rule files changed while the batch was cleaned (version {rules_version} -> {value})")


def _outcome(message):
    _, value = message
    return CleaningError(*value) if isinstance(value, tuple) else value


def _settings() -> dict[str, str]:
    """The CLEANERS_* settings of this process now: the worker cleans with them (tests and runs change them)."""
    return {name: value for name, value in os.environ.items() if name.startswith("CLEANERS_")}


# --- the parent's side: the process's worker ------------------------------------------------------

_LOCK = threading.Lock()  # held by the batch whose records the worker is cleaning
_WORKER: list["Worker"] = []  # the process's worker, once started
_STARTER: list[ThreadPoolExecutor] = []


def _worker() -> "Worker":
    """The process's worker (under _LOCK), started when there is none or it died while idle."""
    if _WORKER and not _WORKER[0].alive():  # killed from outside between batches: no record's doing
        _discard(_WORKER[0])
    if not _WORKER:
        _WORKER.append(Worker())
    return _WORKER[0]


def _discard(worker: "Worker") -> None:
    worker.stop()
    _WORKER.remove(worker)


def _starter() -> ThreadPoolExecutor:
    """The thread that starts workers. PR_SET_PDEATHSIG fires when the *thread* that started a worker
    ends, and the task runners' threads end with each run: this one lasts as long as the process."""
    if not _STARTER:
        _STARTER.append(ThreadPoolExecutor(1, thread_name_prefix="cleaning-worker-starter"))
    return _STARTER[0]


def _forget() -> None:
    """In a forked child: the worker, the lock and the starter thread are the parent's."""
    global _LOCK
    _LOCK = threading.Lock()
    _WORKER.clear()
    _STARTER.clear()


os.register_at_fork(after_in_child=_forget)


@atexit.register
def _stop_worker() -> None:
    for worker in _WORKER[:]:
        _discard(worker)


class Worker:
    """A worker process and this process's end of the socket to it."""

    def __init__(self):
        ours, theirs = socket.socketpair()
        code = f"import sys; sys.path.insert(0, {ROOT!r}); from flows.watchdog import serve; serve()"
        argv = [sys.executable, "-c", code, str(theirs.fileno()), str(os.getpid())]
        with theirs:
            self.process = _starter().submit(subprocess.Popen, argv, pass_fds=(theirs.fileno(),),
                                             stdin=subprocess.DEVNULL).result()
        self.connection = Connection(ours.detach())
        try:
            self.receive(START_SECONDS)
        except Stopped as stop:
            self.stop()
            raise RuntimeError(f"starting the cleaning worker {stop.what}") from None

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, message) -> None:
        try:
            self.connection.send(message)
        except OSError:
            raise Stopped("worker_died", f"killed the worker process: {self._ending()}") from None

    def receive(self, timeout: float | None):
        try:
            if self.connection.poll(timeout):  # true at end of file too: recv then says so
                return self.connection.recv()
        except (EOFError, OSError):
            raise Stopped("worker_died", f"killed the worker process: {self._ending()}") from None
        raise Stopped("time_limit", f"did not finish in {timeout:g} s")

    def stop(self) -> None:
        """Kill (SIGKILL: nothing can ignore it) and reap it: no zombie is left."""
        self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # stuck in the kernel: subprocess reaps it at a later Popen
            pass
        self.connection.close()

    def _ending(self) -> str:
        try:
            status = self.process.wait(timeout=5)  # its end of the socket is closed: it is exiting
        except subprocess.TimeoutExpired:
            return "its connection closed, yet it did not exit"
        return f"signal {-status} ({signal.strsignal(-status)})" if status < 0 else f"exit status {status}"


# --- the worker's side ----------------------------------------------------------------------------

def serve() -> None:
    """The worker process: for each batch, take its settings and load its rules; then clean each
    record sent and answer it, until the parent closes the socket."""
    channel, parent = int(sys.argv[1]), int(sys.argv[2])
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops its worker
    import cleaners.html.page  # noqa: F401  lxml and trafilatura: imported before the first batch's clock starts

    connection = Connection(channel)
    connection.send(("ready", os.getpid()))
    rules = None
    while True:
        try:
            kind, *message = connection.recv()
        except EOFError:
            return
        if kind == "clean":
            connection.send(("done", _sent(_clean_one(message[0], rules))))
            continue
        settings, rules_dir = message  # a new batch: the last one's pages are gone, their heap goes back
        give_back_free_memory()
        _apply(settings)
        try:
            rules = load_rules(rules_dir)
        except Exception as exc:
            connection.send(("failed", f"{type(exc).__name__}: {exc}"))
            continue
        connection.send(("rules", rules.version))


def _die_with(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before that: the kernel would not tell
        os._exit(1)


def _apply(settings: dict[str, str]) -> None:
    for name in [name for name in os.environ if name.startswith("CLEANERS_")]:
        if name not in settings:
            del os.environ[name]
    os.environ.update(settings)


def _clean_one(record: dict, rules):
    try:
        return clean_record(record, rules)
    except CleaningError as exc:
        return (exc.code, str(exc))  # sent as data: CleaningError's own pickling loses the code
    except Exception as exc:  # a bug must not stop the batch: the pipeline quarantines the input with it
        return ("internal_error", f"{type(exc).__name__}: {exc}")


def _sent(outcome):
    """A clean result as the pipeline takes it: without the judged blocks (kept for reports drawn from
    a result; the pipeline reads the text, the removals and kept_positions), which were 40 % of what
    was pickled, sent and unpickled per article, and of what a batch's results held in memory."""
    if isinstance(outcome, CleanResult) and outcome.blocks:
        outcome.blocks = []
    return outcome


def clean_record(record: dict, rules):
    """Clean one record (the library checks its size and structure limits before any parsing)."""
    options = dict(url=record["url"], source=record["source"], language=record["language"], rules=rules)
    if record["html"] and record["html"].strip():
        return clean_html(record["html"], **options)
    return clean_text(record["text"] or "", **options)
