"""Why an input is not published, in words an editor reads, with the machine code beside it.

A reason is one plain sentence followed by its code in brackets: "language is French (fr); only
German and English are published [language.isin]". The code is what a program groups or counts by
(`reason_code`): a named check's name (`exactly_one_of_html_or_text`), `<column>.<check>` for a
column's built-in check (`text.str_length`), or the pipeline's own code (`time_limit`, `duplicate_id`).
This module words every failure the schemas can report; flows/checks.py words the pipeline's others.
"""
from __future__ import annotations

import re

import pandas as pd

from cleaners.text.language import SUPPORTED

_WORDED = re.compile(r" \[([a-z][a-z0-9_.]*)\]$")


def worded(sentence: str, code: str) -> str:
    """The stored form of a reason: the sentence, then its code in brackets."""
    return f"{sentence} [{code}]"


def reason_code(reason: str) -> str | None:
    """The machine code of a worded reason; None for one that is not worded (stored before words)."""
    found = _WORDED.search(reason)
    return found.group(1) if found else None


def language_name(code: str) -> str:
    """'French (fr)'; the code alone for one without a known name. (Names from babel, which the
    extractor's URL tools depend on; without it the code is still clear.)"""
    try:
        from babel import Locale

        name = Locale("en").languages.get(re.split(r"[-_]", code)[0].lower())
    except (ImportError, ValueError):
        name = None
    return f"{name} ({code})" if name else repr(code)


def published_languages(joiner: str = "and") -> str:
    """'German and English' (or 'German nor English'): the languages the pipeline publishes."""
    names = [language_name(code).split(" (")[0] for code in SUPPORTED]
    return f" {joiner} ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


# Schema failures: (column, check) -> (code, sentence). The sentence is formatted with `value` (the
# failing value, shortened), `length` (its length) and `column`. `*` is any column.
_COLUMN_WORDS = {
    ("id", "str_length"): "the id is {length} characters long; it must have 1 to {max} characters",
    ("id", "field_uniqueness"): "another record of this batch has the same id",
    ("id", "id_is_printable"): "the id contains control characters (such as NUL)",
    ("title", "str_length"): "the title is {length} characters long; at most {max} are published",
    ("title", "title_is_one_line"): "the title runs over several lines; a title is one line",
    ("text", "str_length"): "the clean text has only {length} characters; at least {min} are needed to publish it",
    ("text", "no_markup_or_entities"): "the clean text still holds HTML markup or an entity reference (such as <p> or &amp;)",
    ("text", "stable_under_ftfy_and_nfc"): ("the clean text has broken characters (mojibake or control characters) "
                                             "or is not in Unicode NFC"),
    ("text", "no_never_publish_marker"): "the clean text holds a phrase that a rule pack says must never be published",
    ("language", "str_length"): "the language {value} is not a language code (such as de or en)",
    ("language", "not_nullable"): "the language could not be told: the text reads as neither {neither}",
    ("language", "isin"): "language is {language}; only {published} are published",
    ("published", "published_is_a_valid_date"): "the publication date {value} is not a date between 1990 and tomorrow",
    ("fetched_at", "coerce_dtype"): "fetched_at {value} is not a date and time",
    ("fetched_at", "dtype"): "fetched_at {value} is not a date and time",
    ("content_hash", "str_matches"): "the content hash is not a SHA-256 digest (a bug in the pipeline)",
    ("rules_version", "str_length"): "the rules version is missing (a bug in the pipeline)",
    ("category", "isin"): "a removal's category {value} is not one of the categories",
    ("rule_id", "str_matches"): "a removal's rule id {value} is not of the form <category>.<name>",
    ("rule_id", "isin"): "a removal's rule id {value} is not among the loaded rules",
    ("article_id", "str_length"): "a removal has no article id",
    ("scope", "isin"): "a removal's scope {value} is not block, sentence or element",
    ("*", "not_nullable"): "{column} is missing",
    ("*", "dtype"): "{column} has the wrong type ({value})",
    ("*", "column_in_dataframe"): "the column {column} is missing",
}
# Codes that are not `<column>.<check>`: a check pandera reports under its test (`isin`), not its name.
_CODES = {("rule_id", "isin"): "rule_id_in_catalogue"}
# Checks of whole rows (pandera reports them on every column of the row).
_ROW_WORDS = {
    "content_hash_matches_text": lambda row: "the content hash does not match the text (a bug in the pipeline)",
    "rule_id_starts_with_category": lambda row: (f"a removal's rule id {row.get('rule_id')!r} does not start with its "
                                                 f"category {row.get('category')!r}"),
    "exactly_one_of_html_or_text": lambda row: (
        ("has both HTML and text" if _filled(row.get("html")) else "has neither HTML nor text")
        + "; a record must have exactly one"),
}


def schema_reason(case, row: dict | None) -> str:
    """One pandera failure case (a row of SchemaErrors.failure_cases) in words, with its code.
    `row`: the failing row's values, for checks of a whole row."""
    check = str(case.check)
    kind = check.split("(")[0]
    if case.schema_context == "DataFrameSchema" and kind not in ("column_in_dataframe", "column_in_schema"):
        words = _ROW_WORDS.get(kind)
        sentence = words(row or {}) if words else f"the record fails the check {kind}"
        return worded(sentence, kind)
    column = str(case.column)
    value = case.failure_case
    code = _CODES.get((column, kind)) or (f"{column}.{kind}" if kind in _BUILTIN_CHECKS else kind)
    template = _COLUMN_WORDS.get((column, kind)) or _COLUMN_WORDS.get(("*", kind))
    if template is None:  # a check without words yet: still said, with its code
        return worded(f"{column} fails the check {check[:60]} (got {_shown(value)})", code)
    bounds = dict(zip(("min", "max"), (re.findall(r"\d+|None", check) + ["None", "None"])[:2]))
    return worded(template.format(
        value=_shown(value), length=len(value) if isinstance(value, str) else "?", column=column,
        language=language_name(str(value)), published=published_languages(), neither=published_languages("nor"),
        **bounds), code)


# pandera's own checks, named after what they test, not after the column: their code names the column.
_BUILTIN_CHECKS = frozenset({"str_length", "isin", "str_matches", "not_nullable", "dtype", "coerce_dtype",
                             "field_uniqueness", "column_in_dataframe", "column_in_schema"})


def _filled(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _shown(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return "(empty)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
