"""What one run did to each input, read back from the store (read-only): the run's ledger with each
article's title, source and version and its removals by category. The run's outcomes table (a Prefect
artifact) shows the first rows of it; the ledger holds them all."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from cleaners.source import registered_domain

from .engine import chunks
from .tables import articles, ledger, quarantine, removals

# Inputs that need a look first come first: quarantined, then published, then unchanged.
ORDER = ("quarantined", "published", "unchanged")
# A quarantined input has no article row: its source and URL are read from the start of its payload
# (the record as JSON, `id`, `url` and `source` first), not from the whole of it (up to 1 MB each).
PAYLOAD_HEAD = 4000
_FIELD = {name: re.compile(rf'"{name}":\s*"((?:[^"\\]|\\.)*)"') for name in ("source", "url", "title")}


@dataclass
class Outcome:
    """One input of a run: what happened to it."""

    article_id: str
    outcome: str  # published | quarantined | unchanged (as the ledger says)
    detail: str | None = None  # a quarantined input's first reason
    title: str | None = None
    source: str | None = None
    version: int | None = None  # the version this run published; None when a later run has published since
    removals: Counter = field(default_factory=Counter)  # by category, for what this run published


def run_outcomes(engine: sa.Engine, run_id: str, limit: int) -> tuple[list[Outcome], Counter]:
    """The first `limit` inputs of a run (quarantined first, then published, then unchanged; by id
    within each), and how many inputs had each outcome."""
    rank = sa.case({name: i for i, name in enumerate(ORDER)}, value=ledger.c.outcome, else_=len(ORDER))
    query = (sa.select(ledger.c.article_id, ledger.c.outcome, ledger.c.detail, ledger.c.input_hash,
                       articles.c.title, articles.c.source, articles.c.version, articles.c.run_id)
             .select_from(ledger.outerjoin(articles, articles.c.id == ledger.c.article_id))
             .where(ledger.c.run_id == run_id).order_by(rank, ledger.c.article_id).limit(limit))
    with engine.connect() as conn:
        totals = Counter(dict(conn.execute(sa.select(ledger.c.outcome, sa.func.count()).where(ledger.c.run_id == run_id)
                                           .group_by(ledger.c.outcome)).all()))
        rows = conn.execute(query).all()
        outcomes = [Outcome(row.article_id, row.outcome, row.detail, row.title, row.source,
                            row.version if row.outcome == "published" and row.run_id == run_id else None)
                    for row in rows]
        _add_removals(conn, [o for o in outcomes if o.version is not None])
        _add_sources(conn, [(o, row.input_hash) for o, row in zip(outcomes, rows) if o.source is None])
    return outcomes, totals


def _add_removals(conn, published: list[Outcome]) -> None:
    """Removals by category of the articles this run published (the removal log holds the current version's)."""
    by_id = {o.article_id: o for o in published}
    for chunk in chunks(list(by_id)):
        query = (sa.select(removals.c.article_id, removals.c.category, sa.func.count())
                 .where(removals.c.article_id.in_(chunk)).group_by(removals.c.article_id, removals.c.category))
        for article_id, category, n in conn.execute(query):
            by_id[article_id].removals[category] = n


def _add_sources(conn, pending: list[tuple[Outcome, str]]) -> None:
    """Source (and title, when the record had one) of inputs without an article row, from the start of
    their quarantined payload."""
    for chunk in chunks(pending):
        ids = [o.article_id for o, _ in chunk]
        query = (sa.select(quarantine.c.article_id, quarantine.c.input_hash, sa.func.substr(quarantine.c.payload, 1, PAYLOAD_HEAD))
                 .where(quarantine.c.article_id.in_(ids)))
        heads = {(article_id, input_hash): head for article_id, input_hash, head in conn.execute(query)}
        for outcome, input_hash in chunk:
            head = heads.get((outcome.article_id, input_hash))
            if head:
                found = {name: _string(pattern, head) for name, pattern in _FIELD.items()}
                outcome.source = found["source"] or (registered_domain(found["url"]) if found["url"] else None)
                outcome.title = outcome.title or found["title"]


def _string(pattern: re.Pattern, text: str) -> str | None:
    match = pattern.search(text)
    if not match:
        return None
    try:
        return json.loads(f'"{match.group(1)}"') or None
    except ValueError:
        return None
