"""Inputs made to cost time or memory, or to hide junk or lose text: each is handled in bounded time,
its junk is found, and no article text leaves without a record. Large inputs are generated here."""
from __future__ import annotations

import textwrap
import time

import pytest
from lxml import html as lxml_html

from cleaners import CleaningError, clean_html, clean_text, guards, load_rules
from cleaners.rules.selectors import SelectorSet
from cleaners.text.blocks import split_blocks
from cleaners.text.sentences import sentence_spans

PROSE = ("Die Stadt hat am Montag beschlossen, die Brücke über den Fluss bis zum Sommer zu sanieren und "
         "dafür Geld aus dem Haushalt bereitzustellen.")
PROSE_2 = "Der Bürgermeister bat die Anwohner um Geduld, weil die Arbeiten an der Brücke mehrere Monate dauern."


def page(body: str, lang: str = "de") -> str:
    return f'<html lang="{lang}"><head><title>Brücke</title></head><body><article>{body}</article></body></html>'


def timed(call, *args, **kwargs):
    start = time.monotonic()
    result = call(*args, **kwargs)
    return result, time.monotonic() - start


# --- time -------------------------------------------------------------------------------------

def test_sentence_splitter_is_linear_on_skipped_boundaries():
    text = "am 3. Mai und " * 5000  # 70 KB of boundaries that are all ordinals
    spans, seconds = timed(sentence_spans, text)
    assert seconds < 1 and spans == [(0, len(text))]


def test_block_splitter_is_linear_on_hard_wrapped_lines():
    text = "Anfang\n" + "und dann geht der Satz in der nächsten Zeile weiter\n" * 15000  # 750 KB, one block
    blocks, seconds = timed(split_blocks, text)
    assert seconds < 2 and len(blocks) == 1 and blocks[0].text.count("und dann") == 15000


def test_a_huge_word_does_not_meet_the_rules_for_short_blocks():
    """`newsletter.de-lead-magnet` (`gratis ... pdf`, max 14 words) met a 200 KB "word" in full."""
    block = "gratis-" * 30000
    result, seconds = timed(clean_text, f"{PROSE}\n\n{block}\n\n{PROSE_2}")
    assert seconds < 5 and not result.timed_out and block.strip() in result.text


def test_many_attributes_on_one_element_are_refused_before_parsing():
    attack = page("<div " + " ".join(f"a{n}" for n in range(26000)) + f"><p>{PROSE}</p></div>")
    with pytest.raises(CleaningError) as error:
        timed(clean_html, attack)
    assert error.value.code == "too_many_attributes"
    quoted = page("<div " + "".join(f'a{n}=">"' for n in range(26000)) + f"><p>{PROSE}</p></div>")
    start = time.monotonic()
    with pytest.raises(CleaningError, match="attributes"):
        clean_html(quoted)
    assert time.monotonic() - start < 2


def test_comparisons_in_a_script_are_not_elements():
    script = "<script>" + "if (a<b) { c(); }\n" * 60000 + "</script>"
    result = clean_html(page(f"<p>{PROSE}</p><p>{PROSE_2}</p>" + script))
    assert PROSE in result.text


def test_too_many_real_elements_are_still_refused():
    with pytest.raises(CleaningError) as error:
        guards.check_html(page("<p>x</p>" * 60000))
    assert error.value.code == "too_many_elements"


def test_the_selector_quick_check_is_linear_in_siblings():
    tree = lxml_html.document_fromstring(page("<div>" + '<span class="x">x</span>' * 49000 + "</div>"))
    selectors = load_rules().for_article("de", None).selectors
    _, seconds = timed(selectors.matches, tree)
    assert seconds < 2


def _selector_rules(tmp_path, pattern: str):
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "mine.toml").write_text(textwrap.dedent(f'''\
        [[rules]]
        id = "widget.user-selector"
        category = "widget"
        kind = "selector"
        pattern = "{pattern}"
        why = "A user's selector."
        examples.remove = ["x"]
        examples.keep = ["y"]
        '''), encoding="utf-8")
    return load_rules(folder)


def test_a_selector_with_many_descendant_steps_is_refused(tmp_path):
    with pytest.raises(Exception, match="more than 8 descendant or sibling steps"):
        _selector_rules(tmp_path, " ".join(["div"] * 40))


def test_a_costly_selector_is_not_run_on_a_large_deep_page_and_is_reported(tmp_path):
    rules = _selector_rules(tmp_path, "div div div div div div p")
    deep = "<div>" * 150 + f"<p>{PROSE}</p>" + "</div>" * 150
    wide = "<div>" + "<span>x</span>" * 40000 + "</div>"
    selectors = SelectorSet([r for r in rules.rules if r.kind == "selector"])
    tree = lxml_html.document_fromstring(page(deep + wide))
    from cleaners.rules.match import timeouts_recorded

    with timeouts_recorded() as timed_out:
        found, seconds = timed(selectors.matches, tree)
    assert seconds < 2 and timed_out == ["widget.user-selector"]
    assert not [rule for rule, _ in found if rule.id == "widget.user-selector"]


def test_a_cheap_selector_with_combinators_still_runs(tmp_path):
    rules = _selector_rules(tmp_path, "aside div.promo")
    result = clean_html(page(f'<p>{PROSE}</p><aside><div class="promo">Kaufen Sie jetzt!</div></aside><p>{PROSE_2}</p>'),
                        rules=rules)
    assert "widget.user-selector" in [r.rule_id for r in result.removals] and not result.timed_out


# --- memory -----------------------------------------------------------------------------------

def test_nested_lists_give_each_item_once():
    nested = "".join(f"<ul><li>Punkt {n} der Liste" for n in range(90)) + "</li></ul>" * 90
    result = clean_html(page(f"<p>{PROSE}</p>{nested}<p>{PROSE_2}</p>"))
    for n in range(90):
        assert result.text.count(f"Punkt {n} der Liste") == 1, n
    assert len(result.text) < 2 * (len(PROSE) + len(PROSE_2) + 90 * 25)


def test_lists_nested_past_any_real_depth_cost_little_and_keep_every_word():
    """The extractor's time grows with list nesting times items: deep items are run into one."""
    nested = "".join(f"<ul><li>Punkt {n} der Liste" for n in range(90)) + "</li></ul>" * 90
    result, seconds = timed(clean_html, page(f"<p>{PROSE}</p>{nested * 200}<p>{PROSE_2}</p>"))  # 36,000 tags
    assert seconds < 5
    for n in range(90):
        assert f"Punkt {n} der Liste" in result.text, n


def test_a_list_in_a_table_cell_is_kept():
    """Nested containers are read once, and never dropped (a page's whole article sat in a table
    cell, its lists with it)."""
    items = f"<ul><li>Frankreich<ul><li>{PROSE_2}</li></ul></li><li>Italien: {PROSE}</li></ul>"
    layout = f"<table><tr><td><p>Menü</p></td></tr></table><table><tr><td><h2>Weinregionen</h2><p>{PROSE}</p>{items}<p>{PROSE_2}</p></td></tr></table>"
    result = clean_html(page(layout))
    assert result.text.count(PROSE) == 2 and result.text.count(PROSE_2) == 2
    assert "- Frankreich" in result.text


def test_nested_tables_give_each_cell_once():
    inner = "<table><tr><td>Innere Zelle mit Text</td></tr></table>"
    result = clean_html(page(f"<p>{PROSE}</p><table><tr><td>Äußere Zelle {inner}</td></tr></table><p>{PROSE_2}</p>"))
    assert result.text.count("Innere Zelle mit Text") <= 1


# --- junk that tries to hide ------------------------------------------------------------------

INVISIBLE = ["\u200e", "\u200f", "\u2063", "\u2061", "\u2066", "\u2069", "\u202e", "\u034f", "\u180e", "\u061c",
             "\u3164", "\ufe0f", "\U000e0041", "\U000e0100"]


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_an_invisible_character_cannot_hide_a_phrase(char):
    junk = f"Anz{char}eige"
    result = clean_text(f"{PROSE}\n\n{junk}\n\n{PROSE_2}")
    assert [r.rule_id for r in result.removals] == ["ad.de-ad-label"]
    assert char not in result.text


HOMOGLYPHS = ["\u0410nzeige", "Anz\u0435ige", "\uff21\uff4e\uff5a\uff45\uff49\uff47\uff45",
              "\U0001d400\U0001d427\U0001d433\U0001d41e\U0001d422\U0001d420\U0001d41e", "Anz\u0435\u0456ge"]


@pytest.mark.parametrize("junk", HOMOGLYPHS, ids=[f"homoglyph-{n}" for n in range(len(HOMOGLYPHS))])
def test_lookalike_letters_cannot_hide_a_phrase(junk):
    result = clean_text(f"{PROSE}\n\n{junk}\n\n{PROSE_2}")
    assert [r.rule_id for r in result.removals] == ["ad.de-ad-label"]
    assert [r.text for r in result.removals] == [junk]  # the record shows the text as it was


def test_lookalike_letters_in_a_sentence_rule_cut_the_right_sentence():
    junk = "Hier k\u00f6nnen Sie sie schon jetzt v\u043erbestellen!"  # a Cyrillic o
    result = clean_text(f"{PROSE_2}\n\n{PROSE} {junk} {PROSE_2}")
    cut = [r for r in result.removals if r.scope == "sentence"]
    assert [r.text for r in cut] == [junk]
    assert PROSE in result.text and junk not in result.text


def test_a_page_lang_attribute_does_not_override_its_text():
    body = f"<p>{PROSE}</p><p>Anzeige</p><p>{PROSE_2}</p>"
    result = clean_html(page(body, lang="en-US"))
    assert result.language == "de" and "ad.de-ad-label" in [r.rule_id for r in result.removals]


def test_a_language_hint_does_not_override_the_text():
    result = clean_text(f"{PROSE}\n\nAnzeige\n\n{PROSE_2}", language="en")
    assert result.language == "de" and "ad.de-ad-label" in [r.rule_id for r in result.removals]


# --- no silent loss ---------------------------------------------------------------------------

REFERENCES = ["&#1;", "&#8;", "&#14;", "&#27;", "&#x1F;", "&#xFFFE;", "&#xFFFF;", "&#xD800;", "&#99999999;"]


@pytest.mark.parametrize("reference", REFERENCES)
def test_a_reference_to_a_control_character_does_not_lose_the_article(reference):
    result = clean_html(page(f"<p>{PROSE} {reference} Weiter.</p><p>{PROSE_2}</p>"))
    assert PROSE in result.text and PROSE_2 in result.text


def test_a_repeated_paragraph_the_extractor_drops_is_recorded():
    result = clean_html(page(f"<p>{PROSE}</p><p>{PROSE_2}</p><p>{PROSE}</p><p>{PROSE}</p>"))
    kept = result.text.count(PROSE)
    recorded = [r for r in result.removals if r.rule_id == "template.repeated-paragraph"]
    assert kept + len(recorded) == 3 and all(r.text == PROSE for r in recorded)


def test_never_publish_sees_through_lookalike_letters(store_url, tmp_path):
    from flows import inbox
    from flows.options import RunOptions
    from flows.pipeline import process_batch

    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "pack.toml").write_text('[pack]\nnever_publish = ["Jetzt abonnieren"]\n', encoding="utf-8")
    text = f"{PROSE} Die Redaktion schreibt dazu: Jetzt \u0430bonnieren und lesen, sagt sie. {PROSE_2}"
    box = tmp_path / "inbox.jsonl"
    box.write_text(__import__("json").dumps({"id": "a", "text": f"{PROSE_2}\n\n{text}"}) + "\n", encoding="utf-8")
    batch = process_batch(inbox.scan(str(box)), RunOptions(store_url=store_url, rules_dir=str(folder)))
    assert not batch["published"]
    assert "no_never_publish_marker" in batch["quarantined"][0]["details"]
