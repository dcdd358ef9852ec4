"""Split plain text into blocks: headings, paragraphs, list items."""
from __future__ import annotations

import re

from ..model import Block

# A line that is nothing but a list marker: the item follows on the next line.
_LONE_MARKER = re.compile(r"^[-–•*·▪►]$")
# (Not the en or em dash: a line that starts with one is dialogue, as German and French print it.)
_BULLET = re.compile(r"^[-•*·▪►]\s+(?=\S)")
_TERMINAL = tuple(".!?…:;,\"”“»«'’)]。！？」』")
_SENTENCE_END = tuple(".!?…:\"”»。！？」』")
_HYPHEN_BREAK = re.compile(r"\w-$")


def ends_with(text: str, chars: tuple[str, ...]) -> bool:
    """The text ends with one of the characters, as the regex `[...]$` would find: before a final
    line break too. (A regex search for that tries every position of a long paragraph.)"""
    return text.endswith(chars) or (text.endswith("\n") and text[:-1].endswith(chars))


def looks_like_heading(text: str, words: int | None = None) -> bool:
    """Short line without closing punctuation: a headline or subheading in plain text."""
    return not ends_with(text, _TERMINAL) and 0 < (len(text.split()) if words is None else words) <= 20


def split_blocks(text: str) -> list[Block]:
    """Cut normalised text into blocks.

    Every non-empty line is a block, except that a lone list marker joins the line after it, and
    hard-wrapped lines (a line broken mid-sentence, continuing in lower case) are joined again.
    """
    blocks: list[Block] = []
    pieces: list[list[str]] = []  # each block's lines and joiners, joined once at the end (linear)
    pending_marker = False
    previous_line_blank = True
    for line in text.split("\n"):
        if not line:
            previous_line_blank = True
            continue
        if _LONE_MARKER.match(line):
            pending_marker = True
            previous_line_blank = False
            continue
        if pending_marker:
            blocks.append(Block(line, "item"))
            pieces.append([line])
            pending_marker = False
        elif _BULLET.match(line):
            item = _BULLET.sub("", line)
            blocks.append(Block(item, "item"))
            pieces.append([item])
        elif blocks and not previous_line_blank and _is_continuation(pieces[-1][-1], line):
            last = pieces[-1]
            if _HYPHEN_BREAK.search(last[-1], len(last[-1]) - 2) and line[0].islower():
                last[-1] = last[-1][:-1]  # "Ver-" + "sicherung": the hyphen only broke the line
                last.append(line)
            else:
                last.extend((" ", line))
        else:
            blocks.append(Block(line))
            pieces.append([line])
        previous_line_blank = False
    for block, parts in zip(blocks, pieces, strict=True):
        if len(parts) > 1:
            block.text = "".join(parts)
    for block in blocks:
        if block.kind == "paragraph" and looks_like_heading(block.text, block.words):
            block.kind = "heading"
    return blocks


def _is_continuation(previous: str, line: str) -> bool:
    """A hard line wrap: the previous line stops mid-sentence and this one goes on in lower case."""
    return line[0].islower() and not ends_with(previous, _SENTENCE_END)


def render(blocks: list[Block]) -> str:
    """Blocks back to text: one blank line between blocks, list items as `- item`."""
    return "\n\n".join(f"- {b.text}" if b.kind == "item" else b.text for b in blocks)
