"""Opening a store: one engine per URL and process, its tables created, and failures that say what to
check without showing a secret of the URL. Also the small SQL helpers the store's modules share."""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .tables import meta
from .urls import STORE_URL_ENV, driver_url, safe_url, scrubbed

PG_LOCK_TIMEOUT_MS = 10_000
PG_IDLE_IN_TRANSACTION_MS = 15_000
# What the server says when the URL names a database or a user it does not have (in English, the
# server's default language; another language gets the general message).
_MISSING = re.compile(r'FATAL:\s+(database|role) "([^"]+)" does not exist')


class StoreUnavailable(RuntimeError):
    """The store could not be opened or written (a publish: after every retry, and nothing of its
    batch was written)."""


_ENGINES: dict[str, sa.Engine] = {}


def engine_for(url: str) -> sa.Engine:
    """The process's engine on the store, opened (and its tables created) on first use."""
    if url not in _ENGINES:
        try:
            _ENGINES[url] = _open(url)
        except (OSError, sa.exc.DBAPIError) as exc:
            raise StoreUnavailable(unavailable(url, exc)) from None  # the driver's own words may hold a secret
    return _ENGINES[url]


def forget_engine(url: str) -> None:
    """Close the process's engine on the store: the next use starts afresh (a new pool, and tables
    created if the database came back empty)."""
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()  # pooled connections are closed; ones in use elsewhere finish and are dropped


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store; None for any other store, one in memory, or a `file:` URI (uri=true),
    which SQLite opens as it is given."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") or "uri" in parsed.query:
        return None
    return Path(parsed.database)


def unavailable(url: str, exc: Exception) -> str:
    """Why the store cannot be used, without its secrets, and what to check."""
    reason = f"{type(getattr(exc, 'orig', None) or exc).__name__}: {short(exc, url)}"
    parsed = sa.engine.make_url(url)
    missing = _MISSING.search(short(exc, url))
    if missing:
        kind, name = missing.groups()
        where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
        options = f"-h {parsed.host or 'localhost'} -p {parsed.port or 5432}" + (
            f" -U {parsed.username}" if parsed.username and kind == "database" else "")
        if kind == "database":
            return f"store {safe_url(url)}: database {name} does not exist on {where}; create it with createdb {options} {name}"
        return f"store {safe_url(url)}: user {name} does not exist on {where}; create it with createuser {options} {name}"
    if parsed.get_backend_name() == "sqlite":
        what = f"the SQLite file {parsed.database}"
        check = ("that its folder exists or can be created, and that this user may write to the folder and "
                 "the file (SQLite also writes the -wal and -shm files next to it)")
    else:
        what = "the database"
        check = "that the server is running and reachable, and the URL's host, port, database name, user and password"
    return (f"store {safe_url(url)}: cannot open or write {what} ({reason}). Check {check}; "
            f"or give another store (--store, or ${STORE_URL_ENV}).")


def short(exc: Exception, url: str) -> str:
    """The first line of the driver's message, without the URL's secrets."""
    text = scrubbed(str(getattr(exc, "orig", None) or exc), url).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def now() -> datetime:
    return datetime.now(timezone.utc)


def dialect_insert(dialect: str):
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise ValueError(f"unsupported store dialect {dialect!r}: use SQLite or PostgreSQL")


def insert_ignore(conn, table: sa.Table, rows: list[dict], keys: list[str]) -> None:
    if rows:
        conn.execute(dialect_insert(conn.dialect.name)(table).on_conflict_do_nothing(index_elements=keys), rows)


def chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _open(url: str) -> sa.Engine:
    """A new engine on the store, its tables created."""
    url = driver_url(url)  # StoreURLError (a setting to correct) before any driver is loaded
    path = sqlite_file(url)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
    kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {
        "pool_pre_ping": True,
        # A transaction cut off half-way (its client gone) must not hold row locks for ever, nor a
        # retry wait on them for ever: the server ends such a session, a waiting write gives up
        # and is retried.
        "connect_args": {"options": f"-c lock_timeout={PG_LOCK_TIMEOUT_MS} "
                                    f"-c idle_in_transaction_session_timeout={PG_IDLE_IN_TRANSACTION_MS}"},
    }
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    _create_tables(engine)
    return engine


def _create_tables(engine: sa.Engine) -> None:
    """Create missing tables. Two processes starting on a new store race here (both see no table, both
    create it): the loser's CREATE fails, and the next look finds the tables there."""
    for attempt in range(5):
        try:
            meta.create_all(engine)
            return
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
