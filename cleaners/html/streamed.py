"""Pages rendered by React's streaming server renderer (Next.js and others) arrive out of order.

The server sends the page with holes: a `<template id="B:x">` (a part still loading, followed by a
"Loading..." fallback) or `<template id="P:x">` (a placeholder). The missing parts come later, at
the end of the body, as hidden `<div id="S:x">` elements, and a small script moves each into its
hole. A browser runs that script; an extractor does not, so it sees the article's sections hidden
at the bottom of the page and often drops them. This module does the move by hand.
"""
from __future__ import annotations

from lxml import etree

_SEGMENTS = etree.XPath('/html/body//div[@hidden][starts-with(@id, "S:")]')
_HOLES = etree.XPath('/html/body//template[starts-with(@id, "B:") or starts-with(@id, "P:")]')


def place_streamed_segments(tree) -> int:
    """Move each hidden streamed segment into the hole with its id; returns how many were moved."""
    segments = {element.get("id")[2:]: element for element in _SEGMENTS(tree)}
    moved = 0
    while segments:
        # A moved segment may hold further holes, so look again until no hole has its segment.
        progress = False
        for hole in _HOLES(tree):
            segment = segments.pop(hole.get("id")[2:], None)
            if segment is None or any(a is segment for a in hole.iterancestors()):
                continue
            _detach_keeping_tail(segment)
            hole.addprevious(segment)
            hole.drop_tree()  # keeps the hole's tail text in place
            del segment.attrib["hidden"]
            moved += 1
            progress = True
        if not progress:
            break
    return moved


def _detach_keeping_tail(element) -> None:
    """Take the element out of the tree, leaving the text that followed it where it was."""
    tail, element.tail = element.tail, None
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent = element.getparent()
            parent.text = (parent.text or "") + tail
    element.getparent().remove(element)
