"""The task runner the batches are cleaned on: threads (default), a local Dask cluster, or a Dask
scheduler's address."""
from __future__ import annotations

import os

from prefect.task_runners import ThreadPoolTaskRunner


def make_task_runner(name: str):
    """'threads' (default), 'dask' (a local cluster of worker processes) or 'dask://host:port'/'tcp://...'."""
    if name in ("", "threads"):
        # Each thread cleans a batch at a time, and a batch in hand costs a few hundred MB at its peak
        # (records, parsed pages, validation frames); cleaning holds the GIL most of the time, so
        # more threads than cores add memory, not speed (4 on 2 cores: about +240 MB of peak RSS).
        return ThreadPoolTaskRunner(max_workers=min(4, os.cpu_count() or 1))
    import dask
    from prefect_dask import DaskTaskRunner

    if name == "dask":
        # Workers must report to this run's Prefect API, also when that is the temporary server a
        # run without a configured server starts (its address is only known to this process's
        # client): left to themselves, each worker would start a temporary server of its own,
        # which costs each of them about 15 s of CPU and hides their task runs from this run's UI.
        from prefect.client.orchestration import get_client

        env = {"PREFECT_API_URL": str(get_client(sync_client=True).api_url)}
        # Dask workers sample their task threads' stacks every 10 ms for the dashboard's profile
        # page; for CPU-bound cleaning that cost about a tenth of the workers' time. The workers of
        # the local cluster take their configuration from this process.
        dask.config.set({"distributed.worker.profile.enabled": False})
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True, "env": env})
    if name.startswith(("tcp://", "dask://")):
        return DaskTaskRunner(address=name.replace("dask://", "tcp://", 1))
    raise ValueError(f"unknown task runner {name!r}: use 'threads', 'dask' or a Dask scheduler address")
