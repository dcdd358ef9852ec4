"""Page text the extractor left out: every word a reader sees on the page is either published or in
a removal record, in HTML mode too.

After extraction, the page's visible text (script, style and the like aside) is read in document
order and set against the words the extractor kept (and the records already made of text still on
the page). A text the kept words do not cover is page furniture: it is recorded, one record per
region of the page, named by where it sat (navigation, header, footer, sidebar, comments, or just
"left out by the extractor").
"""
from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from itertools import accumulate

from lxml import etree

from ..model import Removal
from ..text.normalize import normalize_inline
from .base import Detector, Entry

_WORD = re.compile(r"\w+")
# A text counts as kept when the kept words cover this share of its words (the extractor may
# rewrite a word or two: joined hyphens, dropped symbols).
KEPT_SHARE = 0.8
# Where a text sat: the tag of an element around it, or a part of its class, id or role
# ("site-footer" -> footer, "comment-list" -> comments). The nearest such element names the region.
_TAG_REGION = {"nav": "navigation", "header": "header", "footer": "footer", "aside": "sidebar", "menu": "navigation"}
FURNITURE_TAGS = frozenset(_TAG_REGION)  # the page's furniture by its tag alone (html/page.py too)
_NAME_REGION = {
    **dict.fromkeys(("comment", "comments", "kommentar", "kommentare", "discussion", "disqus", "replies"), "comments"),
    **dict.fromkeys(("nav", "navigation", "navbar", "menu", "breadcrumb", "breadcrumbs", "pagination"), "navigation"),
    **dict.fromkeys(("header", "masthead", "topbar"), "header"),
    **dict.fromkeys(("footer", "colophon", "copyright"), "footer"),
    **dict.fromkeys(("sidebar", "widget", "widgets", "rail"), "sidebar"),
}
_NAME_PART = re.compile(r"[^\W_]+")
WHY = {
    "comments": "Readers' comments under the article: page furniture, left out by the extractor.",
    "navigation": "Site navigation and menus: page furniture, left out by the extractor.",
    "header": "A page header (the site's, or the article's own above its text): left out by the extractor.",
    "footer": "The site's footer: page furniture, left out by the extractor.",
    "sidebar": "A sidebar beside the article: page furniture, left out by the extractor.",
    "not-extracted": "Page text outside the article that the extractor left out.",
}
_BLOCKS = frozenset({"p", "li", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                     "figcaption", "caption", "pre", "div", "section", "article", "aside", "nav", "header",
                     "footer", "form", "ul", "ol", "table", "tr", "main", "body", "label", "button"})


class LeftOut(Detector):
    id = "furniture.{region}"
    category = "furniture"
    why = WHY["not-extracted"]
    stage = "extracted"

    def catalogue(self, ruleset=None) -> dict[str, Entry]:
        return {self.id.format(region=region): Entry(self.category, why) for region, why in WHY.items()}

    def detect(self, blocks, verdicts, context) -> None:
        page = context.page
        kept = _Kept(words(" ".join(block.text for block in blocks)), words(page.title or ""),
                     [words(removal.text) for removal in verdicts.recorded])
        body = page.tree.find("body")
        for region, texts in _left_out(body if body is not None else page.tree, kept):
            text = normalize_inline(" ".join(texts))
            if text:
                verdicts.removals.append(Removal(self.category, self.id.format(region=region), text, "element", -1,
                                                 WHY[region]))
        page.word_sources = kept.owners  # for the detectors that look at where a block came from


def words(text: str) -> list[str]:
    """The words the page's texts and the extracted blocks are matched by (word_sources is indexed by them)."""
    return _WORD.findall(text.casefold())


class _Kept:
    """The words the result holds, matched against the page's texts in reading order: the
    extractor keeps the article's texts in the page's order (near the last match), so a text of the
    page is kept when its words come next in the extracted words, give or take a few the extractor
    rewrote. A text found nowhere near is looked up by its first three words (the extractor may
    start later on the page, or take a block from elsewhere)."""

    WINDOW = 60  # words the extractor may have dropped between two kept texts

    def __init__(self, extracted: list[str], title: list[str], records: list[list[str]]):
        self.words = extracted
        self.used = bytearray(len(extracted))  # each extracted word accounts for one word of the page
        self.owners: list = [None] * len(extracted)  # the page element each extracted word was found in
        self.at = 0
        self.title = title
        self.records = [r for r in records if r]
        self.distinct = frozenset(extracted)
        self._joined: str | None = None  # for `starts`, made when first needed
        self._offsets: list[int] = []

    def take(self, words: list[str], owner=None) -> bool:
        if words == self.title:
            self.title = None  # the headline once; a second copy is furniture
            return True
        if words in self.records:
            self.records.remove(words)
            return True
        if words[0] not in self.distinct:  # every candidate starts with it: most furniture ends here
            return False
        count = len(words)
        for start in self._candidates(words):
            end = start + count
            if self.words[start:end] == words and self.used.find(1, start, end) == -1:
                # The usual case, the whole text word for word: marked in slices (C speed).
                self.used[start:end] = b"\x01" * count
                self.owners[start:end] = [owner] * count
                self.at = max(self.at, end)
                return True
            matched = [start + offset for offset, word in enumerate(words)
                       if start + offset < len(self.words) and self.words[start + offset] == word
                       and not self.used[start + offset]]
            if len(matched) >= KEPT_SHARE * count:
                for position in matched:
                    self.used[position] = 1
                    self.owners[position] = owner
                self.at = max(self.at, end)
                return True
        return False

    def _candidates(self, words: list[str]):
        first, start, end = words[0], self.at, min(len(self.words), self.at + self.WINDOW)
        while True:  # list.index scans in C
            try:
                start = self.words.index(first, start, end)
            except ValueError:
                break
            yield start
            start += 1
        if len(words) >= 3:
            yield from (start for start in self.starts(words[:3]) if start >= self.at + self.WINDOW or start < self.at)

    def starts(self, three: list[str]):
        """Where these three words follow each other in the extracted words, in order: searched for
        in the words joined (in C; an index of every run of three words cost more to build than all
        the searches of a page, as `take` asks only about texts whose first word the article has)."""
        if self._joined is None:
            self._joined = " " + " ".join(self.words) + " "
            self._offsets = list(accumulate((len(word) + 1 for word in self.words), initial=0))
        needle = " " + " ".join(three) + " "
        found = self._joined.find(needle)
        while found != -1:
            yield bisect_left(self._offsets, found)  # the word whose leading space is at `found`
            found = self._joined.find(needle, found + 1)


def _left_out(root, kept: _Kept):
    """(region, texts) for each run of texts the kept words do not cover: one run per block element
    of the page, or per furniture region."""
    run: list[str] = []
    run_key = None
    memo: dict = {}
    for text, element in _texts(root):
        found = words(text)
        if not found or kept.take(found, element):
            continue
        key = _region(element, memo)
        if key != run_key and run:
            yield run_key[0], run
            run = []
        run_key = key
        run.append(text)
    if run:
        yield run_key[0], run


# Every text node of the page that a reader could see, in document order (libxml2 walks the tree).
_TEXT_NODES = etree.XPath("descendant::text()[normalize-space()]"
                          "[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]")


def _texts(root):
    """(text, the element it belongs to) of every visible text on the page, in reading order."""
    for text in _TEXT_NODES(root):
        owner = text.getparent()
        yield str(text), owner.getparent() if text.is_tail else owner


def _region(element, memo: dict) -> tuple[str, object]:
    """The furniture region a text sat in (the nearest named one below the body) and the element
    that groups its record: the outermost of the run of elements named alike (a menu's items under
    its <nav>), or else the text's nearest block element. Worked out once per element, from the top
    down: an element's answer follows from its own name and its parent's answer."""
    found = memo.get(element)
    if found is None:
        chain = []
        node = element
        while node is not None and node not in memo:
            chain.append(node)
            node = node.getparent()
        above = memo.get(node) if node is not None else None  # (region, group element, own name)
        for node in reversed(chain):
            tag = node.tag if isinstance(node.tag, str) else ""
            name = None if tag in ("body", "html") else _TAG_REGION.get(tag) or _named_region(node)
            if name:
                above = (name, above[1] if above is not None and above[2] == name else node, name)
            elif above is not None and above[0] != "not-extracted":
                above = (above[0], above[1], None)
            else:
                above = ("not-extracted", node if tag in _BLOCKS else above[1] if above is not None else None, None)
            memo[node] = above
        found = above
    return found[0], found[1]


def _named_region(node) -> str | None:
    names = f"{node.get('class') or ''} {node.get('id') or ''} {node.get('role') or ''}"
    return _region_named(names) if names != "  " else None


@lru_cache(maxsize=4096)  # a page repeats its class names: read each once
def _region_named(names: str) -> str | None:
    for part in _NAME_PART.findall(names.casefold()):
        region = _NAME_REGION.get(part)
        if region:
            return region
    return None
