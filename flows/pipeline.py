"""One batch, start to finish, without Prefect: read, filter, validate, clean, validate, decide.

The flow wraps `process_batch` in a task; tests and benchmarks can call it directly.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from cleaners import CleaningError, rule_catalogue
from cleaners.source import registered_domain
from schemas import clean_article_schema, failures_by_id, raw_article_schema, removal_schema
from schemas.models import MARKUP, content_hash

from . import inbox
from .checks import id_problem, in_words, storable, storable_id, type_problem, unstorable_field, with_id_problem
from .options import RunOptions
from .settings import FlowSettings
from .store import Store, resolve_url, selected
from .templates import apply_template_memory
from .watchdog import clean_records, worker_limits

__all__ = ["BLOCKING_WARNINGS", "Batch", "RunOptions", "process_batch"]

# Warnings that stop an article from being published: the guard against gutted articles.
BLOCKING_WARNINGS = ("empty", "over_pruned")


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
        reasons = [storable(in_words(reason), 10_000) for reason in reasons]  # what an editor reads, code beside it
        self.quarantined.append({"article_id": article_id, "input_hash": input_hash, "rules_version": rules_version,
                                 "reason": reasons[0], "details": json.dumps(reasons, ensure_ascii=False),
                                 "payload": storable(text, inbox.MAX_PAYLOAD_CHARS)})
        self.ledger.append({"article_id": article_id, "input_hash": input_hash, "outcome": "quarantined", "detail": reasons[0]})


def process_batch(locators: list[inbox.Locator], options: RunOptions, settings: FlowSettings | None = None) -> dict:
    """Read, check, clean and validate one batch. Every input ends up in the ledger exactly once:
    published, quarantined (with every reason) or unchanged; nothing in the batch stops the others.
    `settings`: the run's; read from the environment now when not given (a batch cleaned on its own)."""
    settings = settings or FlowSettings.read()
    store_url = resolve_url(options.store_url, settings)
    rules = options.load_rules()
    batch = Batch(force=options.force)
    records, bad = _triage(inbox.read_pairs(locators, store_url), options, batch)
    ids = [article_id for article_id, *_ in bad] + [record["id"] for record, _ in records]
    seen = Store(store_url).seen(ids) if ids and not options.force else {}

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
    if not records:
        return batch.as_dict()
    raw_failures = _raw_failures([record for record, _ in records])
    for record, input_hash in records:
        if record["id"] in raw_failures:
            batch.quarantine(record["id"], input_hash, rules.version, raw_failures[record["id"]], record)
    candidates = [(r, h) for r, h in records if r["id"] not in raw_failures]
    # In a worker process that is killed if it hangs (flows/watchdog.py); the checks stay here.
    outcomes = clean_records([record for record, _ in candidates], options.rules_dir, rules.version,
                             worker_limits(settings.stall_seconds), batch.stopped)
    accepted = _checked(candidates, outcomes, rules, batch, settings.quarantine_held_back)
    if accepted:
        _validate_and_publish(accepted, rules, batch, Store(store_url), settings.template_min_articles)
    return batch.as_dict()


def _raw_failures(records: list[dict]) -> dict[str, list[str]]:
    """RawArticle's failures of the records to clean, by id."""
    # Object columns: the frame holds the records' own strings. pandas' default string columns copy
    # every page into Arrow buffers (about 100 MB of a worker's peak for a batch of 200 records, half
    # of them pages); the checks find the same failures either way.
    frame = pd.DataFrame(records, columns=list(inbox.FIELDS), dtype=object)
    return failures_by_id(raw_article_schema(), frame, "id")


def _triage(pairs, options: RunOptions, batch: Batch) -> tuple[list[tuple], list[tuple]]:
    """What was read, split into records to clean, (record, input hash), and inputs to quarantine,
    (id to store, input hash, reasons, payload); what the run's filters leave out is counted."""
    records, bad = [], []
    conflicts = _conflicts(pairs)
    for loc, item in pairs:
        if isinstance(item, inbox.BadRecord):
            # An unreadable record cannot match a filter: a filtered rerun leaves it to the full runs.
            if options.filtering:
                batch.filtered += 1
            else:
                bad.append((storable_id(item.id), inbox.input_hash(item), with_id_problem(item.id, [item.reason]), item.payload))
            continue
        problem = type_problem(item) or id_problem(item["id"])
        if problem:
            if options.filtering:
                batch.filtered += 1
            else:
                reasons = [problem] if problem.startswith("invalid id") else with_id_problem(item["id"], [problem])
                bad.append((storable_id(item["id"]), inbox.input_hash(item), reasons, item))
            continue
        item["source"] = item["source"] or registered_domain(item["url"])
        if not selected(item, options):
            batch.filtered += 1
            continue
        input_hash = inbox.input_hash(item)
        conflict = loc.conflict or conflicts.get(id(item))
        if conflict:  # several inputs claim this id: none is published, all are kept with the reason
            bad.append((item["id"], input_hash, [conflict], item))
            continue
        records.append((item, input_hash))
    return records, bad


def _checked(candidates, outcomes, rules, batch: Batch, quarantine_held_back: bool = False) -> list[tuple]:
    """(record, input hash, result) of each clean result that passed the pipeline's own checks; the
    others are quarantined."""
    accepted = []
    for (record, input_hash), result in zip(candidates, outcomes):
        if isinstance(result, CleaningError):  # a limit, a stopped worker, or a bug in the library
            # Not raised here: raised, the outcome would hold a traceback holding this frame, which
            # holds the outcomes: a cycle that kept the whole batch (its pages and results) in
            # memory until the garbage collector's next full pass.
            batch.quarantine(record["id"], input_hash, rules.version, [f"{result.code}: {result}"], record)
            continue
        try:
            bad_field = unstorable_field(result)
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
        if quarantine_held_back and result.held_back:
            batch.quarantine(record["id"], input_hash, rules.version,
                             [f"held_back: {', '.join(result.held_back)} would have taken most of the article"], record)
            continue
        accepted.append((record, input_hash, result))
    return accepted


def _validate_and_publish(accepted: list[tuple], rules, batch: Batch, store: Store, template_min_articles: int) -> None:
    # Validated before template memory as well as after it: an article that is not published must
    # not count towards another's template. After it, only what template memory changed.
    invalid = _quarantine_invalid(accepted, rules, batch)
    accepted = [item for item in accepted if item[0]["id"] not in invalid]
    stripped = apply_template_memory(accepted, store, batch, template_min_articles)
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


def _conflicts(pairs) -> dict[int, str]:
    """Records of this batch that share an id with different content, though scan did not know
    (several rows of one table with the same id): id(record) -> reason."""
    by_id: dict[str, list[dict]] = {}
    for loc, item in pairs:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and not loc.conflict:
            by_id.setdefault(item["id"], []).append(item)
    out: dict[int, str] = {}
    for items in by_id.values():
        if len(items) < 2:  # the usual case: no need to hash the whole record
            continue
        hashes = {inbox.input_hash(item) for item in items}
        if len(hashes) > 1:
            for item in items:
                out[id(item)] = f"duplicate_id: {len(hashes)} inputs of the inbox have this id with different content"
    return out

