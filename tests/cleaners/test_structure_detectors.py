"""The text-mode structure detectors (comment sections, runs of short lines) on the cases of
fixtures/text/detector_cases.toml: what each must take, and what it must leave."""
import tomllib
from pathlib import Path

import pytest

from cleaners import clean_html, clean_text

CASES = tomllib.loads((Path(__file__).resolve().parents[2] / "fixtures" / "text" / "detector_cases.toml")
                      .read_text(encoding="utf-8"))["case"]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["name"])
def test_structure_detector_case(case):
    result = clean_text(case["text"].strip())
    by_rule = {}
    for removal in result.removals:
        by_rule.setdefault(removal.rule_id, []).append(removal.text)
    for rule_id, texts in case["removed"].items():
        for text in texts:
            assert any(text in removed for removed in by_rule.get(rule_id, [])), f"{rule_id} should take {text!r}"
            assert text not in result.text
    for text in case["kept"]:
        assert text in result.text, f"{text!r} should stay"
    structure = {"furniture.comment-section", "related.teaser-list", "related.short-line-tail"}
    unexpected = structure & set(by_rule) - set(case["removed"])
    assert not unexpected, f"unexpected removals: { {r: by_rule[r] for r in unexpected} }"


def test_a_removal_names_its_detector_and_why():
    case = next(case for case in CASES if case["name"] == "de-comments-with-names-and-times")
    removal = next(r for r in clean_text(case["text"].strip()).removals if r.rule_id == "furniture.comment-section")
    assert removal.category == "furniture" and "comments" in removal.why


def test_a_language_without_word_lists_is_cleaned_without_them():
    text = ("Le conseil municipal a voté mardi la reconstruction du vieux pont avant la fin de l'été prochain.\n\n"
            "- Travaux: début des travaux en mars prochain\n- Coût: quatre millions d'euros selon la mairie")
    assert "Travaux: début des travaux" in clean_text(text, language="fr").text


def test_the_text_detectors_leave_a_page_alone():
    """On a page, a list of "Label: headline" items is mostly the article's own (measured on the
    bench pages): the teaser-list and tail detectors are for text only."""
    case = next(case for case in CASES if case["name"] == "de-teaser-list-between-paragraphs")
    paragraphs = [line for line in case["text"].strip().splitlines() if line and not line.startswith("- ")]
    items = [line[2:] for line in case["text"].splitlines() if line.startswith("- ")]
    page = ("<html><body><article><h1>Pflegeheime unter Druck</h1>" + f"<p>{paragraphs[0]}</p><ul>"
            + "".join(f"<li>{item}</li>" for item in items) + f"</ul><p>{paragraphs[1]}</p></article></body></html>")
    result = clean_html(page, language="de")
    assert all(item in result.text for item in items)
