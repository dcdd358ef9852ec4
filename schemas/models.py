"""The pipeline's data contracts. Checks are named functions, so a failure says which rule broke."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

import ftfy
from ftfy import badness as ftfy_badness
from ftfy import chardata
from ftfy import fixes as ftfy_fixes
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from cleaners import CATEGORIES
from cleaners.language import SUPPORTED

MIN_BODY_CHARS = 150  # shorter than a short news item: something went wrong
MAX_TITLE_CHARS = 300
MAX_ID_CHARS = 200
_MARKUP = re.compile(r"<[a-zA-Z/!?][^<>]*>|&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, unescape_html=False)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class RawArticle(pa.DataFrameModel):
    """An input record as read from the inbox, before cleaning."""

    id: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": MAX_ID_CHARS}, unique=True)
    url: Series[str] = pa.Field(nullable=True)
    source: Series[str] = pa.Field(nullable=True)
    html: Series[str] = pa.Field(nullable=True)
    text: Series[str] = pa.Field(nullable=True)
    language: Series[str] = pa.Field(nullable=True, str_length={"min_value": 2, "max_value": 8})
    fetched_at: Series[pd.Timestamp] = pa.Field(nullable=True, coerce=True)

    @pa.check("id", name="id_is_printable")
    def id_is_printable(cls, ids: Series[str]) -> Series[bool]:
        return ~ids.str.contains(r"[\x00-\x1f\x7f]", regex=True)

    @pa.dataframe_check(name="exactly_one_of_html_or_text")
    def exactly_one_body(cls, df: pd.DataFrame) -> Series[bool]:
        has_html = df["html"].fillna("").str.strip().str.len() > 0
        has_text = df["text"].fillna("").str.strip().str.len() > 0
        return has_html ^ has_text

    class Config:
        strict = False


class CleanArticle(pa.DataFrameModel):
    """A clean article as it will be published."""

    id: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": MAX_ID_CHARS}, unique=True)
    url: Series[str] = pa.Field(nullable=True)
    source: Series[str] = pa.Field(nullable=True)
    title: Series[str] = pa.Field(nullable=True, str_length={"min_value": 1, "max_value": MAX_TITLE_CHARS})
    text: Series[str] = pa.Field(str_length={"min_value": MIN_BODY_CHARS})
    language: Series[str] = pa.Field(isin=list(SUPPORTED))
    published: Series[str] = pa.Field(nullable=True)
    content_hash: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{64}$")
    rules_version: Series[str] = pa.Field(str_length={"min_value": 1})

    @pa.check("text", name="no_markup_or_entities")
    def no_markup(cls, text: Series[str]) -> Series[bool]:
        return ~text.str.contains(_MARKUP, regex=True)

    @pa.check("text", name="stable_under_ftfy_and_nfc")
    def stable_text(cls, text: Series[str]) -> Series[bool]:
        return text.map(_is_stable)

    @pa.check("title", name="title_is_one_line")
    def title_one_line(cls, title: Series[str]) -> Series[bool]:
        return ~title.str.contains("\n", regex=False)

    @pa.check("published", name="published_is_a_valid_date")
    def valid_date(cls, published: Series[str]) -> Series[bool]:
        return published.map(_is_valid_date)

    @pa.dataframe_check(name="content_hash_matches_text")
    def hash_matches(cls, df: pd.DataFrame) -> Series[bool]:
        return df["text"].map(content_hash) == df["content_hash"]

    class Config:
        strict = False


class RemovalLog(pa.DataFrameModel):
    """One removed span of one article."""

    article_id: Series[str] = pa.Field(str_length={"min_value": 1})
    category: Series[str] = pa.Field(isin=list(CATEGORIES))
    rule_id: Series[str] = pa.Field(str_matches=r"^[a-z_]+\.[a-z0-9-]+$")
    scope: Series[str] = pa.Field(isin=["block", "sentence", "element"])
    text: Series[str]
    position: Series[int]

    @pa.dataframe_check(name="rule_id_starts_with_category")
    def id_matches_category(cls, df: pd.DataFrame) -> Series[bool]:
        return df["rule_id"].str.split(".").str[0] == df["category"]

    class Config:
        strict = False


class QuarantineEntry(pa.DataFrameModel):
    """An input that was not published, with every reason."""

    article_id: Series[str] = pa.Field(str_length={"min_value": 1})
    reason: Series[str] = pa.Field(str_length={"min_value": 1})
    details: Series[str]
    payload: Series[str]

    class Config:
        strict = False


# What ftfy acts on, taken from ftfy's own tables (its fixers are plain replacements of these
# characters; html unescaping, width folding and quote uncurling are off in _FTFY): C1 controls,
# ligatures, line breaks, surrogates, terminal escapes, control characters. A line holding none of
# them that ftfy's mojibake test passes (badness.is_bad, the one condition of its encoding repair)
# and that is in NFC comes out of every step unchanged; any other line is given to ftfy itself.
_FTFY_TOUCHES = re.compile("|".join([
    chardata.C1_CONTROL_RE.pattern, ftfy_fixes.SURROGATE_RE.pattern,
    "[" + re.escape("".join(map(chr, [*chardata.LIGATURES, *chardata.CONTROL_CHARS]))) + "\r\u2028\u2029\x85\x1b]"]))


def _is_stable(text: str) -> bool:
    # ftfy fixes a text line by line, and a line of printable ASCII is one it never changes (no
    # encoding to repair, no control or odd character): only the other lines need ftfy's time,
    # and of those only the ones its own tables and mojibake test say it might touch (about 37 %
    # less time on real non-ASCII lines: the mojibake test is most of ftfy's cost).
    if unicodedata.normalize("NFC", text) != text:
        return False
    return all(line.isascii() and line.isprintable() or _untouched_by_ftfy(line) or ftfy.fix_text(line, _FTFY) == line
               for line in text.split("\n"))


def _untouched_by_ftfy(line: str) -> bool:
    return (_FTFY_TOUCHES.search(line) is None and not ftfy_badness.is_bad(line)
            and unicodedata.is_normalized("NFC", line))


def _is_valid_date(value) -> bool:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return True
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return False
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date()
    return date(1990, 1, 1) <= day <= tomorrow


def clean_article_schema(never_publish: list[str]) -> pa.DataFrameSchema:
    """CleanArticle plus the rule packs' "never publish" markers (they depend on the loaded rules)."""
    markers = [m.lower() for m in never_publish]

    def no_never_publish_marker(text: pd.Series) -> pd.Series:
        lowered = text.str.lower()
        return lowered.map(lambda body: not any(m in body for m in markers)) if markers else text.map(bool)

    schema = CleanArticle.to_schema()
    checks = list(schema.columns["text"].checks) + [pa.Check(no_never_publish_marker, name="no_never_publish_marker")]
    return schema.update_column("text", checks=checks)


def removal_schema(catalogue: dict) -> pa.DataFrameSchema:
    """RemovalLog plus: the rule id is in the loaded rule catalogue."""
    schema = RemovalLog.to_schema()
    checks = list(schema.columns["rule_id"].checks) + [pa.Check.isin(sorted(catalogue), name="rule_id_in_catalogue")]
    return schema.update_column("rule_id", checks=checks)
