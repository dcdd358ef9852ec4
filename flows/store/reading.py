"""Reading the store, exporting what it published, and each run's row in `runs` (its parameters when
it starts, its summary when it ends)."""
from __future__ import annotations

import hashlib
import json
import re
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from .engine import StoreUnavailable, chunks, insert_ignore, now, unavailable
from .tables import articles, quarantine, removals, runs, template_seen


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

    # --- export -----------------------------------------------------------------------------------

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
                    export_path(target, row["id"]).write_text(_markdown(row), encoding="utf-8")
                    count += 1
        return count


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
    head = f"# {row['title']}\n\n" if row["title"] else ""
    facts = ", ".join(f"{k}: {row[k]}" for k in ("source", "published", "author", "url") if row[k])
    return f"{head}{'_' + facts + '_' + chr(10) + chr(10) if facts else ''}{row['text']}\n"
