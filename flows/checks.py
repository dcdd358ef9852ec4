"""What an input must be to be cleaned, and what any store can hold: the pipeline's checks before and
after cleaning, the stand-ins for what no store could hold, and every quarantine reason in words."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime

import pandas as pd

from schemas.models import MAX_ID_CHARS
from schemas.reasons import reason_code, worded

from .settings import env_name

STRING_FIELDS = ("id", "url", "source", "html", "text", "language")
# What the store's columns hold (PostgreSQL enforces it; a longer value would fail the whole batch).
MAX_FIELD_CHARS = {"source": 300, "language": 8}
# Control characters: PostgreSQL cannot store NUL in text at all, and none belongs in an id or a URL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_TRAVERSAL = re.compile(r"(^|[/\\])\.\.($|[/\\])")


# The pipeline's reasons come as "<code>: <detail>" (the inbox, these checks, the library's CleaningError
# codes, the cleaning worker); an editor reads each as a sentence, the code kept beside it. Each entry:
# the code, and the sentence around the detail. Codes not listed keep their detail as the sentence: it
# is one already ("cleaning did not finish in 25 s ...", "page has more than 50,000 start tags ...").
_IN_WORDS = {
    "malformed JSON": ("malformed_json", "the record is not valid JSON ({detail})"),
    "malformed record": ("malformed_record", "the record cannot be used: {detail}"),
    "invalid id": ("invalid_id", "the id cannot be used: {detail}"),
    "refused": ("refused", "the file was not read: {detail}"),
    "unreadable": ("unreadable", "the file could not be read: {detail}"),
    "undecodable": ("undecodable", "the text cannot be read: {detail}"),
    "binary_input": ("binary_input", "the input is not text: {detail}"),
    "not_html": ("not_html", "the input is not an HTML page: {detail}"),
    "empty_input": ("empty_input", "the input is empty: there is nothing to clean"),
    "no_article": ("no_article", "no article text was found in the page"),
    "empty": ("empty", "{detail}: no article is left to publish"),
    "over_pruned": ("over_pruned", "{detail}, under 40 % of what came in: held back in case a rule took too much"),
    "held_back": ("held_back", f"rule {{detail}}, so the article is held for review ({env_name('quarantine_held_back')})"),
    "duplicate_id": ("duplicate_id", "{detail}; none of them is published while they differ"),
    "internal_error": ("internal_error", "the cleaner failed on this input ({detail}); this is a bug to report"),
}
_CODE = re.compile(r"[a-z][a-z0-9_]*")


def in_words(reason: str) -> str:
    """A quarantine reason as an editor reads it: a sentence, its machine code in brackets at the end
    ("the record is not valid JSON (...) [malformed_json]"). Reasons already in words (the schemas'
    failures, schemas/reasons.py) are left as they are."""
    if reason_code(reason):
        return reason
    head, colon, detail = reason.partition(": ")
    if colon and head in _IN_WORDS:
        code, sentence = _IN_WORDS[head]
        return worded(sentence.replace("{detail}", detail), code)
    if colon and _CODE.fullmatch(head):
        return worded(detail, head)
    return worded(reason, "other")


def id_problem(article_id) -> str | None:
    """Why an id cannot be used: control characters (NUL), too long, or a path that climbs out ('../')."""
    if not isinstance(article_id, str) or not article_id.strip():
        return "invalid id: empty"
    if _CONTROL.search(article_id):
        return f"invalid id: contains control characters (e.g. NUL): {article_id[:80]!r}"
    if len(article_id) > MAX_ID_CHARS:
        return f"invalid id: {len(article_id):,} characters, at most {MAX_ID_CHARS}: {article_id[:60]!r}..."
    if _TRAVERSAL.search(article_id) or article_id.startswith(("/", "\\")):
        return f"invalid id: looks like a file path that leaves its folder ('../' or absolute): {article_id!r}"
    return None


def with_id_problem(article_id, reasons: list[str]) -> list[str]:
    problem = id_problem(article_id)
    return reasons + [problem] if problem else reasons


def storable_id(article_id) -> str:
    """The id a quarantine entry is stored under: the id itself, unless no store could hold it (NUL,
    control characters, longer than the limit); then a stable stand-in (the original is in the payload)."""
    if isinstance(article_id, str) and article_id and not _CONTROL.search(article_id) and len(article_id) <= MAX_ID_CHARS:
        return article_id
    raw = article_id if isinstance(article_id, str) else repr(article_id)
    return "invalid-id-" + hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def storable(text: str, limit: int) -> str:
    """Text any store can hold: no NUL (PostgreSQL refuses it), no lone surrogates, at most `limit` characters."""
    if len(text) > limit:
        text = text[:limit] + f"\n[... truncated: {len(text):,} characters in all]"
    return _SURROGATE.sub("\ufffd", text.replace("\x00", "\ufffd"))


def type_problem(record: dict) -> str | None:
    """Why a record read from the inbox cannot be cleaned (a field of the wrong type, invalid Unicode,
    control characters, too long); None when it can. Lone surrogates in html and text are repaired in
    place, as the library would."""
    for name in STRING_FIELDS:
        if record[name] is not None and not isinstance(record[name], str):
            return f"malformed record: '{name}' must be a string, not {type(record[name]).__name__}"
    for name in ("html", "text"):
        if record[name] and _has_surrogates(record[name]):
            record[name] = _SURROGATE.sub("\ufffd", record[name])
    for name in ("id", "url", "source", "language", "fetched_at"):
        if isinstance(record[name], str) and _has_surrogates(record[name]):
            return f"malformed record: '{name}' is not valid Unicode (a lone surrogate)"
    for name in ("url", "source", "language"):
        if record[name] and _CONTROL.search(record[name]):
            return f"malformed record: '{name}' contains control characters (e.g. NUL)"
        if record[name] and len(record[name]) > MAX_FIELD_CHARS.get(name, 100_000):
            return f"malformed record: '{name}' is {len(record[name]):,} characters long"
    if isinstance(record["fetched_at"], str) and (_CONTROL.search(record["fetched_at"]) or len(record["fetched_at"]) > 40):
        return "malformed record: 'fetched_at' is not a date"
    if record["fetched_at"] is not None and not isinstance(record["fetched_at"], (str, int, float, datetime, pd.Timestamp)):
        return f"malformed record: 'fetched_at' must be a date, not {type(record['fetched_at']).__name__}"
    return None


def unstorable_field(result) -> str | None:
    """The first part of a clean result no store can hold (NUL, a lone surrogate, longer than its
    column), or that breaks a one-line field (control characters in the title, author or date)."""
    meta = result.metadata
    for name, value in (("title", result.title), ("author", meta.author), ("published", meta.published)):
        if value and (_CONTROL.search(value) or _has_surrogates(value)):
            return name
    if meta.published and len(meta.published) > 32:  # the store's column holds a date
        return "published date"
    if any(len(r.rule_id) > 120 or len(r.category) > 32 for r in result.removals):  # the removal log's columns
        return "removal log (a rule id longer than 120 characters)"
    for name, values in (("text", [result.text]), ("tags", meta.tags), ("sources", meta.sources),
                         ("removal log", [r.text for r in result.removals])):
        if any("\x00" in value or _has_surrogates(value) for value in values if value):
            return name
    return None


def _has_surrogates(text: str) -> bool:
    """A str holds a surrogate code point only as a lone one (JSON allows "\\ud800"; UTF-8 cannot hold it).
    Strict UTF-8 encoding fails on exactly those, and takes a fifth of a regex search's time on a page."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
