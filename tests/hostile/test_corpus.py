"""The hostile corpus through the pipeline (process_batch + Store.publish) on SQLite and PostgreSQL:
every input is published or quarantined with a clear reason, the run goes on, nothing is read from
disk or network because a page asked for it, and a rerun changes and duplicates nothing."""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows import inbox
from flows.checks import storable_id
from flows.options import RunOptions
from flows.pipeline import process_batch
from flows.store import Store, articles, ledger, meta, quarantine

from .conftest import all_strings

BATCH_SIZE = 8
MAX_SECONDS = 120  # the whole corpus, both runs; it takes a few seconds


# Python-level file opens and socket connections made while the pipeline runs (libxml2's own
# I/O is C-level: the secret's content and the listener's counter cover that).
_AUDIT: dict = {"on": False, "opens": [], "connects": []}


def _audit(event, args):
    if not _AUDIT["on"]:
        return
    if event == "open" and args and isinstance(args[0], (str, Path)):
        _AUDIT["opens"].append(str(args[0]))
    elif event == "socket.connect":
        _AUDIT["connects"].append(args[1])


sys.addaudithook(_audit)


@dataclass
class Run:
    url: str
    first: list[dict] = field(default_factory=list)
    second: list[dict] = field(default_factory=list)
    rows: dict = field(default_factory=dict)
    strings: list = field(default_factory=list)
    seconds: float = 0.0
    inputs: int = 0
    export: Path | None = None


@pytest.fixture(scope="module")
def hostile_inbox(tmp_path_factory, corpus, listener):
    folder = tmp_path_factory.mktemp("hostile")
    secret = folder / "secret.txt"
    secret.write_text(corpus.SECRET_MARKER + "\n", encoding="utf-8")
    yield corpus.build_inbox(folder / "inbox", secret_file=secret, http_url=listener.url), secret
    for path in (folder / "inbox").iterdir():  # pytest keeps its last temp folders: not 120 MB of them
        if path.stat().st_size > 1_000_000:
            path.unlink()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def run(request, hostile_inbox, tmp_path_factory):
    folder, secret = hostile_inbox
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'hostile.db'}"
    else:
        url = request.getfixturevalue("postgres_database")
        with Store(url).engine.begin() as conn:
            for table in reversed(meta.sorted_tables):
                conn.execute(table.delete())
    result = Run(url)
    store = Store(url)
    start = time.monotonic()
    _AUDIT.update(on=True, opens=[], connects=[])
    try:
        for number, batches in ((1, result.first), (2, result.second)):
            locators = inbox.scan(str(folder), url)
            result.inputs = len(locators)
            for i in range(0, len(locators), BATCH_SIZE):
                batch = process_batch(locators[i:i + BATCH_SIZE], RunOptions(store_url=url))
                store.publish(f"hostile-run-{number}", batch)
                batches.append(batch)
    finally:
        _AUDIT["on"] = False
    result.seconds = time.monotonic() - start
    result.rows = {name: store.rows(table) for name, table in (("articles", articles), ("quarantine", quarantine),
                                                               ("ledger", ledger))}
    result.strings = list(all_strings(url))
    result.export = tmp_path_factory.mktemp("export")
    store.export(result.export / "md")
    store.export(result.export / "all.jsonl")
    return result


def _ledger(run: Run, run_id: str) -> list[dict]:
    return [row for row in run.rows["ledger"] if row["run_id"] == run_id]


def _outcomes(run: Run, run_id: str) -> dict[str, dict]:
    return {row["article_id"]: row for row in _ledger(run, run_id)}


def _stored_id(corpus, name: str) -> str:
    return storable_id(corpus.STAND_IN_IDS[name]) if name in corpus.STAND_IN_IDS else name


def test_corpus_is_complete(corpus, hostile_inbox):
    folder, _ = hostile_inbox
    ids = {loc.id for loc in inbox.scan(str(folder))}
    assert ids == {corpus.STAND_IN_IDS.get(name, name) for name in corpus.EXPECTED}
    committed = [p for p in (Path(corpus.COMMITTED)).rglob("*") if p.is_file()]
    assert all(p.stat().st_size < 1_000_000 for p in committed), "nothing over 1 MB is committed"


@pytest.mark.parametrize("name", sorted(__import__("hostile_corpus").EXPECTED))
def test_each_hostile_input_has_its_outcome(run, corpus, name):
    outcome, want = corpus.EXPECTED[name]
    entry = _outcomes(run, "hostile-run-1").get(_stored_id(corpus, name))
    assert entry is not None, f"{name!r} is missing from the ledger"
    assert entry["outcome"] == outcome, f"{name!r}: {entry['outcome']} ({entry['detail']})"
    if outcome == "quarantined":
        assert any(fragment.strip() in entry["detail"] for fragment in want.split("|")), entry["detail"]
        stored = [q for q in run.rows["quarantine"] if q["article_id"] == _stored_id(corpus, name)]
        assert stored and stored[0]["reason"] == entry["detail"] and json.loads(stored[0]["details"])
        assert stored[0]["payload"], "the original payload is kept"
    else:
        article = next(a for a in run.rows["articles"] if a["id"] == name)
        for fragment in want:
            assert fragment in article["text"] or fragment in (article["title"] or ""), (fragment, article["text"][:200])


def test_the_run_goes_on_and_every_input_is_accounted_for(run):
    assert len(_ledger(run, "hostile-run-1")) == run.inputs  # one ledger row per input, none lost
    first = _outcomes(run, "hostile-run-1")
    published = {a["id"] for a in run.rows["articles"]}
    assert published == {k for k, v in first.items() if v["outcome"] == "published"}
    assert {q["article_id"] for q in run.rows["quarantine"]} == {k for k, v in first.items() if v["outcome"] == "quarantined"}
    assert run.seconds < MAX_SECONDS


def test_rerun_changes_and_duplicates_nothing(run):
    second = _ledger(run, "hostile-run-2")
    assert {row["outcome"] for row in second} == {"unchanged"}
    assert len(second) == run.inputs
    assert sum(len(b["published"]) + len(b["quarantined"]) for b in run.second) == 0
    assert {a["version"] for a in run.rows["articles"]} == {1}
    assert len(run.rows["quarantine"]) == len({(q["article_id"], q["input_hash"]) for q in run.rows["quarantine"]})


def test_nothing_is_read_from_disk_or_network_because_a_page_asked(run, hostile_inbox, listener):
    _, secret = hostile_inbox
    passwd = [line for line in Path("/etc/passwd").read_text().splitlines() if len(line) > 12]
    for table, value in run.strings:
        assert "XXE-SECRET" not in value, f"the secret leaked into {table}"
        assert not any(line in value for line in passwd), f"/etc/passwd leaked into {table}"
    for path in run.export.rglob("*"):
        if path.is_file():
            assert "XXE-SECRET" not in path.read_text(encoding="utf-8")
    assert listener.connections == 0, "a page made the pipeline call a URL"
    assert not [p for p in _AUDIT["opens"] if p.endswith(("secret.txt", "/etc/passwd"))]
    assert not [a for a in _AUDIT["connects"] if isinstance(a, tuple) and a[1:2] == (listener.port,)]


def test_published_text_carries_no_markup(run):
    import re

    markup = re.compile(r"<[a-zA-Z/!?][^<>]*>|&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]+);", re.I)
    for article in run.rows["articles"]:
        assert not markup.search(article["text"]), (article["id"], markup.search(article["text"]).group())
        assert "XSSMARK" not in article["text"] and "\x00" not in article["text"]


def test_odd_ids_are_stored_verbatim_or_under_a_stand_in(run, corpus):
    ids = {q["article_id"] for q in run.rows["quarantine"]} | {a["id"] for a in run.rows["articles"]}
    assert "x'); DROP TABLE articles; --" in ids and "../../etc/passwd" in ids
    for raw in corpus.STAND_IN_IDS.values():
        entry = next(q for q in run.rows["quarantine"] if q["article_id"] == storable_id(raw))
        assert json.loads(entry["payload"])["id"] == raw, "the original id is kept in the payload"
    with Store(run.url).engine.connect() as conn:
        assert {"articles", "runs", "ledger", "quarantine", "removals"} <= set(sa.inspect(conn).get_table_names())
