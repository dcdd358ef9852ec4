"""Serve the deployments declared in prefect.yaml, and a one-command local UI with its review reports.

`python -m flows serve` serves the deployments on a Prefect server that someone else runs: it never
pauses them when it stops (another process may be serving them, and a paused deployment keeps no
schedule). `python -m flows ui` starts its own server, serves the review reports over HTTP, and serves
the deployments through `python -m flows.serve --own-server`, which pauses them when it stops, as
Prefect does by default: the server stops with it, and runs scheduled while it is down would all
start at once on the next start.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import yaml

from .settings import FlowSettings, env_name

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the UI and the reports are for this machine only
EXIT_PORT_TAKEN = 1
# The report server names the folder it serves in this header, so that a run links its report over
# HTTP only when this server serves the folder the report is in.
FOLDER_HEADER = "X-Cleaners-Report-Folder"
REPORT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.html")
INDEX_LIMIT = 500


def deployments_from_yaml(path: Path = ROOT / "prefect.yaml") -> list:
    """prefect.yaml's deployments as served deployments of the clean-articles flow."""
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from .clean_articles import clean_articles

    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        clean_articles.to_deployment(
            name=item["name"], description=item.get("description"), tags=item.get("tags"),
            parameters=item.get("parameters") or {},
            schedules=[Cron(s["cron"], timezone=s.get("timezone", "UTC")) for s in item.get("schedules") or []],
            # A run loads the flow as flows.clean_articles, not from its file: loaded from the file, the
            # module has no package, and worker processes that unpickle its tasks cannot import it.
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        for item in spec["deployments"]
    ]


def serve(pause_on_exit: bool = False) -> None:
    """Serve prefect.yaml's deployments until stopped (SIGINT). `pause_on_exit`: pause them when
    stopping, which only the UI's own server may ask for (see the module's docstring)."""
    from prefect import serve as prefect_serve

    prefect_serve(*deployments_from_yaml(), pause_on_shutdown=pause_on_exit)


def ui() -> int:
    """Start a local Prefect server (offline), serve the review reports and both deployments, open the
    UI. Ctrl-C stops all. Refuses to start, with one sentence, when a port it needs is taken."""
    try:
        settings = FlowSettings.read()
    except ValueError as exc:
        print(f"python -m flows ui: {exc}", file=sys.stderr)
        return 2
    port, report_port = settings.ui_port, settings.report_port_used
    for name, wanted in (("ui_port", port), ("report_port", report_port)):
        holder = port_holder(wanted)
        if holder:
            print(port_taken_message(env_name(name), wanted, holder, report_port if name == "ui_port" else None),
                  file=sys.stderr)
            return EXIT_PORT_TAKEN
    api = f"http://{HOST}:{port}/api"
    folder = served_report_folder(settings)
    try:
        reports = start_report_server(folder, report_port)
    except OSError as exc:  # taken in the moment since the check
        print(port_taken_message(env_name("report_port"), report_port, f"another program ({exc.strerror})", None),
              file=sys.stderr)
        return EXIT_PORT_TAKEN
    # PREFECT_UI_API_URL: the UI must call this server, not the default port
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_UI_API_URL": api}
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", HOST,
                               "--port", str(port)], env=env)
    served = None
    try:
        if not wait_for(f"{api}/health", timeout=120, process=server) or server.poll() is not None:
            print(f"python -m flows ui: the Prefect server did not start on port {port} (its messages are above); "
                  f"nothing is served", file=sys.stderr)
            return EXIT_PORT_TAKEN
        print(f"Prefect UI: http://{HOST}:{port}  (deployments: clean-articles/scheduled, clean-articles/rerun)\n"
              f"Review reports: http://{HOST}:{report_port}/  ({folder})", flush=True)
        if os.environ.get("DISPLAY") or sys.platform == "darwin":
            webbrowser.open(f"http://{HOST}:{port}/deployments")
        served = subprocess.Popen([sys.executable, "-m", "flows.serve", "--own-server"],
                                  env={**env, "PREFECT_API_URL": api}, cwd=ROOT)
        return served.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (served, server):
            stop(process, timeout=20)
        reports.shutdown()
        reports.server_close()


def stop(process: subprocess.Popen | None, timeout: float) -> None:
    """Stop a Prefect process, which ignores SIGTERM: SIGINT, then kill after `timeout` seconds."""
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(url: str, timeout: float, process: subprocess.Popen | None = None) -> bool:
    """Wait until `url` answers; False when `process` exits first. A TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


# --- ports ------------------------------------------------------------------------------------------

def port_holder(port: int) -> str | None:
    """What holds HOST:port, said for a person ("a Prefect server (process 123: ...)"), or None when
    the port is free."""
    if _free(port):
        return None
    process = _listener(port)
    what = f" (process {process})" if process else ""
    if _answers(f"http://{HOST}:{port}/api/health"):
        return f"a Prefect server{what}, probably another `make ui`, whose UI is at http://{HOST}:{port}"
    if _report_folder_at(port):
        return f"the review reports of another `make ui`{what}"
    return f"another program{what}"


def port_taken_message(variable: str, port: int, holder: str, paired_port: int | None) -> str:
    """One sentence: which port is taken, by what, and how to choose another."""
    free = free_port_after(port, pair=paired_port == port + 1)
    return (f"python -m flows ui: port {port} ({variable}) is taken by {holder}, so nothing was started; "
            f"use that one, or choose another port, e.g. {variable}={free} make ui")


def free_port_after(port: int, pair: bool = False) -> int:
    """The first free port above `port` (with the one after it free too when `pair`: the UI's port
    and the reports' default one)."""
    for candidate in range(port + 1 + pair, min(port + 200, 65535)):
        if _free(candidate) and (not pair or _free(candidate + 1)):
            return candidate
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers bind: a port whose last connections are closing (TIME_WAIT) is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _listener(port: int) -> str | None:
    """The process listening on a TCP port, as 'pid: command line', when this user may see it (Linux)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                return f"{proc.name}: {command[:100]}"
        except OSError:  # another user's process, or gone
            continue
    return None


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


# --- the review reports over HTTP ---------------------------------------------------------------------

def served_report_folder(settings: FlowSettings) -> Path:
    """The folder `make ui` serves: where runs of the default store write their reports (see
    artifacts.report_folder), relative paths taken from the project's folder, where runs start."""
    from .artifacts import report_folder
    from .store import resolve_url

    folder = report_folder(resolve_url(None, settings), settings.report_dir)
    return (folder if folder.is_absolute() else ROOT / folder).resolve()


def start_report_server(folder: Path, port: int) -> ThreadingHTTPServer:
    """Serve the review reports of `folder` on HOST:port in a background thread: read-only (GET and
    HEAD), the report files directly in the folder and an index of them, nothing else."""
    handler = type("Reports", (ReportHandler,), {"folder": folder})
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="review-reports", daemon=True).start()
    return server


class ReportHandler(BaseHTTPRequestHandler):
    """GET / (an index of the reports) and GET /<name>.html (one report file directly in the folder).
    A name is checked before any file is touched, and the file found must be a regular file inside the
    folder once every link is followed: no path leads out of the folder."""

    folder: Path
    server_version = "cleaners-reports"

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == "/":
            self._send(HTTPStatus.OK, self._index().encode("utf-8"), body)
            return
        target = self._report(path[1:])
        if target is None:
            self._send(HTTPStatus.NOT_FOUND, b"<!doctype html><title>Not found</title><p>No such report.</p>", body)
            return
        self._send(HTTPStatus.OK, target.read_bytes(), body, modified=target.stat().st_mtime)

    def _report(self, name: str) -> Path | None:
        """The report file of this name, when it is one: a name of letters, digits, ".", "_" and "-"
        ending in .html, a regular file whose real path is directly in the folder (a link leading out
        is not followed)."""
        if not REPORT_NAME.fullmatch(name):
            return None
        target = self.folder / name
        try:
            inside = target.is_file() and target.resolve().parent == self.folder.resolve()
        except OSError:
            return None
        return target if inside else None

    def _index(self) -> str:
        from html import escape

        found = (self._report(p.name) for p in self.folder.iterdir()) if self.folder.is_dir() else ()
        reports = sorted((p for p in found if p), key=lambda p: p.stat().st_mtime, reverse=True)
        items = "".join(f'<li><a href="/{quote(p.name)}">{escape(p.name)}</a> '
                        f'({time.strftime("%Y-%m-%d %H:%M", time.localtime(p.stat().st_mtime))})</li>'
                        for p in reports[:INDEX_LIMIT])
        return ('<!doctype html><html lang="en"><meta charset="utf-8"><title>Review reports</title>'
                f"<h1>Review reports</h1><p>{escape(str(self.folder))}, newest first</p>"
                f"<ul>{items or '<li>none yet: a run that publishes writes one</li>'}</ul></html>")

    def _send(self, status: HTTPStatus, data: bytes, body: bool, modified: float | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        # The reports carry no scripts and load nothing: a report of hostile pages stays inert.
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header(FOLDER_HEADER, quote(str(self.folder)))
        if modified is not None:
            self.send_header("Last-Modified", formatdate(modified, usegmt=True))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format, *args) -> None:  # noqa: A002 (the base class's name)
        pass  # the terminal belongs to the Prefect server's log


def _report_folder_at(port: int) -> Path | None:
    """The folder a report server on HOST:port serves, or None when none answers there."""
    try:
        request = urllib.request.Request(f"http://{HOST}:{port}/", method="HEAD")
        with urllib.request.urlopen(request, timeout=2) as response:
            folder = response.headers.get(FOLDER_HEADER)
    except (OSError, ValueError):
        return None
    return Path(unquote(folder)) if folder else None


def report_url(path: Path, settings: FlowSettings) -> str | None:
    """The report's http:// address when `make ui` serves its folder right now, else None (the run
    links the file itself)."""
    port = settings.report_port_used
    served = _report_folder_at(port)
    if served is None or served != path.resolve().parent:
        return None
    return f"http://{HOST}:{port}/{quote(path.name)}"


if __name__ == "__main__":  # python -m flows.serve --own-server: the deployments of `python -m flows ui`
    serve(pause_on_exit="--own-server" in sys.argv[1:])
