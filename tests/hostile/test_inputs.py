"""Hostile inputs to the inbox reader and the command line: links out of a folder inbox, FIFOs and
devices, inputs larger than the limit (or growing), Parquet row groups too big to hold, dates without
a time, ids in two Unicode forms, and options that are no encoding or no width."""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import resource
import signal
import subprocess
import sys
import unicodedata
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows import inbox
from flows.pipeline import RunOptions, process_batch
from flows.store import Store, articles
from schemas.reasons import reason_code

ROOT = Path(__file__).resolve().parents[2]
SECRET = "hostile-secret-7f3a"
TEXT = ("Brücke wird saniert\n\nDie Stadt hat am Montag beschlossen, die Brücke über den Fluss bis zum Sommer zu "
        "sanieren und dafür Geld bereitzustellen. Der Bürgermeister bat die Anwohner um Geduld.")


@contextmanager
def deadline(seconds: int):
    """Fail instead of hanging: opening a FIFO waits for a writer for ever."""
    def expire(signum, frame):
        raise TimeoutError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def read_all(folder) -> dict[str, inbox.BadRecord | dict]:
    with deadline(20):
        return {loc.label: item for loc, item in inbox.read_pairs(inbox.scan(str(folder)))}


@pytest.fixture
def outside(tmp_path):
    """A folder next to the inbox holding a secret."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(f"{SECRET}\n\n{TEXT}", encoding="utf-8")
    return folder


@pytest.fixture
def linked_inbox(tmp_path, outside):
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "out.txt").symlink_to(outside / "secret.txt")
    (folder / "env.txt").symlink_to("/proc/self/environ")
    (folder / "outdir").symlink_to(outside, target_is_directory=True)
    (folder / "sub" / "up").symlink_to("..", target_is_directory=True)  # a cycle
    (folder / "sub" / "inside.txt").symlink_to("../a.txt")
    os.mkfifo(folder / "pipe.txt")
    return folder


# --- 1. a folder inbox does not lead out of itself ----------------------------------------------------

def test_links_out_of_the_inbox_and_special_files_are_refused_unread(linked_inbox):
    found = read_all(linked_inbox)  # sub/up, a link to a folder inside the inbox, is not walked
    assert found.keys() == {"a.txt", "env.txt", "out.txt", "outdir", "pipe.txt", "sub/inside.txt"}
    refused = {label: item.reason for label, item in found.items() if isinstance(item, inbox.BadRecord)}
    out = "refused: symbolic link leading outside the inbox"
    assert refused == {"env.txt": out, "out.txt": out, "outdir": out, "pipe.txt": "refused: not a regular file (a FIFO)"}
    assert all(found[label].payload == label for label in refused)  # where it is, never what it holds
    assert found["a.txt"]["text"] == found["sub/inside.txt"]["text"] == TEXT  # a link inside the inbox is read


def test_nothing_from_outside_reaches_the_batch(store_url, linked_inbox):
    with deadline(60):
        batch = process_batch(inbox.scan(str(linked_inbox)), RunOptions(store_url=store_url))
    leaked = json.dumps(batch, default=str)
    assert SECRET not in leaked and "PATH=" not in leaked  # the secret file, the flow's environment
    assert {q["article_id"]: reason_code(q["reason"]) for q in batch["quarantined"]} == dict.fromkeys(
        ("env", "out", "outdir", "pipe"), "refused")


def test_a_link_put_in_place_after_the_scan_is_not_followed(tmp_path, outside):
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "sub" / "secret.txt").write_text(TEXT, encoding="utf-8")
    locators = inbox.scan(str(folder))
    (folder / "a.txt").unlink()
    (folder / "a.txt").symlink_to(outside / "secret.txt")
    (folder / "sub" / "secret.txt").unlink()
    (folder / "sub").rmdir()
    (folder / "sub").symlink_to(outside, target_is_directory=True)
    items = inbox.read(locators)
    assert [item.reason for item in items] == ["refused: symbolic link put in place of the file or its folder "
                                               "after the inbox was listed"] * 2
    assert SECRET not in repr(items)


def test_a_file_swapped_for_a_fifo_after_the_scan_is_refused_without_blocking(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    locators = inbox.scan(str(folder))
    (folder / "a.txt").unlink()
    os.mkfifo(folder / "a.txt")
    with deadline(20):
        [item] = inbox.read(locators)
    assert item.reason == "refused: not a regular file (a FIFO)"


def test_folders_nested_deeper_than_the_recursion_limit_are_walked(tmp_path):
    folder = deepest = tmp_path / "inbox"
    folder.mkdir()
    for _ in range(1500):
        deepest = deepest / "d"
        deepest.mkdir()
    (deepest / "a.txt").write_text(TEXT, encoding="utf-8")
    try:
        [item] = inbox.read(inbox.scan(str(folder)))
    finally:  # pytest removes its folders recursively, and would fail on this one
        (deepest / "a.txt").unlink()
        while deepest != folder:
            deepest.rmdir()
            deepest = deepest.parent
    assert item["text"] == TEXT


def test_a_fifo_given_as_the_inbox_is_a_clear_error(tmp_path):
    os.mkfifo(tmp_path / "inbox.jsonl")
    with deadline(20), pytest.raises(ValueError, match="not a folder or a regular file: it is a FIFO"):
        inbox.scan(str(tmp_path / "inbox.jsonl"))


# --- 2. never more than the size limit is read ---------------------------------------------------------

def test_a_file_whose_size_lies_is_read_only_up_to_the_limit(monkeypatch):
    """/proc files say they are empty and are not: the size from stat is no bound."""
    monkeypatch.setenv("CLEANERS_MAX_INPUT_BYTES", "64")
    [item] = inbox.read(inbox.scan("/proc/self/maps"))
    assert item.reason.startswith("too_large: more than 64 bytes")
    assert len(item.payload) <= 65


def run_cli(*args, stdin=None, env=None):
    """The command line in a process that cannot take more than 2 GB (a whole /dev/zero would)."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run([sys.executable, "-m", "cleaners.cli", *args], stdin=stdin, capture_output=True,
                          preexec_fn=cap, timeout=120, cwd=ROOT, env={**os.environ, **(env or {})})


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.mark.parametrize("hostile,message", [
    ("/dev/zero", "refused: not a regular file (a character device)"),
    ("fifo", "refused: not a regular file (a FIFO)"),
    ("/proc/self/maps", "refused: more than 4,096 bytes, over the size limit"),  # its size says 0
])
def test_cli_refuses_devices_fifos_and_growing_files_and_cleans_the_others(tmp_path, article, hostile, message):
    if hostile == "fifo":
        hostile = str(tmp_path / "fifo")
        os.mkfifo(hostile)
    done = run_cli("clean", "--text", hostile, str(article), env={"CLEANERS_MAX_INPUT_BYTES": "4096"})
    assert done.returncode == 1
    assert f"cleaners: {hostile}: {message}" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
    assert "Bürgermeister" in done.stdout.decode()


def test_cli_reads_standard_input_only_up_to_the_limit():
    with open("/dev/zero", "rb") as endless:
        done = run_cli("clean", "-", stdin=endless)
    assert done.returncode == 1
    assert "cleaners: -: refused: more than 10,000,000 bytes" in done.stderr.decode()


# --- 3. Parquet: memory follows the rows read --------------------------------------------------------

# The peak resident size is read from VmHWM: ru_maxrss would start at the peak of the process that
# started this one (Linux keeps it across fork and exec), here the test run's.
MEASURE = """
import re, sys
import pyarrow as pa
from flows import inbox

def peak():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1)) * 1024

locators = inbox.scan(sys.argv[1])
before = peak()
records = inbox.read(locators[:10])
print(len(records), pa.default_memory_pool().max_memory(), peak() - before)
"""


def test_ten_parquet_records_do_not_decode_the_whole_row_group(tmp_path):
    """32 MB of text in one row group: reading 10 records of it must not cost the group. It is written
    in pages of 4 rows, since a page is decompressed whole (pyarrow's default puts up to 1,024 rows in
    one). The measure runs in a process of its own, whose peaks are this read's alone."""
    path = tmp_path / "big.parquet"
    rows, size = 160, 200_000
    texts = [base64.b64encode(os.urandom(size * 3 // 4)).decode() for _ in range(rows)]
    pq.write_table(pa.table({"id": [f"r{n}" for n in range(rows)], "text": texts}), path,
                   row_group_size=rows, write_batch_size=4)
    del texts
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    count, arrow_peak, rss_growth = map(int, done.stdout.split())
    group = rows * size
    assert count == 10
    assert arrow_peak < group / 2, f"arrow held {arrow_peak:,} bytes for a group of {group:,}"
    assert rss_growth < group, f"the process grew by {rss_growth:,} bytes for a group of {group:,}"


@pytest.mark.parametrize("picked", [[0], [776, 777, 778], [4999, 3, 2500, 2501], list(range(0, 5000, 97))])
def test_parquet_rows_are_the_ones_asked_for(tmp_path, picked):
    path = tmp_path / "rows.parquet"
    count = 5000
    pq.write_table(pa.table({"id": [f"r{n}" for n in range(count)], "text": ["x" * (n % 3000) for n in range(count)],
                             "unrelated": list(range(count))}), path, row_group_size=777)
    locators = inbox.scan(str(path))
    records = inbox.read([locators[n] for n in picked])
    assert sorted((r["id"], len(r["text"])) for r in records) == sorted((f"r{n}", n % 3000) for n in picked)


# --- 4. a day without a time is a date ----------------------------------------------------------------

@pytest.mark.parametrize("kind", [pa.date32(), pa.date64(), pa.timestamp("us", tz="Europe/Berlin")])
def test_parquet_dates_are_published(store_url, tmp_path, kind):
    value = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc) if pa.types.is_timestamp(kind) else dt.date(2024, 5, 1)
    path = tmp_path / "inbox.parquet"
    pq.write_table(pa.table({"id": ["dated"], "text": [TEXT], "fetched_at": pa.array([value], type=kind)}), path)
    batch = process_batch(inbox.scan(str(path)), RunOptions(store_url=store_url))
    assert [a["id"] for a in batch["published"]] == ["dated"], batch["quarantined"]
    Store(store_url).publish("run-dates", batch)
    [row] = Store(store_url).rows(articles)
    assert row["fetched_at"].startswith(("2024-05-01 00:00:00+00:00", "2024-05-01 02:00:00+02:00"))


# --- 5. one id in two Unicode forms is one id --------------------------------------------------------

@pytest.mark.parametrize("same_content,outcomes", [(False, ["quarantined", "quarantined"]), (True, ["published"])])
def test_nfc_and_nfd_forms_of_an_id_are_one_id(store_url, tmp_path, same_content, outcomes):
    nfc, nfd = unicodedata.normalize("NFC", "Café"), unicodedata.normalize("NFD", "Café")
    assert nfc != nfd
    second = TEXT if same_content else TEXT + " Eine spätere Fassung."
    path = tmp_path / "inbox.jsonl"
    path.write_text(json.dumps({"id": nfc, "text": TEXT}) + "\n" + json.dumps({"id": nfd, "text": second}) + "\n",
                    encoding="utf-8")
    batch = process_batch(inbox.scan(str(path)), RunOptions(store_url=store_url))
    assert [(e["article_id"], e["outcome"]) for e in batch["ledger"]] == [(nfc, outcome) for outcome in outcomes]
    assert all(q["reason"].startswith("2 inputs of the inbox have this id") and reason_code(q["reason"]) == "duplicate_id"
               for q in batch["quarantined"])


# --- 6. options that are no encoding or no width, files that are not there ----------------------------

@pytest.mark.parametrize("args,message", [
    (["clean", "--encoding", "rot13"], "argument --encoding: 'rot13' is not a text encoding"),
    (["clean", "--encoding", "hex"], "argument --encoding: 'hex' is not a text encoding"),
    (["clean", "--encoding", "klingon"], "argument --encoding: unknown encoding 'klingon'"),
    (["explain", "--width", "-1"], "argument --width: invalid width -1"),
])
def test_bad_options_are_usage_errors(article, args, message):
    done = run_cli(*args, str(article))
    stderr = done.stderr.decode()
    assert done.returncode == 2
    assert stderr.startswith("usage: cleaners") and message in stderr
    assert "Traceback" not in stderr


def test_utf16_with_a_byte_order_mark_is_decoded(tmp_path):
    path = tmp_path / "utf16.txt"
    path.write_bytes(TEXT.encode("utf-16"))
    done = run_cli("clean", "--encoding", "utf-16", str(path))
    assert done.returncode == 0, done.stderr.decode()
    assert "Bürgermeister" in done.stdout.decode()


def test_missing_file_message_is_plain(tmp_path):
    missing = tmp_path / "missing.txt"
    done = run_cli("clean", str(missing))
    assert done.returncode == 1
    assert done.stderr.decode() == f"cleaners: {missing}: no such file or directory\n"


def test_an_article_id_filter_typed_in_nfd_finds_the_nfc_id():
    from flows.options import RunOptions

    nfd = unicodedata.normalize("NFD", "Café")
    assert RunOptions(article_ids=[nfd]).article_ids == [unicodedata.normalize("NFC", "Café")]
