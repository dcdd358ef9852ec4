"""Parsing a page: decoded and repaired as trafilatura would, with what breaks libxml2 or the
extractor taken care of first (invalid character references, lists nested past reason)."""
from __future__ import annotations

import re
import threading

import lxml.html
from lxml import etree
from trafilatura.utils import is_dubious_html, repair_faulty_html

from ..errors import CleaningError
from ..text.decode import decode_page

# The extractor's cost grows with the nesting of lists times their items (90 nested lists of a
# 460 KB page took it 9 s). No real list nests this deep: below it, the items of an item are run
# into it, every word kept, each item's text after a space.
MAX_LIST_NESTING = 12
_DEEP_ITEMS = etree.XPath(f"//li[count(ancestor::li) = {MAX_LIST_NESTING}]")


def flatten_deep_lists(tree) -> None:
    for item in _DEEP_ITEMS(tree):
        for inner in item.iter("li", "ul", "ol"):
            if inner is not item:
                inner.tail = " " + (inner.tail or "")
                inner.text = " " + (inner.text or "")
        etree.strip_tags(item, "li", "ul", "ol")


_PARAGRAPH_SAMPLE = etree.XPath("(//p)[position() <= 40]")


def paragraph_sample(tree, enough: int = 4000) -> str:
    """The text of the page's first paragraphs, as much as the language guess reads."""
    parts, size = [], 0
    for paragraph in _PARAGRAPH_SAMPLE(tree):
        parts.append(" ".join(paragraph.itertext()))
        size += len(parts[-1])
        if size >= enough:
            break
    return " ".join(parts)


# One parser per thread. lxml gives a thread the libxml2 string dictionary of the first parser
# context it parses with (parser.pxi, _getThreadDict), and a shared parser's context holds the dict
# of the last thread that used it: with one module-level parser every thread ended up on one dict,
# which libxml2 does not lock, and threads adding names to it at once (parsing, copying trees)
# crashed with a double free or a segfault. A thread's own parser gives it its own dict before
# trafilatura's and lxml.html's shared parsers (its fallbacks use them) are ever reached.
_PARSERS = threading.local()


def _parser() -> lxml.html.HTMLParser:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        # trafilatura's parser options, but lxml.html's element classes looked up in C: lxml.html asks a
        # Python function for the class of every element object it makes (to give form fields their own
        # classes, which nothing here uses), and the extractor and the rules make thousands per page.
        parser = _PARSERS.parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                                        remove_comments=True, remove_pis=True)
        parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


def parse_page(html: str | bytes):
    """The page's tree (None when it is not HTML), decoded and repaired as trafilatura would."""
    if isinstance(html, bytes):
        try:
            html = decode_page(html)
        except CleaningError:  # binary or compressed data
            return None
    text = _drop_invalid_references(html)
    beginning = text[:50].lower()
    text = repair_faulty_html(text, beginning)
    tree = _parse(text)
    if (tree is None or len(tree) < 1) and isinstance(text, str):
        tree = _parse(text.encode("utf-8", "surrogatepass"))
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


# A reference to a character XML cannot hold (a control character, a surrogate, U+FFFE): libxml2
# stops reading the page there and the article is lost. Such a character is never shown and the
# text normaliser would remove it anyway, so the reference goes before parsing. (Candidates: the
# control characters, and the ranges of surrogates, non-characters and numbers past Unicode; each
# is then checked exactly. Common references such as &#39; or &#8217; are not candidates.)
_CHAR_REFERENCE = re.compile(r"&#(?:0*([0-8]|1[124-9]|2\d|3[01]|5[5-7]\d{3}|655\d\d|\d{7,})"
                             r"|[xX]0*([0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]"
                             r"|[0-9a-fA-F]{7,}))(?![0-9a-fA-F]);?")


def _drop_invalid_references(text: str) -> str:
    if "&#" not in text or _CHAR_REFERENCE.search(text) is None:
        return text
    return _CHAR_REFERENCE.sub(_valid_reference, text)


def _valid_reference(match: re.Match) -> str:
    decimal, hexadecimal = match.groups()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code < 0xD800 or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    return match.group() if allowed or code == 0 else ""  # NUL: libxml2 reads it as U+FFFD already


def _parse(text: str | bytes):
    try:
        return lxml.html.fromstring(text, parser=_parser())
    except ValueError:  # a string that declares its encoding: lxml wants the bytes
        return _parse(text.encode("utf-8", "surrogatepass")) if isinstance(text, str) else None
    except etree.LxmlError:  # nothing parseable
        return None


def page_language(tree) -> str | None:
    lang = (tree.get("lang") or "").strip().lower()[:2]
    return lang if lang.isalpha() and len(lang) == 2 else None
