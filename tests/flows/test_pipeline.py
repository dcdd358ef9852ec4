"""The batch pipeline and the store, without Prefect: outcomes, idempotency, export."""
import json

from flows import inbox
from flows.options import DEFAULT_INBOX, RunOptions
from flows.pipeline import process_batch
from flows.store import Store, articles, ledger, quarantine, removals
from schemas.reasons import reason_code

from ..cleaners.helpers import TOO_WIDE_RULE

# The first reason of each, as an editor reads it: a sentence, the machine code in brackets.
EXPECTED_QUARANTINE = {
    "broken.jsonl:1": "the record is not valid JSON (Invalid control character at: line 1 column 65 (char 64)) [malformed_json]",
    "wrong-type": "the record cannot be used: 'text' must be a string, not int [malformed_record]",
    "broken.jsonl:7": "the record cannot be used: a JSON list, not an object [malformed_record]",
    "latin1-note": "the text cannot be read: not valid utf-8 (byte 0xfc at offset 5) [undecodable]",
    "empty-text": "has neither HTML nor text; a record must have exactly one [exactly_one_of_html_or_text]",
    "html-and-text": "has both HTML and text; a record must have exactly one [exactly_one_of_html_or_text]",
    "only-junk": "cleaning left 0 words: no article is left to publish [empty]",
    "french": "language is French (fr); only German and English are published [language.isin]",
}


def run_batch(store_url, **options):
    batch = process_batch(inbox.scan(DEFAULT_INBOX), RunOptions(store_url=store_url, **options))
    Store(store_url).publish("run-1", batch)
    return batch


def test_fixture_inbox_outcomes(store_url):
    batch = run_batch(store_url)
    assert {q["article_id"]: q["reason"] for q in batch["quarantined"]} == EXPECTED_QUARANTINE
    assert len(batch["published"]) == 10
    store = Store(store_url)
    assert store.count(articles) == 10 and store.count(quarantine) == 8
    assert {row["outcome"] for row in store.rows(ledger)} == {"published", "quarantined"}
    assert store.count(ledger) == 18


def test_quarantine_keeps_payload_and_every_reason(store_url):
    run_batch(store_url)
    entry = Store(store_url).rows(quarantine, article_id="french")[0]
    assert json.loads(entry["payload"])["text"].startswith("Le gouvernement")
    assert json.loads(entry["details"]) == [EXPECTED_QUARANTINE["french"]]


def test_same_input_twice_changes_nothing(store_url):
    run_batch(store_url)
    store = Store(store_url)
    before = {r["id"]: (r["version"], r["content_hash"]) for r in store.rows(articles)}
    counts = store.count(removals), store.count(quarantine)
    again = process_batch(inbox.scan(DEFAULT_INBOX), RunOptions(store_url=store_url))
    assert again["unchanged"] == 18 and not again["published"] and not again["quarantined"]
    store.publish("run-2", again)
    assert {r["id"]: (r["version"], r["content_hash"]) for r in store.rows(articles)} == before
    assert (store.count(removals), store.count(quarantine)) == counts


def test_retried_publish_duplicates_nothing(store_url):
    batch = run_batch(store_url)
    store = Store(store_url)
    store.publish("run-1", batch)  # the retry of a publish whose first attempt did commit
    assert store.count(articles) == 10 and store.count(ledger) == 18
    assert {r["version"] for r in store.rows(articles)} == {1}


def test_one_batch_holding_an_id_twice_publishes_it_once(store_url):
    """The inbox reader never lets that happen; should it, the store keeps the last, as it did when
    it wrote articles one by one (PostgreSQL refuses one statement that updates a row twice)."""
    batch = process_batch(inbox.scan(DEFAULT_INBOX), RunOptions(store_url=store_url))
    first = batch["published"][0]
    batch["published"].append({**first, "title": first["title"] + " (again)"})
    Store(store_url).publish("run-1", batch)
    rows = Store(store_url).rows(articles, id=first["id"])
    assert len(rows) == 1 and rows[0]["title"] == first["title"] + " (again)"
    assert Store(store_url).count(articles) == 10


def test_force_recleans_and_moves_version(store_url):
    run_batch(store_url)
    batch = run_batch(store_url, force=True, article_ids=["002_65eea8b01307b085"])
    assert [a["id"] for a in batch["published"]] == ["002_65eea8b01307b085"]
    Store(store_url).publish("run-2", batch)
    assert Store(store_url).article("002_65eea8b01307b085")["version"] == 2


def test_filters(store_url):
    by_source = process_batch(inbox.scan(DEFAULT_INBOX), RunOptions(store_url=store_url, source="mind-verse.de"))
    assert sorted(a["id"] for a in by_source["published"]) == [
        "003_be8c17bf7c8cde6b", "004_e3f12a9e40013616", "page-003_be8c17bf7c8cde6b", "page-004_e3f12a9e40013616"]
    from datetime import datetime

    pages = process_batch(inbox.scan(DEFAULT_INBOX), RunOptions(store_url=store_url, since=datetime(2024, 11, 21)))
    assert all(a["id"].startswith("page-") for a in pages["published"]) and len(pages["published"]) == 5


def test_export_jsonl_and_markdown(store_url, tmp_path):
    run_batch(store_url)
    store = Store(store_url)
    assert store.export(tmp_path / "out.jsonl") == 10
    first = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert isinstance(first["tags"], list) and first["text"]
    assert store.export(tmp_path / "md") == 10
    assert len(list((tmp_path / "md").glob("*.md"))) == 10


def test_export_names_cannot_escape_the_folder(tmp_path):
    from flows.store import export_path

    for article_id in ("../../etc/passwd", "/abs/path", "a\x00b", "x" * 300, ".."):
        path = export_path(tmp_path, article_id)
        assert path.parent == tmp_path and path.name.endswith(".md")


ARTICLE = ("The council approved the new budget on Tuesday after a long debate about the costs of the "
           "bridge repairs. Members said the plan would be reviewed again next spring.")


def _outcomes(batch) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for entry in batch["ledger"]:
        found.setdefault(entry["article_id"], []).append(entry["outcome"])
    return found


def test_one_id_with_two_contents_is_quarantined_twice_and_an_exact_repeat_once_published(store_url, tmp_path):
    lines = [{"id": "twin", "text": ARTICLE}, {"id": "twin", "text": ARTICLE + " A later version."},
             {"id": "repeat", "text": ARTICLE}, {"id": "repeat", "text": ARTICLE}, {"id": "single", "text": ARTICLE}]
    path = tmp_path / "inbox.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    batch = process_batch(inbox.scan(str(path)), RunOptions(store_url=store_url))
    assert _outcomes(batch) == {"twin": ["quarantined", "quarantined"], "repeat": ["published"], "single": ["published"]}
    assert all(q["reason"].startswith("2 inputs of the inbox have this id with different content (inbox.jsonl:1, ")
               and q["reason"].endswith("; none of them is published while they differ [duplicate_id]")
               for q in batch["quarantined"])


def test_table_rows_sharing_an_id_are_found_in_the_batch(store_url):
    """A table lists each id once at scan time; its rows with that id are only seen when read."""
    import sqlalchemy as sa

    engine = Store(store_url).engine
    incoming = sa.Table("incoming_dupes", sa.MetaData(), sa.Column("id", sa.String), sa.Column("text", sa.Text))
    incoming.drop(engine, checkfirst=True)
    incoming.create(engine)
    with engine.begin() as conn:
        conn.execute(incoming.insert(), [{"id": "twin", "text": ARTICLE}, {"id": "twin", "text": ARTICLE + " Updated."},
                                         {"id": "single", "text": ARTICLE}])
    try:
        locators = inbox.scan("table:incoming_dupes", store_url)
        assert [loc.id for loc in locators] == ["single", "twin"]
        batch = process_batch(locators, RunOptions(store_url=store_url))
    finally:
        incoming.drop(engine)
    assert _outcomes(batch) == {"twin": ["quarantined", "quarantined"], "single": ["published"]}
    assert all(q["reason"].startswith("2 inputs of the inbox have this id") and reason_code(q["reason"]) == "duplicate_id"
               for q in batch["quarantined"])


ARTICLE = "\n\n".join(["Brücke wird saniert"] + [
    "Der Stadtrat hat am Montag beschlossen, die alte Brücke über den Fluss bis zum Sommer zu sanieren.",
    "Die Arbeiten sollen im März beginnen und mehrere Monate dauern, sagte eine Sprecherin der Stadt.",
    "Während der Sanierung wird der Verkehr über eine Behelfsbrücke weiter nördlich umgeleitet.",
    "Die Kosten werden auf rund vier Millionen Euro geschätzt, ein Teil kommt vom Land Brandenburg.",
] * 3)


def test_an_article_with_a_held_back_rule_is_published_or_quarantined_as_set(store_url, tmp_path):
    from flows.settings import FlowSettings

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text(TOO_WIDE_RULE, encoding="utf-8")
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "bridge.txt").write_text(ARTICLE, encoding="utf-8")
    options = RunOptions(store_url=store_url, rules_dir=str(rules))
    published = process_batch(inbox.scan(str(folder)), options, FlowSettings(store_url=store_url))
    assert [a["id"] for a in published["published"]] == ["bridge"] and not published["quarantined"]
    held = process_batch(inbox.scan(str(folder)), options.model_copy(update={"force": True}),
                         FlowSettings(store_url=store_url, quarantine_held_back=True))
    assert not held["published"]
    assert held["quarantined"][0]["reason"] == ("rule disclaimer.too-wide would have taken most of the article, so the "
                                                "article is held for review (CLEANERS_QUARANTINE_HELD_BACK) [held_back]")
