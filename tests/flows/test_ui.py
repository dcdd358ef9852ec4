"""`make ui` (python -m flows ui): safe to start twice, clear when a port is taken, and the review reports
it serves over HTTP: read-only, that folder only."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from flows.serve import free_port_after, port_holder, port_taken_message, report_url, start_report_server, stop
from flows.settings import FlowSettings

ROOT = Path(__file__).resolve().parents[2]


def _free_port(pair: bool = True) -> int:
    """A free port (with the one after it free too: the UI's and the reports' default port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        start = sock.getsockname()[1]
    return free_port_after(start, pair=pair)


def _ui_env(tmp_path: Path, port: int) -> dict:
    tmp_path.mkdir(exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "CLEANERS_UI_PORT": str(port),
           "CLEANERS_STORE_URL": f"sqlite:///{tmp_path / 'articles.db'}", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1"}
    for name in ("DISPLAY", "CLEANERS_REPORT_DIR", "CLEANERS_REPORT_PORT", "PREFECT_API_URL"):
        env.pop(name, None)
    return env


def _get(url: str, method: str = "GET") -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_a_port_held_by_another_program_is_one_sentence_not_a_traceback(tmp_path):
    port = _free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        assert "another program (process " in port_holder(port)  # this test's own process, found by its socket
        done = subprocess.run([sys.executable, "-m", "flows", "ui"], cwd=ROOT, env=_ui_env(tmp_path, port),
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    err = done.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith(f"python -m flows ui: port {port} (CLEANERS_UI_PORT) is taken by another program")
    assert "CLEANERS_UI_PORT=" in err and not (tmp_path / "prefect-home").exists(), "nothing was started"


def test_the_reports_port_is_checked_too(tmp_path):
    port = _free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port + 1))
        listener.listen()
        done = subprocess.run([sys.executable, "-m", "flows", "ui"], cwd=ROOT, env=_ui_env(tmp_path, port),
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"port {port + 1} (CLEANERS_REPORT_PORT) is taken by another program" in done.stderr


def test_the_message_suggests_a_free_port():
    port = _free_port()
    message = port_taken_message("CLEANERS_UI_PORT", port, "another program", port + 1)
    suggested = int(message.rsplit("CLEANERS_UI_PORT=", 1)[1].split()[0])
    assert suggested > port + 1 and port_holder(suggested) is None and port_holder(suggested + 1) is None


@pytest.mark.slow
def test_starting_the_ui_twice_leaves_the_first_one_serving(tmp_path):
    """The second `make ui` on the same port refuses, says why, and the first one's deployments keep
    their schedule (the bug: it served them again and paused them on exit)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    log = tmp_path / "first.log"
    first = subprocess.Popen([sys.executable, "-m", "flows", "ui"], cwd=ROOT, env=_ui_env(tmp_path / "first", port),
                             stdout=log.open("w"), stderr=subprocess.STDOUT,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        with temporary_settings(updates={PREFECT_API_URL: api}):
            deadline = time.monotonic() + 240
            while True:
                assert first.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "the first UI did not serve its deployments:\n" + log.read_text()[-3000:]
                try:
                    with get_client(sync_client=True) as client:
                        client.read_deployment_by_name("clean-articles/scheduled")
                        client.read_deployment_by_name("clean-articles/rerun")
                    break
                except Exception:
                    time.sleep(1)
            time.sleep(3)  # let the first runner settle before the second tries

            second = subprocess.run([sys.executable, "-m", "flows", "ui"], cwd=ROOT,
                                    env=_ui_env(tmp_path / "second", port), capture_output=True, text=True, timeout=120)
            assert second.returncode == 1
            err = second.stderr.strip()
            assert "Traceback" not in err and len(err.splitlines()) == 1, err
            assert f"port {port} (CLEANERS_UI_PORT) is taken by a Prefect server" in err
            assert f"http://127.0.0.1:{port}" in err and "CLEANERS_UI_PORT=" in err
            assert "Prefect UI:" not in second.stdout

            with get_client(sync_client=True) as client:
                scheduled = client.read_deployment_by_name("clean-articles/scheduled")
                rerun = client.read_deployment_by_name("clean-articles/rerun")
            assert not scheduled.paused and not rerun.paused
            assert [s.active for s in scheduled.schedules] == [True]
        assert first.poll() is None, "the first UI still runs"

        # Its review reports: the folder next to its store, over HTTP.
        reports = tmp_path / "first" / "reports"
        status, headers, body = _get(f"http://127.0.0.1:{port + 1}/")
        assert status == 200 and b"Review reports" in body and str(reports).encode() in body
        assert "Prefect UI: http://127.0.0.1:%d" % port in log.read_text()
    finally:
        stop(first, timeout=60)
    assert first.returncode is not None
    assert port_holder(port) is None and port_holder(port + 1) is None, "everything it started has stopped"


# --- the report server -----------------------------------------------------------------------------

@pytest.fixture
def reports(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "review-1.html").write_text("<!doctype html><title>one</title><p>Bericht</p>", encoding="utf-8")
    (folder / "notes.txt").write_text("not a report", encoding="utf-8")
    (tmp_path / "secret.html").write_text("<p>outside</p>", encoding="utf-8")
    (folder / "escape.html").symlink_to(tmp_path / "secret.html")
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.html").write_text("<p>inner</p>", encoding="utf-8")
    port = _free_port(pair=False)
    server = start_report_server(folder, port)
    yield folder, f"http://127.0.0.1:{port}", port
    server.shutdown()
    server.server_close()


def test_the_report_server_serves_the_reports_and_nothing_else(reports):
    folder, base, _ = reports
    status, headers, body = _get(f"{base}/review-1.html")
    assert status == 200 and body == (folder / "review-1.html").read_bytes()
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"], "a report runs no script"
    status, _, body = _get(f"{base}/")
    assert status == 200 and b'href="/review-1.html"' in body and b"notes.txt" not in body and b"escape.html" not in body
    for path in ("/../secret.html", "/%2e%2e/secret.html", "/..%2fsecret.html", "/escape.html", "/sub/inner.html",
                 "/sub%2finner.html", "/notes.txt", "/.html", "/review-1.html%00.txt", "//etc/passwd", "/sub/"):
        status, _, body = _get(base + path)
        assert status == 404 and b"outside" not in body and b"inner" not in body, path


def test_the_report_server_is_read_only(reports):
    folder, base, _ = reports
    for method in ("PUT", "POST", "DELETE"):
        status, _, _ = _get(f"{base}/review-1.html", method=method)
        assert status == 501, method
    assert (folder / "review-1.html").exists()
    status, _, body = _get(f"{base}/review-1.html", method="HEAD")
    assert status == 200 and body == b""


def test_a_run_links_its_report_over_http_only_when_its_folder_is_served(reports, tmp_path, monkeypatch):
    folder, base, port = reports
    monkeypatch.setenv("CLEANERS_REPORT_PORT", str(port))
    settings = FlowSettings.read()
    assert report_url(folder / "review-1.html", settings) == f"{base}/review-1.html"
    assert report_url(tmp_path / "elsewhere" / "review-1.html", settings) is None, "another store's reports"
    monkeypatch.setenv("CLEANERS_REPORT_PORT", str(_free_port(pair=False)))
    assert report_url(folder / "review-1.html", FlowSettings.read()) is None, "no report server runs"
