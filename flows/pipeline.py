"""One batch, start to finish, without Prefect: read, filter, validate, clean, validate, decide.

The flow wraps `process_batch` in a task; tests and benchmarks can call it directly.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd

from cleaners import CleaningError, rule_catalogue
from cleaners.source import registered_domain
from schemas import RawArticle, clean_article_schema, failures_by_id, removal_schema
from schemas.models import MARKUP, MAX_ID_CHARS, content_hash

from . import inbox
from .options import Options
from .store import Store
from .templates import apply_template_memory
from .watchdog import clean_records

# Warnings that stop an article from being published: the guard against gutted articles.
BLOCKING_WARNINGS = ("empty", "over_pruned")
_STRING_FIELDS = ("id", "url", "source", "html", "text", "language")
# What the store's columns hold (PostgreSQL enforces it; a longer value would fail the whole batch).
_MAX_FIELD_CHARS = {"source": 300, "language": 8}
MAX_PAYLOAD_CHARS = inbox.MAX_PAYLOAD_CHARS
# Control characters: PostgreSQL cannot store NUL in text at all, and none belongs in an id or a URL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_TRAVERSAL = re.compile(r"(^|[/\\])\.\.($|[/\\])")


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
    force: bool = False  # published with force: the store moves the version on even for the same input
    templates: list[dict] = field(default_factory=list)  # (source, fingerprint, article) for template memory
    stopped: list[str] = field(default_factory=list)  # records a cleaning worker was stopped on, for the run's log

    def as_dict(self) -> dict:
        return {"published": self.published, "removals": self.removals, "quarantined": self.quarantined,
                "ledger": self.ledger, "unchanged": self.unchanged, "filtered": self.filtered,
                "categories": dict(self.categories), "rules": dict(self.rules), "force": self.force,
                "templates": self.templates, "stopped": self.stopped}

    def quarantine(self, article_id: str, input_hash: str, rules_version: str, reasons: list[str], payload) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, default=str)
        reasons = [_storable(reason, 10_000) for reason in reasons]
        self.quarantined.append({"article_id": article_id, "input_hash": input_hash, "rules_version": rules_version,
                                 "reason": reasons[0], "details": json.dumps(reasons, ensure_ascii=False),
                                 "payload": _storable(text, MAX_PAYLOAD_CHARS)})
        self.ledger.append({"article_id": article_id, "input_hash": input_hash, "outcome": "quarantined", "detail": reasons[0]})


def process_batch(locators: list[inbox.Locator], options: Options) -> dict:
    """Read, check, clean and validate one batch. Every input ends up in the ledger exactly once:
    published, quarantined (with every reason) or unchanged; nothing in the batch stops the others."""
    rules = options.rules
    batch = Batch(force=options.force)
    records, bad = [], []
    pairs = inbox.read_pairs(locators, options.store_url)
    conflicts = _conflicts(pairs)
    for loc, item in pairs:
        if isinstance(item, inbox.BadRecord):
            # An unreadable record cannot match a filter: a filtered rerun leaves it to the full runs.
            if options.filtering:
                batch.filtered += 1
            else:
                bad.append((_storable_id(item.id), _hash(item.payload), _with_id_problem(item.id, [item.reason]), item.payload))
            continue
        problem = _type_problem(item) or _id_problem(item["id"])
        if problem:
            if options.filtering:
                batch.filtered += 1
            else:
                reasons = [problem] if problem.startswith("invalid id") else _with_id_problem(item["id"], [problem])
                bad.append((_storable_id(item["id"]), _hash(item), reasons, item))
            continue
        item["source"] = item["source"] or registered_domain(item["url"])
        if not _selected(item, options):
            batch.filtered += 1
            continue
        input_hash = _hash({k: item[k] for k in ("html", "text", "url", "source", "language")})
        conflict = loc.conflict or conflicts.get(id(item))
        if conflict:  # several inputs claim this id: none is published, all are kept with the reason
            bad.append((item["id"], input_hash, [conflict], item))
            continue
        records.append((item, input_hash))
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
        _clean_and_check([(r, h) for r, h in records if r["id"] not in raw_failures], rules, batch,
                         options.store_url, options.rules_dir)
    return batch.as_dict()


def _clean_and_check(candidates, rules, batch: Batch, store_url: str | None, rules_dir: str | None) -> None:
    accepted = []
    # In a worker process that is killed if it hangs (flows/watchdog.py); the checks stay here.
    outcomes = clean_records([record for record, _ in candidates], rules_dir, rules.version, batch.stopped)
    for (record, input_hash), result in zip(candidates, outcomes):
        try:
            if isinstance(result, CleaningError):  # a limit, a stopped worker, or a bug in the library
                raise result
            bad_field = _unstorable_field(result)
            if bad_field:
                raise CleaningError("unstorable", f"the store cannot hold the clean result's {bad_field} "
                                                  "(NUL, control characters or too long)")
            markup = MARKUP.search(result.text) or (result.title and MARKUP.search(result.title))
            if markup:  # the last gate: published text carries no markup, whatever the library let through
                raise CleaningError("markup", f"markup or an entity reference in the clean text: {markup.group()[:40]!r}")
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
        accepted.append((record, input_hash, result))
    if not accepted:
        return
    # Validated before template memory as well as after it: an article that is not published must
    # not count towards another's template. After it, only what template memory changed.
    invalid = _quarantine_invalid(accepted, rules, batch)
    accepted = [item for item in accepted if item[0]["id"] not in invalid]
    stripped = apply_template_memory(accepted, Store(store_url), batch)
    invalid = _quarantine_invalid([new for new, old in zip(stripped, accepted) if new[2] is not old[2]], rules, batch)
    for record, input_hash, result in stripped:
        if record["id"] in invalid:
            continue
        batch.published.append(_article_row(record, result, input_hash, rules.version))
        batch.ledger.append({"article_id": record["id"], "input_hash": input_hash, "outcome": "published", "detail": None})
        for removal in _removal_rows(record["id"], result):
            batch.removals.append(removal)
            batch.categories[removal["category"]] += 1
            batch.rules[removal["rule_id"]] += 1


def _quarantine_invalid(accepted: list[tuple], rules, batch: Batch) -> set[str]:
    """Validate clean results as they would be published, quarantine those that fail (with every
    reason) and return their ids."""
    if not accepted:
        return set()
    rows = [_article_row(record, result, input_hash, rules.version) for record, input_hash, result in accepted]
    failures = failures_by_id(clean_article_schema(rules.never_publish), pd.DataFrame(rows), "id")
    removal_rows = [row for record, _, result in accepted for row in _removal_rows(record["id"], result)]
    if removal_rows:
        for article_id, reasons in failures_by_id(removal_schema(rule_catalogue(rules)), pd.DataFrame(removal_rows), "article_id").items():
            failures.setdefault(article_id, []).extend(f"removal log: {r}" for r in reasons)
    for record, input_hash, _ in accepted:
        if record["id"] in failures:
            batch.quarantine(record["id"], input_hash, rules.version, failures[record["id"]], record)
    return set(failures)


def _removal_rows(article_id: str, result) -> list[dict]:
    return [{"article_id": article_id, "idx": i, "category": r.category, "rule_id": r.rule_id,
             "scope": r.scope, "position": r.position, "text": r.text} for i, r in enumerate(result.removals)]


def _unstorable_field(result) -> str | None:
    """The first part of a clean result no store can hold (NUL, a lone surrogate, longer than its
    column), or that breaks a one-line field (control characters in the title, author or date)."""
    meta = result.metadata
    for name, value in (("title", result.title), ("author", meta.author), ("published", meta.published)):
        if value and (_CONTROL.search(value) or _has_surrogates(value)):
            return name
    if meta.published and len(meta.published) > 32:  # the store's column holds a date
        return "published date"
    if any(len(r.rule_id) > 120 or len(r.category) > 32 for r in result.removals):  # the removal log's columns
        return "removal log (a rule id longer than 120 characters)"
    for name, values in (("text", [result.text]), ("tags", meta.tags), ("sources", meta.sources),
                         ("removal log", [r.text for r in result.removals])):
        if any("\x00" in value or _has_surrogates(value) for value in values if value):
            return name
    return None


def _conflicts(pairs) -> dict[int, str]:
    """Records of this batch that share an id with different content, though scan did not know
    (several rows of one table with the same id): id(record) -> reason."""
    by_id: dict[str, list[dict]] = {}
    for loc, item in pairs:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and not loc.conflict:
            by_id.setdefault(item["id"], []).append(item)
    out: dict[int, str] = {}
    for article_id, items in by_id.items():
        if len(items) < 2:  # the usual case: no need to hash the whole record
            continue
        prints = {inbox.fingerprint(item) for item in items}
        if len(prints) > 1:
            for item in items:
                out[id(item)] = f"duplicate_id: {len(prints)} inputs of the inbox have this id with different content"
    return out


def _id_problem(article_id) -> str | None:
    """Why an id cannot be used: control characters (NUL), too long, or a path that climbs out ('../')."""
    if not isinstance(article_id, str) or not article_id.strip():
        return "invalid id: empty"
    if _CONTROL.search(article_id):
        return f"invalid id: contains control characters (e.g. NUL): {article_id[:80]!r}"
    if len(article_id) > MAX_ID_CHARS:
        return f"invalid id: {len(article_id):,} characters, at most {MAX_ID_CHARS}: {article_id[:60]!r}..."
    if _TRAVERSAL.search(article_id) or article_id.startswith(("/", "\\")):
        return f"invalid id: looks like a file path that leaves its folder ('../' or absolute): {article_id!r}"
    return None


def _with_id_problem(article_id, reasons: list[str]) -> list[str]:
    problem = _id_problem(article_id)
    return reasons + [problem] if problem else reasons


def _storable_id(article_id) -> str:
    """The id a quarantine entry is stored under: the id itself, unless no store could hold it (NUL,
    control characters, longer than the limit); then a stable stand-in (the original is in the payload)."""
    if isinstance(article_id, str) and article_id and not _CONTROL.search(article_id) and len(article_id) <= MAX_ID_CHARS:
        return article_id
    raw = article_id if isinstance(article_id, str) else repr(article_id)
    return "invalid-id-" + hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _storable(text: str, limit: int) -> str:
    """Text any store can hold: no NUL (PostgreSQL refuses it), no lone surrogates, at most `limit` characters."""
    if len(text) > limit:
        text = text[:limit] + f"\n[... truncated: {len(text):,} characters in all]"
    return _SURROGATE.sub("\ufffd", text.replace("\x00", "\ufffd"))


def _has_surrogates(text: str) -> bool:
    """A str holds a surrogate code point only as a lone one (JSON allows "\\ud800"; UTF-8 cannot hold it).
    Strict UTF-8 encoding fails on exactly those, and takes a fifth of a regex search's time on a page."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


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
    for name in ("html", "text"):  # a lone surrogate (valid JSON, invalid Unicode): repaired as the library would
        if record[name] and _has_surrogates(record[name]):
            record[name] = _SURROGATE.sub("\ufffd", record[name])
    for name in ("id", "url", "source", "language", "fetched_at"):
        if isinstance(record[name], str) and _has_surrogates(record[name]):
            return f"malformed record: '{name}' is not valid Unicode (a lone surrogate)"
    for name in ("url", "source", "language"):
        if record[name] and _CONTROL.search(record[name]):
            return f"malformed record: '{name}' contains control characters (e.g. NUL)"
        if record[name] and len(record[name]) > _MAX_FIELD_CHARS.get(name, 100_000):
            return f"malformed record: '{name}' is {len(record[name]):,} characters long"
    if isinstance(record["fetched_at"], str) and (_CONTROL.search(record["fetched_at"]) or len(record["fetched_at"]) > 40):
        return "malformed record: 'fetched_at' is not a date"
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
