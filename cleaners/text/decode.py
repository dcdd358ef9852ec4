"""Bytes to text: one decoder for every way bytes come in (clean_html, the CLI, the flow's inbox).

A page's encoding is found as a browser would, with beautifulsoup4's EncodingDetector for the
byte-order mark and the declared charset (<meta charset>, the XML declaration); a text file's is its
byte-order mark, else the caller's encoding (UTF-8 by default). Data that is not text at all
(compressed, binary, NUL bytes without a byte-order mark) raises CleaningError with its reason.
"""
from __future__ import annotations

import re

from bs4.dammit import EncodingDetector

from ..errors import CleaningError
from ..guards import BINARY_SHARE

# What a page's first bytes look like (after any comments): markup, not plain text.
_HTML_START = re.compile(r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|div|p|article|main|section|meta|title)\b",
                         re.I | re.S)
_SNIFF_CHARS = 4096
_SAMPLE = 65_536
_GUESS_SAMPLE = 20_000  # charset_normalizer reads this much of a page that is neither UTF-8 nor declared
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_COMPRESSED = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"),
               (b"PK\x03\x04", "zip"))


def looks_like_html(text: str | bytes) -> bool:
    """Does the input start like an HTML page or fragment?"""
    head = text[:_SNIFF_CHARS]
    if isinstance(head, bytes):
        head = head.decode("latin-1")
    return bool(_HTML_START.match(head))


def read_bytes(data: bytes, *, mode: str | None = None, encoding: str | None = None) -> tuple[str, str]:
    """(mode, text) of an input file: "html" or "text" (as given, or sniffed), decoded."""
    bom = _bom(data)
    if bom is not None:  # a byte-order mark says what the bytes are, whatever the caller thought
        text = _decode(data[len(bom[0]):], bom[1])
        return mode or ("html" if looks_like_html(text) else "text"), text
    if mode is None:
        mode = "html" if looks_like_html(data) else "text"
    return mode, decode_page(data) if mode == "html" else decode_text(data, encoding)


def decode_text(data: bytes, encoding: str | None = None) -> str:
    """A text file's text: by its byte-order mark, else `encoding` (default UTF-8), strictly."""
    bom = _bom(data)
    if bom is not None:
        return _decode(data[len(bom[0]):], bom[1])
    _refuse_non_text(data, encoding)
    return _decode(data, encoding or "utf-8", hint="; pass --encoding" if encoding is None else "")


def decode_page(data: bytes) -> str:
    """A page's text: its byte-order mark; else UTF-8 when the bytes are valid UTF-8 (a scraper
    often re-encodes a page and leaves its old <meta charset>); else the charset it declares; else
    a guess; else Windows-1252, which decodes any byte."""
    bom = _bom(data)
    if bom is not None:
        return _decode(data[len(bom[0]):], bom[1])
    _refuse_non_text(data, None, page=True)
    wide = _utf16_without_bom(data)
    if wide:
        return data.decode(wide, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = EncodingDetector.find_declared_encoding(data[:_SAMPLE], is_html=True)
    for candidate in (declared, _guess(data), "windows-1252"):
        if candidate:
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("utf-8", "replace")


def _bom(data: bytes) -> tuple[bytes, str] | None:
    for mark, codec in _BOMS:
        if data.startswith(mark):
            return mark, codec
    return None


def _decode(data: bytes, encoding: str, hint: str = "") -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise CleaningError("undecodable", f"not valid {encoding} (byte {data[exc.start]:#04x} at offset "
                                           f"{exc.start}){hint}") from None
    except UnicodeError as exc:  # a codec that fails otherwise (idna on "xn--a")
        raise CleaningError("undecodable", f"not valid {encoding} ({exc}){hint}") from None


def _refuse_non_text(data: bytes, encoding: str | None, page: bool = False) -> None:
    """Compressed or binary data, or UTF-16 without a byte-order mark in a text file, is refused."""
    for magic, kind in _COMPRESSED:
        if data.startswith(magic):
            raise CleaningError("not_html" if page else "binary_input", f"{kind}-compressed data: decompress it first")
    if encoding is not None and b"\x00" in "text".encode(encoding, "replace"):
        return  # UTF-16 or UTF-32 asked for: NUL bytes are part of every ASCII character
    sample = data[:_SAMPLE]
    nuls = sample.count(0)
    # a page may hold a few stray NUL bytes (the parser drops them); a text file none
    if not nuls or (page and (nuls <= BINARY_SHARE * len(sample) or _utf16_without_bom(data))):
        return
    if _utf16_without_bom(data):
        raise CleaningError("undecodable", "looks like UTF-16 without a byte-order mark (NUL bytes at every other "
                                           "position); save it as UTF-8 (or give its encoding: --encoding utf-16-le)")
    raise CleaningError("not_html" if page else "binary_input",
                        f"binary data: {nuls:,} NUL bytes in the first {len(sample):,}: an image or other binary "
                        f"data, not {'an HTML page' if page else 'text'}")


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "-be" when a NUL sits beside nearly every other byte (ASCII text in UTF-16)."""
    sample = data[:_SAMPLE]
    nuls = sample.count(0)
    if not nuls or nuls < len(sample) // 4:
        return None
    odd = sample[1::2].count(0)
    if odd >= 0.9 * nuls:
        return "utf-16-le"
    if odd <= 0.1 * nuls:
        return "utf-16-be"
    return None


def _guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - installed with the extractor
        return None
    best = from_bytes(data[:_GUESS_SAMPLE]).best()
    return best.encoding if best is not None else None
