"""Every word a reader sees on a page is published or recorded: page furniture the extractor left
out (navigation, header, footer, sidebar, comments) is recorded by region."""
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from cleaners import clean_html
from cleaners.render.report import render_report

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PAGES = sorted((FIXTURES / "html").glob("*.html"))
ARTICLE = "".join(f"<p>{sentence}</p>" for sentence in [
    "Der Stadtrat hat am Montag beschlossen, die alte Brücke über den Fluss bis zum Sommer zu sanieren.",
    "Die Arbeiten sollen im März beginnen und mehrere Monate dauern, sagte eine Sprecherin der Stadt.",
    "Während der Sanierung wird der Verkehr über eine Behelfsbrücke weiter nördlich umgeleitet.",
    "Anwohner hatten seit Jahren auf die Reparatur gedrängt, weil sich Risse im Beton zeigten.",
    "Die Kosten werden auf rund vier Millionen Euro geschätzt, ein Teil kommt vom Land Brandenburg.",
] * 2)
PAGE = f"""<html><head><title>Brücke wird saniert</title></head><body>
<header class="site-header"><a href="/">Stadtblatt</a><nav><ul><li><a href="/politik">Politik</a></li>
<li><a href="/kultur">Kultur</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article><h1>Brücke wird saniert</h1>{ARTICLE}</article>
<section id="comments"><h3>Leserstimmen</h3><div class="comment-body"><p>Endlich passiert etwas, schreibt Leser Max aus Cottbus.</p></div></section></main>
<aside class="sidebar"><h3>Meistgelesen</h3><ol><li>Wetter am Wochenende</li><li>Kinoprogramm der Woche</li></ol></aside>
<footer class="site-footer"><p>Impressum · Datenschutz · Kontakt</p></footer></body></html>"""
_WORD = re.compile(r"\w+")


def _visible(html: str) -> Counter:
    tree = lxml.html.fromstring(html.encode(), parser=lxml.html.HTMLParser(encoding="utf-8"))
    etree.strip_elements(tree, "script", "style", "noscript", "template", etree.Comment, with_tail=False)
    return Counter(_WORD.findall(" ".join(tree.find("body").itertext()).casefold()))


def _accounted(result) -> Counter:
    return Counter(_WORD.findall(" ".join([result.title or "", result.text, *(r.text for r in result.removals)]).casefold()))


def test_furniture_is_recorded_by_region():
    result = clean_html(PAGE)
    regions = {r.rule_id: r.text for r in result.removals if r.category == "furniture"}
    assert "Politik Kultur Sport" in regions["furniture.navigation"]
    assert "Impressum" in regions["furniture.footer"]
    assert "Meistgelesen" in regions["furniture.sidebar"]
    assert "Endlich passiert etwas" in regions["furniture.comments"]
    assert all(r.scope == "element" and r.why for r in result.removals if r.category == "furniture")
    assert "Politik" not in result.text and "Endlich" not in result.text


def test_no_visible_word_leaves_without_a_record():
    result = clean_html(PAGE)
    assert not _visible(PAGE) - _accounted(result)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_fixture_pages_account_for_their_words(page):
    html = page.read_bytes().decode("utf-8")
    visible = _visible(html)
    missing = visible - _accounted(clean_html(html))
    assert sum(missing.values()) <= 0.01 * sum(visible.values()), dict(missing.most_common(10))


def test_article_text_is_not_recorded_as_furniture():
    result = clean_html(PAGE)
    furniture = " ".join(r.text for r in result.removals if r.category == "furniture")
    assert "Sanierung" not in furniture and "Brandenburg" not in furniture


def test_explain_folds_furniture_and_the_report_folds_it_too(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    run = [sys.executable, "-m", "cleaners.cli", "explain", "--color", "never", "--width", "0", str(path)]
    folded = subprocess.run(run, capture_output=True, text=True).stdout
    assert "page furniture the extractor left out:" in folded and "Impressum" not in folded
    shown = subprocess.run(run + ["--furniture"], capture_output=True, text=True).stdout
    assert "Impressum" in shown and "[furniture furniture.footer]" in shown
    report = render_report([("page.html", clean_html(PAGE))])
    assert '<details class="pruned furniture">' in report and "Impressum" in report


def test_a_paragraph_that_is_one_link_is_a_teaser():
    page = PAGE.replace("</article>", "<p><a href='/2024/warum-bruecken-marode-sind'>Warum so viele Brücken im Land "
                                      "marode sind</a></p><p>Mehr dazu im <a href='/dossier'>Dossier</a> der Redaktion "
                                      "über die Verkehrswende in der Stadt.</p></article>")
    result = clean_html(page)
    teasers = [r.text for r in result.removals if r.rule_id == "related.link-paragraph"]
    assert teasers == ["Warum so viele Brücken im Land marode sind"]
    assert "Mehr dazu im Dossier der Redaktion" in result.text  # a link inside prose stays


def test_a_quote_linked_to_share_the_page_stays():
    quote = "Wer eine Brücke zu spät saniert, zahlt am Ende doppelt für Umleitungen und Reparaturen."
    page = PAGE.replace("</article>", "<p><a href='https://twitter.com/intent/tweet?text=Wer+eine+Br%C3%BCcke'>"
                                      f"{quote}</a></p></article>")
    result = clean_html(page)
    assert quote in result.text
    assert not [r for r in result.removals if r.rule_id == "related.link-paragraph"]
