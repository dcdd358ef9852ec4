"""The pipeline's data contracts. Checks are named functions, so a failure says which rule broke."""
from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import ftfy
import pandas as pd
import pandera.pandas as pa
from ftfy import chardata
from ftfy import fixes as ftfy_fixes
from pandera.typing import Series

from cleaners import CATEGORIES
from cleaners.rules.match import skeleton
from cleaners.text.language import SUPPORTED
from cleaners.text.normalize import FTFY_CONFIG  # stable: what the library's own repair leaves alone

from . import mojibake

MIN_BODY_CHARS = 150  # shorter than a short news item: something went wrong
MAX_TITLE_CHARS = 300
MAX_ID_CHARS = 200
# HTML element names (the living standard's, the obsolete ones browsers still parse, svg and math).
HTML_ELEMENTS = frozenset("""
a abbr acronym address applet area article aside audio b base basefont bdi bdo big blink blockquote body
br button canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl
dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header
hgroup hr html i iframe img input ins kbd label legend li link main map mark marquee math menu meta meter
nav nobr noembed noframes noscript object ol optgroup option output p param picture plaintext pre
progress q rp rt ruby s samp script search section select slot small source span strike strong style
sub summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var
video wbr xmp""".split())
# Attributes that stand alone (no "="): `<script async>` is a tag, `<b und c>` is prose.
BOOLEAN_ATTRIBUTES = frozenset("""
allowfullscreen async autofocus autoplay checked controls default defer disabled formnovalidate hidden
inert ismap itemscope loop multiple muted nomodule novalidate open playsinline readonly required
reversed selected""".split())
_NAMES = "|".join(sorted(HTML_ELEMENTS))
_BOOLEANS = "|".join(sorted(BOOLEAN_ATTRIBUTES))


def _attribute_ahead(attribute: str) -> str:
    """An attribute further on in the tag, before its ">". A lookahead, so it is not tried again when
    the tag turns out not to close: a long run of attribute-like words costs linear time, not quadratic."""
    return rf"""(?=[^<>]*?(?<=[\s/"'])(?:{attribute}))"""


_ANY_ATTRIBUTE = _attribute_ahead(rf"""[^\s"'<>/=]+\s*=|(?:{_BOOLEANS})(?=[\s/>])""")
_EVENT_HANDLER = _attribute_ahead(r"on[a-z]+\s*=")
# Markup that must not reach published text. Angle brackets are also comparison signs in prose
# ("wenn x<y und y>z", "a<b und c>d"), so a tag counts only when it is plainly one: a known element
# name closed at once (`<p>`, `</div>`, `<br/>`), or followed by something an attribute looks like
# (`name=`, or a lone boolean attribute); and any tag name with an event handler (`<x onclick=...>`
# runs script on an unknown element too). Comments, <!DOCTYPE>, <![CDATA[, processing instructions,
# and every entity reference (named ones with digits too, e.g. &frac12; or an undeclared &lol9;).
# The element names are tried only where a name-like word follows "<" (a run of "<" costs little).
# This checks that cleaning left no markup behind; it is no escaping: a reader that shows the text
# as HTML must still escape it.
MARKUP = re.compile(
    rf"</?(?=[a-z][a-z0-9]*[\s/>])(?:{_NAMES})(?:\s*/?\s*>|[\s/]{_ANY_ATTRIBUTE}[^<>]*>)"
    rf"|<[a-z][\w:-]*[\s/]{_EVENT_HANDLER}[^<>]*>"
    r"|<!--|<[!?][a-z\[][^<>]*>"
    r"|&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});",
    re.IGNORECASE)


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
        # Not .str.strip(): that copies every page of the batch to measure it.
        return df["html"].map(_filled).astype(bool) ^ df["text"].map(_filled).astype(bool)

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
        return ~text.str.contains(MARKUP, regex=True)

    @pa.check("text", name="stable_under_ftfy_and_nfc")
    def stable_text(cls, text: Series[str]) -> Series[bool]:
        return text.map(is_stable)

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
# characters; html unescaping, width folding and quote uncurling are off in FTFY_CONFIG): C1 controls,
# ligatures, line breaks, surrogates, terminal escapes, control characters. A line holding none of
# them that ftfy's mojibake test passes (badness.is_bad, the one condition of its encoding repair)
# and that is in NFC comes out of every step unchanged; any other line is given to ftfy itself.
_FTFY_TOUCHES = re.compile("|".join([
    chardata.C1_CONTROL_RE.pattern, ftfy_fixes.SURROGATE_RE.pattern,
    "[" + re.escape("".join(map(chr, [*chardata.LIGATURES, *chardata.CONTROL_CHARS]))) + "\r\u2028\u2029\x85\x1b]"]))


def is_stable(text: str) -> bool:
    # ftfy fixes a text line by line, and a line of printable ASCII is one it never changes (no
    # encoding to repair, no control or odd character): only the other lines need ftfy's time,
    # and of those only the ones its own tables and mojibake test say it might touch (about 37 %
    # less time on real non-ASCII lines: the mojibake test is most of ftfy's cost).
    if unicodedata.normalize("NFC", text) != text:
        return False
    return all(line.isascii() and line.isprintable() or untouched_by_ftfy(line) or ftfy.fix_text(line, FTFY_CONFIG) == line
               for line in text.split("\n"))


def untouched_by_ftfy(line: str) -> bool:
    return (_FTFY_TOUCHES.search(line) is None and not mojibake.is_bad(line)
            and unicodedata.is_normalized("NFC", line))


def _filled(value) -> bool:
    """A body that is there: a string with something other than whitespace (as str.strip sees it)."""
    return isinstance(value, str) and not value.isspace() and value != ""


def _is_valid_date(value) -> bool:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return True
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return False
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date()
    return date(1990, 1, 1) <= day <= tomorrow


def _pandas_types_only() -> None:
    """Building a model's schema, pandera asks which Series and Index types exist, and so imports
    dask.dataframe when dask is installed (prefect-dask brings it): about 30 MB and 0.3 s of CPU in
    every process that validates, for dask types these pandas models never use. Asked once here with
    dask.dataframe out of sight, pandera keeps its answer (its functions are cached); a process that
    has imported dask.dataframe already (none of the pipeline's does) is left as it is."""
    if "dask.dataframe" in sys.modules:
        return
    from pandera.typing import get_index_types, get_series_types

    sys.modules["dask.dataframe"] = None  # import dask.dataframe: ImportError, so "dask not installed"
    try:
        get_index_types()
        get_series_types()
    finally:
        if sys.modules.get("dask.dataframe", 0) is None:
            del sys.modules["dask.dataframe"]


@lru_cache(maxsize=None)
def raw_article_schema() -> pa.DataFrameSchema:
    """RawArticle's schema, built once per process."""
    _pandas_types_only()
    return RawArticle.to_schema()


def clean_article_schema(never_publish: list[str]) -> pa.DataFrameSchema:
    """CleanArticle plus the rule packs' "never publish" markers (they depend on the loaded rules).
    Built once per process and set of markers: a batch only validates with it."""
    return _clean_article_schema(tuple(never_publish))


@lru_cache(maxsize=16)
def _clean_article_schema(never_publish: tuple[str, ...]) -> pa.DataFrameSchema:
    _pandas_types_only()
    # Compared as the rules see text: lookalike letters folded ("Аbonnieren" with a Cyrillic A).
    markers = [skeleton(m).lower() for m in never_publish]

    def no_never_publish_marker(text: pd.Series) -> pd.Series:
        if not markers:
            return text.map(bool)
        return text.map(lambda body: _holds_none(skeleton(body).lower(), markers))

    schema = CleanArticle.to_schema()
    checks = list(schema.columns["text"].checks) + [pa.Check(no_never_publish_marker, name="no_never_publish_marker")]
    return schema.update_column("text", checks=checks)


def _holds_none(text: str, markers: list[str]) -> bool:
    return not any(marker in text for marker in markers)


def removal_schema(catalogue: dict) -> pa.DataFrameSchema:
    """RemovalLog plus: the rule id is in the loaded rule catalogue. Built once per process and catalogue."""
    return _removal_schema(tuple(sorted(catalogue)))


@lru_cache(maxsize=16)
def _removal_schema(rule_ids: tuple[str, ...]) -> pa.DataFrameSchema:
    _pandas_types_only()
    schema = RemovalLog.to_schema()
    checks = list(schema.columns["rule_id"].checks) + [pa.Check.isin(list(rule_ids), name="rule_id_in_catalogue")]
    return schema.update_column("rule_id", checks=checks)
