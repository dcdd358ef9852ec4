"""Read a date out of a short dateline such as "Oktober 8, 2023", "8. Oktober 2023" or "2023-10-08"."""
from __future__ import annotations

import re
from datetime import date

MONTHS = {
    # German, English (full and abbreviated), lower case.
    "januar": 1, "jänner": 1, "january": 1, "jan": 1,
    "februar": 2, "february": 2, "feb": 2,
    "märz": 3, "maerz": 3, "march": 3, "mär": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "dezember": 12, "december": 12, "dez": 12, "dec": 12,
}
_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:\.|st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_PATTERNS = [
    re.compile(rf"{_YEAR}-(?P<m>\d{{1,2}})-(?P<day>\d{{1,2}})"),  # 2023-10-08
    re.compile(rf"(?P<day>\d{{1,2}})\.(?P<m>\d{{1,2}})\.{_YEAR}"),  # 08.10.2023
    re.compile(rf"(?P<m>\d{{1,2}})/(?P<day>\d{{1,2}})/{_YEAR}"),  # 10/08/2023 (US)
    re.compile(rf"{_DAY}\s+{_MONTH},?\s+{_YEAR}", re.I),  # 8. Oktober 2023, 8 October 2023
    re.compile(rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}", re.I),  # Oktober 8, 2023 / October 8th, 2023
]


def find_date(text: str) -> str | None:
    """The first date in text as ISO 8601, or None."""
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            month = int(parts["m"]) if parts.get("m") else MONTHS[parts["month"].lower()]
            try:
                return date(int(parts["year"]), month, int(parts["day"])).isoformat()
            except ValueError:
                continue
    return None


def is_dateline(text: str) -> bool:
    """A short line that holds a date: a dateline."""
    return len(text.split()) <= 6 and find_date(text) is not None
