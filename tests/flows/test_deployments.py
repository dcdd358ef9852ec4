"""prefect.yaml's deployments, served and run through the Prefect API the way the UI's Run button does."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.store import Store, articles, ledger

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`python -m flows serve` against the test server, writing to its own SQLite store."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    store_url = f"sqlite:///{tmp_path_factory.mktemp('served') / 'articles.db'}"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "CLEANERS_STORE_URL": store_url}
    process = subprocess.Popen([sys.executable, "-m", "flows", "serve"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    with get_client(sync_client=True) as client:
        while True:
            try:
                client.read_deployment_by_name("clean-articles/rerun")
                client.read_deployment_by_name("clean-articles/scheduled")
                break
            except Exception:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    raise RuntimeError("the deployments were not served") from None
                time.sleep(1)
    yield store_url
    process.send_signal(signal.SIGINT)  # Prefect's runner stops on SIGINT, not SIGTERM
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def test_schedule_is_registered(served):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("clean-articles/scheduled")
        rerun = client.read_deployment_by_name("clean-articles/rerun")
    assert [s.schedule.cron for s in deployment.schedules] == ["*/15 * * * *"]
    assert deployment.schedules[0].schedule.timezone == "Europe/Berlin" and deployment.schedules[0].active
    assert rerun.schedules == []
    assert {"article_ids", "force", "rules_dir", "since", "until", "source", "batch_size", "task_runner"} <= set(
        rerun.parameter_openapi_schema["properties"])


def test_rerun_from_the_api_publishes_and_duplicates_nothing(served):
    from prefect.deployments import run_deployment

    parameters = {"article_ids": ["002_65eea8b01307b085", "page-003_be8c17bf7c8cde6b"], "force": True}
    first = run_deployment("clean-articles/rerun", parameters=parameters, timeout=300)
    assert first.state.is_completed(), first.state
    store = Store(served)
    assert {a["id"] for a in store.rows(articles)} == set(parameters["article_ids"])
    versions = {a["id"]: a["version"] for a in store.rows(articles)}

    second = run_deployment("clean-articles/rerun", parameters=parameters, timeout=300)
    assert second.state.is_completed(), second.state
    assert store.count(articles) == 2
    assert {a["id"]: a["version"] for a in store.rows(articles)} == {k: v + 1 for k, v in versions.items()}
    for run in (first, second):
        assert store.count(ledger, run_id=str(run.id)) == 2


def test_a_second_serve_that_stops_pauses_nothing(served):
    """`python -m flows serve` on a server someone else runs never pauses the deployments when it stops:
    another process serves them (Prefect's own default pauses them, and a paused deployment keeps no
    schedule)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "CLEANERS_STORE_URL": served}
    second = subprocess.Popen([sys.executable, "-m", "flows", "serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    output = ""
    while "Your deployments are being served" not in output and "serving" not in output.lower():
        line = second.stdout.readline()
        assert line or second.poll() is None, output
        output += line
        assert time.monotonic() < deadline, output
    time.sleep(2)
    second.send_signal(signal.SIGINT)
    output += second.communicate(timeout=60)[0]
    assert "Pausing" not in output, output
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("clean-articles/scheduled")
        rerun = client.read_deployment_by_name("clean-articles/rerun")
    assert not deployment.paused and not rerun.paused
    assert [s.active for s in deployment.schedules] == [True]
