"""The detector contract: every detector has an id, a category and a why, runs at one stage, and
every removal a result carries is named in the catalogue built from the registry."""
from pathlib import Path

import pytest

from cleaners import clean_html, clean_text, load_rules, rule_catalogue
from cleaners.detect import REGISTRY, catalogue
from cleaners.detect.base import STAGES, Detector
from cleaners.model import CATEGORIES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PAGES = sorted((FIXTURES / "html").glob("*.html"))


@pytest.mark.parametrize("detector", REGISTRY, ids=lambda d: type(d).__name__)
def test_every_detector_keeps_the_contract(detector):
    assert isinstance(detector, Detector) and detector.stage in STAGES
    assert type(detector).detect is not Detector.detect, "a detector implements detect()"
    for rule_id, entry in detector.catalogue(load_rules()).items():
        assert entry.category in CATEGORIES and rule_id.startswith(entry.category + ".")
        assert entry.why and len(entry.why.splitlines()) == 1


def test_the_catalogue_holds_every_rule_and_detector_once():
    rules = load_rules()
    entries = catalogue(rules)
    assert {rule.id for rule in rules.rules} <= set(entries)
    ids = [rule_id for detector in REGISTRY for rule_id in detector.catalogue(rules)]
    assert len(ids) == len(set(ids)), "two detectors claim one id"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_removal_of_a_page_is_in_the_catalogue(page):
    result = clean_html(page.read_bytes())
    known = rule_catalogue()
    assert result.removals, "the fixture pages all carry junk"
    for removal in result.removals:
        assert removal.rule_id in known and known[removal.rule_id][0] == removal.category


def test_an_author_box_gives_the_author_through_its_removal():
    text = ("Brücke wird saniert\n\n" + "Die Stadt hat am Montag beschlossen, die alte Brücke bis zum Sommer zu sanieren. " * 3
            + "\n\nDie Arbeiten beginnen im März und dauern mehrere Monate, sagte ein Sprecher.\n\nAnna Schmidt\n\n"
            "Anna Schmidt ist Redakteurin im Lokalressort und schreibt über Verkehr.")
    result = clean_text(text)
    assert result.metadata.author == "Anna Schmidt"
    assert "author_bio.name-then-bio" in {r.rule_id for r in result.removals}
    assert "Anna Schmidt" not in result.text
