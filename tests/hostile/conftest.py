"""Shared helpers of the hostile suite: the corpus module, a local HTTP listener that counts who calls
it, a PostgreSQL database of a test's own and a TCP proxy that can take the store away and bring it
back. (The stores on SQLite and PostgreSQL and the PostgreSQL admin engine are tests/conftest.py's.)"""
from __future__ import annotations

import json
import socket
import sys
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "fixtures" / "hostile"))
import hostile_corpus  # noqa: E402

WORKER = Path(__file__).resolve().parent / "publish_worker.py"


@pytest.fixture(scope="session")
def corpus():
    return hostile_corpus


@pytest.fixture
def scratch_database(pg_admin):
    """A PostgreSQL database of its own (for tests that drop it), dropped at the end."""
    name = f"cleaners_hostile_{uuid.uuid4().hex[:8]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = pg_admin.url.set(database=name).render_as_string(hide_password=False)
    yield name, url
    from flows.store import forget_engine

    forget_engine(url)
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Listener:
    """A TCP listener on 127.0.0.1 that counts connections (an XXE target that must never be called)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xxe.dtd"

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            try:
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + hostile_corpus.SECRET_MARKER.encode())
            finally:
                conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


class Proxy:
    """A TCP proxy in front of PostgreSQL: `stop()` is the store going away (every connection cut,
    every new one closed at once), `start()` brings it back. The port stays the proxy's all along, so
    no other process (another test run on this machine) can take it while the store is "down"."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(32)
        self.port = self._server.getsockname()[1]
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._down = False
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def start(self):
        self._down = False

    def stop(self):
        with self._lock:
            self._down = True
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _cut(sock)

    def close(self):
        self._closed = True
        self.stop()
        _cut(self._server)

    def _accept(self):
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                if self._down:  # the server is gone: the connection ends before a word is said
                    _cut(client)
                    continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                _cut(client)
                continue
            with self._lock:
                if self._down:
                    _cut(client), _cut(upstream)
                    continue
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _cut(source), _cut(sink)


def _cut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


@pytest.fixture
def proxy(pg_admin):
    server = Proxy(pg_admin.url.host or "127.0.0.1", pg_admin.url.port or 5432)
    yield server
    server.close()


def all_strings(store_url: str):
    """Every text value of every table of the store (for 'nothing leaked' checks)."""
    from flows.store import Store, meta

    engine = Store(store_url).engine
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(sa.select(table)).mappings():
                for value in row.values():
                    if isinstance(value, str):
                        yield table.name, value


def run_worker(*args, timeout=240, **popen):
    """Start publish_worker.py; returns the Popen (stdout is the JSON summary)."""
    import subprocess

    return subprocess.Popen([sys.executable, str(WORKER), *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def worker_result(process, timeout=240) -> dict:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"worker failed ({process.returncode}):\n{err[-3000:]}"
    return json.loads(out.strip().splitlines()[-1])
