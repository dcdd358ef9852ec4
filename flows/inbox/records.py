"""What every inbox reader makes: locators (where an input is), records (what it holds) or bad records
(why it cannot be read), with ids in Unicode NFC, and the hash that says when two inputs are one."""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from cleaners import CleaningError
from cleaners.text.decode import decode_text

FIELDS = ("id", "url", "source", "html", "text", "language", "fetched_at")
HASHED_FIELDS = ("html", "text", "url", "source", "language")  # an input's content: not its id, not when it was fetched
MAX_PAYLOAD_CHARS = 1_000_000  # what a quarantine entry keeps of an unreadable record


@dataclass(frozen=True)
class Locator:
    kind: str  # file | line | parquet | table | refused
    path: str
    key: int | str = 0  # byte offset (line), row number (parquet), id (table), why (refused)
    label: str = ""  # for messages and derived ids: file name and line number
    id: str | None = None  # the id the record will have, as far as scan could tell
    conflict: str | None = None  # set when other inputs have the same id and different content
    root: str = ""  # a folder inbox's real path: `path` is opened from there without following links


@dataclass
class BadRecord:
    id: str
    reason: str
    payload: str


def input_hash(item: dict | BadRecord) -> str:
    """What makes two inputs the same input: their content (not their id, not when they were fetched);
    for an unreadable input, its payload."""
    if isinstance(item, BadRecord):
        data = item.payload
    else:
        data = json.dumps({k: item.get(k) for k in HASHED_FIELDS}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8", "replace")).hexdigest()


def derive_id(record: dict, label: str) -> str:
    """The record's id; else one derived from its URL; else from where it was read. In Unicode NFC
    (as are the labels), so that "Café" typed with an accent or with a combining accent is one id."""
    if record.get("id") not in (None, ""):
        return nfc(record["id"] if isinstance(record["id"], str) else json.dumps(record["id"]))
    if record.get("url"):
        return "u-" + hashlib.sha1(nfc(str(record["url"])).encode("utf-8", "replace")).hexdigest()[:16]
    return nfc(label)


def id_of(item: dict | BadRecord) -> str:
    return item.id if isinstance(item, BadRecord) else item["id"]


# A record that starts with its id as a string, as json.dumps and most writers put it. The id is
# read from there, without decoding the whole record (a page of hundreds of KB): listing a large
# inbox would otherwise decode every record before the first batch starts.
_LEADING_ID = re.compile(rb'[ \t\r]*\{[ \t\r]*"id"[ \t\r]*:[ \t\r]*("(?:[^"\\\x00-\x1f]|\\.)*")[ \t\r]*,')


def listed_id(raw: bytes, label: str) -> str:
    """The id the JSON record in `raw` will have when read (from_json_bytes), for listing: from the
    record's start when it opens with a non-empty string id, ends as an object and holds no NUL
    byte; else the record is decoded. So a record broken in the middle (bad JSON or UTF-8), or one
    naming "id" twice (JSON keeps the last; no JSON writer does that), is listed under the id it
    starts with; read, it is what it always was (quarantined under its label; the last id). scan
    reads again the inputs of every id it lists twice, so no such listing makes a duplicate."""
    found = _LEADING_ID.match(raw)
    if found and raw[-64:].rstrip(b" \t\r\n").endswith(b"}") and b"\x00" not in raw:
        try:
            article_id = json.loads(found.group(1))
        except ValueError:  # an escape JSON does not know: the record is broken, and decoding says how
            article_id = None
        if article_id:
            return nfc(article_id)
    return id_of(from_json_bytes(raw, label))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def make_record(record: dict, label: str) -> dict:
    """The pipeline's record: exactly FIELDS, with its id and a moment for `fetched_at`."""
    clean = {field: record.get(field) for field in FIELDS}
    clean["id"] = derive_id(record, label)
    clean["fetched_at"] = _moment(clean["fetched_at"])
    return clean


def from_json_bytes(raw: bytes, label: str) -> dict | BadRecord:
    """A record from a JSON object (a .json file, a line of a .jsonl file)."""
    try:
        record = json.loads(decode_text(raw, "utf-8"))
    except CleaningError as exc:
        return undecodable(label, exc, raw)
    except RecursionError:  # [[[[...]]]] nested deeper than the parser's stack
        return BadRecord(label, "malformed JSON: nested too deeply to read", payload(raw))
    except ValueError as exc:  # JSONDecodeError, an integer of more than 4,300 digits
        return BadRecord(label, f"malformed JSON: {exc}", payload(raw))
    if not isinstance(record, dict):
        return BadRecord(label, f"malformed record: a JSON {type(record).__name__}, not an object", payload(raw))
    return make_record(record, label)


def undecodable(label: str, exc: CleaningError, data: bytes) -> BadRecord:
    """Bytes the library's decoder refused (`undecodable`, `binary_input`, `not_html`): the reason starts
    with its code."""
    return BadRecord(label, f"{exc.code}: {exc}", payload(data))


def payload(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text[:MAX_PAYLOAD_CHARS]


def _moment(value):
    """A day without a time (Parquet date32/date64, an SQL DATE) as midnight UTC of that day: the
    pipeline takes moments, and a date alone would be refused as no date."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), timezone.utc)
    return value
