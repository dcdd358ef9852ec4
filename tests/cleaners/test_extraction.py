"""Extraction runs trafilatura's fast cascade first and its full cascade only when the fast result
looks wrong; the parser makes the same trees as trafilatura's own."""
from pathlib import Path

import pytest
import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from cleaners import clean_html
from cleaners.html import extract, parse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PAGES = sorted((FIXTURES / "html").glob("*.html")) + sorted((FIXTURES / "hostile" / "inbox").glob("*.html"))
SENTENCE = "Die Stadtverwaltung hat am Montag beschlossen, die alte Brücke über den Fluss bis zum Sommer zu sanieren. "


def _body(xml: str):
    return etree.fromstring(f"<body>{xml}</body>")


def _page(body_html: str):
    return parse.parse_page(f"<html><head><title>t</title></head><body>{body_html}</body></html>")


ARTICLE = "".join(f"<p>{i}. {SENTENCE * 3}</p>" for i in range(6))  # about 3,000 characters


@pytest.mark.parametrize("case, body, page, doubtful", [
    ("an article, half the page", ARTICLE, ARTICLE + f"<div>{SENTENCE * 30}</div>", False),
    ("the whole page, but in several blocks", ARTICLE, ARTICLE, False),
    ("short: perhaps only a teaser", f"<p>{SENTENCE}</p>", ARTICLE, True),
    ("no paragraph at all", f"<list><item>{SENTENCE * 20}</item></list>", ARTICLE, True),
    ("page furniture in the result", ARTICLE + "<nav>Start</nav>", ARTICLE, True),
    ("a small part of the page", ARTICLE, ARTICLE + f"<div>{SENTENCE * 100}</div>", True),
    ("one block holding the whole page text", f"<p>{SENTENCE * 18}</p>", f"<div>{SENTENCE * 18}</div>", True),
])
def test_doubtful_fast_results(case, body, page, doubtful):
    assert extract.doubtful(_body(body), _page(page)) is doubtful, case


def test_script_text_does_not_count_as_page_text():
    page = _page(ARTICLE + "<script>" + "var x = 'not shown';" * 2000 + "</script>")
    assert extract.doubtful(_body(ARTICLE), page) is False


def _calls(monkeypatch) -> list[bool]:
    calls = []
    original = trafilatura.bare_extraction

    def recording(*args, **kwargs):
        calls.append(kwargs.get("fast", False))
        return original(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", recording)
    return calls


def test_a_plain_article_needs_only_the_fast_cascade(monkeypatch):
    calls = _calls(monkeypatch)
    page = f"<html><body><nav><a href='/'>Start</a></nav><article><h1>Brücke</h1>{ARTICLE}</article></body></html>"
    clean_html(page)
    assert calls == [True]


def test_a_doubtful_page_gets_the_full_cascade(monkeypatch):
    calls = _calls(monkeypatch)
    menu = "".join(f"<li><a href='/{i}'>Rubrik {i} mit einem langen Namen</a></li>" for i in range(300))
    page = f"<html><body><ul>{menu}</ul><div><p>{SENTENCE * 4}</p></div></body></html>"
    try:
        clean_html(page)
    except Exception:  # whatever the verdict on this page, the full cascade must have been asked
        pass
    assert calls == [True, False]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_parser_makes_the_same_tree_as_trafilatura(path):
    raw = path.read_bytes()
    ours, theirs = parse.parse_page(raw), load_html(raw)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert etree.tostring(ours) == etree.tostring(theirs)
