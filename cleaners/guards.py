"""The checks that hold every input to its limits (settings.py), and the per-article deadline.

- `check_html(html)`   before parsing a page: size, start tags (a linear scan that reads quoted
                       values and skips script and style bodies), attributes of the widest tag.
- `check_tree(tree)`   after parsing: exact element count and nesting depth (libxml2 silently drops
                       everything below depth 256, so a deeper page would lose its article).
- `check_text(text)`   before normalising plain text: size, binary data (more than 5 % NUL or other
                       control characters: an image, UTF-16 read as an 8-bit encoding), and a cheap
                       line count (more than 4 lines per allowed block is refused without splitting).
- `check_blocks(blocks)` after splitting or extraction: number of blocks.
- `time_budget()` / `check_time(stage)` / `time_left()`: a per-article deadline, checked between
                       stages and in the per-block loops, and passed down to every pattern call as its
                       timeout (so no single call can overrun it by more than the engine's check interval).
"""
from __future__ import annotations

import re
import stat
import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from .errors import CleaningError
from .settings import CODE, ENV, Limits, current

# Text is binary when more than this share of its first characters are NUL or other control characters.
BINARY_SHARE = 0.05
_BINARY_SAMPLE = 65_536
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))


def _on(limit) -> bool:
    return limit is not None and limit > 0

# --- input size, structure, blocks ----------------------------------------------------------------

def check_html(html: str | bytes, limits: Limits | None = None) -> None:
    """Before parsing (of text, or of bytes in an ASCII-compatible encoding: clean_html decodes
    bytes first, text/decode.py): the page is not too large, has not too many start tags, and no tag has too
    many attributes (libxml2 compares each attribute with all earlier ones of its element:
    26,000 attributes on one element take it 10 s, and the page may be parsed more than once)."""
    limits = limits or current()
    _check_size(html, limits, "page")
    tags, widest = _scan_tags(html, limits)
    if _on(limits.max_elements) and tags > limits.max_elements:
        raise CleaningError(CODE["max_elements"], f"page has more than {limits.max_elements:,} start tags, the limit "
                                                 f"of elements ({ENV['max_elements']})")
    if _on(limits.max_attributes) and widest > limits.max_attributes:
        raise CleaningError(CODE["max_attributes"], f"a page element has about {widest:,} attributes, more than the "
                                                   f"limit of {limits.max_attributes:,} ({ENV['max_attributes']})")


# A start tag, read the way a browser reads it (a quoted value after "=" may hold ">"; a stray
# quote elsewhere is just a character), or a whole script or style element or comment, whose
# "a<b" comparisons are not tags. Possessive: the scan is linear.
_VALUE = r"""=\s*+(?:"[^"]*+"|'[^']*+')"""
_TAG_SOURCE = (r"<(?:(?P<code>script\b(?:[^<]++|<(?!/script))*+|style\b(?:[^<]++|<(?!/style))*+|!--(?:[^-]++|-(?!->))*+)"
               rf"|[A-Za-z](?:[^>=]++|{_VALUE}|=)*+)")
_TAGS = {str: re.compile(_TAG_SOURCE, re.I), bytes: re.compile(_TAG_SOURCE.encode(), re.I)}
_QUOTED = {str: re.compile(_VALUE), bytes: re.compile(_VALUE.encode())}
_NAME = {str: re.compile(r"[^\s\"'=/>]+"), bytes: re.compile(rb"[^\s\"'=/>]+")}
_MIN_ATTRIBUTE_CHARS = 2  # " a": a tag with n attributes is at least 2n characters long


def _scan_tags(html: str | bytes, limits: Limits) -> tuple[int, int]:
    """(start tags, counting a script or style element as one; the most attributes on one tag).
    Stops counting past the element limit. Only long tags have their attributes counted."""
    kind = type(html)
    tags = widest = 0
    stop = limits.max_elements if _on(limits.max_elements) else None
    long_tag = _MIN_ATTRIBUTE_CHARS * limits.max_attributes if _on(limits.max_attributes) else None
    for match in _TAGS[kind].finditer(html):
        tags += 1
        if stop is not None and tags > stop:
            break
        if long_tag is not None and match.end() - match.start() > long_tag and match.start("code") < 0:
            names = len(_NAME[kind].findall(_QUOTED[kind].sub("=" if kind is str else b"=", match.group())))
            widest = max(widest, names - 1)  # the tag's own name is not an attribute
    return tags, widest


def check_tree(tree, limits: Limits | None = None) -> None:
    """After parsing: exact element count and nesting depth of the lxml tree (counted by libxml2's
    XPath, so no element is made a Python object)."""
    limits = limits or current()
    if tree is None:
        return
    if _on(limits.max_depth) and deeper_than(limits.max_depth - 1)(tree):
        raise CleaningError(CODE["max_depth"], f"page elements are nested {limits.max_depth} deep or more, the limit is "
                                        f"{limits.max_depth} ({ENV['max_depth']})")
    if _on(limits.max_elements):
        count = int(_count_elements()(tree))
        if count > limits.max_elements:
            raise CleaningError(CODE["max_elements"], f"page has {count:,} elements, more than the limit of "
                                                     f"{limits.max_elements:,} ({ENV['max_elements']})")


@lru_cache(maxsize=64)
def deeper_than(depth: int):
    """An XPath that is true when some element sits `depth` levels below the root element."""
    from lxml import etree

    return etree.XPath("boolean(/*" + "/*" * depth + ")")


@lru_cache(maxsize=1)
def _count_elements():
    from lxml import etree

    return etree.XPath("count(//*)")


# Plain text may hold this many lines per allowed block (blank lines between blocks, hard-wrapped
# paragraphs) before it is refused without being split: a cheap bound that needs no splitting.
LINES_PER_BLOCK = 4


def check_text(text: str, limits: Limits | None = None) -> None:
    """Before normalising: the text is not too large, not binary data, and has not far too many lines."""
    limits = limits or current()
    _check_size(text, limits, "text")
    if _on(limits.max_blocks):
        lines = text.count("\n")
        if lines > LINES_PER_BLOCK * limits.max_blocks:
            raise CleaningError(CODE["max_blocks"], f"text has {lines:,} lines, more than {LINES_PER_BLOCK} per block "
                                                   f"for the limit of {limits.max_blocks:,} blocks ({ENV['max_blocks']})")
    sample = text[:_BINARY_SAMPLE]
    # Counted on the UTF-8 bytes with everything but control bytes deleted: a C-speed table
    # operation, where a character-class regex over 64 KB costs more than cleaning the text.
    controls = len(sample.encode("utf-8", "surrogatepass").translate(None, _NOT_CONTROL))
    if controls:
        if controls > BINARY_SHARE * len(sample):
            raise CleaningError("binary_input", f"binary data: {controls:,} of the first {len(sample):,} characters "
                                                "are NUL or control characters (an image, UTF-16 without BOM?)")


def check_blocks(blocks, limits: Limits | None = None) -> None:
    """After splitting text or extracting a page: not too many blocks."""
    limits = limits or current()
    if _on(limits.max_blocks) and len(blocks) > limits.max_blocks:
        raise CleaningError(CODE["max_blocks"], f"{len(blocks):,} blocks, more than the limit of "
                                               f"{limits.max_blocks:,} ({ENV['max_blocks']})")


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is (from its st_mode), for messages."""
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISLNK, "a loop of symbolic links")):
        if test(mode):
            return kind
    return "a special file"


def check_size(data: str | bytes, limits: Limits | None = None, what: str = "page") -> None:
    """The input is not over the size limit (counted in UTF-8 bytes for text)."""
    _check_size(data, limits or current(), what)


def _check_size(data: str | bytes, limits: Limits, what: str) -> None:
    if not _on(limits.max_input_bytes):
        return
    size = len(data)
    if isinstance(data, str) and size * 4 > limits.max_input_bytes >= size:
        size = len(data.encode("utf-8", "surrogatepass"))  # only computed when it can matter
    if size > limits.max_input_bytes:
        raise CleaningError(CODE["max_input_bytes"], f"{what} of {size:,} {'bytes' if isinstance(data, bytes) or size != len(data) else 'characters'}"
                                         f" is over the limit of {limits.max_input_bytes:,} bytes ({ENV['max_input_bytes']})")


# --- time budget --------------------------------------------------------------------------------

_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("cleaners_deadline", default=None)


@contextmanager
def time_budget(seconds: float | None = None):
    """Give the code inside a deadline (default: the configured budget). Nested budgets keep the
    earlier deadline. Per thread/task: a ContextVar, so concurrent articles do not share one."""
    seconds = current().time_budget if seconds is None else seconds
    outer = _DEADLINE.get()
    if not _on(seconds):
        token = _DEADLINE.set(outer)
    else:
        deadline = time.monotonic() + seconds
        token = _DEADLINE.set(outer if outer and outer[0] <= deadline else (deadline, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def time_left() -> float | None:
    """Seconds left of the current article's budget (None when there is none)."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline[0] - time.monotonic()


def check_time(stage: str = "") -> None:
    """Raise CleaningError('time_budget') when the current article is over its deadline."""
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline[0]:
        where = f" (at {stage})" if stage else ""
        raise CleaningError(CODE["time_budget"], f"cleaning took longer than the budget of {deadline[1]:g} s{where} "
                                           f"({ENV['time_budget']})")
