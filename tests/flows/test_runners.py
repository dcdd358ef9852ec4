"""The task runners: worker processes by default (one per core, or `processes:N`), threads, Dask. The
default runner's workers report to the run's own Prefect server, also the temporary one a run
without a configured server starts."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from flows.clean_articles import clean_articles
from flows.options import DEFAULT_INBOX, RunOptions
from flows.store import Store, articles
from flows.task_runners import make_task_runner

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.usefixtures("prefect_server")  # the runner asks the run's server for its address
def test_the_default_runner_is_one_worker_process_per_core(monkeypatch):
    monkeypatch.delenv("PREFECT_TASKS_RUNNER_PROCESS_POOL_MAX_WORKERS", raising=False)
    assert RunOptions().task_runner == "processes"
    assert make_task_runner("processes") == ProcessPoolTaskRunner(max_workers=os.cpu_count())
    assert make_task_runner("processes:3") == ProcessPoolTaskRunner(max_workers=3)
    assert isinstance(make_task_runner("threads"), ThreadPoolTaskRunner)


@pytest.mark.parametrize("name", ["processes:0", "processes:two", "processes:", "process", "fork"])
def test_a_runner_that_does_not_exist_is_refused(name):
    with pytest.raises(ValueError, match="task runner"):
        make_task_runner(name)


@pytest.mark.usefixtures("prefect_server")
def test_worker_processes_publish_what_threads_publish(tmp_path):
    on_processes = f"sqlite:///{tmp_path / 'processes.db'}"
    on_threads = f"sqlite:///{tmp_path / 'threads.db'}"
    summary = clean_articles(inbox=DEFAULT_INBOX, store_url=on_processes, task_runner="processes:2", batch_size=4)
    clean_articles(inbox=DEFAULT_INBOX, store_url=on_threads, task_runner="threads", batch_size=4)
    assert (summary.published, summary.quarantined) == (10, 8)

    def published(url):
        return {(row["id"], row["content_hash"], row["title"]) for row in Store(url).rows(articles)}

    assert published(on_processes) == published(on_threads)


def test_worker_processes_report_to_the_runs_own_temporary_server(tmp_path):
    """`make run` with no Prefect server configured: the run starts one temporary server and its
    worker processes report their task runs to it (left to themselves, each would start its own)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_API")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    store = f"sqlite:///{tmp_path / 'articles.db'}"
    done = subprocess.run([sys.executable, "-m", "flows", "run", "--batch-size", "5", "--store", store, "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("Starting temporary server") == 1, done.stderr[-3000:]
    finished = [line for line in done.stderr.splitlines() if "Task run 'clean_batch" in line and "Completed" in line]
    assert len(finished) == 4  # 18 inputs in batches of 5, each reported back to the run's server
    assert len(Store(store).rows(articles)) == 10


_POOL_OWNER = """
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
sys.path.insert(0, {root!r})
from flows.task_runners import worker_setup
if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=worker_setup,
                               initargs=("http://127.0.0.1:1/api", os.getpid()))
    print(pool.submit(os.getpid).result(), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_a_worker_process_ends_when_the_flows_process_is_killed():
    """kill -9 of the flow's process (the OOM killer, a crashed agent) left its workers waiting for
    work for ever, each with its cleaning process, about 400 MB each."""
    owner = subprocess.Popen([sys.executable, "-c", _POOL_OWNER.format(root=str(ROOT))], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        worker = int(owner.stdout.readline())
        assert _alive(worker)
        owner.kill()
        owner.wait(timeout=30)
        for _ in range(100):
            if not _alive(worker):
                break
            time.sleep(0.1)
        assert not _alive(worker)
    finally:
        owner.kill()
