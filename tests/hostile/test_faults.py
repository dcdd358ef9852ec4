"""Faults of the store: it goes away mid-run, the process is killed mid-publish, two runs race.
After each: nothing half-published, every input published (or quarantined) exactly once, the
ledger complete, versions sane."""
from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows import inbox
from flows.options import RunOptions
from flows.pipeline import process_batch
from flows.store import Store, StoreUnavailable, articles, forget_engine, ledger, publishing, quarantine, removals, runs

from .conftest import run_worker, worker_result

GOOD, BAD, BATCH = 24, 3, 4


@pytest.fixture(scope="module")
def fault_inbox(tmp_path_factory):
    """24 articles that publish, 3 inputs that are quarantined, one exact repeat: 27 inputs, 7 batches."""
    folder = tmp_path_factory.mktemp("fault-inbox")
    lines = []
    for i in range(GOOD):
        text = (f"Meldung Nummer {i}\n\nDie Stadt hat am Montag beschlossen, die Brücke Nummer {i} über den Fluss bis "
                f"zum Sommer zu sanieren und dafür Geld bereitzustellen. Der Bürgermeister sagte, die Arbeiten an "
                f"Brücke {i} würden etwa vier Monate dauern.\n\nLesen Sie auch: Warum Brücken marode sind")
        lines.append(json.dumps({"id": f"article-{i:02d}", "source": "example.de", "text": text}))
    lines.append(json.dumps({"id": "bad-type", "text": 7}))
    lines.append('{"id": "bad-json", "text": "kaputt')
    lines.append(json.dumps({"id": "too-short", "text": "Kurz."}))
    lines.append(lines[0])  # an exact repeat: read once
    (folder / "inbox.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(folder / "inbox.jsonl")


def expected_ids() -> tuple[set[str], set[str]]:
    return {f"article-{i:02d}" for i in range(GOOD)}, {"bad-type", "inbox.jsonl:26", "too-short"}


def assert_consistent(url: str, run_ids: list[str]) -> dict:
    """Every input published or quarantined exactly once over the given runs; nothing half there."""
    store = Store(url)
    published, quarantined = expected_ids()
    rows = store.rows(articles)
    assert sorted(r["id"] for r in rows) == sorted(published), "lost or duplicated articles"
    assert {r["version"] for r in rows} == {1}, "an article was published twice"
    assert Counter(q["article_id"] for q in store.rows(quarantine)) == Counter(quarantined)
    entries = [e for e in store.rows(ledger) if e["run_id"] in run_ids]
    outcomes: dict[str, list[str]] = {}
    for entry in entries:
        outcomes.setdefault(entry["article_id"], []).append(entry["outcome"])
    assert set(outcomes) == published | quarantined, "the ledger misses inputs"
    for article_id, seen in outcomes.items():
        done = [o for o in seen if o in ("published", "quarantined")]
        assert len(done) == 1, f"{article_id}: {seen}"  # published or quarantined once, otherwise unchanged
    by_article = Counter(r["article_id"] for r in store.rows(removals))
    assert set(by_article) == published and set(by_article.values()) == {1}, "removal log half written"
    return outcomes


def batches(url: str, inbox_path: str):
    locators = inbox.scan(inbox_path, url)
    assert len(locators) == GOOD + BAD
    return [locators[i:i + BATCH] for i in range(0, len(locators), BATCH)]


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(publishing, "PUBLISH_RETRY_DELAYS", (0.05, 0.1))


# --- (a) the store goes away mid-run -------------------------------------------------------------

@pytest.mark.postgres
def test_connection_killed_mid_publish_is_retried(postgres_database, pg_admin, fault_inbox, fast_retries):
    url = postgres_database
    with Store(url).engine.begin() as conn:
        for table in (articles, removals, quarantine, ledger, runs):
            conn.execute(table.delete())
    store = Store(url)
    kills = []

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def kill(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO LEDGER") and len(kills) < 2:
            pid = cursor.connection.info.backend_pid
            with pg_admin.connect() as admin:  # the server drops this connection mid-transaction
                admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            kills.append(pid)

    try:
        for locs in batches(url, fault_inbox):
            store.publish("run-killed", process_batch(locs, RunOptions(store_url=url)))
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", kill)
    assert len(kills) == 2  # two publishes lost their connection in the middle, and were retried
    assert_consistent(url, ["run-killed"])


@pytest.mark.postgres
def test_store_down_fails_cleanly_and_the_next_run_completes(postgres_database, proxy, fault_inbox, fast_retries):
    direct = postgres_database
    with Store(direct).engine.begin() as conn:
        for table in (articles, removals, quarantine, ledger, runs):
            conn.execute(table.delete())
    via_proxy = sa.engine.make_url(direct).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    store = Store(via_proxy)
    work = batches(via_proxy, fault_inbox)
    state = {"batch": 0}

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def go_away(conn, cursor, statement, parameters, context, executemany):
        if state["batch"] == 2 and statement.lstrip().upper().startswith("INSERT INTO LEDGER"):
            proxy.stop()  # the server is gone: this transaction is cut, new connections refused

    with pytest.raises(StoreUnavailable, match="nothing of this batch was written"):
        for index, locs in enumerate(work):
            state["batch"] = index
            store.publish("run-1", process_batch(locs, RunOptions(store_url=via_proxy)))
    # Nothing of the failed batch is there: batches 0 and 1 are complete, batch 2 is absent.
    done_ids = {loc.id for locs in work[:2] for loc in locs}
    lost_ids = {loc.id for loc in work[2]}
    in_store = {e["article_id"] for e in Store(direct).rows(ledger)}
    assert in_store == done_ids and not in_store & lost_ids
    assert {a["id"] for a in Store(direct).rows(articles)} <= done_ids

    proxy.start()  # the store is back: the next run does the rest, and only the rest
    forget_engine(via_proxy)
    for locs in batches(via_proxy, fault_inbox):
        Store(via_proxy).publish("run-2", process_batch(locs, RunOptions(store_url=via_proxy)))
    outcomes = assert_consistent(direct, ["run-1", "run-2"])
    assert all(outcomes[i][-1] == "unchanged" for i in done_ids)
    forget_engine(via_proxy)


@pytest.mark.postgres
def test_database_dropped_mid_run(scratch_database, pg_admin, fault_inbox, fast_retries):
    name, url = scratch_database
    store = Store(url)
    work = batches(url, fault_inbox)
    store.publish("run-1", process_batch(work[0], RunOptions(store_url=url)))
    batch = process_batch(work[1], RunOptions(store_url=url))
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    with pytest.raises(StoreUnavailable):
        store.publish("run-1", batch)
    with pg_admin.connect() as conn:  # a new, empty database under the same name
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    for locs in batches(url, fault_inbox):  # the next run creates the tables and does everything
        Store(url).publish("run-2", process_batch(locs, RunOptions(store_url=url)))
    assert_consistent(url, ["run-2"])


# --- (b) SIGKILL in the middle of publishing -----------------------------------------------------

@pytest.mark.slow
def test_killed_mid_publish_then_rerun(store_url, fault_inbox, tmp_path):
    ready = tmp_path / "ready"
    worker = run_worker(fault_inbox, store_url, "run-killed", BATCH, "--hang-in-batch", 3, "--ready", ready)
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert worker.poll() is None, worker.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the worker never reached batch 3"
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)  # inside the publish transaction of batch 3
    worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    work = batches(store_url, fault_inbox)
    first_three = {loc.id for locs in work[:3] for loc in locs}
    killed = {loc.id for loc in work[3]}
    forget_engine(store_url)  # this process's own engine: nothing cached from before the kill
    in_store = {e["article_id"] for e in Store(store_url).rows(ledger)}
    assert in_store == first_three and not in_store & killed, "half a batch in the store"
    assert {a["id"] for a in Store(store_url).rows(articles)} <= first_three
    # The rerun (a new run, in this process) completes the work: every input exactly once.
    for locs in work:
        Store(store_url).publish("run-rerun", process_batch(locs, RunOptions(store_url=store_url)))
    outcomes = assert_consistent(store_url, ["run-killed", "run-rerun"])
    assert all(outcomes[i] == ["unchanged"] or outcomes[i][-1] == "unchanged" for i in first_three)


# --- (c) two runs over the same inbox at the same time -------------------------------------------

@pytest.mark.slow
def test_two_runs_at_the_same_time(store_url, fault_inbox, tmp_path):
    if store_url.startswith("sqlite"):
        Path(store_url.removeprefix("sqlite:///")).unlink(missing_ok=True)  # both start on a new store
    barrier = tmp_path / "go"
    workers = [run_worker(fault_inbox, store_url, f"run-{n}", BATCH, "--barrier", barrier, "--ready", tmp_path / f"ready-{n}")
               for n in "ab"]
    deadline = time.monotonic() + 180
    while not all((tmp_path / f"ready-{n}").exists() for n in "ab"):
        for worker in workers:
            assert worker.poll() is None, worker.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the workers never finished cleaning"
        time.sleep(0.05)
    barrier.write_text("go")  # both publish everything now
    results = [worker_result(worker) for worker in workers]
    forget_engine(store_url)
    outcomes = assert_consistent(store_url, ["run-a", "run-b"])
    published, quarantined = expected_ids()
    for article_id in published:  # each run has a ledger row: one published it, the other found it done
        assert sorted(outcomes[article_id]) == ["published", "unchanged"], (article_id, outcomes[article_id])
    assert sum(r["published"] for r in results) == len(published)
    assert sum(r["unchanged"] for r in results) >= len(published)
