"""The task runner the batches are cleaned on: worker processes (default), threads, a local Dask
cluster, or a Dask scheduler's address."""
from __future__ import annotations

import os
import threading
import time

from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

PROCESSES = "processes"
NAMES = f"'{PROCESSES}' (or '{PROCESSES}:N'), 'threads', 'dask' or a Dask scheduler address (tcp://host:8786)"


def make_task_runner(name: str):
    """'processes' (default): one worker process per core, or 'processes:N'; 'threads'; 'dask' (a
    local cluster of worker processes); 'dask://host:port' or 'tcp://...' (a Dask scheduler)."""
    if name in ("", PROCESSES) or name.startswith(PROCESSES + ":"):
        return ProcessPoolTaskRunner(max_workers=process_workers(name), initializer=worker_setup,
                                     initargs=(_api_url(), os.getpid()))
    if name == "threads":
        # Each thread cleans a batch at a time, and a batch in hand costs a few hundred MB at its peak
        # (records, parsed pages, validation frames); cleaning holds the GIL most of the time, so
        # more threads than cores add memory, not speed (4 on 2 cores: about +240 MB of peak RSS).
        return ThreadPoolTaskRunner(max_workers=min(4, os.cpu_count() or 1))
    if name == "dask":
        return _local_dask()
    if name.startswith(("tcp://", "dask://")):
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=name.replace("dask://", "tcp://", 1))
    raise ValueError(f"unknown task runner {name!r}: use {NAMES}")


def process_workers(name: str) -> int | None:
    """The workers of 'processes:N'; None for plain 'processes': Prefect's setting
    PREFECT_TASKS_RUNNER_PROCESS_POOL_MAX_WORKERS if set, else one per core (os.cpu_count()).
    Each worker cleans one batch at a time in a cleaning process of its own (flows/watchdog.py), so
    a worker costs about 400 MB at its peak: more workers than cores add memory, not speed."""
    _, colon, count = name.partition(":")
    if not colon:
        return None
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"task runner {name!r}: the number of worker processes must be a whole number >= 1")
    return int(count)


def _api_url() -> str:
    from prefect.client.orchestration import get_client

    return str(get_client(sync_client=True).api_url)


def worker_setup(api_url: str, flow_process: int) -> None:
    """In each worker process, as it starts: report to the run's server, and end with the flow's
    process. A worker waits for its next batch on a pipe the flow's process shares with the other
    workers, so it never learns that the flow's process was killed (the OOM killer, kill -9, a
    crashed agent): the workers, their cleaning processes and about 400 MB each stayed behind."""
    os.environ["PREFECT_API_URL"] = api_url
    threading.Thread(target=_end_with, args=(flow_process,), name="end-with-the-flow", daemon=True).start()


PARENT_POLL_SECONDS = 1.0


def _end_with(flow_process: int) -> None:
    while os.getppid() == flow_process:  # the flow's process died: the worker is handed to init
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)  # its cleaning process ends with it (flows/watchdog.py)


def _local_dask():
    import dask
    from prefect.client.orchestration import get_client
    from prefect_dask import DaskTaskRunner

    # Workers must report to this run's Prefect API, also when that is the temporary server a
    # run without a configured server starts (its address is only known to this process's
    # client): left to themselves, each worker would start a temporary server of its own,
    # which costs each of them about 15 s of CPU and hides their task runs from this run's UI.
    env = {"PREFECT_API_URL": str(get_client(sync_client=True).api_url)}
    # Dask workers sample their task threads' stacks every 10 ms for the dashboard's profile
    # page; for CPU-bound cleaning that cost about a tenth of the workers' time. The workers of
    # the local cluster take their configuration from this process.
    dask.config.set({"distributed.worker.profile.enabled": False})
    return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True, "env": env})
