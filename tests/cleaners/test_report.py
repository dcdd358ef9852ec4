"""The review report: removals back in place, one self-contained and escaped HTML file."""
import json
import re

from cleaners import CleanResult, Metadata, Removal, clean_html, clean_text
from cleaners.model import Block
from cleaners.render.report import layout, render_report, results_from_rows
from cleaners.text.blocks import split_blocks
from cleaners.text.normalize import normalize_text

from .helpers import FIXTURES


def seed(name: str) -> dict:
    return json.loads((FIXTURES / "seeds" / f"{name}.input.json").read_text(encoding="utf-8"))


def test_layout_puts_removed_blocks_back_in_reading_order():
    record = seed("002_65eea8b01307b085")
    result = clean_text(record["text"])
    original = [b.text for b in split_blocks(normalize_text(record["text"]))]
    original = original[1:] if original[0] == result.title else original
    shape = layout(result)
    assert [" ".join(p.text for p in line.pieces) for line in shape.lines] == original
    removed = [line.removal.rule_id for line in shape.lines if line.removal]
    assert removed == [r.rule_id for r in result.removals]
    assert shape.pruned == []


def test_a_removed_sentence_stays_with_its_paragraph():
    record = seed("004_e3f12a9e40013616")
    result = clean_text(record["text"], source=record["source"])
    cut = next(r for r in result.removals if r.scope == "sentence")
    line = next(l for l in layout(result).lines if any(p.removal is cut for p in l.pieces))
    assert line.removal is None and line.pieces[0].removal is None  # the kept part of the paragraph comes first


def test_with_the_judged_blocks_a_sentence_is_placed_exactly():
    why = "Self-promotion."
    result = CleanResult(
        text="Erster Satz. Dritter Satz.\n\nNoch ein Absatz.", title="T", language="de", metadata=Metadata(),
        removals=[Removal("promo", "promo.x", "Zweiter Satz.", "sentence", 0, why),
                  Removal("ad", "ad.y", "Anzeige", "block", 1, why)],
        warnings=[])
    result.blocks = [Block("Erster Satz. Zweiter Satz. Dritter Satz."), Block("Anzeige"), Block("Noch ein Absatz.")]
    lines = layout(result).lines
    assert [(p.text, p.removal and p.removal.rule_id) for p in lines[0].pieces] == [
        ("Erster Satz.", None), ("Zweiter Satz.", "promo.x"), ("Dritter Satz.", None)]
    assert lines[1].removal.rule_id == "ad.y" and lines[2].pieces[0].text == "Noch ein Absatz."


def test_page_elements_are_listed_before_the_article():
    page = (FIXTURES / "html" / "000_0489556c03c15c71.html").read_bytes()
    result = clean_html(page)
    html = render_report([("page.html", result)])
    assert "Removed from the page before extraction" in html
    assert html.index("Removed from the page before extraction") < html.index(result.text.split("\n\n")[0][:40])


def test_report_is_self_contained_and_escaped():
    nasty = '<script>alert("x")</script> & "quotes"'
    result = CleanResult(
        text=f"Ein Absatz über {nasty}.", title=nasty, language="de",
        metadata=Metadata(published="2024-01-02", author=nasty, tags=["a<b"], sources=["<i>Quelle</i>"]),
        removals=[Removal("widget", "widget.x", nasty, "block", 0, f"why {nasty}")], warnings=["truncated"],
        url="javascript:alert(1)")
    html = render_report([(nasty, result)], title=nasty)
    assert "<script" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", html), "no external assets"
    assert 'title="widget · widget.x (block) — why &lt;script&gt;' in html
    assert "truncated" in html


def test_legend_counts_categories():
    result = clean_text(seed("002_65eea8b01307b085")["text"])
    html = render_report([("a", result), ("b", result)])
    assert re.search(r'data-category="newsletter">newsletter 14</li>', html)
    assert 'class="cat-template none"' in html


def test_results_from_store_rows():
    rows = [{"id": "a1", "title": "Titel", "text": "Absatz eins.\n\nAbsatz zwei.", "language": "de",
             "published": "2024-05-01", "author": "Jo", "tags": '["x"]', "sources": "[]", "warnings": "[]",
             "source": "example.de", "url": None}]
    removals = [{"article_id": "a1", "idx": 1, "category": "ad", "rule_id": "ad.slot-markup", "scope": "element",
                 "position": -1, "text": "Anzeige"},
                {"article_id": "a1", "idx": 0, "category": "metadata", "rule_id": "metadata.dateline", "scope": "block",
                 "position": 0, "text": "1. Mai 2024"}]
    [(name, result)] = results_from_rows(rows, removals, {"metadata.dateline": ("metadata", "A dateline.")})
    assert name == "a1" and result.metadata.tags == ["x"]
    assert [r.rule_id for r in result.removals] == ["metadata.dateline", "ad.slot-markup"]
    assert result.removals[0].why == "A dateline."
    shape = layout(result)
    assert [r.rule_id for r in shape.pruned] == ["ad.slot-markup"]
    assert [line.removal is not None for line in shape.lines] == [True, False, False]


def test_kept_positions_place_the_kept_blocks():
    result = CleanResult(
        text="Erster Absatz.\n\nZweiter Absatz.", title=None, language="de", metadata=Metadata(),
        removals=[Removal("metadata", "metadata.dateline", "1. Mai 2024", "block", 0),
                  Removal("ad", "ad.y", "Anzeige", "block", 4)],
        warnings=[], kept_positions=[2, 5])
    order = [line.removal.rule_id if line.removal else line.pieces[0].text for line in layout(result).lines]
    assert order == ["metadata.dateline", "Erster Absatz.", "ad.y", "Zweiter Absatz."]
