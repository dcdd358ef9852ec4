"""The library's public behaviour beyond the seeds."""
import json
import subprocess
import sys

import pytest

from cleaners import CleaningError, clean_html, clean_text

ARTICLE = (
    "Ein Beispiel-Titel\n\n"
    "Die Stadt hat am Montag beschlossen, die Brücke über den Fluss bis zum Sommer zu sanieren und dafür Geld bereitzustellen.\n\n"
    "Lesen Sie auch: Warum Brücken marode sind\n\n"
    "Der Bürgermeister sagte, die Arbeiten würden etwa vier Monate dauern, und bat die Anwohner um Geduld mit den Umleitungen."
)


def test_source_defaults_to_registered_domain():
    assert clean_text(ARTICLE, url="https://www.example.co.uk/a/b").source == "example.co.uk"
    assert clean_text(ARTICLE, url="https://x.de/a", source="given.de").source == "given.de"


def test_to_dict_is_plain_json():
    result = clean_text(ARTICLE)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["title"] == "Ein Beispiel-Titel"
    assert data["removals"][0] | {"why": ""} == {
        "category": "related", "rule_id": "related.de-read-more", "text": "Lesen Sie auch: Warum Brücken marode sind",
        "scope": "block", "position": 1, "why": ""}
    assert set(data["metadata"]) == {"published", "author", "tags", "sources"}


def test_normalises_mojibake_and_spaces():
    broken = "Straße bleibt gesperrt\n\nDie BÃ¼rger\u00a0haben  entschieden, dass\u200b die StraÃŸe gesperrt wird und bleibt, sagte der Sprecher."
    assert clean_text(broken).text == "Die Bürger haben entschieden, dass die Straße gesperrt wird und bleibt, sagte der Sprecher."


def test_sentence_rule_keeps_rest_of_paragraph(tmp_path):
    (tmp_path / "p.toml").write_text('''
[[rules]]
id = "promo.house-plug"
category = "promo"
kind = "sentence"
pattern = "Beispielverlag berät Sie gern"
why = "House plug."
examples.remove = ["Der Beispielverlag berät Sie gern."]
examples.keep = ["Der Verlag berät."]
''', encoding="utf-8")
    text = "Die Zahlen sind gestiegen, wie die Behörde am Morgen mitteilte. Der Beispielverlag berät Sie gern."
    result = clean_text(text, rules=tmp_path)
    assert result.text == "Die Zahlen sind gestiegen, wie die Behörde am Morgen mitteilte."
    assert result.removals[0].scope == "sentence"


@pytest.mark.parametrize("bad", ["", "   \n\t\n", "\u200b\u00a0"])
def test_empty_text_is_a_clear_error(bad):
    with pytest.raises(CleaningError) as error:
        clean_text(bad)
    assert error.value.code == "empty_input"


@pytest.mark.parametrize("bad", [None, 42, b"bytes"])
def test_wrong_type_is_a_type_error(bad):
    with pytest.raises(TypeError):
        clean_text(bad)


@pytest.mark.parametrize("page,code", [
    ("", "empty_input"),
    (b"   ", "empty_input"),
    ("<html><body><script>var a = 1;</script></body></html>", "no_article"),
])
def test_unusable_pages_are_clear_errors(page, code):
    with pytest.raises(CleaningError) as error:
        clean_html(page)
    assert error.value.code == code


def test_over_pruned_is_flagged():
    links = "".join(f"Lesen Sie auch: Die Geschichte Nummer {n} über die lange Sanierung der Brücke\n\n" for n in range(4))
    text = "Kurz\n\n" + links + "Ein Satz mit genau zwölf Wörtern steht hier für den Artikel selbst, ja."
    assert "over_pruned" in clean_text(text).warnings


def test_library_imports_neither_prefect_nor_pandera():
    code = "import sys, cleaners; cleaners.clean_text('Titel\\n\\nEin Satz.'); print(sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'pandera', 'sqlalchemy')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


LEAD = "Die Landesregierung will die Altersgrenze für Feuerwehrleute anheben, und die Gewerkschaften protestieren."
BODY = "Betroffen sind etwa 16.000 Beamte in Nordrhein-Westfalen, sagte ein Sprecher des Ministeriums am Montag in Düsseldorf."


@pytest.mark.parametrize("under_lead, removed", [
    ("Von Nina Magoley", True),                     # the byline under the lead paragraph
    ("Stand: 22.04.2024, 06:00 Uhr", True),         # the dateline there
    ("Von Berlin aus fuhr die Delegation weiter nach Hamburg.", False),  # prose, not a byline
])
def test_byline_or_dateline_right_under_the_lead(under_lead, removed):
    result = clean_text(f"{LEAD}\n\n{under_lead}\n\n{BODY}\n\n{BODY}", language="de")
    assert (under_lead not in result.text) is removed
    assert LEAD in result.text and BODY in result.text


def test_a_byline_further_down_is_article_text():
    text = f"{LEAD}\n\n{BODY}\n\nVon Nina Magoley\n\n{BODY}"
    assert "Von Nina Magoley" in clean_text(text, language="de").text


ARTICLE_EN = "\n\n".join([
    "The city council approved the new budget on Tuesday after a long debate about school funding.",
    "Teachers had asked for more money for classroom materials, and the council agreed to a small increase.",
    "The mayor said the budget was balanced and that no new taxes would be needed this year.",
])


@pytest.mark.parametrize("name, about, removed", [
    ("Jane Porter", "Jane Porter is a senior reporter who covers city hall and education.", True),
    ("Jane Porter", "Jane Porter writes about science and lives in Leeds with her two cats.", True),
    ("Apache Spark", "Apache Spark is a unified analytics engine for large-scale data processing.", False),
    ("Theft Protection", "Theft is especially worrisome when you consider the value of what you carry.", False),
])
def test_name_then_bio_needs_a_writer(name, about, removed):
    result = clean_text(f"{ARTICLE_EN}\n\n{name}\n\n{about}", language="en")
    assert (about not in result.text) is removed
    assert any(r.rule_id == "author_bio.name-then-bio" for r in result.removals) is removed


@pytest.mark.parametrize("first,is_title", [
    pytest.param("Brücke wird bis zum Sommer saniert", True, id="headline"),
    pytest.param("Ukraine-Krieg: Selenskyj bittet um Hilfe", True, id="kicker-headline"),
    pytest.param("Leben", False, id="one-word-kicker"),
    pytest.param("BAAR, SWITZERLAND", False, id="dateline-in-capitals"),
    pytest.param("CLICK FOR FULL STATE SWIM RESULTS", False, id="shouted-label"),
    pytest.param("The shop was paid for this post. All opinions are mine", False, id="two-sentences"),
    pytest.param("昨年の元日に起きた能登半島地震を受け、整備が進められた。", False, id="cjk-sentence"),
])
def test_a_first_line_is_the_title_only_when_it_looks_like_one(first, is_title):
    body = "Die Stadt hat am Montag beschlossen, die alte Brücke über den Fluss bis zum Sommer zu sanieren."
    result = clean_text(f"{first}\n\n{body}")
    assert (result.title == first) is is_title
    assert (first in result.text) is not is_title


def test_dialogue_dashes_stay_prose():
    text = ("Wir gehen heute Abend ins Kino, sagte sie zu ihrem Bruder am Telefon.\n\n– Welcher Film läuft denn?\n\n"
            "– Der neue von Wenders, antwortete sie.\n\n- ein Punkt einer Liste")
    result = clean_text(text)
    assert "– Welcher Film läuft denn?" in result.text.split("\n\n")
    assert "- ein Punkt einer Liste" in result.text.split("\n\n")  # a hyphen is still a list marker
    assert [b.kind for b in result.blocks][1:3] == ["paragraph", "paragraph"]
