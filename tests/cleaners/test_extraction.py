"""Extraction runs trafilatura's fast cascade first and its full cascade only when the fast result
looks wrong; the parser makes the same trees as trafilatura's own."""
from pathlib import Path

import pytest
import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from cleaners import CleaningError, clean_html
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


@pytest.mark.parametrize("page", [
    pytest.param("<html><body><nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
                 "<footer>© 2024 Example</footer></body></html>", id="menu-and-footer"),
    pytest.param("<html><body><header><a href='/'>Startseite</a></header><div role='navigation'><ul>"
                 "<li><a href='/a'>Politik</a></li><li><a href='/b'>Wirtschaft</a></li></ul></div>"
                 "<footer><p>Impressum</p><p>Datenschutz</p></footer></body></html>", id="header-roles-footer"),
])
def test_a_page_of_navigation_and_footer_only_has_no_article(page):
    with pytest.raises(CleaningError) as raised:
        clean_html(page)
    assert raised.value.code == "no_article"


def test_a_short_article_beside_a_big_menu_is_kept():
    menu = "".join(f"<li><a href='/{i}'>Rubrik {i}</a></li>" for i in range(40))
    page = f"<html><body><nav><ul>{menu}</ul></nav><article><h1>Brücke</h1><p>{SENTENCE}</p></article></body></html>"
    assert SENTENCE.strip().split(".")[0] in clean_html(page).text


def test_an_article_wrapped_in_a_header_element_is_kept():
    """Pages do wrap whole articles in a <header> (unclosed, or misnamed): that is no furniture."""
    page = (f"<html><body><header class='top-menu'><nav><a href='/'>Home</a></nav><h1>Brücke</h1>"
            f"<p>{SENTENCE * 3}</p><p>{SENTENCE * 2}</p></header></body></html>")
    assert "Die Stadtverwaltung hat am Montag beschlossen" in clean_html(page).text
