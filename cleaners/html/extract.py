"""The extraction: trafilatura's cascade, with guards against losing most of the article."""
from __future__ import annotations

import trafilatura
from lxml import etree
from trafilatura.xpaths import (
    OVERALL_DISCARD_XPATH,
    REMOVE_COMMENTS_XPATH,
    TEASER_DISCARD_XPATH,
)

from .prune import MAX_PRUNE_SHARE, paragraph_chars

# trafilatura's full cascade checks every page against readability and jusText, which costs about
# a third of its time and changes the result on about one page in twenty: mostly those where its
# own extraction came out short, covers a small part of the page (or, dumped as a last resort, all
# of it), has no paragraphs or still holds page furniture. So the fast cascade runs first and the
# full one only when the fast result shows one of those signs.
# (trafilatura works on its own copy of the tree, so the second run starts from the same page.)
FALLBACK_MIN_CHARS = 1000     # shorter than this: maybe only a teaser was found
FALLBACK_PAGE_SHARE = 0.3     # under this share of the page's text: maybe the wrong part was found
FALLBACK_WHOLE_PAGE = 0.9     # one block with this share: the page's whole text, dumped as a last resort
# Counted by libxml2 (no Python strings for the page's thousands of text nodes).
_CHARS = etree.XPath("string-length(normalize-space(.))")
_PAGE_CHARS = etree.XPath("string-length(normalize-space(/html/body))")
_NOT_SHOWN = etree.XPath("/html/body//script | /html/body//style | /html/body//noscript")
_HAS_PARAGRAPH_TEXT = etree.XPath("boolean(.//p[normalize-space()])")
# Page furniture the extractor normally drops; in its output it means the extraction went astray.
_HAS_FURNITURE = etree.XPath("boolean(.//aside | .//nav | .//footer | .//form | .//button | .//iframe | .//svg | .//noscript)")


def cascade(tree, url: str | None):
    """trafilatura's fast cascade, and its full one when the fast result looks doubtful."""
    document = trafilatura.bare_extraction(tree, url=url, include_comments=False, fast=True)
    if document is None or document.body is None or doubtful(document.body, tree):
        document = trafilatura.bare_extraction(tree, url=url, include_comments=False)
    return document


def doubtful(body, tree) -> bool:
    chars = _CHARS(body)
    if chars < FALLBACK_MIN_CHARS or not _HAS_PARAGRAPH_TEXT(body) or _HAS_FURNITURE(body):
        return True
    page_chars = _PAGE_CHARS(tree) - sum(_CHARS(element) for element in _NOT_SHOWN(tree))
    if len(body) == 1 and chars > FALLBACK_WHOLE_PAGE * page_chars:
        return True
    return chars < FALLBACK_PAGE_SHARE * page_chars


# The extractor drops page parts by their names before it looks at their text: class or id
# tokens such as "comment", "footer", "slide", "embed", "teaser", or a hidden style. Some sites
# name the wrapper of the article itself that way (a "comment on selection" feature, a "footer"
# layout block, a listicle's "slides", a site builder's "embed" around a table), and the whole
# article went with it. So: parts the extractor would drop by name that together hold most of the
# page's paragraph text are suspects. Only whole groups count (all parts with the same tag and
# class), and a part holding comments never does. When the extraction misses most of the suspects'
# paragraphs, their names are taken off (kept in data-cleaners-name, for whoever inspects the tree)
# and the page is extracted again; the longer result wins. (Taking names off up front instead
# changed the extractor's choice on pages it got right: the same names also mark content wrappers.)
_DROPPED_BY_NAME = (*OVERALL_DISCARD_XPATH, *REMOVE_COMMENTS_XPATH, *TEASER_DISCARD_XPATH)
_NAME_ATTRIBUTES = ("id", "class", "style", "aria-hidden", "role")
_HOLDS_COMMENT = etree.XPath(
    "boolean(.//*[contains(translate(@class, 'COMENT', 'coment'), 'comment')"
    " or contains(translate(@id, 'COMENT', 'coment'), 'comment')])")
MISSING_SHARE = 0.5   # the extraction lacks over half the suspects' paragraph text: retry
# On every bench page where parts dropped by name held the article, the extraction had under 40 %
# of the page's paragraph text; well-extracted pages mostly have over 80 %.
SUSPECT_BELOW_SHARE = 0.5  # look for suspects only when the extraction has under half the paragraph text
# Still under 30 % after that: the extractor's recall-oriented mode is asked too, the longer wins.
# (On the bench it found the missing text on a quarter of such pages and lost nothing on the rest.)
RECALL_BELOW_SHARE = 0.3
# List items missing from the result that add up to over half its length: the recall mode (its
# fast cascade) is asked too, and kept only when it is clearly longer (1.3 times). On the bench
# pages the check fires on about one page in fifteen; where recall was that much longer, it was
# better on 16 of 17 pages. (At 30 % it fired on one page in ten, for a little more text.)
LIST_MISSING_SHARE = 0.5
MIN_LIST_ITEM_CHARS = 30  # shorter items are menus, tags and buttons
RECALL_LONGER_BY = 1.3
# Items holding a picture are slides and cards (their captions are not article lists).
_LIST_ITEMS = etree.XPath("//li[not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::li)]"
                          "[not(.//img or .//picture or .//figure)]")
_PARAGRAPHS = etree.XPath("descendant-or-self::p")
_BODY_TEXT = etree.XPath("normalize-space(.)", smart_strings=False)


def body_text(element) -> str:
    """An element's text with white space collapsed (as libxml2's normalize-space)."""
    return _BODY_TEXT(element)


def extract_article(tree, url: str | None):
    """The extraction, with two guards against losing most of the article: parts the extractor
    dropped by name, and its recall-oriented mode when the result still lacks most paragraphs."""
    document = cascade(tree, url)
    page_chars = paragraph_chars(tree)
    # Most pages skip this: finding the suspects costs a quarter of a page's cleaning.
    if _share_of(document, page_chars) < SUSPECT_BELOW_SHARE:
        suspects = misnamed_article_parts(tree, page_chars)
        if suspects and _mostly_missing(suspects, document):
            for element in suspects:
                names = [f"{name}={element.get(name)}" for name in _NAME_ATTRIBUTES if element.get(name) is not None]
                element.set("data-cleaners-name", " ".join(names))
                for name in _NAME_ATTRIBUTES:
                    element.attrib.pop(name, None)
            document = _longer(document, cascade(tree, url))
        if _share_of(document, page_chars) < RECALL_BELOW_SHARE:
            return _longer(document, recall(tree, url))
    if _list_text_missing(tree, document):
        document = _longer(document, recall(tree, url, fast=True), by=RECALL_LONGER_BY)
    return document


def recall(tree, url: str | None, fast: bool = False):
    return trafilatura.bare_extraction(tree, url=url, include_comments=False, favor_recall=True, fast=fast)


def _list_text_missing(tree, document) -> bool:
    """The page's list items (outside navigation, header and footer, without pictures) that the
    result lacks add up to over LIST_MISSING_SHARE of its length: the extractor may have left out
    a list that is part of the article (its recall mode also reads lists in its recovery pass)."""
    if document is None or document.body is None:
        return False
    extracted = _BODY_TEXT(document.body)
    missing = 0
    for item in _LIST_ITEMS(tree):
        text = " ".join(item.text_content().split())
        if len(text) >= MIN_LIST_ITEM_CHARS and text not in extracted:
            missing += len(text)
    return missing > LIST_MISSING_SHARE * len(extracted)


def _share_of(document, page_chars: int) -> float:
    if document is None or document.body is None:
        return 0.0
    return _CHARS(document.body) / (page_chars or 1)


def _longer(document, retry, by: float = 1.0):
    """The retry when it holds more text than the document (`by` times as much, when given)."""
    if retry is None or retry.body is None:
        return document
    if document is None or document.body is None or _CHARS(retry.body) > by * _CHARS(document.body):
        return retry
    return document


def misnamed_article_parts(tree, page_chars: int | None = None) -> list:
    """Parts the extractor would drop by name that together hold most of the page's paragraph text."""
    found = dict.fromkeys(element for expression in _DROPPED_BY_NAME for element in expression(tree))
    if not found:
        return []
    groups: dict[tuple, list] = {}
    for element in found:
        if not any(ancestor in found for ancestor in element.iterancestors()):
            groups.setdefault((element.tag, element.get("class")), []).append(element)
    total = (paragraph_chars(tree) if page_chars is None else page_chars) or 1
    return [element for elements in groups.values()
            if sum(map(paragraph_chars, elements)) > MAX_PRUNE_SHARE * total
            and not any(_HOLDS_COMMENT(element) for element in elements)
            for element in elements]


def _mostly_missing(parts, document) -> bool:
    extracted = _BODY_TEXT(document.body) if document is not None and document.body is not None else ""
    paragraphs = [" ".join(p.text_content().split()) for part in parts for p in _PARAGRAPHS(part)]
    total = sum(map(len, paragraphs)) or 1
    missing = sum(len(text) for text in paragraphs if text not in extracted)
    return missing > MISSING_SHARE * total
