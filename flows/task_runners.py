"""The task runner the batches are cleaned on: worker processes (default), threads, a local Dask
cluster, or a Dask scheduler's address."""
from __future__ import annotations

import os

from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

PROCESSES = "processes"
NAMES = f"'{PROCESSES}' (or '{PROCESSES}:N'), 'threads', 'dask' or a Dask scheduler address (tcp://host:8786)"


def make_task_runner(name: str):
    """'processes' (default): one worker process per core, or 'processes:N'; 'threads'; 'dask' (a
    local cluster of worker processes); 'dask://host:port' or 'tcp://...' (a Dask scheduler)."""
    if name in ("", PROCESSES) or name.startswith(PROCESSES + ":"):
        return ProcessPoolTaskRunner(max_workers=process_workers(name), initializer=_report_to,
                                     initargs=(_api_url(),))
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


def _report_to(api_url: str) -> None:
    os.environ["PREFECT_API_URL"] = api_url


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
