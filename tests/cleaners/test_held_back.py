"""Never worse than the extractor: a rule that would take the bulk of an article is held back, the
article keeps its text, and the result names the rule."""
import pytest

from cleaners import clean_html, clean_text

from .helpers import TOO_WIDE_RULE

SENTENCES = [
    "Der Stadtrat hat am Montag beschlossen, die alte Brücke über den Fluss bis zum Sommer zu sanieren.",
    "Die Arbeiten sollen im März beginnen und mehrere Monate dauern, sagte eine Sprecherin der Stadt.",
    "Während der Sanierung wird der Verkehr über eine Behelfsbrücke weiter nördlich umgeleitet.",
    "Anwohner hatten seit Jahren auf die Reparatur gedrängt, weil sich Risse im Beton zeigten.",
    "Die Kosten werden auf rund vier Millionen Euro geschätzt, ein Teil kommt vom Land.",
    "Der Bauausschuss will im Herbst einen ersten Bericht über den Fortschritt vorlegen.",
]
ARTICLE = "\n\n".join(SENTENCES * 2)

GREEDY = TOO_WIDE_RULE  # matches every paragraph of the article
WRAPPER = '''
[[rules]]
id = "promo.zone"
category = "promo"
kind = "selector"
pattern = '[class*="promo-zone"]'
why = "House ads in a promo zone."
[rules.examples]
remove = ['<div class="promo-zone-box">Unser Shop</div>']
keep = ['<div class="box">Text</div>']
'''


@pytest.fixture
def rules(tmp_path):
    def write(body: str):
        (tmp_path / "mine.toml").write_text(body, encoding="utf-8")
        return tmp_path
    return write


def test_a_rule_that_would_take_the_article_is_held_back_in_text(rules):
    result = clean_text("Brückensanierung beschlossen\n\n" + ARTICLE, rules=rules(GREEDY))
    assert result.held_back == ["disclaimer.too-wide"] and "held_back" in result.warnings
    assert all(sentence in result.text for sentence in SENTENCES)
    assert not [r for r in result.removals if r.rule_id == "disclaimer.too-wide"]


def test_a_small_removal_by_the_same_rule_is_applied(rules):
    text = "Brückensanierung\n\n" + "\n\n".join(s.replace("die ", "").replace("der ", "") for s in SENTENCES) + \
           "\n\nDie Angaben sind ohne Gewähr."
    result = clean_text(text, rules=rules(GREEDY))
    assert result.held_back == [] and "Gewähr" not in result.text


def test_a_selector_that_wraps_the_article_is_held_back(rules):
    body = "".join(f"<p>{s}</p>" for s in SENTENCES * 2)
    page = (f"<html><head><title>Brücke</title></head><body><nav><a href='/'>Start</a></nav>"
            f"<div class='promo-zone-layout'><article><h1>Brücke</h1>{body}</article></div>"
            f"<div class='promo-zone-box'><p>Unser Shop hat neue Tassen und Kalender für Sie.</p></div></body></html>")
    result = clean_html(page, rules=rules(WRAPPER))
    assert result.held_back == ["promo.zone"]
    assert all(sentence in result.text for sentence in SENTENCES)


def test_a_page_pass_that_leaves_nothing_is_undone(rules):
    """The page detectors pruned every paragraph: the page is extracted as it is instead of
    raising "no article", and the rule is held back at both stages."""
    body = "".join(f"<p>{s}</p>" for s in SENTENCES * 2)
    page = f"<html><head><title>Brücke</title></head><body><article><h1>Brücke</h1>{body}</article></body></html>"
    result = clean_html(page, rules=rules(GREEDY))
    assert result.held_back == ["disclaimer.too-wide"]
    assert all(sentence in result.text for sentence in SENTENCES)


def test_a_selector_that_wraps_an_article_without_paragraph_elements_is_held_back(rules):
    """An article written in <div>s and line breaks: the guard weighs all of the page's text."""
    body = "<br>".join(SENTENCES * 2)
    page = (f"<html><head><title>Brücke</title></head><body><nav><a href='/'>Start</a></nav>"
            f"<div class='story'><h1>Brücke</h1><p>{SENTENCES[0]}</p>"
            f"<div class='promo-zone-layout'><div>{body}</div></div></div>"
            f"<div class='promo-zone-box'><p>Unser Shop hat neue Tassen und Kalender für Sie.</p></div></body></html>")
    result = clean_html(page, rules=rules(WRAPPER))
    assert result.held_back == ["promo.zone"]
    assert all(sentence in result.text for sentence in SENTENCES)
