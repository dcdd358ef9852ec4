"""Listing an inbox is cheap: JSONL files are read in large chunks and a record's id is read from
its start, without decoding the record, wherever that gives the id reading it would give."""
import io
import json
import random

import pytest

from flows import inbox
from flows.inbox import files, records


def _read_lines(data: bytes, limit):
    handle, out, offset = io.BufferedReader(io.BytesIO(data)), [], 0
    while True:
        line, size = files.read_line(handle, limit)
        if not size:
            return out
        out.append((offset, line))
        offset += size


@pytest.mark.parametrize("chunk", [1, 3, 64, 1 << 22])
def test_lines_are_the_lines_read_one_at_a_time(monkeypatch, chunk):
    monkeypatch.setattr(files, "_CHUNK", chunk)
    rng = random.Random(chunk)
    for _ in range(300):
        data = b"".join(bytes(rng.choice(b"ab {}") for _ in range(rng.choice([0, 1, 3, 4, 5, 30])))
                        + rng.choice([b"\n", b"\r\n", b""]) for _ in range(rng.randint(0, 6)))
        for limit in (None, 1, 3, 4, 30):
            assert list(files.lines(io.BufferedReader(io.BytesIO(data)), limit)) == _read_lines(data, limit), (data, limit)


QUICK = [  # each record's id is read from its start
    {"id": "a-1", "html": "<p>\"id\": \"b\"</p>", "url": "https://example.de/x"},
    {"id": "Cafe\u0301", "text": "NFD becomes NFC"},
    {"id": "quote \" and \\ and \u00e9", "text": "escapes"},
    {"id": "a", "meta": {"id": "nested ids are not the record's"}},
]
DECODED = [  # these are decoded, as before
    {"text": "no id", "url": "https://example.de/y"},
    {"id": "", "url": "https://example.de/z"},
    {"id": 7, "text": "a number"},
    {"text": "id not first", "id": "late"},
    {"text": "nothing to go by"},
]


def test_an_id_at_the_start_is_read_without_decoding_the_record(monkeypatch):
    expected = [records.id_of(records.from_json_bytes(json.dumps(r).encode(), "f.jsonl:1")) for r in QUICK]

    def refuse(raw, label):
        raise AssertionError("decoded")

    monkeypatch.setattr(records, "from_json_bytes", refuse)
    for ensure_ascii in (True, False):
        assert [records.listed_id(json.dumps(r, ensure_ascii=ensure_ascii).encode() + b"\n", "f.jsonl:1")
                for r in QUICK] == expected


@pytest.mark.parametrize("raw", [json.dumps(r).encode() for r in DECODED] + [
    b'{"id": "broken-line", "text": "cut off in the midd',  # truncated: does not end as an object
    b'\xef\xbb\xbf{"id": "bom", "text": "x"}',
    b'{"id": "nul", "text": "a\x00b"}',
    b'{"id": "bad \\q escape", "text": "x"}',
])
def test_other_records_are_listed_with_the_id_reading_gives(raw):
    assert records.listed_id(raw, "f.jsonl:1") == records.id_of(records.from_json_bytes(raw, "f.jsonl:1"))


def test_a_record_broken_in_the_middle_makes_no_duplicate(tmp_path):
    """Listed under the id it starts with, it reads as a broken record with its label: it does not
    take the id from the record that has it."""
    path = tmp_path / "inbox.jsonl"
    path.write_bytes(json.dumps({"id": "x", "text": "the real one"}).encode() + b"\n"
                     + b'{"id": "x", "text": "broken" here}\n')
    listed = inbox.scan(str(path))
    assert [(loc.id, loc.conflict) for loc in listed] == [("x", None), ("inbox.jsonl:2", None)]
    good, broken = inbox.read(listed)
    assert good["id"] == "x" and isinstance(broken, inbox.BadRecord) and broken.id == "inbox.jsonl:2"
