"""Template memory, the library half: recognise a source's recurring paragraphs and take them out.

Counting which paragraphs recur is the caller's job (the pipeline keeps the counts in its store,
per source and across runs). Here: a stable fingerprint per block, and the removal itself.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace

from .model import Block, CleanResult, Removal
from .text.blocks import render

MIN_WORDS = 6  # shorter lines ("Foto: dpa") recur everywhere and are the rules' business
MAX_SHARE = 0.5  # if more of an article than this "recurs", it is a duplicate article, not a template
RULE_ID = "template.recurring-paragraph"
WHY = "This paragraph recurs verbatim across many articles of the same source: it is the site's boilerplate."
_WORD = re.compile(r"\w+")


def fingerprint(text: str) -> str:
    """Same words in the same order -> same fingerprint, whatever the case, spacing or punctuation."""
    return hashlib.sha1(" ".join(_WORD.findall(text.lower())).encode("utf-8")).hexdigest()[:16]


def kept_blocks(result: CleanResult) -> list[Block]:
    """The published blocks of a result, in order."""
    if not result.text:
        return []
    return [Block(part[2:], "item") if part.startswith("- ") else Block(part) for part in result.text.split("\n\n")]


def fingerprints(result: CleanResult) -> list[str]:
    """Fingerprints of the result's published blocks that are long enough to count."""
    return [fingerprint(b.text) for b in kept_blocks(result) if b.words >= MIN_WORDS]


def strip_templates(result: CleanResult, templates: set[str]) -> CleanResult:
    """The result without the blocks whose fingerprint is a known template of its source."""
    blocks = kept_blocks(result)
    positions = result.kept_positions or list(range(len(blocks)))
    hits = [i for i, b in enumerate(blocks) if b.words >= MIN_WORDS and fingerprint(b.text) in templates]
    if not hits or len(hits) > MAX_SHARE * len(blocks):
        return result
    removals = [Removal("template", RULE_ID, blocks[i].text, "block", positions[i], WHY) for i in hits]
    keep = [i for i in range(len(blocks)) if i not in set(hits)]
    return replace(
        result,
        text=render([blocks[i] for i in keep]),
        kept_positions=[positions[i] for i in keep],
        removals=sorted(result.removals + removals, key=lambda r: (r.position, r.scope == "sentence")),
    )


def catalogue() -> dict:
    """Template memory's entry in the catalogue of rule ids."""
    from .detect import Entry

    return {RULE_ID: Entry("template", WHY)}
