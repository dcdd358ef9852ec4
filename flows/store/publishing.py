"""Publishing one batch: articles, removal log, quarantine, ledger and template memory in one
transaction, retried on a fresh connection when the connection fails.

Every write is an upsert or an insert that ignores rows it already has, so a retried or repeated
publish changes nothing and duplicates nothing. Two runs publishing the same input at the same time
write it once: the second finds the same input and rules already there and leaves the row (and its
version) alone; its ledger says `unchanged`.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime

import sqlalchemy as sa

from .engine import StoreUnavailable, chunks, dialect_insert, forget_engine, insert_ignore, now, short
from .tables import articles, ledger, quarantine, removals, template_seen
from .urls import safe_url

# Pauses between the attempts of one publish (so len + 1 attempts); the flow's task retries come on top.
PUBLISH_RETRY_DELAYS: tuple[float, ...] = (0.5, 2.0)
log = logging.getLogger(__name__)


class Publishing:
    """The store's publishing half (`Store` holds `url`, `engine` and `dialect`)."""

    url: str
    engine: sa.Engine
    dialect: str

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
                    forget_engine(self.url)
                if not _transient(exc):
                    raise
                if attempt == attempts:
                    raise StoreUnavailable(
                        f"store {safe_url(self.url)}: publishing {len(batch['ledger'])} input(s) failed "
                        f"{attempts} times ({short(exc, self.url)}); nothing of this batch was written") from exc
                log.warning("store %s: publish attempt %s of %s failed (%s); retrying",
                            safe_url(self.url), attempt, attempts, short(exc, self.url))
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
            for chunk in chunks(untouched):
                for row in conn.execute(sa.select(articles.c.id, articles.c.run_id).where(articles.c.id.in_(chunk))):
                    if row.run_id != run_id:  # not our own earlier attempt: another run published it
                        taken[row.id] = row.run_id
            for chunk in chunks(written):
                conn.execute(removals.delete().where(removals.c.article_id.in_(chunk)))
            mine = set(written)
            rows = [r for r in batch["removals"] if r["article_id"] in mine]
            if rows:
                versions = {}
                for chunk in chunks(written):
                    versions.update(conn.execute(sa.select(articles.c.id, articles.c.version).where(articles.c.id.in_(chunk))).all())
                conn.execute(removals.insert(), [{**r, "version": versions[r["article_id"]]} for r in rows])
            quarantined = sorted(batch["quarantined"], key=lambda q: (q["article_id"], q["input_hash"]))
            insert_ignore(conn, quarantine, [{**q, "run_id": run_id, "created_at": stamp} for q in quarantined],
                          ["article_id", "input_hash", "rules_version"])
            # Quarantine entries another run had made for the same input and rules (at the same time).
            keys = {(q["article_id"], q["input_hash"], q["rules_version"]) for q in quarantined}
            for chunk in chunks(sorted({k[0] for k in keys})):
                query = sa.select(quarantine.c.article_id, quarantine.c.input_hash, quarantine.c.rules_version,
                                  quarantine.c.run_id).where(quarantine.c.article_id.in_(chunk))
                for row in conn.execute(query):
                    if (row.article_id, row.input_hash, row.rules_version) in keys and row.run_id != run_id:
                        taken[(row.article_id, row.input_hash)] = row.run_id
            entries = [{**entry, "run_id": run_id, "recorded_at": stamp} for entry in batch["ledger"]]
            _reclassify(entries, taken)
            insert_ignore(conn, ledger, entries, ["run_id", "article_id", "input_hash"])
            # Template memory counts published articles only: a quarantined input must not make
            # its paragraphs another article's boilerplate.
            published = {article["id"] for article in batch["published"]}
            insert_ignore(conn, template_seen, [t for t in batch.get("templates", []) if t["article_id"] in published],
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
        insert = dialect_insert(self.dialect)(articles)
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


def _transient(exc: sa.exc.DBAPIError) -> bool:
    """A failure that a new attempt on a new connection may not meet: the connection or server went
    away, a deadlock or serialization failure, SQLite busy or locked."""
    return bool(exc.connection_invalidated) or isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError))


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
