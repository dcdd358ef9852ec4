"""Reading the store, exporting what it holds, and each run's row in `runs` (its parameters when it
starts, its summary when it ends)."""
from __future__ import annotations

import hashlib
import json
import logging
import re
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from cleaners.text.blocks import split_blocks

from .engine import StoreUnavailable, chunks, insert_ignore, now, unavailable
from .selection import selected
from .tables import articles, quarantine, removals, runs, template_seen
from .urls import safe_url

log = logging.getLogger(__name__)


class Reading:
    """The store's reading half, with the run bookkeeping (`Store` holds `url` and `engine`)."""

    url: str
    engine: sa.Engine

    def seen(self, ids: list[str]) -> dict[str, set[tuple[str, str]]]:
        """For ids already handled: id -> {(input_hash, rules_version)} of the published article, and
        of quarantined inputs (those count as handled: the same input with the same rules fails again)."""
        found: dict[str, set] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(ids):
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
            for chunk in chunks(fingerprints):
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

    def published_by_run(self, run_id: str, limit: int) -> tuple[list[dict], list[dict]]:
        """The first `limit` articles (by id) a run published, and their removal logs."""
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(sa.select(articles).where(articles.c.run_id == run_id)
                                                  .order_by(articles.c.id).limit(limit)).mappings()]
            cut = [dict(r) for r in conn.execute(sa.select(removals).where(
                removals.c.article_id.in_([r["id"] for r in rows]))).mappings()] if rows else []
        return rows, cut

    # --- the run's own row ------------------------------------------------------------------------

    @contextmanager
    def _writing(self):
        """A transaction of the run's own bookkeeping: a store that cannot be written (a read-only
        SQLite file, the server gone) is StoreUnavailable, with what to check."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as exc:
            raise StoreUnavailable(unavailable(self.url, exc)) from None  # the driver's own words may hold a secret

    def start_run(self, run_id: str, parameters: dict) -> None:
        with self._writing() as conn:
            insert_ignore(conn, runs, [{"run_id": run_id, "started_at": now(),
                                        "parameters": json.dumps(parameters, default=str)}], ["run_id"])

    def finish_run(self, run_id: str, summary: dict) -> None:
        with self._writing() as conn:
            conn.execute(runs.update().where(runs.c.run_id == run_id)
                         .values(finished_at=now(), summary=json.dumps(summary, default=str)))
        self.checkpoint()

    def checkpoint(self) -> None:
        """SQLite: move the write-ahead log into the database file, so that the .db file alone (copied,
        mailed, opened read-only) holds everything. A reader still busy elsewhere can keep part of the
        log until the next checkpoint; nothing is lost either way."""
        if self.engine.dialect.name != "sqlite":
            return
        try:  # waits (up to the busy timeout) for another process's write or read to end
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except sa.exc.OperationalError as exc:  # everything is written already: the next checkpoint moves it
            log.warning("store %s: the write-ahead log was not checkpointed (%s)", safe_url(self.url), exc.orig)

    # --- export -----------------------------------------------------------------------------------

    def export(self, target: str | Path, filters=None) -> int:
        """Write what the store holds (the latest version of each article), or the articles a run's
        filters select (`filters`: RunOptions, or anything with article_ids, source, since and until),
        to a .jsonl file, or to one Markdown file each in a folder. Nothing is cleaned again.
        Returns how many articles were written."""
        target = Path(target)
        count = 0
        if target.suffix == ".jsonl":
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8") as out:
                for row in self._exported(filters):
                    out.write(json.dumps(_public(row), ensure_ascii=False, default=str) + "\n")
                    count += 1
        else:
            target.mkdir(parents=True, exist_ok=True)
            for row in self._exported(filters):
                export_path(target, row["id"]).write_text(_markdown(row), encoding="utf-8")
                count += 1
        return count

    def _exported(self, filters):
        """The articles to export, by id, read a slice at a time (a large store is never held whole)."""
        ids = sorted(filters.article_ids) if filters is not None and filters.article_ids else None
        with self.engine.connect() as conn:
            for chunk in chunks(ids) if ids else [None]:
                query = sa.select(articles).order_by(articles.c.id)
                if chunk is not None:
                    query = query.where(articles.c.id.in_(chunk))
                for row in conn.execution_options(yield_per=500).execute(query).mappings():
                    if filters is None or selected(row, filters):
                        yield row


def export_path(folder: Path, article_id: str) -> Path:
    """A file name inside `folder` derived from the id; it can never point outside the folder."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", article_id).strip("._")[:80] or "article"
    digest = hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:8]
    return folder / f"{stem}-{digest}.md"


def _public(row) -> dict:
    data = dict(row)
    for key in ("tags", "sources", "warnings"):
        data[key] = json.loads(data[key] or "[]")
    return data


def _markdown(row) -> str:
    """The article as Markdown: its title as `# `, its facts in italics, then its text, subheadings as
    `## `. The stored text marks no headings (paragraphs, list items as "- item"): they are read back
    as the library reads plain text, a short line without closing punctuation."""
    head = f"# {row['title']}\n\n" if row["title"] else ""
    facts = ", ".join(f"{k}: {row[k]}" for k in ("source", "published", "author", "url") if row[k])
    return f"{head}{'_' + facts + '_' + chr(10) + chr(10) if facts else ''}{markdown_body(row['text'])}\n"


def markdown_body(text: str) -> str:
    """The published text in Markdown: subheadings as `## `, list items as they are (`- item`), and a
    paragraph that Markdown would take for a heading or a list (a leading "#", "1.") escaped."""
    parts = []
    for block in split_blocks(text):
        if block.kind == "heading":
            parts.append(f"## {block.text}")
        elif block.kind == "item":
            parts.append(f"- {block.text}")
        else:
            parts.append(_NUMBERED.sub(r"\1\\\2", _LEADING_MARK.sub(r"\\\1", block.text, count=1), count=1))
    return "\n\n".join(parts)


# What Markdown would read as a heading, a quote or a list at the start of a paragraph.
_LEADING_MARK = re.compile(r"^(#|>|[-+*](?=\s))")
_NUMBERED = re.compile(r"^(\d+)([.)])(?=\s)")
