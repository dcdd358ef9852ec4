"""A table of the store (`table:<name>`): one record per row, located by its id. The name is an
identifier, quoted by SQLAlchemy: a name that is no table fails to reflect."""
from __future__ import annotations

import sqlalchemy as sa

from ..store import Store
from .records import FIELDS, Locator, derive_id, make_record


def scan(table: str, store_url: str) -> list[Locator]:
    """One locator per distinct id: rows sharing an id are only told apart once read."""
    store = Store(store_url)
    source = sa.Table(table, sa.MetaData(), autoload_with=store.engine)
    with store.engine.connect() as conn:
        ids = [row[0] for row in conn.execute(sa.select(source.c.id).order_by(source.c.id))]
    return [Locator("table", table, str(i), f"{table}:{i}", derive_id({"id": i}, f"{table}:{i}")) for i in dict.fromkeys(ids)]


def read(table: str, locs: list[Locator], store_url: str) -> list[tuple[Locator, dict]]:
    store = Store(store_url)
    source = sa.Table(table, sa.MetaData(), autoload_with=store.engine)
    columns = [source.c[f] for f in FIELDS if f in source.c]
    by_key = {loc.key: loc for loc in locs}
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(*columns).where(source.c.id.in_(list(by_key)))).mappings().all()
    # A table may hold several rows with one id: each is read, and the duplicates are found by id.
    return [(by_key[str(row["id"])], make_record(dict(row), f"{table}:{row['id']}")) for row in rows if str(row["id"]) in by_key]
