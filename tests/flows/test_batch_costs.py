"""What makes a batch cheap must not change what it decides: the schemas built once, the body check
without copies, clean results sent back without their judged blocks, and nothing of a batch (its
pages, its results) kept after it is done."""
import gc
import json
import os

import pandas as pd
import pytest

from cleaners import CleaningError, clean_text
from flows import inbox, memory, watchdog
from flows.clean_articles import publish_batch
from flows.options import RunOptions
from flows.pipeline import process_batch
from flows.store import Store, articles
from schemas import RawArticle, clean_article_schema, raw_article_schema, removal_schema
from schemas.models import _filled

ARTICLE = ("Der Stadtrat hat am Montag beschlossen, die alte Brücke über den Fluss bis zum Sommer zu sanieren. "
           "Die Arbeiten sollen im März beginnen und mehrere Monate dauern, sagte eine Sprecherin der Stadt.")


def test_schemas_are_built_once_per_set_of_rules():
    assert raw_article_schema() is raw_article_schema()
    assert raw_article_schema().columns.keys() == RawArticle.to_schema().columns.keys()
    assert clean_article_schema(["Jetzt abonnieren"]) is clean_article_schema(["Jetzt abonnieren"])
    assert clean_article_schema(["Jetzt abonnieren"]) is not clean_article_schema([])
    assert removal_schema({"ad.x": ("ad", "why")}) is removal_schema({"ad.x": ("ad", "other words")})
    assert removal_schema({"ad.x": ("ad", "why")}) is not removal_schema({"ad.y": ("ad", "why")})


@pytest.mark.parametrize("value", [None, float("nan"), "", " ", "\n\t\u00a0\u2003", "a", " a ", "\u200b", 3, "<p>x</p>"])
def test_the_body_check_says_what_strip_said(value):
    # The check as it was; beside a string, as in a batch (a column of ints alone has no .str; the
    # pipeline's own checks refuse a body that is not a string before this check sees it).
    before = pd.Series([value, "x"], dtype=object).fillna("").str.strip().str.len() > 0
    assert _filled(value) == bool(before.iloc[0])


def test_a_clean_result_goes_back_without_its_blocks():
    result = clean_text("Titel\n\n" + ARTICLE, url="https://www.example.de/a")
    assert result.blocks
    sent = watchdog._sent(result)
    assert sent.blocks == [] and sent.text == result.text and sent.kept_positions
    error = CleaningError("empty_input", "nothing")
    assert watchdog._sent(error) is error


def test_a_batch_leaves_nothing_behind_for_the_garbage_collector(store_url, tmp_path):
    """A result that is a CleaningError used to be raised again in the checks: its traceback held the
    checks' frame, and so every page and result of the batch, in a cycle only a full collection freed."""
    lines = [{"id": f"good-{i}", "text": f"Meldung {i}\n\n{ARTICLE}"} for i in range(3)]
    lines.append({"id": "bad", "html": "<html><body><nav><a href='/'>Start</a></nav></body></html>"})
    path = tmp_path / "inbox.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    locators = inbox.scan(str(path))
    process_batch(locators, RunOptions(store_url=store_url))  # the cleaning worker started, the schemas built
    gc.collect()
    was = gc.get_debug()
    gc.disable()
    try:
        batch = process_batch(locators, RunOptions(store_url=store_url, force=True))
        assert [q["article_id"] for q in batch["quarantined"]] == ["bad"]
        del batch
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, (dict, BaseException)) and (
            isinstance(o, BaseException) or "html" in o or "text" in o)]
        assert not left, left[:3]
    finally:
        gc.set_debug(was)
        gc.garbage.clear()
        gc.enable()


def test_publishing_lets_go_of_the_batch_it_was_handed(store_url):
    """Prefect keeps a task's parameters after the task: the publish task empties what it was handed."""
    from flows.options import DEFAULT_INBOX

    handed = [process_batch(inbox.scan(DEFAULT_INBOX), RunOptions(store_url=store_url))]
    counts = publish_batch.fn(RunOptions(store_url=store_url), "run-1", handed)
    assert handed == [] and (counts.published, len(counts.quarantine)) == (10, 8)
    assert Store(store_url).count(articles) == 10


def test_a_failed_publish_keeps_the_batch_for_the_retry(tmp_path):
    from flows.store import StoreUnavailable

    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the store's folder should be")
    handed = [{"published": [], "removals": [], "quarantined": [], "ledger": [], "unchanged": 0, "filtered": 0,
               "categories": {}, "rules": {}, "force": False, "templates": [], "stopped": []}]
    with pytest.raises((StoreUnavailable, OSError)):
        publish_batch.fn(RunOptions(store_url=f"sqlite:///{folder / 'articles.db'}"), "run-1", handed)
    assert len(handed) == 1


def test_a_cleaned_batch_travels_pickled_and_comes_back_whole(store_url):
    """clean_batch returns its batch pickled (Prefect keeps a task's return value in the worker for
    good: bytes hold less than the batch's objects); the flow unpacks it before publishing."""
    from flows.clean_articles import clean_batch, unpacked
    from flows.options import DEFAULT_INBOX
    from flows.settings import FlowSettings

    options = RunOptions(store_url=store_url)
    cleaned = clean_batch.fn(inbox.scan(DEFAULT_INBOX), options, FlowSettings(store_url=store_url))
    assert isinstance(cleaned, bytes)
    batch = unpacked(cleaned)
    assert (len(batch["published"]), len(batch["quarantined"]), len(batch["ledger"])) == (10, 8, 18)


def _resident_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(memory._glibc() is None, reason="malloc_trim is glibc's (Linux): elsewhere the call does nothing")
def test_after_a_batch_the_free_heap_goes_back_to_the_system():
    """The heap keeps what a batch freed below its top (a page read, a frame, a result) until it is
    trimmed: a worker between batches held about 120 MB it no longer used."""
    blocks = [bytes(16_384) for _ in range(6_000)]  # about 100 MB, each block from the heap (under 128 KB)
    kept = bytes(16_384)  # above them: freeing them leaves the heap's top where it is
    del blocks
    before = _resident_bytes()
    memory.give_back_free_memory()
    assert before - _resident_bytes() > 50 * 2**20
    assert kept
