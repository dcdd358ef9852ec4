"""One batch, start to finish, without Prefect: read, filter, validate, clean, validate, decide.

The flow wraps `process_batch` in a task; tests and benchmarks can call it directly.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd

from cleaners import CleaningError, clean_html, clean_text, load_rules, rule_catalogue
from cleaners.source import registered_domain
from schemas import RawArticle, clean_article_schema, failures_by_id, removal_schema
from schemas.models import content_hash

from . import inbox
from .store import Store

# Warnings that stop an article from being published: the guard against gutted articles.
BLOCKING_WARNINGS = ("empty", "over_pruned")
_STRING_FIELDS = ("id", "url", "source", "html", "text", "language")


@dataclass
class Options:
    store_url: str | None = None
    rules_dir: str | None = None
    force: bool = False
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    article_ids: list[str] | None = None

    @property
    def filtering(self) -> bool:
        return bool(self.source or self.since or self.until or self.article_ids)

    @property
    def rules(self):
        return load_rules(self.rules_dir)


@dataclass
class Batch:
    """What happened to each input of a batch, ready for the store and the run summary."""

    published: list[dict] = field(default_factory=list)
    removals: list[dict] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)
    ledger: list[dict] = field(default_factory=list)
    unchanged: int = 0
    filtered: int = 0
    categories: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"published": self.published, "removals": self.removals, "quarantined": self.quarantined,
                "ledger": self.ledger, "unchanged": self.unchanged, "filtered": self.filtered,
                "categories": dict(self.categories), "rules": dict(self.rules)}

    def quarantine(self, article_id: str, input_hash: str, rules_version: str, reasons: list[str], payload) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, default=str)
        self.quarantined.append({"article_id": article_id, "input_hash": input_hash, "rules_version": rules_version,
                                 "reason": reasons[0], "details": json.dumps(reasons, ensure_ascii=False), "payload": text})
        self.ledger.append({"article_id": article_id, "input_hash": input_hash, "outcome": "quarantined", "detail": reasons[0]})


def process_batch(locators: list[inbox.Locator], options: Options) -> dict:
    rules = options.rules
    batch = Batch()
    records, bad = [], []
    for item in inbox.read(locators, options.store_url):
        if isinstance(item, inbox.BadRecord):
            # An unreadable record cannot match a filter: a filtered rerun leaves it to the full runs.
            if options.filtering:
                batch.filtered += 1
            else:
                bad.append((item.id, _hash(item.payload), [item.reason], item.payload))
            continue
        problem = _type_problem(item)
        if problem:
            if options.filtering:
                batch.filtered += 1
            else:
                bad.append((item["id"], _hash(item), [problem], item))
            continue
        item["source"] = item["source"] or registered_domain(item["url"])
        if _selected(item, options):
            records.append((item, _hash({k: item[k] for k in ("html", "text", "url", "source", "language")})))
        else:
            batch.filtered += 1
    ids = [article_id for article_id, *_ in bad] + [record["id"] for record, _ in records]
    seen = Store(options.store_url).seen(ids) if ids and not options.force else {}

    def unchanged(article_id: str, input_hash: str) -> bool:
        if (input_hash, rules.version) not in seen.get(article_id, ()):
            return False
        batch.unchanged += 1
        batch.ledger.append({"article_id": article_id, "input_hash": input_hash, "outcome": "unchanged", "detail": None})
        return True

    for article_id, input_hash, reasons, payload in bad:
        if not unchanged(article_id, input_hash):
            batch.quarantine(article_id, input_hash, rules.version, reasons, payload)
    records = [(record, input_hash) for record, input_hash in records if not unchanged(record["id"], input_hash)]
    if records:
        frame = pd.DataFrame([record for record, _ in records], columns=list(inbox.FIELDS))
        raw_failures = failures_by_id(RawArticle.to_schema(), frame, "id")
        for record, input_hash in records:
            if record["id"] in raw_failures:
                batch.quarantine(record["id"], input_hash, rules.version, raw_failures[record["id"]], record)
        _clean_and_check([(r, h) for r, h in records if r["id"] not in raw_failures], rules, batch)
    return batch.as_dict()


def _clean_and_check(candidates, rules, batch: Batch) -> None:
    rows, removal_rows, kept = [], [], []
    for record, input_hash in candidates:
        try:
            result = _clean(record, rules)
        except CleaningError as exc:
            batch.quarantine(record["id"], input_hash, rules.version, [f"{exc.code}: {exc}"], record)
            continue
        except Exception as exc:  # a bug must not stop the run: the input is kept with the reason
            batch.quarantine(record["id"], input_hash, rules.version, [f"internal_error: {type(exc).__name__}: {exc}"], record)
            continue
        blocking = [w for w in result.warnings if w in BLOCKING_WARNINGS]
        if blocking:
            batch.quarantine(record["id"], input_hash, rules.version,
                             [f"{w}: cleaning left {len(result.text.split())} words" for w in blocking], record)
            continue
        rows.append(_article_row(record, result, input_hash, rules.version))
        removal_rows.extend({"article_id": record["id"], "idx": i, "category": r.category, "rule_id": r.rule_id,
                             "scope": r.scope, "position": r.position, "text": r.text}
                            for i, r in enumerate(result.removals))
        kept.append((record, input_hash))
    if not rows:
        return
    failures = failures_by_id(clean_article_schema(rules.never_publish), pd.DataFrame(rows), "id")
    if removal_rows:
        for article_id, reasons in failures_by_id(removal_schema(rule_catalogue(rules)), pd.DataFrame(removal_rows), "article_id").items():
            failures.setdefault(article_id, []).extend(f"removal log: {r}" for r in reasons)
    for row, (record, input_hash) in zip(rows, kept):
        if row["id"] in failures:
            batch.quarantine(row["id"], input_hash, rules.version, failures[row["id"]], record)
            continue
        batch.published.append(row)
        batch.ledger.append({"article_id": row["id"], "input_hash": input_hash, "outcome": "published", "detail": None})
    published_ids = {row["id"] for row in batch.published}
    for removal in removal_rows:
        if removal["article_id"] in published_ids:
            batch.removals.append(removal)
            batch.categories[removal["category"]] += 1
            batch.rules[removal["rule_id"]] += 1


def _clean(record: dict, rules):
    options = dict(url=record["url"], source=record["source"], language=record["language"], rules=rules)
    if record["html"] and record["html"].strip():
        return clean_html(record["html"], **options)
    return clean_text(record["text"] or "", **options)


def _article_row(record: dict, result, input_hash: str, rules_version: str) -> dict:
    meta = result.metadata
    return {
        "id": record["id"], "source": record["source"], "url": record["url"], "title": result.title,
        "text": result.text, "language": result.language, "published": meta.published, "author": meta.author,
        "tags": json.dumps(meta.tags, ensure_ascii=False), "sources": json.dumps(meta.sources, ensure_ascii=False),
        "warnings": json.dumps(result.warnings), "content_hash": content_hash(result.text),
        "input_hash": input_hash, "rules_version": rules_version,
        "fetched_at": None if record["fetched_at"] is None else str(record["fetched_at"]),
    }


def _type_problem(record: dict) -> str | None:
    for name in _STRING_FIELDS:
        if record[name] is not None and not isinstance(record[name], str):
            return f"malformed record: '{name}' must be a string, not {type(record[name]).__name__}"
    if record["fetched_at"] is not None and not isinstance(record["fetched_at"], (str, int, float, datetime, pd.Timestamp)):
        return f"malformed record: 'fetched_at' must be a date, not {type(record['fetched_at']).__name__}"
    return None


def _selected(record: dict, options: Options) -> bool:
    if options.article_ids and record["id"] not in options.article_ids:
        return False
    if options.source:
        source = record["source"] or ""
        if source != options.source and not source.endswith("." + options.source):
            return False
    if options.since or options.until:
        fetched = _timestamp(record["fetched_at"])
        if fetched is None:
            return False
        if options.since and fetched < _aware(options.since):
            return False
        if options.until and fetched >= _aware(options.until):
            return False
    return True


def _timestamp(value) -> datetime | None:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    return None if pd.isna(stamp) else _aware(stamp.to_pydatetime())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _hash(value) -> str:
    data = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8", "replace")).hexdigest()
