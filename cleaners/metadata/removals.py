"""Turn removed metadata and reference blocks into data: dates, author, tags, sources."""
from __future__ import annotations

import re

from ..model import Metadata, Removal
from .dates import find_date

_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_LABEL = re.compile(r"^[^:]{1,30}:\s*")
_BYLINE = re.compile(r"^(?:von|by|autor(?:in)?:?|author:?|text:?)\s+", re.I)
_PLACEHOLDER = re.compile(r"^(?:no items found\.?|keine einträge( gefunden)?\.?|none|-)$", re.I)


def metadata_from_removals(removals: list[Removal], catalogue: dict, found: Metadata) -> Metadata:
    """Fill `found` from what was removed; values already in `found` (from the page) win. What a
    removal carries is its rule's `extract` in the catalogue (rule packs and detectors alike)."""
    tags: list[str] = list(found.tags)
    sources: list[str] = list(found.sources)
    for removal in removals:
        entry = catalogue.get(removal.rule_id)
        extract = entry.extract if entry else None
        text = removal.text
        if removal.category == "references" or extract == "sources":
            urls = [u.rstrip(".,;") for u in _URL.findall(text)]
            value = _LABEL.sub("", text).strip()
            sources.extend(urls or ([value] if value else []))
        elif extract == "author" and not found.author:
            found.author = _BYLINE.sub("", _LABEL.sub("", text)).strip() or None
        elif removal.category == "metadata":
            date = find_date(text)
            if date and len(text.split()) <= 8:
                found.published = found.published or date
            elif extract == "tags":
                value = _LABEL.sub("", text)
                tags.extend(t.strip() for t in re.split(r"[,;|·•]", value) if t.strip() and not _PLACEHOLDER.match(t.strip()))
    found.tags = _unique(tags)
    found.sources = _unique(sources)
    return found


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
