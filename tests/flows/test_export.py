"""Exporting what the store holds, without cleaning again: the `export` command, the run's `export`
option, the run's filters, and Markdown that keeps subheadings."""
import json
import shutil
import sqlite3
from datetime import datetime

import pytest

from flows import inbox
from flows.__main__ import main
from flows.options import DEFAULT_INBOX, RunOptions
from flows.pipeline import process_batch
from flows.store import Store, articles, markdown_body

MIND_VERSE = ["003_be8c17bf7c8cde6b", "004_e3f12a9e40013616", "page-003_be8c17bf7c8cde6b", "page-004_e3f12a9e40013616"]
PAGES = ["page-000_0489556c03c15c71", "page-001_b2c39919be22dccc", "page-002_65eea8b01307b085",
         "page-003_be8c17bf7c8cde6b", "page-004_e3f12a9e40013616"]


@pytest.fixture
def published(store_url):
    """The store after one run over the fixture inbox: 10 articles published, 8 inputs quarantined."""
    Store(store_url).publish("run-1", process_batch(inbox.scan(DEFAULT_INBOX), RunOptions(store_url=store_url)))
    return store_url


def _ids(path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("filters, expected", [
    ({}, sorted({*MIND_VERSE, *PAGES, "000_0489556c03c15c71", "001_b2c39919be22dccc", "002_65eea8b01307b085"})),
    ({"source": "mind-verse.de"}, MIND_VERSE),
    ({"article_ids": ["002_65eea8b01307b085", "no-such-id"]}, ["002_65eea8b01307b085"]),
    ({"since": datetime(2024, 11, 21)}, PAGES),  # the pages were fetched a day after the texts
    ({"until": datetime(2024, 11, 21), "source": "mind-verse.de"}, MIND_VERSE[:2]),
    ({"source": "no-such-site.de"}, []),
])
def test_export_chooses_articles_as_a_run_chooses_inputs(published, tmp_path, filters, expected):
    store = Store(published)
    assert store.export(tmp_path / "out.jsonl", RunOptions(**filters)) == len(expected)
    assert _ids(tmp_path / "out.jsonl") == expected


def test_the_export_command_writes_the_store_without_cleaning_again(published, tmp_path, capsys):
    store = Store(published)
    before = store.rows(articles)
    target = tmp_path / "out.jsonl"
    assert main(["export", str(target), "--store", published, "--source", "mind-verse.de"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("exported 4 article(s) from ") and out.endswith(f" to {target}\n")
    assert _ids(target) == MIND_VERSE
    first = json.loads(target.read_text(encoding="utf-8").splitlines()[0])
    assert first["version"] == 1 and isinstance(first["tags"], list) and first["text"]
    assert store.rows(articles) == before  # nothing re-cleaned, no version moved on

    assert main(["export", str(tmp_path / "md"), "--store", published, "--ids", "001_b2c39919be22dccc,no-such-id"]) == 0
    assert len(list((tmp_path / "md").glob("*.md"))) == 1
    assert main(["export", str(tmp_path / "none.jsonl"), "--store", published, "--ids", "no-such-id"]) == 0
    done = capsys.readouterr()
    assert "exported 0 article(s)" in done.out and "no article in the store matches" in done.err


def test_the_export_command_refuses_what_it_cannot_do(tmp_path, capsys):
    missing = tmp_path / "missing.db"
    assert main(["export", str(tmp_path / "out.jsonl"), "--store", f"sqlite:///{missing}"]) == 2
    assert capsys.readouterr().err == (f"python -m flows export: error: --store: sqlite:///{missing}: there is no such "
                                       "file; run the flow first, or give its store\n")
    assert not missing.exists()  # opening it would have made an empty store
    assert main(["export", str(tmp_path / "out.json"), "--store", f"sqlite:///{missing}"]) == 2
    assert "name it .jsonl" in capsys.readouterr().err


def test_markdown_export_keeps_subheadings(published, tmp_path):
    Store(published).export(tmp_path / "md", RunOptions(article_ids=["page-001_b2c39919be22dccc"]))
    (page,) = (tmp_path / "md").glob("*.md")
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Meta")
    # the page's own <h2>s, in order, and nothing else as a heading
    assert [line for line in text.splitlines() if line.startswith("#")][1:] == [
        "## Schlüsselerkenntnisse", "## Tiefgehende Analyse", "## Warum Mark sich für quelloffene LLMs entschied"]


def test_markdown_body_marks_headings_and_escapes_what_markdown_would_misread():
    text = "\n\n".join(["Ein Absatz, der mit einem Punkt endet.", "Eine Zwischenüberschrift", "- ein Punkt der Liste",
                        "# 1 ist keine Überschrift, sondern ein Satz.", "2. Platz für das Team aus Köln.",
                        "> kein Zitat, sondern ein Satz."])
    assert markdown_body(text).split("\n\n") == [
        "Ein Absatz, der mit einem Punkt endet.", "## Eine Zwischenüberschrift", "- ein Punkt der Liste",
        "\\# 1 ist keine Überschrift, sondern ein Satz.", "2\\. Platz für das Team aus Köln.",
        "\\> kein Zitat, sondern ein Satz."]


@pytest.mark.usefixtures("prefect_server")
def test_the_runs_export_writes_what_the_store_holds_and_the_db_file_is_whole(tmp_path):
    """A second run publishes nothing (every input unchanged), and its export still holds every
    article of the store its filters select; the .db file copied alone holds the store."""
    from flows.clean_articles import clean_articles

    url = f"sqlite:///{tmp_path / 'articles.db'}"
    clean_articles(inbox=DEFAULT_INBOX, store_url=url)
    again = clean_articles(inbox=DEFAULT_INBOX, store_url=url, export=str(tmp_path / "all.jsonl"))
    assert (again.published, again.unchanged, again.exported) == (0, 18, 10)
    assert len(_ids(tmp_path / "all.jsonl")) == 10
    narrowed = clean_articles(inbox=DEFAULT_INBOX, store_url=url, source="mind-verse.de", export=str(tmp_path / "mv.jsonl"))
    assert narrowed.exported == 4 and _ids(tmp_path / "mv.jsonl") == MIND_VERSE
    assert {row["version"] for row in Store(url).rows(articles)} == {1}

    shutil.copy(tmp_path / "articles.db", tmp_path / "copy.db")
    copy = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert copy.execute("select count(*) from articles").fetchone() == (10,)
        assert copy.execute("select count(*) from runs where finished_at is not null").fetchone() == (3,)
    finally:
        copy.close()
