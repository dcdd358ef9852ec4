"""Sentence boundaries, good enough for German and English news text."""
from __future__ import annotations

import re

# A sentence ends at . ! ? or … (with any closing quotes or brackets) before white space and an
# upper-case letter, a digit or an opening quote. Abbreviations and ordinals are skipped below.
_BOUNDARY = re.compile(r"[.!?…][\"”“»'’)\]]*(\s+)(?=[\"„“«'‘(\[]?[A-ZÄÖÜ0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Za-zÄÖÜäöü]|Dr|Prof|Mr|Mrs|Ms|St|Nr|bzw|ca|vgl|usw|etc|Hr|Fr|Jan|Feb|Mär|Apr|Jun|Jul|"
    r"Aug|Sep|Sept|Okt|Oct|Nov|Dez|Dec|Inc|Ltd|Co|Corp|Jr|Sr|No|S|z\.\s?B|d\.\s?h|u\.\s?a|v\.\s?a)\.|\b\d{1,2}\.)$"
)

_LONGEST_ABBREVIATION = 8  # "Sept." with the boundary before it, "z. B." with its space


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text, end exclusive; white space between them is left out."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start() + 1
        # Only the last few characters can hold an abbreviation: searching the whole sentence so far
        # would make a run of skipped boundaries ("am 3. Mai und am 4. Mai ...") quadratic.
        if text[match.start()] == "." and _ABBREVIATION.search(text, max(start, end - _LONGEST_ABBREVIATION), end):
            continue
        spans.append((start, match.start(1)))
        start = match.end(1)
    spans.append((start, len(text)))
    return spans
