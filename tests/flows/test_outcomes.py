"""What one run did to each input, read back from the store (flows/store/outcomes.py), on SQLite and
PostgreSQL: no Prefect needed."""
import json
from datetime import datetime, timezone

from flows.store import Store, articles, ledger, quarantine, removals
from flows.store.outcomes import run_outcomes

NOW = datetime(2026, 12, 6, tzinfo=timezone.utc)


def _article(article_id: str, run_id: str, version: int, title: str | None = "T", source: str | None = "x.de") -> dict:
    return {"id": article_id, "source": source, "url": None, "title": title, "text": "Text.", "language": "de",
            "published": None, "author": None, "tags": "[]", "sources": "[]", "warnings": "[]", "content_hash": "c",
            "input_hash": f"h-{article_id}", "rules_version": "r", "version": version, "run_id": run_id,
            "fetched_at": None, "created_at": NOW, "updated_at": NOW}


def _ledger(run_id: str, article_id: str, outcome: str, detail: str | None = None) -> dict:
    return {"run_id": run_id, "article_id": article_id, "input_hash": f"h-{article_id}", "outcome": outcome,
            "detail": detail, "recorded_at": NOW}


def _filled(url: str) -> Store:
    store = Store(url)
    record = {"id": "q-1", "url": "https://www.example-news.de/a", "source": None, "html": "<p>" + "x" * 10_000,
              "text": None, "language": "fr", "fetched_at": None}
    with store.engine.begin() as conn:
        conn.execute(articles.insert(), [_article("a-2", "run-1", 3, "Zwei"), _article("a-1", "run-1", 1, "Eins"),
                                         _article("b-1", "run-2", 5, "Neu"), _article("u-1", "run-0", 2, "Alt", "y.de")])
        conn.execute(removals.insert(), [
            {"article_id": "a-1", "idx": i, "version": 1, "category": category, "rule_id": f"{category}.x",
             "scope": "block", "position": i, "text": "weg"}
            for i, category in enumerate(["ad", "ad", "newsletter"])])
        conn.execute(quarantine.insert(), [
            {"article_id": "q-1", "input_hash": "h-q-1", "rules_version": "r", "run_id": "run-1",
             "reason": "language is French (fr)", "details": "[]", "payload": json.dumps(record), "created_at": NOW},
            {"article_id": "q-2", "input_hash": "h-q-2", "rules_version": "r", "run_id": "run-1",
             "reason": "not valid JSON", "details": "[]", "payload": '{"id": "q-2", "source": "sp\\u00e4t.de", "te',
             "created_at": NOW}])
        conn.execute(ledger.insert(), [
            _ledger("run-1", "a-2", "published"), _ledger("run-1", "a-1", "published"),
            _ledger("run-1", "b-1", "published"),  # republished by run-2 since
            _ledger("run-1", "u-1", "unchanged"), _ledger("run-1", "q-1", "quarantined", "language is French (fr)"),
            _ledger("run-1", "q-2", "quarantined", "not valid JSON"), _ledger("run-2", "b-1", "published")])
    return store


def test_each_input_of_the_run_with_what_happened_to_it(store_url):
    store = _filled(store_url)
    outcomes, totals = run_outcomes(store.engine, "run-1", 100)
    assert totals == {"published": 3, "unchanged": 1, "quarantined": 2}
    assert [(o.article_id, o.outcome) for o in outcomes] == [
        ("q-1", "quarantined"), ("q-2", "quarantined"), ("a-1", "published"), ("a-2", "published"),
        ("b-1", "published"), ("u-1", "unchanged")]
    by_id = {o.article_id: o for o in outcomes}
    assert (by_id["a-1"].title, by_id["a-1"].source, by_id["a-1"].version) == ("Eins", "x.de", 1)
    assert by_id["a-1"].removals == {"ad": 2, "newsletter": 1} and not by_id["a-2"].removals
    assert by_id["b-1"].version is None, "a later run has published it since: this run's version is not known"
    assert (by_id["u-1"].title, by_id["u-1"].source) == ("Alt", "y.de")
    # A quarantined input has no article: its source from the start of its payload, or its URL's domain.
    assert (by_id["q-1"].source, by_id["q-1"].detail) == ("example-news.de", "language is French (fr)")
    assert by_id["q-2"].source == "spät.de"


def test_the_first_rows_only(store_url):
    store = _filled(store_url)
    outcomes, totals = run_outcomes(store.engine, "run-1", 3)
    assert [o.article_id for o in outcomes] == ["q-1", "q-2", "a-1"] and sum(totals.values()) == 6
    assert run_outcomes(store.engine, "no-such-run", 10) == ([], {})
