"""The shortcut before ftfy's mojibake test may only skip lines that test would pass."""
import pytest
from ftfy import badness
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import mojibake
from tests.schemas.test_stable_text import _ALPHABET, CHANGED_BY_FTFY, LEFT_ALONE

# Lines it skips. (Not every line of prose: "« C’est énorme »" holds what one alternative needs, an
# accented letter, a closing and an opening quote, and goes to ftfy's test, which passes it.)
PROSE = {
    "german": "„Wir prüfen das“, sagte die Bürgermeisterin am Dienstag – die Straße bleibt bis Mai gesperrt.",
    "french": "La ministre a déclaré à l’Assemblée qu’elle présenterait le projet en février.",
    "spanish": "El alcalde afirmó que la reunión será en enero, según fuentes del Ayuntamiento.",
    **{name: line for name, line in LEFT_ALONE.items() if name != "curly quotes"},
}


def test_the_shortcut_reads_every_alternative_of_the_installed_ftfy():
    assert mojibake._NEEDS is not None and len(mojibake._NEEDS) > 10


@pytest.mark.parametrize("line", PROSE.values(), ids=PROSE.keys())
def test_ordinary_prose_skips_the_mojibake_test(line):
    assert not badness.is_bad(line)
    assert not mojibake.may_be_mojibake(line)


@pytest.mark.parametrize("line", CHANGED_BY_FTFY.values(), ids=CHANGED_BY_FTFY.keys())
def test_lines_the_mojibake_test_flags_are_given_to_it(line):
    assert mojibake.is_bad(line) == badness.is_bad(line)


@settings(max_examples=2000, deadline=None)
@given(st.text(max_size=6), st.from_regex(badness.BADNESS_RE), st.text(max_size=6))
def test_every_text_the_pattern_matches_is_given_to_it(before, match, after):
    line = before + match + after
    assert mojibake.may_be_mojibake(line)
    assert mojibake.is_bad(line) == badness.is_bad(line)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_ALPHABET, min_size=1, max_size=14).map("".join))
def test_the_shortcut_agrees_with_ftfy_on_mixed_lines(line):
    assert mojibake.is_bad(line) == badness.is_bad(line)
