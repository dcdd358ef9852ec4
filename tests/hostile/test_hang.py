"""A record whose cleaning never ends, or kills the process cleaning it, costs a bounded time: the
batch's worker process is killed, the record is retried alone and quarantined with the reason, the
rest of the batch is published, the next run meets the record as unchanged, and no worker process is
left behind (flows/watchdog.py)."""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from flows import inbox, watchdog
from flows.options import RunOptions
from flows.pipeline import process_batch
from flows.settings import FlowSettings
from flows.store import Store, articles, quarantine
from flows.watchdog import WorkerLimits, worker_limits
from schemas.reasons import reason_code

from .conftest import ROOT

GOOD = 4
# A block the user rule below backtracks on for hours, once the library's own limits are off.
HANG = "a" * 80 + "!"
RULE = """\
[[rules]]
id = "promo.user-rule"
category = "promo"
kind = "block"
pattern = '''^(a|aa)+$'''
why = "A user's rule."
examples.remove = ["x"]
examples.keep = ["y"]
"""


def article(i: int) -> str:
    return (f"Meldung Nummer {i}\n\nDie Stadt hat am Montag beschlossen, die Brücke Nummer {i} über den Fluss bis "
            f"zum Sommer zu sanieren und dafür Geld bereitzustellen. Der Bürgermeister sagte, die Arbeiten an "
            f"Brücke {i} würden etwa vier Monate dauern.")


@pytest.fixture
def hanging_inbox(tmp_path, monkeypatch):
    """(inbox path, RunOptions): GOOD articles and, third, one whose cleaning hangs; every limit of the
    library that would stop that hang is switched off, so only the worker's limits are left."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text(RULE, encoding="utf-8")
    records = [{"id": f"good-{i}", "source": "example.de", "text": article(i)} for i in range(GOOD)]
    records.insert(2, {"id": "hang", "source": "example.de", "text": article(99) + "\n\n" + HANG})
    path = tmp_path / "inbox.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    monkeypatch.setenv("CLEANERS_MATCH_SECONDS", "0")
    monkeypatch.setenv("CLEANERS_TIME_BUDGET_SECONDS", "0")
    return str(path), RunOptions(store_url=f"sqlite:///{tmp_path / 'articles.db'}", rules_dir=str(rules))


def state(pid: int) -> str | None:
    """The process's state letter (R, S, Z...), None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def zombies() -> set[int]:
    return {pid for pid in children(os.getpid()) if state(pid) == "Z"}


def workers(parent: int) -> list[int]:
    found = []
    for pid in children(parent):
        try:
            if b"flows.watchdog" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


def test_the_worker_limits_follow_the_time_budget(monkeypatch):
    def limits() -> WorkerLimits:
        return worker_limits(FlowSettings.read().stall_seconds)

    monkeypatch.delenv("CLEANERS_STALL_SECONDS", raising=False)
    monkeypatch.delenv("CLEANERS_TIME_BUDGET_SECONDS", raising=False)
    assert limits() == WorkerLimits(60, 25)  # a hung record costs at most about 85 s
    monkeypatch.setenv("CLEANERS_TIME_BUDGET_SECONDS", "40")
    assert limits() == WorkerLimits(120, 45)
    monkeypatch.setenv("CLEANERS_TIME_BUDGET_SECONDS", "0")  # no budget: alone, as long as in the batch
    assert limits() == WorkerLimits(60, 60)
    monkeypatch.setenv("CLEANERS_STALL_SECONDS", "10")
    assert limits() == WorkerLimits(10, 10)
    monkeypatch.setenv("CLEANERS_STALL_SECONDS", "0")
    assert limits() == WorkerLimits(None, None)
    monkeypatch.setenv("CLEANERS_STALL_SECONDS", "a minute")
    with pytest.raises(ValueError, match="CLEANERS_STALL_SECONDS='a minute'"):
        limits()


@pytest.mark.slow
def test_a_hanging_record_is_stopped_and_quarantined(hanging_inbox, monkeypatch):
    path, options = hanging_inbox
    monkeypatch.setenv("CLEANERS_STALL_SECONDS", "3")
    unreaped = zombies()
    start = time.monotonic()
    batch = process_batch(inbox.scan(path), options)
    took = time.monotonic() - start
    assert sorted(row["id"] for row in batch["published"]) == [f"good-{i}" for i in range(GOOD)]
    [entry] = batch["quarantined"]
    assert entry["article_id"] == "hang"
    assert entry["reason"].startswith("cleaning did not finish in 3 s") and reason_code(entry["reason"]) == "time_limit"
    assert batch["stopped"] == [f"hang: quarantined: {entry['reason'].removesuffix(' [time_limit]')}"]
    # 3 s in the batch, 3 s alone, and up to three worker starts (about a second each).
    assert 6 <= took < 45, took
    assert zombies() <= unreaped, "a killed worker was not reaped"

    store = Store(options.store_url.get_secret_value())
    store.publish("run-1", batch)
    start = time.monotonic()
    again = process_batch(inbox.scan(path), options)
    assert again["unchanged"] == GOOD + 1 and not again["published"] and not again["quarantined"]
    assert time.monotonic() - start < 3, "the next run cleaned the hanging record again"
    assert store.count(articles) == GOOD and store.rows(quarantine)[0]["article_id"] == "hang"


def test_a_record_that_kills_its_worker_is_quarantined(hanging_inbox, monkeypatch):
    """The worker cleaning the hanging record is killed from outside (as the OOM killer would),
    in its batch and again alone; the time limit is far away."""
    path, options = hanging_inbox
    monkeypatch.setenv("CLEANERS_STALL_SECONDS", "30")
    killed = []
    send = watchdog.Worker.send

    def send_then_kill(worker, message):
        send(worker, message)
        if message[0] == "clean" and HANG in (message[1]["text"] or ""):
            killed.append(worker.process.pid)
            threading.Timer(1, worker.process.kill).start()

    monkeypatch.setattr(watchdog.Worker, "send", send_then_kill)
    start = time.monotonic()
    batch = process_batch(inbox.scan(path), options)
    assert time.monotonic() - start < 30
    assert sorted(row["id"] for row in batch["published"]) == [f"good-{i}" for i in range(GOOD)]
    [entry] = batch["quarantined"]
    assert entry["article_id"] == "hang"
    assert entry["reason"].startswith("cleaning killed the worker process: signal 9"), entry["reason"]
    assert reason_code(entry["reason"]) == "worker_died"
    assert len(killed) == 2 and all(state(pid) is None for pid in killed), "a killed worker was not reaped"


@pytest.mark.slow
def test_a_killed_run_leaves_no_worker_behind(hanging_inbox):
    """The run's process is killed (SIGKILL, as a cancelled or OOM-killed flow run) while its worker
    hangs: the worker dies with it instead of backtracking on, an orphan, for hours."""
    path, options = hanging_inbox
    code = ("from flows import inbox\nfrom flows.options import RunOptions\nfrom flows.pipeline import process_batch\n"
            f"process_batch(inbox.scan({path!r}), RunOptions(store_url={options.store_url.get_secret_value()!r}, "
            f"rules_dir={options.rules_dir!r}))\n")
    run = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "CLEANERS_STALL_SECONDS": "600"})
    try:
        deadline = time.monotonic() + 60
        while not (started := workers(run.pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert started, "the run started no worker"
        time.sleep(4)  # the worker is on the hanging record now (or still starting: it must die all the same)
        assert state(started[0]) not in (None, "Z")
    finally:
        run.kill()
        run.wait()
    deadline = time.monotonic() + 30
    while state(started[0]) not in (None, "Z") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert state(started[0]) in (None, "Z"), "the worker outlived its run"  # Z: dead, its new parent not reaping


def test_a_worker_killed_between_batches_costs_no_record_anything(tmp_path):
    """The process's worker is killed while idle (by an operator, the OOM killer): the next batch
    starts a new one, and none of its records is blamed."""
    options = RunOptions(store_url=f"sqlite:///{tmp_path / 'articles.db'}")
    path = tmp_path / "good.jsonl"
    path.write_text(json.dumps({"id": "good", "source": "example.de", "text": article(1)}) + "\n", encoding="utf-8")
    assert len(process_batch(inbox.scan(str(path)), options)["published"]) == 1
    [worker] = workers(os.getpid())
    os.kill(worker, signal.SIGKILL)
    while state(worker) not in (None, "Z"):
        time.sleep(0.05)
    batch = process_batch(inbox.scan(str(path)), options)
    assert len(batch["published"]) == 1 and not batch["stopped"]
    assert workers(os.getpid()) and worker not in workers(os.getpid()) and state(worker) is None


@pytest.mark.slow
def test_a_hanging_record_on_a_dask_worker(hanging_inbox):
    """Dask's worker processes are daemonic (multiprocessing gives them no children): the cleaning
    worker is started all the same, and the hanging record stopped there too."""
    from distributed import Client, LocalCluster

    path, options = hanging_inbox
    env = {name: value for name, value in os.environ.items() if name.startswith("CLEANERS_")}
    env["CLEANERS_STALL_SECONDS"] = "3"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None, env=env) as cluster, \
            Client(cluster) as client:
        assert list(client.run(lambda: multiprocessing.current_process().daemon).values()) == [True]
        batch = client.submit(process_batch, inbox.scan(path), options).result(timeout=120)
    assert len(batch["published"]) == GOOD
    assert [entry["article_id"] for entry in batch["quarantined"]] == ["hang"]
    assert reason_code(batch["quarantined"][0]["reason"]) == "time_limit"
