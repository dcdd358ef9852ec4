"""What an attacker-style review found: a store URL's secrets in messages, a store that cannot be
written failing with a raw driver error, template memory poisoned by other tenants of a shared host or
by quarantined inputs, and prose with comparison signs taken for markup."""
import json
import traceback

import pandas as pd
import pytest

from cleaners.source import registered_domain
from flows import inbox
from flows.options import RunOptions
from flows.pipeline import process_batch
from flows.settings import FlowSettings
from flows.store import STORE_URL_ENV, Store, StoreUnavailable, safe_url, template_seen
from schemas import CleanArticle, failures_by_id
from schemas.models import MARKUP, content_hash
from schemas.reasons import reason_code

# --- 1. No secret of a store URL in what the pipeline shows ----------------------------------------

@pytest.mark.parametrize("url, shown", [
    ("postgresql://user:Hunter2@db.example.org/news", "postgresql://user:***@db.example.org/news"),
    ("postgresql://:Hunter2@db.example.org/news", "postgresql://:***@db.example.org/news"),
    ("postgresql+psycopg://app@db:5432/news?password=Hunter2&sslmode=require",
     "postgresql+psycopg://app@db:5432/news?password=***&sslmode=require"),
    ("postgresql+psycopg://app@db/news?sslpassword=Hunter2&sslkey=/keys/Hunter2.pem&application_name=cleaners",
     "postgresql+psycopg://app@db/news?sslpassword=***&sslkey=***&application_name=cleaners"),
    ("mysql://app@db/news?passwd=Hunter2&pwd=Hunter2", "mysql://app@db/news?passwd=***&pwd=***"),
    ("postgresql://app@db/news?token=Hunter2&secret=Hunter2&api_key=Hunter2&access_token=Hunter2",
     "postgresql://app@db/news?token=***&secret=***&api_key=***&access_token=***"),
    ("postgresql://app@db/news?Password=Hunter2&password=Hunter2", "postgresql://app@db/news?Password=***&password=***"),
    # An unescaped "@" in the password: SQLAlchemy takes the rest of it for part of the host.
    ("postgresql://app:Hunter2@Sesame@db.example.org/news", "postgresql://app:***@***@db.example.org/news"),
    ("postgresql://app:Hunter2%40Sesame@db.example.org/news", "postgresql://app:***@db.example.org/news"),
    ("postgresql//app:Hunter2@db/news", "(a store URL that cannot be parsed)"),
    ("sqlite:////var/data/articles.db?timeout=5", "sqlite:////var/data/articles.db?timeout=5"),
    ("sqlite:///data/articles.db", "sqlite:///data/articles.db"),
])
def test_safe_url_masks_every_secret(url, shown):
    assert safe_url(url) == shown
    assert "Hunter2" not in safe_url(url) and "Sesame" not in safe_url(url)


@pytest.mark.parametrize("url", [
    # psycopg says "failed to resolve host 'Sesame@127.0.0.1'": half of the password.
    "postgresql+psycopg://cleaners:Hunter2@Sesame@127.0.0.1:1/test",
    "postgresql+psycopg://:Hunter2@127.0.0.1:1/test",
    "postgresql+psycopg://cleaners@127.0.0.1:1/test?password=Hunter2",
])
def test_a_failing_connection_names_the_store_but_no_secret(url):
    with pytest.raises(StoreUnavailable) as failure:
        Store(url)
    shown = "".join(traceback.format_exception(failure.value))  # the whole traceback, chained exceptions too
    assert "Hunter2" not in shown and "Sesame" not in shown
    assert safe_url(url) in str(failure.value) and "Check that the server is running" in str(failure.value)


# --- 2. A store that cannot be written says which and what to do -----------------------------------

def _read_only_store(tmp_path):
    path = tmp_path / "articles.db"
    Store(f"sqlite:///{path}")  # made, with its tables, then opened read-only
    return f"sqlite:///file:{path}?mode=ro&uri=true", f"file:{path}"


def _under_a_file(tmp_path):
    (tmp_path / "not-a-folder").write_text("a file where the store's folder should be")
    path = tmp_path / "not-a-folder" / "articles.db"
    return f"sqlite:///{path}", str(path)


def _in_proc(tmp_path):
    return "sqlite:////proc/articles.db", "/proc/articles.db"  # no one, root included, creates files there


@pytest.mark.parametrize("make", [_read_only_store, _under_a_file, _in_proc])
def test_a_store_that_cannot_be_written_is_unavailable_with_what_to_do(make, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # whatever a URL is taken for, nothing lands in the working tree
    url, path = make(tmp_path)
    with pytest.raises(StoreUnavailable) as failure:
        Store(url).start_run("run-1", {})
    message = str(failure.value)
    assert f"the SQLite file {path}" in message
    assert "may write to the folder and the file" in message and STORE_URL_ENV in message


# --- 3. Template memory counts one tenant's published articles only --------------------------------

THRESHOLD = FlowSettings.read().template_min_articles  # as process_batch reads it

# Shorter than a publishable text (MIN_BODY_CHARS): alone under a title, it is quarantined.
SHARED = "Dieser Absatz steht wortgleich in Beiträgen, die nicht von derselben Redaktion stammen."
TOPICS = ["die Brücke über den Fluss", "das neue Schwimmbad", "die Schule am Markt", "den Radweg zum Bahnhof",
          "das Rathausdach", "den Spielplatz im Park", "die Stadtbücherei"]


def _german(n: int, url: str) -> dict:
    text = (f"Neuigkeiten aus der Stadt {n}\n\nDie Stadt hat am Montag beschlossen, {TOPICS[n % len(TOPICS)]} "
            f"bis zum Sommer zu sanieren und dafür {n + 2} Millionen Euro bereitzustellen.\n\nDer Bürgermeister "
            f"sagte, die Arbeiten würden etwa {n + 3} Monate dauern, und bat alle Anwohner um Geduld mit den "
            f"Umleitungen.\n\n{SHARED}")
    return {"id": f"de-{n}", "url": url, "text": text}


def _too_short(n: int, url: str) -> dict:  # cleans fine, then fails validation: quarantined
    return {"id": f"short-{n}", "url": url, "text": f"Kurzmeldung {n}\n\n{SHARED}"}


def _publish(store_url, tmp_path, run_id: str, records: list[dict]) -> dict:
    path = tmp_path / f"{run_id}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    batch = process_batch(inbox.scan(str(path)), RunOptions(store_url=store_url))
    Store(store_url).publish(run_id, batch)
    return batch


@pytest.mark.parametrize("url, source", [
    ("https://alice.blogspot.com/2024/05/post.html", "alice.blogspot.com"),
    ("https://www.alice.blogspot.com/x", "alice.blogspot.com"),
    ("https://bob.github.io/notes/", "bob.github.io"),
    ("https://carol.substack.com/p/one", "carol.substack.com"),
    ("https://www.spiegel.de/politik/a-1.html", "spiegel.de"),
    ("https://news.bbc.co.uk/x", "bbc.co.uk"),
])
def test_a_tenant_of_a_shared_host_is_a_source_of_its_own(url, source):
    assert registered_domain(url) == source


def test_posts_on_other_blogs_of_one_host_do_not_strip_a_tenants_paragraph(store_url, tmp_path):
    attack = [_german(n, f"https://mallory-{n}.blogspot.com/2024/05/post.html") for n in range(THRESHOLD - 1)]
    assert len(_publish(store_url, tmp_path, "attack", attack)["published"]) == THRESHOLD - 1
    victim = _publish(store_url, tmp_path, "victim", [_german(6, "https://carol.blogspot.com/2024/05/post.html")])
    assert [a["source"] for a in victim["published"]] == ["carol.blogspot.com"]
    assert SHARED in victim["published"][0]["text"] and not victim["removals"]


@pytest.mark.parametrize("together", [False, True], ids=["earlier-run", "same-batch"])
def test_quarantined_articles_do_not_count_towards_a_template(store_url, tmp_path, together):
    quarantined = [_too_short(n, f"https://www.example-news.de/kurz/{n}") for n in range(THRESHOLD - 1)]
    victim = _german(6, "https://www.example-news.de/a/6")
    if together:
        batch = _publish(store_url, tmp_path, "one", [victim, *quarantined])
    else:
        first = _publish(store_url, tmp_path, "first", quarantined)
        assert not first["published"] and len(first["quarantined"]) == THRESHOLD - 1
        batch = _publish(store_url, tmp_path, "second", [victim])
    assert all(reason_code(q["reason"]) == "text.str_length" for q in batch["quarantined"])
    assert [a["id"] for a in batch["published"]] == ["de-6"]
    assert SHARED in Store(store_url).article("de-6")["text"] and not batch["removals"]


def test_an_article_quarantined_once_its_template_is_out_is_not_recorded(store_url, tmp_path):
    _publish(store_url, tmp_path, "first", [_german(n, f"https://www.example-news.de/a/{n}") for n in range(THRESHOLD - 1)])
    short = {"id": "short", "url": "https://www.example-news.de/a/short",
             "text": ("Kurz gemeldet\n\nDie Feuerwehr rückte am Dienstag zu einem kleinen Brand in der Altstadt aus, "
                      f"verletzt wurde niemand.\n\n{SHARED}")}
    batch = _publish(store_url, tmp_path, "second", [short])
    # Long enough as cleaned, too short once the shared paragraph is out as a template: quarantined.
    assert [(q["article_id"], reason_code(q["reason"])) for q in batch["quarantined"]] == [("short", "text.str_length")]
    assert not Store(store_url).rows(template_seen, article_id="short")


# --- 4. One markup check: real markup caught, comparison signs in prose published ------------------

@pytest.mark.parametrize("text", [
    "<p>", "</div>", "<br/>", "<br />", "</p >", "<BR>", "<b>", "<i>", '<b class="x">', "<script>",
    "<script src=//evil.example/x.js>", "<script async>", '<a href="https://example.org">', "<img src=x onerror=alert(1)>",
    "<img/src=x/onerror=alert(1)>", "<svg/onload=alert(1)>", "<a\nhref=x>", '<img src="a>b" onerror=x>',
    "<xss onmouseover=alert(1)>", "<!-- a comment -->", "<!-- unclosed", "<!DOCTYPE html>", '<?xml version="1.0"?>',
    "<![CDATA[x]]>", "&amp;", "&frac12;", "&lol9;", "&#x27;", "&#39;",
])
def test_markup_is_found(text):
    assert MARKUP.search(f"Davor {text} danach")


@pytest.mark.parametrize("text", [
    "a<b und c>d", "wenn x<y und y>z", "x<y>z", "3 < 4 und 5 > 2", "<Ihr Name>", "Ziel <- Start -> Ziel",
    "<b, wobei b>", "<b open-minded>", "AT&T; Procter&Gamble", "x & y", "<3",
])
def test_comparison_signs_in_prose_are_no_markup(text):
    assert not MARKUP.search(f"Davor {text} danach")


def test_a_long_run_of_tag_like_words_is_checked_in_linear_time():
    import time

    started = time.perf_counter()
    assert not MARKUP.search("<b " + "x= " * 30_000 + "<" * 100_000)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("sentence, failures", [
    ("Wenn x<y und y>z gilt, weiß man über x und z noch nichts. ", []),
    ("Ein halbes &frac12; Kilo Mehl und ein Ei. ", ["no_markup_or_entities"]),  # the schema's own pattern missed it
    ('Ein <b class="x">fetter</b> Satz. ', ["no_markup_or_entities"]),
])
def test_the_schema_checks_the_same_markup(sentence, failures):
    body = sentence * 5
    row = {"id": "a", "url": None, "source": None, "title": "Titel", "text": body, "language": "de",
           "published": None, "content_hash": content_hash(body), "rules_version": "v1"}
    found = failures_by_id(CleanArticle.to_schema(), pd.DataFrame([row]), "id").get("a", [])
    assert [reason_code(reason) for reason in found] == failures, found


def test_prose_with_comparison_signs_is_published_and_a_tag_is_not(tmp_path):
    prose = ("Mathematik im Alltag\n\nWenn x<y und y>z gilt, weiß man über x und z noch gar nichts; das erklärte die "
             "Lehrerin am Montag ihrer Klasse an vielen Beispielen.\n\nAuch a<b und c>d sagt nichts über a und d, "
             "sagte sie, und die Schüler rechneten es an der Tafel nach, bis alle es verstanden hatten.")
    tagged = prose.replace("Auch a<b und c>d", 'Auch <b class="x">a</b>')
    batch = _publish(f"sqlite:///{tmp_path / 'articles.db'}", tmp_path, "markup", [
        {"id": "prose", "url": "https://www.example-news.de/m/1", "text": prose},
        {"id": "tagged", "url": "https://www.example-news.de/m/2", "text": tagged}])
    assert [a["id"] for a in batch["published"]] == ["prose"]
    assert "a<b und c>d" in batch["published"][0]["text"]
    assert [(q["article_id"], reason_code(q["reason"])) for q in batch["quarantined"]] == [("tagged", "markup")]
