"""Title, date, author and tags from a page's own markup: meta tags, JSON-LD, <time>, <h1>.

Cheaper than a full metadata extractor (which guesses dates from the whole page): a page that
declares its metadata is read, one that does not gets None.
"""
from __future__ import annotations

import json
import re
from datetime import date

from lxml import etree

from ..model import Metadata
from ..text.normalize import normalize_inline
from .dates import find_date

_META = etree.XPath("//meta[@content]")
_JSON_LD = etree.XPath("//script[@type='application/ld+json']/text()")
_TIME = etree.XPath("//time[@datetime]/@datetime")
_H1 = etree.XPath("//h1")
_TITLE = etree.XPath("//title/text()")
_TAG_LINKS = etree.XPath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' tag ')]")

_TITLE_KEYS = ("og:title", "twitter:title")
_DATE_KEYS = ("article:published_time", "datepublished", "date", "pubdate", "publishdate", "dc.date.issued",
              "dc.date", "sailthru.date", "parsely-pub-date", "og:published_time")
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author")
_TAG_KEYS = ("article:tag", "news_keywords")


def page_metadata(tree) -> tuple[str | None, Metadata]:
    metas: dict[str, list[str]] = {}
    for element in _META(tree):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        if key:
            metas.setdefault(key, []).append(element.get("content").strip())
    ld = _json_ld(tree)
    title = _first(metas, _TITLE_KEYS) or ld.get("headline") or _h1(tree) or _page_title(tree)
    published = _iso_date(_first(metas, _DATE_KEYS) or ld.get("datePublished") or next(iter(_TIME(tree)), None))
    author = _first(metas, _AUTHOR_KEYS) or ld.get("author")
    if author and (author.startswith("http") or len(author) > 120):
        author = None
    tags = [t for key in _TAG_KEYS for value in metas.get(key, []) for t in value.split(",")]
    tags += [" ".join(a.text_content().split()) for a in _TAG_LINKS(tree)[:20]]
    tags = list(dict.fromkeys(normalize_inline(t) for t in tags if t.strip()))
    return (normalize_inline(title) if title else None,
            Metadata(published=published, author=normalize_inline(author) if author else None, tags=tags))


def _first(metas: dict, keys) -> str | None:
    for key in keys:
        for value in metas.get(key, []):
            if value:
                return value
    return None


def _json_ld(tree) -> dict:
    """headline, datePublished and author name from the page's first JSON-LD article object."""
    for script in _JSON_LD(tree):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for item in _items(data):
            if isinstance(item, dict) and ("headline" in item or "datePublished" in item):
                author = item.get("author")
                if isinstance(author, list):
                    author = author[0] if author else None
                if isinstance(author, dict):
                    author = author.get("name")
                return {"headline": item.get("headline") if isinstance(item.get("headline"), str) else None,
                        "datePublished": item.get("datePublished") if isinstance(item.get("datePublished"), str) else None,
                        "author": author if isinstance(author, str) else None}
    return {}


def _items(data):
    if isinstance(data, list):
        for item in data:
            yield from _items(item)
    elif isinstance(data, dict):
        yield data
        if isinstance(data.get("@graph"), list):
            yield from _items(data["@graph"])


def _h1(tree) -> str | None:
    for element in _H1(tree):
        text = " ".join(element.text_content().split())
        if text:
            return text
    return None


def _page_title(tree) -> str | None:
    titles = _TITLE(tree)
    if not titles:
        return None
    # "Headline | Site" / "Headline - Site": the longest part is the headline
    parts = re.split(r"\s+[|–—-]\s+", " ".join(titles[0].split()))
    return max(parts, key=len) or None


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return find_date(value)
