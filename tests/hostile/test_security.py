"""Security: values from records and parameters reach SQL only as bound parameters (on SQLite and
PostgreSQL), exported file names cannot leave the export folder, published text carries no markup."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from flows import inbox
from flows.options import RunOptions
from flows.pipeline import process_batch
from flows.store import Store, articles, export_path, ledger, meta, runs

INJECTIONS = [
    "x'); DROP TABLE articles; --",
    "x\"; DROP TABLE runs; --",
    "1 OR 1=1",
    "' OR ''='",
    "a'; DELETE FROM ledger WHERE ''='",
    "$$; DROP TABLE quarantine; $$",
    "Robert'); DROP TABLE removals;--",
]
TEXT = ("Brücke wird saniert\n\nDie Stadt hat am Montag beschlossen, die Brücke über den Fluss bis zum Sommer zu "
        "sanieren und dafür Geld bereitzustellen. Der Bürgermeister bat die Anwohner um Geduld.\n\n"
        "Lesen Sie auch: Warum Brücken marode sind")


@pytest.fixture
def injection_inbox(tmp_path):
    path = tmp_path / "inbox.jsonl"
    records = [{"id": value, "source": value, "url": f"https://example.de/?q={value}", "text": TEXT.replace("Montag", f"Montag ({n})")}
               for n, value in enumerate(INJECTIONS)]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return str(path)


def test_injection_looking_values_are_stored_verbatim(store_url, injection_inbox):
    store = Store(store_url)
    statements: list[str] = []

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    try:
        run_id = "run'); DROP TABLE runs; --"
        store.start_run(run_id, {"source": INJECTIONS[0]})
        batch = process_batch(inbox.scan(injection_inbox, store_url), RunOptions(store_url=store_url))
        store.publish(run_id, batch)
        store.finish_run(run_id, {"note": INJECTIONS[1]})
        filtered = process_batch(inbox.scan(injection_inbox, store_url),
                                 RunOptions(store_url=store_url, article_ids=[INJECTIONS[0]], source=INJECTIONS[0], force=True))
        store.publish(run_id + "-2", filtered)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", capture)
    assert {a["id"] for a in batch["published"]} == set(INJECTIONS)
    assert [a["id"] for a in filtered["published"]] == [INJECTIONS[0]]
    with store.engine.connect() as conn:
        assert set(meta.tables) <= set(sa.inspect(conn).get_table_names()), "a table was dropped"
    for value in INJECTIONS:
        row = store.article(value)
        assert row is not None and row["id"] == value and row["source"] == value
        assert row["url"] == f"https://example.de/?q={value}"
    assert store.count(articles) == len(INJECTIONS)
    assert store.count(ledger, run_id=run_id) == len(INJECTIONS)
    assert store.rows(runs, run_id=run_id)[0]["finished_at"] is not None
    assert store.article(INJECTIONS[0])["version"] == 2  # the forced, filtered rerun found it by that id
    for statement in statements:  # no value was ever written into the SQL text
        for value in INJECTIONS + [run_id]:
            assert value not in statement, statement[:200]


def test_table_inbox_names_are_identifiers_not_sql(store_url):
    store = Store(store_url)
    with pytest.raises(sa.exc.NoSuchTableError):
        inbox.scan("table:articles; DROP TABLE articles; --", store_url)
    with store.engine.connect() as conn:
        assert "articles" in sa.inspect(conn).get_table_names()
    # A table whose name is full of quotes is still just a name.
    odd = "in\"box'; --"
    table = sa.Table(odd, sa.MetaData(), sa.Column("id", sa.String(300), primary_key=True), sa.Column("text", sa.Text))
    table.create(store.engine)
    try:
        with store.engine.begin() as conn:
            conn.execute(table.insert(), [{"id": INJECTIONS[0], "text": TEXT}])
        locators = inbox.scan(f"table:{odd}", store_url)
        assert [loc.id for loc in locators] == [INJECTIONS[0]]
        batch = process_batch(locators, RunOptions(store_url=store_url))
        assert [a["id"] for a in batch["published"]] == [INJECTIONS[0]]
    finally:
        table.drop(store.engine)


NASTY_IDS = ["../../etc/passwd", "/abs/path", "a\x00b", "x" * 300, "..", ".", "", "a/../../b", "..\\..\\windows",
             "CON", "nul.md", "\u202egnp.exe", "~/.ssh/id_rsa", "a/b/c", "%2e%2e%2f", "é" * 100, " ", "-rf"]


@pytest.mark.parametrize("article_id", NASTY_IDS, ids=[repr(i)[:30] for i in NASTY_IDS])
def test_export_names_cannot_escape_the_folder(tmp_path, article_id):
    folder = tmp_path / "export"
    path = export_path(folder, article_id)
    assert path.parent == folder and path.name.endswith(".md")
    assert path.resolve().parent == folder.resolve()
    assert "/" not in path.name and "\\" not in path.name and "\x00" not in path.name and not path.name.startswith(".")


def test_export_writes_only_inside_the_folder(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = Store(url)
    rows = []
    for n, article_id in enumerate(i for i in NASTY_IDS if i and "\x00" not in i and len(i) <= 200):
        rows.append({"id": article_id, "source": "example.de", "url": None, "title": "T", "text": f"Text {n}.",
                     "language": "de", "published": None, "author": None, "tags": "[]", "sources": "[]",
                     "warnings": "[]", "content_hash": "0" * 64, "input_hash": f"{n:064d}", "rules_version": "r",
                     "fetched_at": None})
    store.publish("run", {"published": rows, "removals": [], "quarantined": [], "ledger": []})
    (tmp_path / "export").mkdir()
    before = {p for p in tmp_path.rglob("*") if "export" not in p.parts}
    assert store.export(tmp_path / "export") == len(rows)
    written = [p for p in (tmp_path / "export").rglob("*") if p.is_file()]
    assert len(written) == len(rows) and all(p.parent == tmp_path / "export" for p in written)
    after = {p for p in tmp_path.rglob("*") if "export" not in p.parts}
    assert after - before <= {tmp_path / "s.db-wal", tmp_path / "s.db-shm"}, "something was written outside the folder"
