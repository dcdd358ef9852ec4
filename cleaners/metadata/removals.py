"""Turn removed metadata and reference blocks into data: dates, author, tags, sources."""
from __future__ import annotations

import re

from ..model import Metadata, Removal
from ..rules.match import skeleton
from .dates import find_date

_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_LABEL = re.compile(r"^[^:]{1,30}:\s*")


def metadata_from_removals(removals: list[Removal], catalogue: dict, found: Metadata, rules=None) -> Metadata:
    """Fill `found` from what was removed; values already in `found` (from the page) win. What a
    removal carries is its rule's `extract` in the catalogue (rule packs and detectors alike).
    `rules` (the article's) keep page furniture out of the tags: an empty list's placeholder, a label."""
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
            found.author = _value(entry, text) or None
        elif removal.category == "metadata":
            date = find_date(text)
            if date and len(text.split()) <= 8:
                found.published = found.published or date
            elif extract == "tags":
                value = _LABEL.sub("", text)
                tags.extend(tag for tag in map(str.strip, re.split(r"[,;|·•]", value)) if tag and not _is_page_text(tag, rules))
    found.tags = _unique(tags)
    found.sources = _unique(sources)
    return found


def _is_page_text(tag: str, rules) -> bool:
    """A rule would remove the value as a block of its own: it is page furniture (an empty list's
    placeholder, a label, a separator), not a tag."""
    return rules is not None and any(rule.kind == "block" for rule, _ in rules.matching(tag))


def _value(entry, text: str) -> str:
    """What a removal carries: the part its rule's pattern names `value`, else the text after a
    label ("Autorin: ...")."""
    regex = entry.rule.regex if entry.rule is not None else None
    if regex is not None and "value" in regex.groupindex:
        match = regex.search(skeleton(text))  # the skeleton has the text's length: spans carry over
        if match is not None and match.group("value"):
            start, end = match.span("value")
            return text[start:end].strip()
    return _LABEL.sub("", text).strip()


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
