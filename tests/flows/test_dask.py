"""The flow on a real Dask cluster (a scheduler and two workers as separate processes) publishes
exactly what the default runner (worker processes) publishes."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.clean_articles import clean_articles
from flows.options import DEFAULT_INBOX
from flows.store import Store, articles

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    from distributed import Client
    from prefect.settings import PREFECT_API_URL

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}  # workers report task runs here
    logs = (tmp_path / "dask.log").open("w")
    processes = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], env=env, stdout=logs, stderr=logs)]
    time.sleep(1)
    processes += [subprocess.Popen([str(BIN / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "1",
                                    "--no-dashboard", "--local-directory", str(tmp_path / f"w{i}")],
                                   env=env, stdout=logs, stderr=logs) for i in range(2)]
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        logs.close()


def test_dask_cluster_publishes_the_same_articles(dask_cluster, tmp_path):
    on_dask = f"sqlite:///{tmp_path / 'dask.db'}"
    on_default = f"sqlite:///{tmp_path / 'default.db'}"
    summary = clean_articles(inbox=DEFAULT_INBOX, store_url=on_dask, task_runner=dask_cluster, batch_size=3)
    clean_articles(inbox=DEFAULT_INBOX, store_url=on_default, batch_size=3)
    assert summary.published == 10

    def published(url):
        return {(row["id"], row["content_hash"], row["title"]) for row in Store(url).rows(articles)}

    assert published(on_dask) == published(on_default)


def test_local_cluster_reports_to_the_runs_own_temporary_server(tmp_path):
    """A run with no Prefect server configured starts one temporary server; the local Dask workers
    must report to it, not start one each (that cost each worker about 15 s of CPU and kept their
    task runs out of the run's UI)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_API")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    store = f"sqlite:///{tmp_path / 'articles.db'}"
    done = subprocess.run([sys.executable, "-m", "flows", "run", "--task-runner", "dask", "--batch-size", "5",
                           "--store", store, "--json"], cwd=Path(__file__).resolve().parents[2], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("Starting temporary server") == 1, done.stderr[-3000:]
    finished = [line for line in done.stderr.splitlines() if "Task run 'clean_batch" in line and "Completed" in line]
    assert len(finished) == 4  # 18 inputs in batches of 5, each reported back to the run's server
    assert len(Store(store).rows(articles)) == 10
