"""Taking elements out of a parsed page, with a record of each: the PageVerdicts that the page and
extracted stages' detectors (detect/) decide through."""
from __future__ import annotations

from copy import deepcopy

from lxml import etree

from ..model import Removal
from ..text.normalize import normalize_inline

# Never prune an element that holds this share of the page's paragraph text: it is the article.
MAX_PRUNE_SHARE = 0.4
# A page whose <p> elements hold less than this share of its text (links aside) keeps its article
# elsewhere (in <div>s and line breaks): there the guard weighs all of that text instead.
MIN_PARAGRAPH_SHARE = 0.3
_INVISIBLE_TAGS = ("script", "style", "noscript", "template")


class PageVerdicts:
    """What left the page before its blocks were judged: pruned elements, and extracted blocks
    left out (a repeated headline). Every one is recorded as an "element" removal."""

    def __init__(self, tree):
        self.tree = tree
        self.removals: list[Removal] = []
        self.recorded: list[Removal] = []  # records of text that is still on the page
        self.left_out: set[int] = set()
        self.held_back: set[str] = set()  # rules that would have taken the article's paragraphs
        self._measure = paragraph_chars
        page_paragraphs, page_text = paragraph_chars(tree), text_chars(tree)
        if page_paragraphs < MIN_PARAGRAPH_SHARE * page_text:
            self._measure, page_paragraphs = text_chars, page_text
        self._page_chars = page_paragraphs or 1
        self._taken: dict[str, int] = {}  # paragraph characters each rule has pruned so far

    def prune(self, element, category: str, rule_id: str, why: str, text: str | None = None,
              together: bool = False) -> None:
        """Drop the element from the page; its visible text (or `text`) goes into the record. Held
        back instead when it holds MAX_PRUNE_SHARE of the page's paragraph text (of all its visible
        text on a page that keeps little in <p>; with `together`: when the rule's prunings would then
        hold it): that is the article, whatever its markup says."""
        chars = self._measure(element)
        before = self._taken.get(rule_id, 0) if together else 0
        if chars and before + chars >= MAX_PRUNE_SHARE * self._page_chars:
            self.held_back.add(rule_id)
            return
        self._taken[rule_id] = self._taken.get(rule_id, 0) + chars
        text = visible_text(element) if text is None else text
        if text:
            self.removals.append(Removal(category, rule_id, text, "element", -1, why))
        element.drop_tree()

    def record(self, category: str, rule_id: str, why: str, text: str) -> None:
        """Text the extractor already left out, recorded so that no word leaves without a trace."""
        removal = Removal(category, rule_id, text, "element", -1, why)
        self.removals.append(removal)
        self.recorded.append(removal)

    def leave_out(self, blocks, index: int, category: str, rule_id: str, why: str) -> None:
        """An extracted block that is not article text (it leaves before the blocks are judged)."""
        self.left_out.add(index)
        self.removals.append(Removal(category, rule_id, blocks[index].text, "element", -1, why))

    def attached(self, element) -> bool:
        """False when an ancestor was already pruned by an earlier rule."""
        root = element
        while root.getparent() is not None:
            root = root.getparent()
        return root is self.tree


# The text of the paragraphs in (or at) an element, as plain strings: no element objects are made.
_PARAGRAPH_TEXT = etree.XPath("descendant-or-self::p//text()", smart_strings=False)


# Linked text is left out: menus and link lists are the text of links, an article's prose is not.
_PROSE_TEXT = etree.XPath("descendant-or-self::text()[not(ancestor::script or ancestor::style or ancestor::noscript"
                          " or ancestor::template or ancestor::a)]", smart_strings=False)


def paragraph_chars(element) -> int:
    return sum(map(len, _PARAGRAPH_TEXT(element)))


# For a whole page: all its text less what sits in those elements (each text once: a node-set),
# which libxml2 finds without testing the ancestors of every text.
_ALL_TEXT = etree.XPath("descendant-or-self::text()", smart_strings=False)
_NOT_PROSE_TEXT = etree.XPath("descendant-or-self::*[self::script or self::style or self::noscript or self::template"
                              " or self::a]/descendant::text()", smart_strings=False)


def text_chars(element) -> int:
    """The characters of the visible text in (or at) an element that is not a link's, white space included."""
    if element.getparent() is None:  # the page: nothing around it to look at
        return sum(map(len, _ALL_TEXT(element))) - sum(map(len, _NOT_PROSE_TEXT(element)))
    return sum(map(len, _PROSE_TEXT(element)))


def visible_text(element) -> str:
    copy = deepcopy(element)
    copy.tail = None
    etree.strip_elements(copy, *_INVISIBLE_TAGS, with_tail=False)
    return normalize_inline(" ".join(copy.itertext()))
