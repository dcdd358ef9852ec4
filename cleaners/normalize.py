"""Text normalisation: repair mojibake, unify Unicode, remove invisible and odd spaces."""
from __future__ import annotations

import re
import unicodedata

import ftfy

# Keep typographic quotes and full-width characters as the author wrote them: only repair damage.
_FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, unescape_html=False)

# Invisible characters that only get in the way (zero-width space/joiners, BOM, word joiner, soft hyphen).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Every horizontal space that is not a plain space (NBSP, narrow NBSP, thin space, ideographic ...).
_ODD_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]+")
_SPACE_RUN = re.compile(" {2,}")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# What mojibake looks like: UTF-8 lead bytes read as Latin-1/Windows-1252 followed by a continuation
# byte read the same way, C1 controls, ligatures, lone surrogates. Text without any of these has
# nothing for ftfy to repair, and skipping ftfy there saves most of the normalisation time.
_MAYBE_BROKEN = re.compile(
    "[\x80-\x9f\ufb00-\ufb06\ud800-\udfff]|[\xc2-\xf4][\x80-\xbf\u20ac\u201a\u0192\u201e\u2026"
    "\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014"
    "\u02dc\u2122\u0161\u203a\u0153\u017e\u0178]"
)


def normalize_text(text: str) -> str:
    """Return text with mojibake repaired, NFC, plain spaces, stripped lines and \\n line ends."""
    if _MAYBE_BROKEN.search(text):
        text = ftfy.fix_text(text, _FTFY_CONFIG)
        if _MAYBE_BROKEN.search(text):
            # ftfy reads a no-break space before mojibake as part of it ('\xa0Â\x80' stays 'Â€'):
            # with plain spaces a second pass repairs it. (Not first: 'Ã\xa0' is itself mojibake.)
            text = ftfy.fix_text(_ODD_SPACE.sub(" ", text), _FTFY_CONFIG)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    text = _ODD_SPACE.sub(" ", text)
    text = _SPACE_RUN.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n"))


def normalize_inline(text: str) -> str:
    """Normalise a single block: like normalize_text, with every line break folded into a space."""
    return " ".join(normalize_text(text).split())
