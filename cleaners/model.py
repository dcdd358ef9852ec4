"""The data the cleaner works on and hands back: blocks in, a CleanResult out."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# The closed set of removal categories (docs/design.md). Anything else is a bug in a rule file.
CATEGORIES = (
    "ad",
    "promo",
    "newsletter",
    "disclaimer",
    "related",
    "author_bio",
    "metadata",
    "widget",
    "references",
    "template",
    "furniture",  # page furniture outside the article: what the extractor left out, readers' comments
)

# A block of this many words reads as article prose, not as a label, button or leftover line.
PROSE_WORDS = 12


@dataclass
class Block:
    """One unit of the article: a heading, paragraph, list item or quote."""

    text: str
    kind: str = "paragraph"  # "heading", "paragraph", "item" (of a list) or "quote"

    @property
    def words(self) -> int:
        # Counted once per text: the detectors ask for it many times (the text may still change
        # while blocks are being built, so the count remembers which text it belongs to).
        counted = self.__dict__.get("_words")
        if counted is None or counted[0] is not self.text:
            counted = self.__dict__["_words"] = (self.text, len(self.text.split()))
        return counted[1]


@dataclass
class Removal:
    """One span the cleaner took out, and why."""

    category: str
    rule_id: str
    text: str
    scope: str  # "block" (a whole block), "sentence" (one sentence of a kept block) or "element" (pruned HTML)
    position: int  # index of the block in the article (-1 for HTML elements pruned before extraction)
    why: str = ""


@dataclass
class Metadata:
    published: str | None = None  # ISO date
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class CleanResult:
    text: str
    title: str | None
    language: str | None
    metadata: Metadata
    removals: list[Removal]
    warnings: list[str]
    source: str | None = None
    url: str | None = None
    kept_positions: list[int] = field(default_factory=list)  # block index of each published block
    blocks: list[Block] = field(default_factory=list, repr=False)  # the blocks judged; positions index these
    timed_out: list[str] = field(default_factory=list)  # rules whose pattern ran out of time (matched nothing)
    held_back: list[str] = field(default_factory=list)  # rules that would have taken the bulk of the article: not applied

    def to_dict(self) -> dict:
        """Plain JSON-ready data (the judged blocks are left out: the text and removals say it all)."""
        data = asdict(self)
        data.pop("blocks")
        return data

    @property
    def removed_words(self) -> int:
        return sum(len(r.text.split()) for r in self.removals)
