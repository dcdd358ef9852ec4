"""trafilatura's XML body as the article's blocks."""
from __future__ import annotations

from ..model import Block
from ..text.normalize import normalize_inline, normalize_text


def blocks_from_body(body) -> list[Block]:
    """trafilatura's XML body -> blocks: head, p, list/item, quote, table rows, and loose text."""
    raw: list[Block] = []
    if body.text and body.text.strip():
        raw.append(Block(" ".join(body.text.split())))
    for child in body:
        tag = child.tag
        if tag == "head":
            raw.append(Block(_text(child), "heading"))
        elif tag in _NESTED:
            raw.extend(_container_blocks(child))
        else:
            kind = "quote" if tag == "quote" else "paragraph"
            raw.extend(Block(line, kind) for line in _lines(child))
        if child.tail and child.tail.strip():  # text trafilatura left directly in the body
            raw.append(Block(" ".join(child.tail.split())))
    raw = [b for b in raw if b.text]
    return _normalize_blocks(raw)


# Elements after which words must not run together (trafilatura keeps <br> as <lb/>).
_SEPARATING = {"lb", "p", "cell", "row", "item", "head", "list", "quote", "table"}


# Lists and tables inside an item or cell: their text is read where they are, not again with it.
_NESTED = frozenset({"list", "table"})


def _container_blocks(container) -> list[Block]:
    """A list's items or a table's rows, each once with its own text, followed by the blocks of the
    lists and tables nested in it (a list in a cell, a table in an item: none is read twice or lost)."""
    if container.tag == "list":
        parts = [(Block(_text(item, _NESTED), "item"), item) for item in container.iterchildren("item")]
    else:
        rows = [row for row in container.iter("row") if _nearest(row, "table") is container]
        parts = [(Block(" ".join(_text(cell, _NESTED) for cell in row.iterchildren("cell")), "paragraph"), row)
                 for row in rows]
    blocks: list[Block] = []
    for block, element in parts:
        blocks.append(block)
        for inner in _inner_containers(element):
            blocks.extend(_container_blocks(inner))
    return blocks


def _inner_containers(element):
    """The lists and tables inside an element, outermost only."""
    for child in element:
        if child.tag in _NESTED:
            yield child
        else:
            yield from _inner_containers(child)


def _nearest(element, tag: str):
    return next(element.iterancestors(tag), None)


def _text(element, skip: frozenset = frozenset()) -> str:
    """An element's text on one line, with a space wherever a line break or block boundary was
    (without the text of descendants whose tag is in `skip`)."""
    if not skip and not any(child.tag in _SEPARATING for child in element.iter()):
        return " ".join("".join(element.itertext()).split())
    return " ".join(" ".join(_lines(element, skip)).split())


def _lines(element, skip: frozenset = frozenset()) -> list[str]:
    """An element's text, split where the page had line breaks and block boundaries."""
    parts: list[str] = []

    def walk(node):
        if node.tag in _SEPARATING:
            parts.append("\n")
        parts.append(_spaced(node.text))
        for child in node:
            if child.tag not in skip:
                walk(child)
            if child.tag in _SEPARATING:
                parts.append("\n")
            parts.append(_spaced(child.tail))

    walk(element)
    return [line for line in (" ".join(piece.split()) for piece in "".join(parts).split("\n")) if line]


def _spaced(text: str | None) -> str:
    """A text node's newlines are the page source's line wrapping, not line breaks: those are
    elements (<lb/> and block boundaries). The extractor's fallbacks keep the source's wrapping."""
    return text.replace("\n", " ") if text else ""


def _normalize_blocks(blocks: list[Block]) -> list[Block]:
    """Normalise all block texts in one pass (ftfy per block would cost much more)."""
    joined = normalize_text("\n".join(b.text for b in blocks)).split("\n")
    if len(joined) != len(blocks):
        joined = [normalize_inline(b.text) for b in blocks]
    return [Block(text, b.kind) for text, b in zip(joined, blocks) if text]
