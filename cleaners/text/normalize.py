"""Text normalisation: repair mojibake, unify Unicode, remove invisible and odd spaces.

Most texts need none of the repairs, and scanning a long text with a character-class regex costs
far more than cleaning it. So the text is encoded once, everything but control characters and
non-ASCII bytes is deleted from that copy (a C-speed table operation), and each repair runs only
when the few bytes left show it is needed.
"""
from __future__ import annotations

import re
import unicodedata

import ftfy

# Keep typographic quotes and full-width characters as the author wrote them: only repair damage.
FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, unescape_html=False)

# Invisible characters: Unicode's default-ignorable code points (zero-width space and joiners, soft
# hyphen, BOM, word joiner, invisible operators, bidi marks, embeddings, overrides and isolates,
# the combining grapheme joiner, Mongolian and variation selectors, Hangul fillers, tag characters).
# They show nothing, and inside a word ("Anz\u200eeige") they would hide it from every rule.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0D), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
_PRESENTATION = "\ufe0e\ufe0f"  # the last two variation selectors: see _INVISIBLE
_INVISIBLE_CLASS = "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in _INVISIBLE_RANGES)
# Every horizontal space that is not a plain space (NBSP, narrow NBSP, thin space, ideographic ...).
_ODD_SPACE_CHARS = "\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000\t\f\v"
_LINE_BREAKS = "\r\u2028\u2029"
_CONTROL_CHARS = "".join(map(chr, [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F]))

# An emoji's presentation selector (U+FE0E/U+FE0F after a symbol: "⬇️") stays: that is what it is
# for. After a letter, a digit, a space or at the start, it can only hide a word.
_INVISIBLE = re.compile(f"[{_INVISIBLE_CLASS}]|(?<![^\\w\\s])[{_PRESENTATION}]")
_ODD_SPACE = re.compile(f"[{re.escape(_ODD_SPACE_CHARS)}]+")
_SPACE_RUN = re.compile(" {2,}")
_CONTROL = re.compile(f"[{re.escape(_CONTROL_CHARS)}]")

# What mojibake looks like: UTF-8 lead bytes read as Latin-1/Windows-1252 followed by a continuation
# byte read the same way, C1 controls, ligatures, lone surrogates. Text without any of these has
# nothing for ftfy to repair, and skipping ftfy there saves most of the normalisation time.
_BROKEN_ALONE = "".join(map(chr, range(0x80, 0xA0))) + "".join(map(chr, range(0xFB00, 0xFB07)))
_MOJIBAKE_LEAD = "".join(map(chr, range(0xC2, 0xF5)))
_MOJIBAKE_NEXT = "".join(map(chr, range(0x80, 0xC0))) + (
    "\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c"
    "\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
    "\ufffd"  # a continuation byte lost to a replacement character ('NeÄ�as')
)
# (Written as one character class first, so the regex engine can skip ahead fast: a lead character
# must be followed by a continuation, the others are signs on their own.)
MOJIBAKE_SIGN = re.compile(
    f"[{_BROKEN_ALONE}\ud800-\udfff{_MOJIBAKE_LEAD}]"
    f"(?:(?<=[{_MOJIBAKE_LEAD}])[{re.escape(_MOJIBAKE_NEXT)}]|(?<![{_MOJIBAKE_LEAD}]))"
)


def _byte_alternatives(chars: str) -> bytes:
    return b"(?:" + b"|".join(re.escape(c.encode("utf-8", "surrogatepass")) for c in chars) + b")"


# The same signs as UTF-8 bytes, looked for among the text's non-ASCII bytes only. Deleting the
# ASCII bytes in between can only make more pairs adjacent, so this finds every real case (and
# a few false ones, which the exact regex above then rules out).
_SURROGATE_BYTES = rb"\xed[\xa0-\xbf]"
MOJIBAKE_SIGN_BYTES = re.compile(
    _byte_alternatives(_BROKEN_ALONE) + b"|" + _SURROGATE_BYTES + b"|"
    + _byte_alternatives(_MOJIBAKE_LEAD) + _byte_alternatives(_MOJIBAKE_NEXT)
)
# Looked for among the text's unusual bytes only (decoded again: a short string).
ODD_CHARACTER = re.compile(f"[{_INVISIBLE_CLASS}{_PRESENTATION}{re.escape(_ODD_SPACE_CHARS + _LINE_BREAKS + _CONTROL_CHARS)}]")
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\n"
# Every character the normaliser treats specially (mojibake signs, invisible characters, odd spaces,
# line breaks, control characters): what a property test draws from.
SPECIAL_CHARACTERS = (_BROKEN_ALONE + _MOJIBAKE_LEAD + _MOJIBAKE_NEXT
                      + "".join(chr(code) for pair in _INVISIBLE_RANGES for code in pair)
                      + _ODD_SPACE_CHARS + _LINE_BREAKS + _CONTROL_CHARS)


def normalize_text(text: str) -> str:
    """Return text with mojibake repaired, NFC, plain spaces, stripped lines and \\n line ends."""
    unusual = unusual_bytes(text)
    if unusual:
        if MOJIBAKE_SIGN_BYTES.search(unusual) and MOJIBAKE_SIGN.search(text):
            text = _repair_mojibake(text)
            unusual = unusual_bytes(text)
        if ODD_CHARACTER.search(unusual.decode("utf-8", "surrogatepass")):
            text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
            text = _CONTROL.sub("", _INVISIBLE.sub("", text))
            text = _ODD_SPACE.sub(" ", text)
        text = unicodedata.normalize("NFC", text)  # after: an invisible character may have kept a pair apart
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n"))


def _repair_mojibake(text: str) -> str:
    """ftfy on the lines that show signs of mojibake. ftfy fixes a text line by line anyway; the
    lines without a sign are left as they are, which saves most of its time on long texts."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if MOJIBAKE_SIGN.search(line):
            end = "\n" if n < len(lines) - 1 else ""
            fixed = ftfy.fix_text(line + end, FTFY_CONFIG)
            if MOJIBAKE_SIGN.search(fixed):
                # ftfy reads a no-break space before mojibake as part of it ('\xa0Â\x80' stays 'Â€'):
                # with plain spaces a second pass repairs it. (Not first: 'Ã\xa0' is itself mojibake.)
                fixed = ftfy.fix_text(_ODD_SPACE.sub(" ", fixed), FTFY_CONFIG)
            lines[n] = fixed[: len(fixed) - len(end)] if fixed.endswith(end) else fixed
    return "\n".join(lines)


# UTF-8's no-break space read as Latin-1 is "Â" + no-break space. In a page ftfy never sees the pair
# whole: the extractor trims the space off a paragraph's end first and leaves a lone "Â" behind.
_SPLIT_NBSP = re.compile("Â(?=\xa0|&nbsp;|&#160;|&#[xX][aA]0;)")


def mend_split_nbsp(html: str) -> str:
    """The page's markup with every "Â" before a no-break space dropped (mojibake of that space)."""
    return _SPLIT_NBSP.sub("", html) if "Â" in html else html


def unusual_bytes(text: str) -> bytes:
    """The text's UTF-8 bytes without printable ASCII: what the cheap checks above look through."""
    return text.encode("utf-8", "surrogatepass").translate(None, _PLAIN_ASCII)


def normalize_inline(text: str) -> str:
    """Normalise a single block: like normalize_text, with every line break folded into a space."""
    return " ".join(normalize_text(text).split())
