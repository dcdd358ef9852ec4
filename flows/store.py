"""The store: SQLAlchemy Core over SQLite (default, embedded) or PostgreSQL (production).

Every write of a batch happens in one transaction, and every write is an upsert or an insert that
ignores rows it already has, so a retried or repeated publish changes nothing and duplicates nothing.
Every value reaches SQL as a bound parameter; identifiers come from this module only.

Faults: a publish that loses its connection (the server went away, the connection was killed, a
deadlock or a locked SQLite file) is retried on a fresh connection (PUBLISH_RETRY_DELAYS); when every
attempt fails it raises `StoreUnavailable` and, being one transaction, has written nothing. Two runs
publishing the same input at the same time write it once: the second finds the same input and rules
already there and leaves the row (and its version) alone; its ledger says `unchanged`. A store that
cannot be opened or written at all (no such server, a read-only SQLite file or folder) is
`StoreUnavailable` too, with what to check. No message shows a secret of the URL (`safe_url`).
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

DEFAULT_URL = "sqlite:///data/articles.db"
STORE_URL_ENV = "CLEANERS_STORE_URL"
# Pauses between the attempts of one publish (so len + 1 attempts); the flow's task retries come on top.
PUBLISH_RETRY_DELAYS: tuple[float, ...] = (0.5, 2.0)
PG_LOCK_TIMEOUT_MS = 10_000
PG_IDLE_IN_TRANSACTION_MS = 15_000
# Query parameters whose value is a secret (password, sslpassword, passfile, token, api_key, sslkey, ...):
# masking a harmless one costs nothing, showing a secret one is a leak.
_SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key|auth|cred", re.IGNORECASE)
_MASK = "***"
log = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The store could not be opened or written (a publish: after every retry, and nothing of its
    batch was written)."""


meta = sa.MetaData()
articles = sa.Table(
    "articles", meta,
    sa.Column("id", sa.String(300), primary_key=True),
    sa.Column("source", sa.String(300)), sa.Column("url", sa.Text), sa.Column("title", sa.Text),
    sa.Column("text", sa.Text, nullable=False), sa.Column("language", sa.String(8)),
    sa.Column("published", sa.String(32)), sa.Column("author", sa.Text),
    sa.Column("tags", sa.Text), sa.Column("sources", sa.Text), sa.Column("warnings", sa.Text),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("input_hash", sa.String(64), nullable=False),
    sa.Column("rules_version", sa.String(32), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("fetched_at", sa.String(40)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
removals = sa.Table(
    "removals", meta,
    sa.Column("article_id", sa.String(300), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("category", sa.String(32), nullable=False), sa.Column("rule_id", sa.String(120), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False), sa.Column("position", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)
quarantine = sa.Table(
    "quarantine", meta,
    sa.Column("article_id", sa.String(300), primary_key=True),
    sa.Column("input_hash", sa.String(64), primary_key=True),
    sa.Column("rules_version", sa.String(32), primary_key=True),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False), sa.Column("details", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
ledger = sa.Table(
    "ledger", meta,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("article_id", sa.String(300), primary_key=True),
    sa.Column("input_hash", sa.String(64), primary_key=True),
    sa.Column("outcome", sa.String(16), nullable=False),  # published | quarantined | unchanged
    sa.Column("detail", sa.Text),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
runs = sa.Table(
    "runs", meta,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("parameters", sa.Text), sa.Column("summary", sa.Text),
)
template_seen = sa.Table(  # template memory: which article of a source had which paragraph
    "template_seen", meta,
    sa.Column("source", sa.String(300), primary_key=True),
    sa.Column("fingerprint", sa.String(16), primary_key=True),
    sa.Column("article_id", sa.String(300), primary_key=True),
)


def now() -> datetime:
    return datetime.now(timezone.utc)


def resolve_url(url: str | None = None) -> str:
    """The store URL: the argument, else $CLEANERS_STORE_URL, else the SQLite file in ./data."""
    return url or os.environ.get(STORE_URL_ENV) or DEFAULT_URL


def safe_url(url: str) -> str:
    """The URL with every secret masked, for messages, logs, the runs table and artifacts."""
    masked, _ = _masked(url)
    if masked is None:
        return "(a store URL that cannot be parsed)"
    shown = masked.set(query={}).render_as_string(hide_password=True)
    return f"{shown}?{urlencode(masked.query, doseq=True, safe=_MASK)}" if masked.query else shown


def _masked(url: str) -> tuple[sa.URL | None, list[str]]:
    """The URL as SQLAlchemy reads it, its host and query secrets masked (render it with hide_password
    for the password), and the secrets: the password (with or without a user name), the rest of a
    password with an unescaped "@" (SQLAlchemy takes that for part of the host), and the values of
    query parameters named like a secret. (None, [url]) for a URL SQLAlchemy cannot read."""
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        return None, [url]
    secrets = [parsed.password] if parsed.password else []
    host = parsed.host
    if host and "@" in host:
        rest, host = host.rsplit("@", 1)
        secrets.append(rest)
        host = f"{_MASK}@{host}"
    query = {}
    for key, value in parsed.query.items():
        if _SECRET_PARAMETER.search(key):
            secrets.extend([value] if isinstance(value, str) else value)
            value = _MASK
        query[key] = value
    return parsed.set(host=host, query=query), [s for s in secrets if s]


def _scrubbed(text: str, url: str) -> str:
    """A driver's message with every secret of the URL masked (it may repeat a host or an option)."""
    for secret in sorted(_masked(url)[1], key=len, reverse=True):
        text = text.replace(secret, _MASK)
    return text


_ENGINES: dict[str, sa.Engine] = {}


class Store:
    def __init__(self, url: str | None = None):
        self.url = resolve_url(url)
        self.engine = _engine(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # --- reading -------------------------------------------------------------------------------

    def seen(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        """For ids already handled: id -> (input_hash, rules_version) of the published article, and
        of quarantined inputs (those count as handled: the same input with the same rules fails again)."""
        found: dict[str, set] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(ids, 500):
                for row in conn.execute(sa.select(articles.c.id, articles.c.input_hash, articles.c.rules_version)
                                        .where(articles.c.id.in_(chunk))):
                    found.setdefault(row.id, set()).add((row.input_hash, row.rules_version))
                for row in conn.execute(sa.select(quarantine.c.article_id, quarantine.c.input_hash, quarantine.c.rules_version)
                                        .where(quarantine.c.article_id.in_(chunk))):
                    found.setdefault(row.article_id, set()).add((row.input_hash, row.rules_version))
        return found

    def template_counts(self, source: str, fingerprints: list[str], exclude_ids: list[str]) -> dict[str, int]:
        """For each fingerprint: how many other articles of the source had that paragraph."""
        found: dict[str, int] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(fingerprints, 500):
                query = (sa.select(template_seen.c.fingerprint, sa.func.count())
                         .where(template_seen.c.source == source, template_seen.c.fingerprint.in_(chunk),
                                template_seen.c.article_id.not_in(exclude_ids))
                         .group_by(template_seen.c.fingerprint))
                found.update(conn.execute(query).all())
        return found

    def article(self, article_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(articles).where(articles.c.id == article_id)).mappings().first()
        return dict(row) if row else None

    def count(self, table: sa.Table, **where) -> int:
        query = sa.select(sa.func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def rows(self, table: sa.Table, **where) -> list[dict]:
        query = sa.select(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    # --- writing -------------------------------------------------------------------------------

    @contextmanager
    def _writing(self):
        """A transaction of the run's own bookkeeping: a store that cannot be written (a read-only
        SQLite file, the server gone) is StoreUnavailable, with what to check."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise StoreUnavailable(_unavailable(self.url, exc)) from None  # the driver's own words may hold a secret

    def start_run(self, run_id: str, parameters: dict) -> None:
        with self._writing() as conn:
            _insert_ignore(conn, runs, [{"run_id": run_id, "started_at": now(), "parameters": json.dumps(parameters, default=str)}], ["run_id"])

    def finish_run(self, run_id: str, summary: dict) -> None:
        with self._writing() as conn:
            conn.execute(runs.update().where(runs.c.run_id == run_id)
                         .values(finished_at=now(), summary=json.dumps(summary, default=str)))

    def publish(self, run_id: str, batch: dict) -> dict:
        """Write one batch's outcome in a single transaction: articles, removals, quarantine, ledger.

        Retried on a fresh connection when the connection fails; raises StoreUnavailable when every
        attempt failed (nothing of the batch is then in the store). Articles and quarantine entries
        that another run had already written for the same input and rules (two runs at the same
        time) are left alone: `batch` is updated in place to say so (they move to `unchanged`, in
        the ledger too), and the return value counts what this publish wrote."""
        attempts = len(PUBLISH_RETRY_DELAYS) + 1
        for attempt in range(1, attempts + 1):
            try:
                taken = self._publish_once(run_id, batch)
                break
            except sa.exc.DBAPIError as exc:
                if not _transient(exc) or attempt == attempts:
                    # The next Store() starts afresh: a new pool, and tables created if the database
                    # came back empty (a long-running `flows serve` would otherwise fail until restarted).
                    _forget_engine(self.url)
                if not _transient(exc):
                    raise
                if attempt == attempts:
                    raise StoreUnavailable(
                        f"store {safe_url(self.url)}: publishing {len(batch['ledger'])} input(s) failed "
                        f"{attempts} times ({_short(exc, self.url)}); nothing of this batch was written") from exc
                log.warning("store %s: publish attempt %s of %s failed (%s); retrying",
                            safe_url(self.url), attempt, attempts, _short(exc, self.url))
                time.sleep(PUBLISH_RETRY_DELAYS[attempt - 1])
        if taken:
            _mark_taken(batch, taken)
        return {"published": len(batch["published"]), "quarantined": len(batch["quarantined"]),
                "written_by_another_run": len(taken)}

    def _publish_once(self, run_id: str, batch: dict) -> dict:
        """One attempt. Returns what another run had already written: {article id: run id} for
        published articles, {(article id, input hash): run id} for quarantine entries."""
        stamp = now()
        force = bool(batch.get("force", False))
        with self.engine.begin() as conn:
            if self.dialect == "sqlite":
                # Take the write lock now (waiting for it, up to the busy timeout), not on the first write:
                # a transaction that read first could not upgrade once another process has written.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            ids = sorted({article["id"] for article in batch["published"]})
            changed = self._upsert_articles(conn, batch["published"], run_id, stamp, force)
            written = [i for i in ids if i in changed]
            untouched = [i for i in ids if i not in changed]
            taken: dict = {}
            for chunk in _chunks(untouched, 500):
                for row in conn.execute(sa.select(articles.c.id, articles.c.run_id).where(articles.c.id.in_(chunk))):
                    if row.run_id != run_id:  # not our own earlier attempt: another run published it
                        taken[row.id] = row.run_id
            for chunk in _chunks(written, 500):
                conn.execute(removals.delete().where(removals.c.article_id.in_(chunk)))
            mine = set(written)
            rows = [r for r in batch["removals"] if r["article_id"] in mine]
            if rows:
                versions = {}
                for chunk in _chunks(written, 500):
                    versions.update(conn.execute(sa.select(articles.c.id, articles.c.version).where(articles.c.id.in_(chunk))).all())
                conn.execute(removals.insert(), [{**r, "version": versions[r["article_id"]]} for r in rows])
            quarantined = sorted(batch["quarantined"], key=lambda q: (q["article_id"], q["input_hash"]))
            _insert_ignore(conn, quarantine, [{**q, "run_id": run_id, "created_at": stamp} for q in quarantined],
                           ["article_id", "input_hash", "rules_version"])
            # Quarantine entries another run had made for the same input and rules (at the same time).
            keys = {(q["article_id"], q["input_hash"], q["rules_version"]) for q in quarantined}
            for chunk in _chunks(sorted({k[0] for k in keys}), 500):
                query = sa.select(quarantine.c.article_id, quarantine.c.input_hash, quarantine.c.rules_version,
                                  quarantine.c.run_id).where(quarantine.c.article_id.in_(chunk))
                for row in conn.execute(query):
                    if (row.article_id, row.input_hash, row.rules_version) in keys and row.run_id != run_id:
                        taken[(row.article_id, row.input_hash)] = row.run_id
            entries = [{**entry, "run_id": run_id, "recorded_at": stamp} for entry in batch["ledger"]]
            _reclassify(entries, taken)
            _insert_ignore(conn, ledger, entries, ["run_id", "article_id", "input_hash"])
            # Template memory counts published articles only: a quarantined input must not make
            # its paragraphs another article's boilerplate.
            published = {article["id"] for article in batch["published"]}
            _insert_ignore(conn, template_seen, [t for t in batch.get("templates", []) if t["article_id"] in published],
                           ["source", "fingerprint", "article_id"])
        return taken

    def _upsert_articles(self, conn, batch_articles: list[dict], run_id: str, stamp: datetime,
                         force: bool = False) -> set[str]:
        """Insert or update the articles in one statement; the ids of the rows written (an article
        is left alone when its row holds the same input cleaned with the same rules)."""
        if not batch_articles:
            return set()
        by_id = {article["id"]: article for article in batch_articles}  # one row per id, as one by one: the last wins
        # In id order: concurrent publishes lock rows in the same order and cannot deadlock.
        rows = [{**by_id[i], "run_id": run_id, "version": 1, "created_at": stamp, "updated_at": stamp} for i in sorted(by_id)]
        insert = _dialect_insert(self.dialect)(articles)
        changes = {c: insert.excluded[c] for c in rows[0] if c not in ("id", "created_at", "version")}
        changes["version"] = articles.c.version + 1
        # The same input cleaned with the same rules is the same article: leave it (and its version)
        # alone, whether this is a retried publish of the same run or another run that published it at
        # the same time. Only `force` re-publishes it with the next version (once per run).
        same = sa.and_(articles.c.input_hash == insert.excluded.input_hash,
                       articles.c.rules_version == insert.excluded.rules_version)
        if force:
            same = sa.and_(same, articles.c.run_id == insert.excluded.run_id)
        # RETURNING says which rows were written (rowcount is -1 with psycopg for this statement).
        # One statement for the batch: SQLAlchemy compiles it once and sends the rows in bulk.
        upsert = insert.on_conflict_do_update(index_elements=["id"], set_=changes, where=sa.not_(same))
        return {row.id for row in conn.execute(upsert.returning(articles.c.id), rows)}

    # --- export --------------------------------------------------------------------------------

    def export(self, target: str | Path, run_id: str | None = None) -> int:
        """Write published articles to a .jsonl file, or to one Markdown file each in a folder."""
        target = Path(target)
        query = sa.select(articles).order_by(articles.c.id)
        if run_id:
            query = query.where(articles.c.run_id == run_id)
        count = 0
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings()
            if target.suffix == ".jsonl":
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("w", encoding="utf-8") as out:
                    for row in rows:
                        out.write(json.dumps(_public(row), ensure_ascii=False, default=str) + "\n")
                        count += 1
            else:
                target.mkdir(parents=True, exist_ok=True)
                for row in rows:
                    path = export_path(target, row["id"])
                    path.write_text(_markdown(row), encoding="utf-8")
                    count += 1
        return count


def export_path(folder: Path, article_id: str) -> Path:
    """A file name inside `folder` derived from the id; it can never point outside the folder."""
    import hashlib

    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", article_id).strip("._")[:80] or "article"
    digest = hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:8]
    return folder / f"{stem}-{digest}.md"


def _public(row) -> dict:
    data = dict(row)
    for key in ("tags", "sources", "warnings"):
        data[key] = json.loads(data[key] or "[]")
    return data


def _markdown(row) -> str:
    head = f"# {row['title']}\n\n" if row["title"] else ""
    facts = ", ".join(f"{k}: {row[k]}" for k in ("source", "published", "author", "url") if row[k])
    return f"{head}{'_' + facts + '_' + chr(10) + chr(10) if facts else ''}{row['text']}\n"


def _engine(url: str) -> sa.Engine:
    if url not in _ENGINES:
        try:
            _ENGINES[url] = _open(url)
        except (OSError, sa.exc.DBAPIError) as exc:
            raise StoreUnavailable(_unavailable(url, exc)) from None  # the driver's own words may hold a secret
    return _ENGINES[url]


def _open(url: str) -> sa.Engine:
    """A new engine on the store, its tables created."""
    path = _sqlite_file(url)
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


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store; None for any other store, one in memory, or a `file:` URI (uri=true),
    which SQLite opens as it is given."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") or "uri" in parsed.query:
        return None
    return Path(parsed.database)


def _unavailable(url: str, exc: Exception) -> str:
    """Why the store cannot be used, without its secrets, and what to check."""
    reason = f"{type(getattr(exc, 'orig', None) or exc).__name__}: {_short(exc, url)}"
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        what = f"the SQLite file {parsed.database}"
        check = ("that its folder exists or can be created, and that this user may write to the folder and "
                 "the file (SQLite also writes the -wal and -shm files next to it)")
    else:
        what = "the database"
        check = "that the server is running and reachable, and the URL's host, port, database name, user and password"
    return (f"store {safe_url(url)}: cannot open or write {what} ({reason}). Check {check}; "
            f"or give another store (--store, or ${STORE_URL_ENV}).")


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


def _forget_engine(url: str) -> None:
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()  # pooled connections are closed; ones in use elsewhere finish and are dropped


def _transient(exc: sa.exc.DBAPIError) -> bool:
    """A failure that a new attempt on a new connection may not meet: the connection or server went
    away, a deadlock or serialization failure, SQLite busy or locked."""
    return bool(exc.connection_invalidated) or isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError))


def _short(exc: Exception, url: str) -> str:
    """The first line of the driver's message, without the URL's secrets."""
    text = _scrubbed(str(getattr(exc, "orig", None) or exc), url).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _reclassify(entries: list[dict], taken: dict) -> None:
    """Ledger entries for what another run had already written become `unchanged`."""
    for entry in entries:
        if entry["outcome"] == "published" and entry["article_id"] in taken:
            entry.update(outcome="unchanged", detail=f"published by run {taken[entry['article_id']]}")
        elif entry["outcome"] == "quarantined" and (entry["article_id"], entry["input_hash"]) in taken:
            owner = taken[(entry["article_id"], entry["input_hash"])]
            entry.update(outcome="unchanged", detail=f"quarantined by run {owner}")


def _mark_taken(batch: dict, taken: dict) -> None:
    """What another run had written (same input, same rules) is `unchanged` for this one: the batch
    says so afterwards, so the run's summary counts what this run wrote."""
    batch["published"] = [a for a in batch["published"] if a["id"] not in taken]
    batch["quarantined"] = [q for q in batch["quarantined"] if (q["article_id"], q["input_hash"]) not in taken]
    dropped = [r for r in batch["removals"] if r["article_id"] in taken]
    batch["removals"] = [r for r in batch["removals"] if r["article_id"] not in taken]
    for key, field in (("categories", "category"), ("rules", "rule_id")):
        counts = dict(batch.get(key) or {})
        for removal in dropped:
            counts[removal[field]] = counts.get(removal[field], 0) - 1
        batch[key] = {k: v for k, v in counts.items() if v > 0}
    before = sum(entry["outcome"] == "unchanged" for entry in batch["ledger"])
    _reclassify(batch["ledger"], taken)
    batch["unchanged"] = batch.get("unchanged", 0) + sum(entry["outcome"] == "unchanged" for entry in batch["ledger"]) - before


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _dialect_insert(dialect: str):
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise ValueError(f"unsupported store dialect {dialect!r}: use SQLite or PostgreSQL")


def _insert_ignore(conn, table: sa.Table, rows: list[dict], keys: list[str]) -> None:
    if rows:
        conn.execute(_dialect_insert(conn.dialect.name)(table).on_conflict_do_nothing(index_elements=keys), rows)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
