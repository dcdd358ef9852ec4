"""Lists of headline links: teaser boxes placed inside or under the article."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from ..metadata.dates import MONTHS
from ..source import registered_domain
from ..text.normalize import normalize_inline
from .base import Detector

_LISTS = etree.XPath("//ul[not(ancestor::nav or ancestor::header or ancestor::footer)] | //ol[not(ancestor::nav or ancestor::header or ancestor::footer)]")


class LinkList(Detector):
    """A list whose every item is a headline link or a teaser card. A list whose links mostly lead
    to other sites is kept: that is a changelog, a reading list or a product list the article
    gives, where a teaser box links to the site's own articles."""

    id = "related.link-list"
    category = "related"
    why = ("A list whose every item is one link to another article (or a linked headline over a short "
           "subline) is a related-articles box.")
    stage = "page"

    def detect(self, blocks, verdicts, context) -> None:
        source = context.source
        for element in _LISTS(verdicts.tree):
            items = [child for child in element if child.tag == "li"]
            if len(items) < 2 or not verdicts.attached(element):
                continue
            texts = [" ".join(item.text_content().split()) for item in items]
            if any(not (_is_headline_link(item, text) or _is_teaser_card(item, text)) for item, text in zip(items, texts)):
                continue
            if sum(len(t.split()) for t in texts) / len(texts) < 4:  # menus and tag lists, not headlines
                continue
            if source and _mostly_elsewhere(items, source):
                continue
            if _a_schedule(items):
                continue
            verdicts.prune(element, self.category, self.id, self.why, text=normalize_inline(" | ".join(texts)))


def _is_headline_link(item, text: str) -> bool:
    links = item.findall(".//a")
    if not text or not links or text.endswith((".", "!", "?")) and len(text.split()) > 25:
        return False
    href = links[0].get("href") or ""
    if href.startswith("#"):  # a table of contents points into the page itself
        return False
    linked = sum(len(a.text_content().split()) for a in links)
    unlinked = len(text.split()) - linked
    return linked >= 2 and unlinked <= 4  # a kicker ("Kaffee:") before the linked headline is fine


def _mostly_elsewhere(items, source: str) -> bool:
    """More than half of the items link (first link) to a site other than the page's own."""
    elsewhere = 0
    for item in items:
        host = urlsplit(item.find(".//a").get("href") or "").netloc
        elsewhere += bool(host) and registered_domain(f"http://{host}") != source
    return elsewhere > len(items) / 2


# A day and a month ("12. April", "April 12") or a clock time ("19:30", "7.30 pm", "20 Uhr").
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_WHEN = re.compile(rf"\b\d{{1,2}}\.?\s+(?:{_MONTH_NAMES})\b|\b(?:{_MONTH_NAMES})\.?\s+\d{{1,2}}\b"
                   r"|\b\d{1,2}[:.]\d{2}\s*(?:uhr|am|pm|h)?\b|\b\d{1,2}\s*(?:uhr|am|pm)\b"
                   r"|\b\d{1,2}\.\d{1,2}\.(?:\d{2,4})?", re.I)


def _a_schedule(items) -> bool:
    """Most items' links name a day or a time: the dates of an event or a timetable the article
    gives, not headlines of other articles (whose dates, if any, sit beside the link)."""
    timed = sum(bool(_WHEN.search(" ".join(a.text_content() for a in item.iter("a")))) for item in items)
    return timed > len(items) / 2


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
MAX_TEASER_SUBLINE_WORDS = 40


def _is_teaser_card(item, text: str) -> bool:
    """A teaser card: one linked headline (a heading element) over a short subline or date."""
    headings = [h for h in item.iter(*_HEADINGS) if h.find(".//a[@href]") is not None]
    if len(headings) != 1:
        return False
    heading_words = len(headings[0].text_content().split())
    linked = sum(len(a.text_content().split()) for a in headings[0].iter("a"))
    return linked >= 2 and linked >= 0.8 * heading_words and len(text.split()) - heading_words <= MAX_TEASER_SUBLINE_WORDS
