"""The store: SQLAlchemy Core over SQLite (default, embedded) or PostgreSQL (production).

`tables` defines the tables, `engine` opens a store, `publishing` writes a batch, `reading` reads,
exports and keeps each run's row; `selection` is a run's filters (for its inputs and for exports);
`urls` says which store a run uses, which driver opens it, and shows it without secrets.
Every value reaches SQL as a bound parameter; identifiers come from this package only.

Faults: a publish that loses its connection (the server went away, the connection was killed, a
deadlock or a locked SQLite file) is retried on a fresh connection (publishing.PUBLISH_RETRY_DELAYS); when every
attempt fails it raises `StoreUnavailable` and, being one transaction, has written nothing. A store
that cannot be opened or written at all (no such server, a read-only SQLite file or folder) is
`StoreUnavailable` too, with what to check. No message shows a secret of the URL (`safe_url`).
"""
from __future__ import annotations

from .engine import StoreUnavailable, engine_for, forget_engine, sqlite_file
from .publishing import Publishing
from .reading import Reading, export_path, markdown_body
from .selection import selected
from .tables import articles, ledger, meta, quarantine, removals, runs, template_seen
from .urls import STORE_URL_ENV, StoreURLError, driver_url, resolve_url, safe_url

__all__ = [
    "STORE_URL_ENV", "Store", "StoreURLError", "StoreUnavailable", "articles", "driver_url", "engine_for", "export_path",
    "forget_engine", "ledger", "markdown_body", "meta", "quarantine", "removals", "resolve_url", "runs", "safe_url",
    "selected", "sqlite_file", "template_seen",
]


class Store(Reading, Publishing):
    def __init__(self, url: str):
        self.url = url
        self.engine = engine_for(url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name
