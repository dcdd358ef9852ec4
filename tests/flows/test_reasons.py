"""Quarantine reasons in words: every failure the schemas can report and every reason the pipeline
gives is one sentence an editor reads, with its machine code in brackets beside it."""
from collections import namedtuple

import pandas as pd
import pytest

from cleaners.settings import CODE
from flows.checks import _IN_WORDS, in_words
from schemas import RawArticle, clean_article_schema, failures_by_id, removal_schema
from schemas.reasons import reason_code, schema_reason

Case = namedtuple("Case", "schema_context column check failure_case index")  # a row of pandera's failure_cases
SCHEMAS = {"raw": RawArticle.to_schema(), "clean": clean_article_schema(["Jetzt abonnieren"]),
           "removals": removal_schema({"ad.x": ("ad", "why")})}


def _every_check():
    """(schema, column, what pandera reports as the check) for every check of every schema: the column
    checks, the implicit ones (not null, unique, type) and the checks of whole rows."""
    for name, schema in SCHEMAS.items():
        for column, spec in schema.columns.items():
            reported = [check.error or check.name for check in spec.checks]
            reported += [] if spec.nullable else ["not_nullable"]
            reported += ["field_uniqueness"] if spec.unique else []
            reported += [f"coerce_dtype('{spec.dtype}')" if spec.coerce else f"dtype('{spec.dtype}')"]
            for check in reported:
                yield pytest.param("Column", column, check, id=f"{name}-{column}-{check.split('(')[0]}")
        for check in schema.checks:
            yield pytest.param("DataFrameSchema", "id", check.name, id=f"{name}-row-{check.name}")


@pytest.mark.parametrize("context, column, check", list(_every_check()))
def test_every_schema_failure_has_its_own_words(context, column, check):
    reason = schema_reason(Case(context, column, check, "x", 0), {"html": "<p>a</p>", "text": "a"})
    sentence, code = reason.rsplit(" [", 1)
    assert reason_code(reason) == code.rstrip("]")
    assert "fails the check" not in sentence and "(got" not in sentence, reason  # the words for checks without words


@pytest.mark.parametrize("row, expected", [
    ({"id": "a", "html": "<p>Text</p>", "text": "Text", "language": "f"}, [
        "has both HTML and text; a record must have exactly one [exactly_one_of_html_or_text]",
        "the language 'f' is not a language code (such as de or en) [language.str_length]"]),
    ({"id": "a", "html": " ", "language": "de", "fetched_at": "gestern"}, [
        "has neither HTML nor text; a record must have exactly one [exactly_one_of_html_or_text]",
        "fetched_at 'gestern' is not a date and time [fetched_at.coerce_dtype]"]),
])
def test_raw_records_fail_in_words(row, expected):
    frame = pd.DataFrame([{"url": None, "source": None, "html": None, "text": None, "language": None,
                           "fetched_at": None, **row}])
    assert sorted(failures_by_id(RawArticle.to_schema(), frame, "id")["a"]) == sorted(expected)


def test_a_clean_article_fails_in_words():
    body = "Ein Satz. " * 20 + "Jetzt abonnieren!"
    row = {"id": "a", "url": None, "source": None, "title": "Zwei\nZeilen", "text": body, "language": "fr",
           "published": "1989-12-31", "content_hash": "0" * 64, "rules_version": "v1"}
    found = failures_by_id(SCHEMAS["clean"], pd.DataFrame([row]), "id")["a"]
    assert sorted(found) == sorted([
        "the content hash does not match the text (a bug in the pipeline) [content_hash_matches_text]",
        "the title runs over several lines; a title is one line [title_is_one_line]",
        "the clean text holds a phrase that a rule pack says must never be published [no_never_publish_marker]",
        "language is French (fr); only German and English are published [language.isin]",
        "the publication date '1989-12-31' is not a date between 1990 and tomorrow [published_is_a_valid_date]",
    ])


def test_a_removal_log_fails_in_words():
    row = {"article_id": "a", "category": "gossip", "rule_id": "ad.unknown", "scope": "page", "text": "x", "position": 0}
    found = failures_by_id(SCHEMAS["removals"], pd.DataFrame([row]), "article_id")["a"]
    assert sorted(found) == sorted([
        "a removal's category 'gossip' is not one of the categories [category.isin]",
        "a removal's rule id 'ad.unknown' is not among the loaded rules [rule_id_in_catalogue]",
        "a removal's scope 'page' is not block, sentence or element [scope.isin]",
        "a removal's rule id 'ad.unknown' does not start with its category 'gossip' [rule_id_starts_with_category]",
    ])


# Every code a reason of the pipeline can start with: the inbox's and the checks' labels, the library's
# CleaningError codes (its limits too), the cleaning worker's and the pipeline's own.
PIPELINE_CODES = sorted({*_IN_WORDS, *CODE.values(), "not_a_file", "too_large", "time_limit", "worker_died",
                         "unstorable", "markup"} - {"-"})


@pytest.mark.parametrize("head", PIPELINE_CODES)
def test_every_pipeline_reason_is_a_sentence_with_its_code(head):
    reason = in_words(f"{head}: the detail of it")
    code = _IN_WORDS[head][0] if head in _IN_WORDS else head
    assert reason.endswith(f" [{code}]") and reason_code(reason) == code
    assert not reason.startswith(f"{head}:")  # the code is beside the sentence, not its first word
    assert in_words(reason) == reason  # worded once: a reason passed on is not worded again


@pytest.mark.parametrize("raw, worded", [
    ("malformed JSON: Expecting value: line 1 column 1 (char 0)",
     "the record is not valid JSON (Expecting value: line 1 column 1 (char 0)) [malformed_json]"),
    ("invalid id: looks like a file path that leaves its folder ('../' or absolute): '../x'",
     "the id cannot be used: looks like a file path that leaves its folder ('../' or absolute): '../x' [invalid_id]"),
    ("time_limit: cleaning did not finish in 3 s (alone, in a new worker)",
     "cleaning did not finish in 3 s (alone, in a new worker) [time_limit]"),
    ("a message without a code", "a message without a code [other]"),
    ("empty_input: empty input: no text to clean", "the input is empty: there is nothing to clean [empty_input]"),
])
def test_pipeline_reasons_in_words(raw, worded):
    assert in_words(raw) == worded
