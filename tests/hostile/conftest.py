"""Shared helpers of the hostile suite: the corpus module, a store on SQLite and PostgreSQL (the
fixtures of tests/flows/conftest.py, reused), a local HTTP listener that counts who calls it, a
PostgreSQL admin connection and a TCP proxy that can take the store away and bring it back."""
from __future__ import annotations

import json
import os
import socket
import sys
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

# The store fixtures of the flow tests, reused as they are (a fresh SQLite file, or the test database
# on the local PostgreSQL server emptied; never skipped).
from tests.flows.conftest import POSTGRES_ADMIN, postgres_database, store_url  # noqa: F401

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "fixtures" / "hostile"))
import hostile_corpus  # noqa: E402

WORKER = Path(__file__).resolve().parent / "publish_worker.py"


@pytest.fixture(scope="session")
def corpus():
    return hostile_corpus


@pytest.fixture(scope="session")
def pg_admin():
    engine = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def scratch_database(pg_admin):
    """A PostgreSQL database of its own (for tests that drop it), dropped at the end."""
    name = f"cleaners_hostile_{uuid.uuid4().hex[:8]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = pg_admin.url.set(database=name).render_as_string(hide_password=False)
    yield name, url
    from flows import store

    for key in [k for k in store._ENGINES if name in k]:
        store._ENGINES.pop(key).dispose()
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
    new ones refused), `start()` brings it back on the same port."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._server: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.start()

    def start(self):
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(32)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self):
        server, self._server = self._server, None
        if server is not None:
            try:
                server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            server.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
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
            for sock in (source, sink):
                try:
                    sock.close()
                except OSError:
                    pass


@pytest.fixture
def proxy():
    url = sa.engine.make_url(POSTGRES_ADMIN)
    server = Proxy(url.host or "127.0.0.1", url.port or 5432)
    yield server
    server.stop()


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
