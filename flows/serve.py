"""Serve the deployments declared in prefect.yaml, and a one-command local UI."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import webbrowser
from pathlib import Path

import yaml

from .settings import FlowSettings

ROOT = Path(__file__).resolve().parent.parent


def deployments_from_yaml(path: Path = ROOT / "prefect.yaml") -> list:
    """prefect.yaml's deployments as served deployments of the clean-articles flow."""
    from prefect.schedules import Cron

    from .clean_articles import clean_articles

    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        clean_articles.to_deployment(
            name=item["name"], description=item.get("description"), tags=item.get("tags"),
            parameters=item.get("parameters") or {},
            schedules=[Cron(s["cron"], timezone=s.get("timezone", "UTC")) for s in item.get("schedules") or []],
        )
        for item in spec["deployments"]
    ]


def serve() -> None:
    from prefect import serve as prefect_serve

    prefect_serve(*deployments_from_yaml())


def ui() -> int:
    """Start a local Prefect server (offline), serve both deployments, open the UI. Ctrl-C stops all."""
    port = FlowSettings.read().ui_port
    api = f"http://127.0.0.1:{port}/api"
    # PREFECT_UI_API_URL: the UI must call this server, not the default port
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_UI_API_URL": api}
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env)
    served = None
    try:
        wait_for(f"{api}/health", timeout=120)
        print(f"Prefect UI: http://127.0.0.1:{port}  (deployments: clean-articles/scheduled, clean-articles/rerun)")
        if os.environ.get("DISPLAY") or sys.platform == "darwin":
            webbrowser.open(f"http://127.0.0.1:{port}/deployments")
        served = subprocess.Popen([sys.executable, "-m", "flows", "serve"], env={**env, "PREFECT_API_URL": api}, cwd=ROOT)
        return served.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (served, server):  # prefect ignores SIGTERM: stop with SIGINT
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
