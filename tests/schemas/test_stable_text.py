"""The "stable under ftfy and NFC" check: its fast path must agree with ftfy itself, line by line."""
import ftfy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.text.normalize import FTFY_CONFIG
from schemas.models import is_stable, untouched_by_ftfy

# One line per thing ftfy repairs (each must be found unstable), and lines it leaves alone.
CHANGED_BY_FTFY = {
    "mojibake": "Die StraÃŸe war gesperrt, sagte der BÃ¼rgermeister.",
    "mojibake quote": "It isnâ€™t over yet.",
    "c1 control": "Price: \x80 20",
    "ligature": "The ﬁnal ﬂight left at noon.",
    "carriage return": "one\rtwo",
    "line separator": "one\u2028two",
    "paragraph separator": "one\u2029two",
    "next line": "one\x85two",
    "lone surrogate": "broken \ud83d here",
    "terminal escape": "coloured \x1b[31mred\x1b[0m text",
    "nul": "a\x00b",
    "delete": "a\x7fb",
    "byte order mark": "\ufeffGrüße",
    "not nfc": "cafe\u0301 au lait",
}
LEFT_ALONE = {
    "german": "Grüße aus Köln: die Brücke über den Fluss wird saniert.",
    "curly quotes": "“Quoted,” she said – and left… at 5 € a ticket.",
    "greek": "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.",
    "chinese": "新华社北京电 记者报道。",
    "emoji and flag": "Cymru 🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f am byth 😀",
    "no-break space": "20\u00a0km entfernt",
}


@pytest.mark.parametrize("line", CHANGED_BY_FTFY.values(), ids=CHANGED_BY_FTFY.keys())
def test_lines_ftfy_repairs_are_unstable(line):
    assert ftfy.fix_text(line, FTFY_CONFIG) != line or "\u0301" in line  # the NFC case is caught before ftfy
    assert not untouched_by_ftfy(line)
    assert not is_stable(f"Headline\n{line}\nA last line.")


@pytest.mark.parametrize("line", LEFT_ALONE.values(), ids=LEFT_ALONE.keys())
def test_lines_ftfy_leaves_alone_are_stable(line):
    assert ftfy.fix_text(line, FTFY_CONFIG) == line
    assert is_stable(f"Headline\n{line}\nA last line.")


# Characters from everything ftfy looks at: Latin-1 and Windows-1252 (mojibake), C1 and C0 controls,
# ligatures, line breaks, surrogates, escapes, Greek and Cyrillic, box drawing, combining marks.
_ALPHABET = st.sampled_from(
    [chr(c) for c in range(0x20, 0x250)] + list("‘’“”–—…€™•†‡‰‹›ﬀﬁﬂﬃﬄﬅﬆĳŉǄ") + [chr(c) for c in range(0x370, 0x460)]
    + [chr(c) for c in range(0x2500, 0x2580)]
    + ["\x00", "\x1b", "\x7f", "\u2028", "\u2029", "\x85", "\r", "\ufeff", "\u206a", "\U000e0067", "\ud800", "\udc00",
       "\ufffd", "\u0301", "\u00a0", "😀", "中", "Ã", "Â", "â€™"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_ALPHABET, min_size=1, max_size=14).map("".join))
def test_the_fast_path_accepts_only_lines_ftfy_leaves_unchanged(line):
    if untouched_by_ftfy(line):
        assert ftfy.fix_text(line, FTFY_CONFIG) == line
